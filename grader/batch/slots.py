"""Job slots: one sandbox (zygote) per slot, reused for every submission the slot grades.

Secrecy (design.md): no process that runs student code may hold an expected value. So every slot's
zygote is forked first, and only then are the batch's expected values computed, once, and shared by
all slots. A slot whose sandbox breaks is retired, not replaced (a new zygote would be forked from a
process that now holds the expected values); its submission is recorded as "could not grade" and a
rerun retries it. The one exception is a spare slot, opened while other slots wait out timeouts, or in
a retired slot's place while submissions still wait (`run_local`, at most MOST_SPARES in all): its
zygote, like every zygote, is a fresh interpreter exec'd right after the fork (sandbox/launch.py), or
spawned (the portable runner), so it holds no page of the grader's memory, and its start is the one
moment the grader's memory is copied, by its own code, before the exec.
"""

import inspect
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ..sandbox import Limits, Sandbox


@dataclass(frozen=True)
class Task:
    """One submission to grade: `file` is what the sandbox runs (the student's own folder around it)."""

    student: str
    file: Path
    shown_as: str
    index: int = 0


@dataclass
class Result:
    task: Task
    report: dict | None = None  # report.as_dict, when graded
    text: str | None = None  # the text report, when graded
    error: str | None = None  # why it could not be graded
    retry: bool = False  # the reason may pass (a broken sandbox, an internal error): grade again next run
    extra: dict = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # part id -> kind, see part_failures


# A call's outcome status (sandbox protocol) -> the kind the gradebook's exports name.
FAILURE_KINDS = {"timeout": "timeout", "error": "crash", "crash": "crash", "import_error": "import_error",
                 "missing": "missing", "bad_return": "bad_return", "skipped": "not_run"}


def part_failures(report) -> dict[str, str]:
    """part id -> why its calls returned nothing to check (timeout, crash, import_error, missing, bad_return,
    not_run: not called after an earlier call stopped the run); parts whose calls all returned are left out.
    The kind is that of `grading.stopped_check`, the call the part's feedback describes first; the gradebook
    keeps the kind, so an export can name the students whose code timed out or crashed."""
    from ..grading import stopped_check

    kinds = {}
    for part in report.parts:
        stopped = stopped_check(part.checks)
        if stopped is not None:
            kinds[part.part.id] = FAILURE_KINDS.get(stopped.failure, stopped.failure)
    return kinds


def open_sandbox(limits: Limits, slot: int) -> Sandbox:
    """The one place a slot's sandbox is made: where the sandbox gives each slot its own uid, slot k gets uid k."""
    if "slot" in inspect.signature(Sandbox).parameters:
        return Sandbox(limits, slot=slot)
    return Sandbox(limits)


class Grader:
    """Grades submissions of one exercise with precomputed expected values; used by local slots and Dask."""

    def __init__(self, exercise, speed_notes: bool, train: bool = False, redact: bool = False):
        self.exercise = exercise
        self.speed_notes = speed_notes
        # graded on the course's secret cases: reports without their expected values, as the platforms give them
        # (platforms/common.redacted), since feedback files go back to students (review 17, R3)
        self.redact = redact
        self.train = train  # run the training parts marked on_request too, as `grade --train`
        self.shared = None

    def trains(self) -> bool:
        """Whether each submission's grade trains a network (training parts that run: seconds each)."""
        from ..grading import _training_parts

        return bool(_training_parts(self.exercise, self.train))

    def prepare(self) -> None:
        """Compute the expected values, once; call only after every sandbox that will use them is open."""
        from ..cases import build_all
        from ..checks import verify_expected
        from ..grading import Shared

        verify_expected(self.exercise, build_all(self.exercise))
        self.shared = Shared.prepare(self.exercise, self.speed_notes, self.train)

    def grade(self, sandbox: Sandbox, task: Task, offer=None) -> Result:
        """`offer`: see grading.grade (a local batch's job slots may start the later functions' runs sooner)."""
        from ..grading import grade
        from ..report import as_dict, as_text
        from ..spec import SpecError
        from ..submission import SubmissionError, for_exercise

        try:
            prepared = for_exercise(task.file, self.exercise)
        except SubmissionError as error:
            reason = str(error).replace(str(task.file), task.shown_as)  # it starts with the file's name
            return Result(task, error=reason if reason.startswith(f"{task.shown_as}: ") else
                          f"{task.shown_as}: {reason}")
        except Exception as error:  # a grader bug: one line, the batch goes on
            return _internal_error(task, error)
        try:
            report = grade(self.exercise, task.file, sandbox, shown_as=task.shown_as, shared=self.shared,
                           prepared=prepared, train=self.train, offer=offer)
        except SpecError as error:
            return Result(task, error=f"{task.shown_as}: {error}")
        except Exception as error:  # a grader bug: one line, the batch goes on
            return _internal_error(task, error)
        if sandbox.broken:
            return Result(task, error=f"{task.shown_as}: could not grade: {sandbox.broken}", retry=True)
        if self.redact:
            from ..platforms.common import redacted

            report = redacted(report)
        return Result(task, as_dict(report), as_text(report), failures=part_failures(report))


