"""Job slots: one sandbox (zygote) per slot, reused for every submission the slot grades.

Secrecy (design.md): no process that runs student code may hold an expected value. So every slot's
zygote is forked first, and only then are the batch's expected values computed, once, and shared by
all slots. A slot whose sandbox breaks is retired, not replaced (a new zygote would be forked from a
process that now holds the expected values); its submission is recorded as "could not grade" and a
rerun retries it.
"""

import inspect
import queue
import threading
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

    def __init__(self, exercise, speed_notes: bool, train: bool = False):
        self.exercise = exercise
        self.speed_notes = speed_notes
        self.train = train  # run the training parts marked on_request too, as `grade --train`
        self.shared = None

    def prepare(self) -> None:
        """Compute the expected values, once; call only after every sandbox that will use them is open."""
        from ..cases import build_all
        from ..checks import verify_expected
        from ..grading import Shared

        verify_expected(self.exercise, build_all(self.exercise))
        self.shared = Shared.prepare(self.exercise, self.speed_notes, self.train)

    def grade(self, sandbox: Sandbox, task: Task) -> Result:
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
                           prepared=prepared, train=self.train)
        except SpecError as error:
            return Result(task, error=f"{task.shown_as}: {error}")
        except Exception as error:  # a grader bug: one line, the batch goes on
            return _internal_error(task, error)
        if sandbox.broken:
            return Result(task, error=f"{task.shown_as}: could not grade: {sandbox.broken}", retry=True)
        return Result(task, as_dict(report), as_text(report), failures=part_failures(report))


def _internal_error(task: Task, error: Exception) -> Result:
    return Result(task, error=f"{task.shown_as}: internal error while grading ({type(error).__name__}: {error}); "
                              f"please report it", retry=True)


def run_local(grader: Grader, tasks: Iterable[Task], jobs: int, limits: Limits,
              on_result: Callable[[Result], None], stop: threading.Event) -> None:
    """Grade `tasks` in `jobs` slots (threads, each owning one sandbox); `on_result` runs in this thread."""
    tasks = list(tasks)
    if not tasks:
        return
    jobs = max(1, min(jobs, len(tasks)))
    with ExitStack() as stack:
        sandboxes = [stack.enter_context(open_sandbox(limits, slot)) for slot in range(jobs)]
        grader.prepare()  # after every zygote exists (module docstring)
        todo: queue.Queue = queue.Queue()
        for task in tasks:
            todo.put(task)
        done: queue.Queue = queue.Queue()
        live = [jobs]
        lock = threading.Lock()

        def slot_loop(sandbox: Sandbox) -> None:
            while not stop.is_set():
                try:
                    task = todo.get_nowait()
                except queue.Empty:
                    break
                try:
                    result = grader.grade(sandbox, task)
                except Exception as error:  # the result must arrive, or the batch would wait for it forever
                    result = _internal_error(task, error)
                done.put(result)
                if sandbox.broken:
                    break
            with lock:
                live[0] -= 1
                last = live[0] == 0
            if last:  # no working sandbox left: what is still waiting cannot be graded in this run
                while True:
                    try:
                        task = todo.get_nowait()
                    except queue.Empty:
                        break
                    done.put(Result(task, error=f"{task.shown_as}: not graded: no working sandbox was left in "
                                                f"this run", retry=True))

        threads = [threading.Thread(target=slot_loop, args=(s,), daemon=True, name=f"slot-{i}")
                   for i, s in enumerate(sandboxes)]
        try:
            for thread in threads:
                thread.start()
            for _ in range(len(tasks)):
                if stop.is_set():
                    break
                on_result(done.get())
        finally:
            stop.set()  # the end or an interrupt: slots take no more tasks; results still in flight are dropped