def _memory_for(limits: Limits, runs: int, meminfo: str = "/proc/meminfo") -> bool:
    """Whether the machine has memory free for `runs` more runs at --memory (and a zygote): each spare beyond the
    first --jobs ones may hold a run that sleeps now and fills its --memory later; False when the machine cannot
    tell (no /proc/meminfo)."""
    try:
        with open(meminfo) as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) >> 10 >= runs * limits.memory_mb + 256
    except (OSError, ValueError, IndexError):
        pass
    return False


def _internal_error(task: Task, error: Exception) -> Result:
    return Result(task, error=f"{task.shown_as}: internal error while grading ({type(error).__name__}: {error}); "
                              f"please report it", retry=True)


STUCK_SECONDS = 0.5  # a slot on one submission this long is most likely waiting out a timeout (1 s: acceptance
# run 8's five hangs in a row took a second each to be found, the last one's timeout starting 2 s later)
IDLE_CPU_SHARE = 0.25  # a stuck run that ran or waited to run less than this share of the time between looks sleeps
CPU_RUNS_PER_JOB = 3  # runs that want a CPU at once, per job slot: each call keeps at least a third of a CPU
MOST_SPARES = 16  # spares at most, however many stuck runs wait idle (each spare is one more zygote)
_WATCH_EVERY = 0.25  # how often the batch looks for stuck slots
_TURN_POLL = 0.02  # how often a slot waiting for its turn looks again (submissions end, or get stuck)


def run_local(grader: Grader, tasks: Iterable[Task], jobs: int, limits: Limits,
              on_result: Callable[[Result], None], stop: threading.Event) -> None:
    """Grade `tasks` in `jobs` slots (threads, each owning one sandbox); `on_result` runs in this thread.

    A slot whose submission has taken STUCK_SECONDS (a graded submission takes milliseconds) is most likely
    waiting out a timeout: an endless loop, a sleep. While submissions still wait, a spare slot is opened
    for each such slot, so a class's hangs cost their timeouts side by side instead of holding the class up
    one after another. Still no more than `jobs` submissions that are not stuck run at once (a slot waits
    for its turn), and no more than 3 × `jobs` runs want a CPU: those not stuck and the stuck ones that keep
    a CPU busy (a loop), so each call gets at least a third of a CPU, as much as a lone grade's timeout needs
    of the machine for the scores to be those of lone grades (a right answer at hidden-case sizes takes
    milliseconds). A stuck run that sleeps (it neither ran nor waited to run for IDLE_CPU_SHARE of the
    time between two looks: sandbox.run_demand_seconds) wants no CPU, so spares for those are bounded only
    by MOST_SPARES and by the memory free for each of them to fill --memory. A run that sleeps and then
    loops counts as load from the next look on; nothing stops it (review 14: lowering a worker's priority
    does nothing against runs in other sessions, and each worker is a session of its own), so a class of
    many such submissions can still crowd the machine for their timeouts. A stuck grade's later functions'
    own runs (grading.LaterRuns) are taken before the next submission, so a hang in a function both graded
    functions call costs one timeout, not two in a row. Not when training parts or the speed note's full-size probe
    run: they legitimately take seconds."""
    tasks = list(tasks)
    if not tasks:
        return
    jobs = max(1, min(jobs, len(tasks)))
    with ExitStack() as stack:
        slots = _Slots(grader, stop, stack, limits, jobs)
        for _ in range(jobs):
            slots.open()
        grader.prepare()  # after every zygote exists (module docstring)
        for task in tasks:
            slots.todo.put(task)
        spares = can_open = not (grader.speed_notes or grader.trains())
        try:
            slots.start()
            received, watched = 0, time.monotonic()
            while received < len(tasks) and not stop.is_set():
                try:
                    result = slots.done.get(timeout=_WATCH_EVERY if spares else None)
                except queue.Empty:
                    result = None
                if spares and time.monotonic() - watched >= _WATCH_EVERY:  # also while others deliver results
                    watched = time.monotonic()
                    slots.look()  # on, even when no spare can open: the slots' turns count by it
                    waiting = not slots.todo.empty() or slots.later_runs_wait()
                    if can_open and waiting and slots.room_for_a_spare() and not slots.add():
                        can_open = False  # the machine cannot start another zygote now: the slots it has go on
                if result is not None:
                    received += 1
                    on_result(result)
        finally:
            stop.set()  # the end or an interrupt: slots take no more tasks; results still in flight are dropped


class _Slots:
    """The batch's job slots: their sandboxes, the queue of submissions they take from, their results."""

    def __init__(self, grader: Grader, stop: threading.Event, stack: ExitStack, limits: Limits, jobs: int):
        self.grader, self.stop, self.stack, self.limits, self.jobs = grader, stop, stack, limits, jobs
        self.todo: queue.Queue = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        self.sandboxes: list[Sandbox] = []
        self.busy_since: dict[int, float] = {}  # slot -> when its current submission started
        self.idle: set[int] = set()  # stuck slots whose run demanded next to no CPU since the look before
        self.offers: dict[int, tuple] = {}  # slot -> (busy_since, its grade's later runs: grading.LaterRuns)
        self.urgent: deque = deque()  # later runs of stuck grades: taken before the next submission
        self.looked: dict[int, tuple] = {}  # slot -> (its busy_since, when, demand seconds or None) at the last look
        self.live = 0  # slots still taking submissions
        self.lock = threading.Lock()
        self.turn = threading.Lock()

    @property
    def opened(self) -> int:
        return len(self.sandboxes)

    def open(self) -> Sandbox:
        sandbox = self.stack.enter_context(open_sandbox(self.limits, self.opened))
        self.sandboxes.append(sandbox)
        return sandbox

    def start(self) -> None:
        for slot, sandbox in enumerate(self.sandboxes):
            self._run(slot, sandbox)

    def add(self) -> bool:
        """Open one more slot and start it; False when no sandbox could be opened."""
        try:
            sandbox = self.open()
        except Exception:  # the machine cannot start another zygote now: the slots it has go on
            return False
        self._run(self.opened - 1, sandbox)
        return True

    def stuck(self) -> tuple[int, int]:
        """How many slots have been on one submission for STUCK_SECONDS: (those idle at the last look, the rest)."""
        now = time.monotonic()
        stuck = [slot for slot, since in list(self.busy_since.items()) if now - since >= STUCK_SECONDS]
        idle = sum(slot in self.idle for slot in stuck)
        return idle, len(stuck) - idle

    def look(self) -> None:
        """Sort the stuck slots into idle and busy by what their run demanded of a CPU (ran, or waited to run)
        since the last look; a run seen for the first time, or whose sandbox cannot say, counts as busy."""
        now, idle, current = time.monotonic(), set(), set(self.busy_since.items())
        for slot, since in current:
            if now - since < STUCK_SECONDS:
                continue
            offered = self.offers.get(slot)
            if offered is not None and offered[0] == since:  # this grade's first run is stuck
                del self.offers[slot]
                if offered[1].waiting:  # still needed: its later functions' runs go next
                    self.urgent.append(offered[1])
            measure = getattr(self.sandboxes[slot], "run_demand_seconds", None)
            demand = measure() if measure is not None else None
            before = self.looked.get(slot)
            self.looked[slot] = (since, now, demand)
            if demand is None or before is None or before[0] != since or before[2] is None:
                continue
            used = demand - before[2]
            if 0 <= used < IDLE_CPU_SHARE * (now - before[1]):  # less than 0: another run began, so not known
                idle.add(slot)
        self.idle = idle

    def room_for_a_spare(self) -> bool:
        """Whether a spare would find work the running slots cannot take (see run_local)."""
        idle, busy = self.stuck()
        if self.live - idle - busy >= self.jobs:  # enough slots are not stuck (a slot that found no more work left)
            return False
        if not self._cpu_room(idle):
            return False
        spares = self.opened - self.jobs
        return spares < self.jobs or spares < MOST_SPARES and _memory_for(self.limits, spares - self.jobs + 1)

    def _cpu_room(self, idle: int) -> bool:
        """Whether one more run may want a CPU: those not stuck and the stuck ones not idle stay below
        CPU_RUNS_PER_JOB × `jobs` (see run_local)."""
        return len(self.busy_since) - idle < CPU_RUNS_PER_JOB * self.jobs

    def _offer(self, slot: int, later) -> None:
        self.offers[slot] = (self.busy_since.get(slot), later)

    def later_runs_wait(self) -> bool:
        """Whether a stuck grade's later runs wait for a slot (see `_urgent`)."""
        return any(later.waiting for later in list(self.urgent))

    def _urgent(self):
        """The next later runs that no grade has taken back, or None."""
        while self.urgent:
            later = self.urgent.popleft()
            if later.start():
                return later
        return None

    def _wait_for_a_turn(self) -> None:
        """Until fewer than `jobs` submissions run that are not stuck, and fewer than 3 × `jobs` runs want a CPU."""
        while not self.stop.is_set():
            idle, busy = self.stuck()
            if len(self.busy_since) - idle - busy < self.jobs and self._cpu_room(idle):
                return
            time.sleep(_TURN_POLL)

    def _run(self, slot: int, sandbox: Sandbox) -> None:
        with self.lock:
            self.live += 1
        threading.Thread(target=self._loop, args=(slot, sandbox), daemon=True, name=f"slot-{slot}").start()

    def _loop(self, slot: int, sandbox: Sandbox) -> None:
        while not self.stop.is_set():
            with self.turn:  # one slot at a time checks the load and takes its submission
                self._wait_for_a_turn()
                if self.stop.is_set():
                    break
                later = self._urgent()
                if later is None:
                    try:
                        task = self.todo.get_nowait()
                    except queue.Empty:
                        break
                self.busy_since[slot] = time.monotonic()
            if later is not None:
                try:
                    later.run(sandbox)
                except Exception:  # its grade then runs them itself
                    pass
                finally:
                    self.busy_since.pop(slot, None)
                if sandbox.broken:
                    break
                continue
            try:
                result = self.grader.grade(sandbox, task, offer=lambda runs, slot=slot: self._offer(slot, runs))
            except Exception as error:  # the result must arrive, or the batch would wait for it forever
                result = _internal_error(task, error)
            finally:
                self.busy_since.pop(slot, None)
                self.offers.pop(slot, None)
            self.done.put(result)
            if sandbox.broken:
                break
        with self.lock:
            self.live -= 1
            last = self.live == 0
        if last:  # no working sandbox left: what is still waiting cannot be graded in this run
            while True:
                try:
                    task = self.todo.get_nowait()
                except queue.Empty:
                    break
                self.done.put(Result(task, error=f"{task.shown_as}: not graded: no working sandbox was left in "
                                                 f"this run", retry=True))
