"""`grade batch --dask tcp://HOST:PORT`: the same job slots, living in a Dask cluster's workers.

A worker plugin opens one local sandbox per worker thread when it is registered (before that worker
holds any expected value: the secrecy order of slots.py); each task carries one submission's files
(its folder's own Python files, bounded) and the spec's text, so worker hosts need no shared file
system, only nn-grader with its sandbox layers (`grade doctor`). Each worker computes the exercise's
expected values once. Results come back to the client as they finish and are recorded there, one
transaction each; a task whose worker is lost is run again elsewhere (Dask's own retry of a task
whose worker died, plus `retries`), costing only that retry.
"""

import hashlib
import queue
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from .scratch import Scratch
from .slots import Result, Task
from .task_files import Unreadable, read_task_files, write_task_files

try:
    from distributed import WorkerPlugin
except ImportError:  # without the extra, only DaskUnavailable is used from here
    WorkerPlugin = object

PLUGIN = "nn-grader-sandboxes"
RETRIES = 2
WINDOW = 16  # tasks in flight at least (see _window)
RESIZE_EVERY = 2.0  # seconds between looks at how many worker threads the cluster has
PROBE_SECONDS = 10.0  # how long the scheduler at --dask (and its workers) have to answer
PLUGIN_WAIT = 60.0  # how long a task waits for its worker's sandboxes to be set up
MAX_REFUSED = 8  # refusals of one task before that student is "could not grade" (a refused worker that keeps
# coming back at one address would otherwise bounce it for ever)


class DaskUnavailable(Exception):
    """No Dask here, no scheduler at the address, or a worker that may not grade; one line."""


class WorkerRefused(Exception):
    """Raised by a task on a worker that may not grade (see `refusal`): args (worker address, why)."""

    def __str__(self) -> str:
        return f"the Dask worker at {self.args[0]} {self.args[1]}" if len(self.args) == 2 else super().__str__()


def worker_facts() -> dict:
    """Run on each worker: what decides whether it may grade for this client."""
    from ..build import build_id
    from ..runner_choice import runner_name, why_portable

    try:
        runner = runner_name()
    except Exception as error:  # a bad GRADER_SANDBOX on that host
        return {"version": build_id(), "runner": "none", "why": str(error)}
    return {"version": build_id(), "runner": runner, "why": why_portable() if runner == "portable" else ""}


def refusal(facts, version: str, allow_weak: bool) -> str | None:
    """Why a worker with these facts (worker_facts(), or the exception running it raised there) may not grade
    for a client of nn-grader `version`, as the end of a sentence naming the worker; None when it may.
    The same rules as a local batch: the Linux sandbox unless --allow-weak-isolation, and one grader version
    (the gradebook records the client's, and a rerun regrades by it): `version` is a build id (grader/build.py),
    so a worker whose grader code differs from the client's is refused even when both say 0.1.0."""
    if isinstance(facts, BaseException):  # Dask hands back a worker's error as Exception("TheError(...)")
        detail = str(facts) if type(facts) is Exception else f"{type(facts).__name__}: {facts}"
        return (f"cannot run the grader ({detail}): install nn-grader {version} with its "
                f"dask extra there (pip install '/path/to/nn-grader[dask]'), then run `grade doctor` there")
    if facts.get("version") != version:
        return (f"has nn-grader {facts.get('version')}, this client {version}: install the same version (the "
                f"same code: the part after + digests it) on every worker host, so that the gradebook's "
                f"grader_version is true")
    if facts.get("runner") == "none":
        return f"cannot choose a sandbox ({facts.get('why')})"
    if facts.get("runner") == "portable" and not allow_weak:
        return (f"would use the portable runner ({facts.get('why')}); grading a class needs the Linux sandbox on "
                f"every worker (run `grade doctor` there), or pass --allow-weak-isolation to accept weaker "
                f"isolation")
    return None


class SandboxPool(WorkerPlugin):
    """The worker plugin: one sandbox per worker thread, opened before any expected value exists there."""

    name = PLUGIN

    def __init__(self, limits: dict, allow_weak: bool = False, version: str = ""):
        # only these travel to the workers; the rest is made there, in setup
        self.limits, self.allow_weak, self.version = limits, allow_weak, version
        self.refused: str | None = None
        self.working = 0  # sandboxes that still work
        self.free: queue.Queue | None = None
        self.graders: dict[str, object] = {}
        self.lock = None
        self.stack = None
        self.scratch: Path | None = None

    def __getstate__(self):
        return {"limits": self.limits, "allow_weak": self.allow_weak, "version": self.version}

    def __setstate__(self, state):
        self.__init__(state["limits"], state["allow_weak"], state["version"])

    def setup(self, worker=None):
        from contextlib import ExitStack

        from ..sandbox import Limits
        from .slots import open_sandbox

        threads = getattr(worker, "state", None) and worker.state.nthreads or getattr(worker, "nthreads", 1) or 1
        self.lock = threading.Lock()
        self.stack = ExitStack()
        # a worker that joins after the client's check (worker_facts) is held to the same rules here
        self.refused = refusal(worker_facts(), self.version, self.allow_weak)
        if self.refused:
            return
        try:
            # the tasks' folders live in one locked scratch folder: a worker killed mid-task leaves it to the
            # next worker's (or local batch's) sweep, as a killed local batch does (scratch.py)
            self.scratch = self.stack.enter_context(Scratch())
            self.free = queue.Queue()
            for slot in range(threads):
                self.free.put(self.stack.enter_context(open_sandbox(Limits(**self.limits), slot)))
            self.working = threads
        except Exception as error:  # a full TMPDIR, a zygote that cannot start: this worker only is retired
            self.stack.close()
            self.refused = f"cannot open a sandbox ({type(error).__name__}: {error}); run `grade doctor` there"

    def take(self):
        """A free working sandbox, waiting for one; None once none works (a broken one is not replaced: a new
        zygote would be forked from this worker, which holds expected values; slots.py)."""
        while True:
            with self.lock:
                if self.working <= 0:
                    return None
            try:
                return self.free.get(timeout=1.0)
            except queue.Empty:
                continue

    def give_back(self, sandbox) -> None:
        if sandbox.broken:
            with self.lock:
                self.working -= 1
        else:
            self.free.put(sandbox)

    def teardown(self, worker=None):
        if self.stack is not None:
            self.stack.close()

    def grader(self, spec_text: str, spec_name: str, speed_notes: bool, train: bool = False):
        """The exercise's Grader with its expected values, computed once per worker."""
        from ..spec import parse
        from .slots import Grader

        key = hashlib.sha256(spec_text.encode()).hexdigest() + str(speed_notes) + str(train)
        with self.lock:
            if key not in self.graders:
                grader = Grader(parse(spec_text, spec_name), speed_notes, train)
                grader.prepare()
                self.graders[key] = grader
            return self.graders[key]


def _plugin(worker) -> SandboxPool:
    """This worker's sandboxes; a task may arrive while the plugin is still being set up (_register_plugin)."""
    for _ in range(int(PLUGIN_WAIT / 0.05)):
        if PLUGIN in worker.plugins:
            break
        time.sleep(0.05)
    return worker.plugins[PLUGIN]


def grade_remote(spec_text: str, spec_name: str, speed_notes: bool, task: dict, files: dict[str, bytes],
                 train: bool = False) -> dict:
    """Runs on a Dask worker: grade one submission in one of this worker's sandboxes."""
    from distributed import get_worker

    pool: SandboxPool = _plugin(get_worker())
    if pool.refused:
        raise WorkerRefused(get_worker().address, pool.refused)
    grader = pool.grader(spec_text, spec_name, speed_notes, train)
    sandbox = pool.take()
    if sandbox is None:  # every sandbox of this worker broke: it is retired, the task goes elsewhere
        raise WorkerRefused(get_worker().address, "has no working sandbox left (run `grade doctor` there)")
    try:
        with tempfile.TemporaryDirectory(prefix="task-", dir=pool.scratch) as folder:
            write_task_files(Path(folder), files, Path(task["file"]).name)
            local = Task(task["student"], Path(folder) / Path(task["file"]).name, task["shown_as"], task["index"])
            result = grader.grade(sandbox, local)
    finally:
        pool.give_back(sandbox)
    return {"report": result.report, "text": result.text, "error": result.error, "retry": result.retry,
            "failures": result.failures}


def _probe(address: str) -> None:
    """A scheduler at tcp:// sends its handshake as soon as it accepts a connection; something else listening
    there (the scheduler's dashboard at :8787, any web server) says nothing, and Client would wait for it for
    ever (staff review S3). So a tcp:// address must send a byte within PROBE_SECONDS. Other schemes, and
    addresses the probe cannot read or reach, are left to Client, which says what is wrong."""
    import socket

    scheme, _, rest = address.rpartition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("", "tcp") or not host or not port.isdigit():
        return
    try:
        connection = socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_SECONDS)
    except OSError:
        return
    with connection:
        connection.settimeout(PROBE_SECONDS)
        try:
            if connection.recv(1):
                return
            said = "closed the connection at once"
        except TimeoutError:
            said = f"said nothing in {PROBE_SECONDS:.0f} s"
        except OSError as error:
            said = f"failed ({error})"
    raise DaskUnavailable(f"something listens there but it is not a Dask scheduler (it {said}); `dask scheduler` "
                          f"prints the scheduler's address, tcp://HOST:8786 (8787 is its dashboard)")


def run_dask(address: str, exercise, speed_notes: bool, limits, tasks: list[Task], on_result, stop,
             train: bool = False, allow_weak: bool = False, say=None) -> None:
    """Grade `tasks` on the cluster at `address`; `on_result` gets each result as it arrives. `say` (a line ->
    None) tells the user what they may be waiting for: a scheduler with no worker yet."""
    try:
        import distributed  # noqa: F401 - only whether the extra is installed; _run_dask uses it
    except ImportError:
        raise DaskUnavailable("needs the Dask extra: pip install '/path/to/nn-grader[dask]'") from None
    _probe(address)
    with _quiet_distributed():
        _run_dask(address, exercise, speed_notes, limits, tasks, on_result, stop, train, allow_weak, say)


@contextmanager
def _quiet_distributed():
    """distributed's own log lines (a reconnect's traceback when the scheduler is lost: review 18, R4; a busy
    dashboard port) are not the staff's business: the batch says what matters in its own lines. distributed
    gives its loggers levels of their own and one handler, on "distributed": the handler's level holds them."""
    import logging

    handlers = logging.getLogger("distributed").handlers
    levels = [handler.level for handler in handlers]
    for handler in handlers:
        handler.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)


def _run_dask(address, exercise, speed_notes, limits, tasks, on_result, stop, train, allow_weak, say) -> None:
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout=PROBE_SECONDS)
    except OSError as error:
        raise DaskUnavailable(f"no Dask scheduler answers there ({error})") from None
    except ValueError as error:  # an unknown scheme, a malformed address
        raise DaskUnavailable(f"not a Dask scheduler's address ({error}); `dask scheduler` prints its address "
                              f"as tcp://HOST:8786") from None
    spec_text = Path(exercise.path).read_text(encoding="utf-8")
    limits_dict = limits._asdict()
    from ..build import build_id

    version = build_id()
    try:
        workers = _facts_of_running_workers(client)
        for worker, facts in sorted(workers.items()):
            problem = refusal(facts, version, allow_weak)
            if problem:
                raise DaskUnavailable(str(WorkerRefused(worker, problem)))
        if not workers and say:
            say(f"no Dask worker has joined {address} yet: the batch waits for one (Ctrl-C stops it; what was "
                f"graded is kept)")
        _register_plugin(client, SandboxPool(limits_dict, allow_weak, version), say)
        try:
            _grade_all(client, as_completed(), tasks, on_result, stop, say,
                       lambda task, files: client.submit(
                           grade_remote, spec_text, str(exercise.path), speed_notes,
                           {"student": task.student, "file": str(task.file), "shown_as": task.shown_as,
                            "index": task.index}, files, train, retries=RETRIES, pure=False,
                           key=f"grade-{task.index}-{hashlib.sha256(task.student.encode()).hexdigest()[:12]}-"
                               f"{uuid.uuid4().hex[:8]}"))
        except Exception as error:
            if isinstance(error, DaskUnavailable) or client.status == "running":
                raise
            # the scheduler went away: every task left is cancelled (staff review 2, S15: an internal error, or
            # one "could not grade" line per student left)
            raise DaskUnavailable(f"lost the Dask scheduler mid-batch ({type(error).__name__}); what was graded "
                                  f"is kept: run the same command again when the scheduler is back") from None
    finally:
        client.close()


def _listed_workers(client) -> dict:
    """The scheduler's workers: address -> status ("running", "closing", ...)."""
    try:
        listed = client.scheduler_info(n_workers=-1)["workers"]
    except TypeError:  # a distributed before n_workers, which lists them all
        listed = client.scheduler_info()["workers"]
    return {address: info.get("status", "running") for address, info in listed.items()}


def _facts_of_running_workers(client) -> dict:
    """worker_facts() of each worker the scheduler may give tasks to, by address. A worker that failed to start
    (a host without the grader fails to load its plugin) stays listed as "closing" until the scheduler drops
    it (its worker-ttl: ten minutes were seen), and never answers: asked too, it held every later batch in
    silence (staff review S10). The scheduler gives such a worker no task, so it is not asked; one that is
    running but does not answer is one line after PROBE_SECONDS."""
    running = sorted(address for address, status in _listed_workers(client).items() if status == "running")
    if not running:
        return {}
    try:
        return client.run(worker_facts, workers=running, on_error="return", callback_timeout=PROBE_SECONDS)
    except TimeoutError:
        raise DaskUnavailable(f"a Dask worker did not answer in {PROBE_SECONDS:.0f} s (the scheduler lists "
                              f"{', '.join(running)} as running): restart the one that hangs, or the "
                              f"scheduler") from None


def _register_plugin(client, plugin: SandboxPool, say) -> None:
    """Register the sandboxes' plugin: the scheduler keeps it for workers that join later and sends it to every
    listed worker, waiting for each to answer, a closing one that never answers too (S10, above). So every
    PROBE_SECONDS it looks: once a listed worker is not running, the batch goes on without it (the running ones
    have the plugin by then; grade_remote also waits for it); while all are running, their sandboxes are still
    opening, and it waits (review 18, R11: a slow but healthy worker was announced as failed)."""
    done, failed = threading.Event(), []

    def register() -> None:
        try:
            client.register_plugin(plugin, name=PLUGIN)
        except Exception as error:  # the client closed under a registration still waiting, or a refused plugin
            failed.append(error)
        finally:
            done.set()

    threading.Thread(target=register, name="register-sandboxes", daemon=True).start()
    waited = 0.0
    while not done.wait(PROBE_SECONDS):
        waited += PROBE_SECONDS
        silent = sorted(address for address, status in _listed_workers(client).items() if status != "running")
        if silent:  # a worker that failed to start never answers: grade on the others
            if say:
                say(f"note: the Dask scheduler still lists {', '.join(silent)} that did not answer in "
                    f"{waited:.0f} s (closing: a worker that failed to start, as one without nn-grader does); it "
                    f"gets no task, and the scheduler drops it within minutes")
            return
        if waited == 6 * PROBE_SECONDS and say:  # running workers still opening their sandboxes (review 18, R11)
            say(f"the Dask workers have not opened their sandboxes after {waited:.0f} s; still waiting (Ctrl-C "
                f"stops it; what was graded is kept)")
    if failed:
        raise DaskUnavailable(f"the Dask scheduler did not take the grader's worker plugin ({failed[0]})")


def _window(client) -> int:
    """How many tasks are in flight at once: enough to keep every worker thread busy, few enough that the
    client and the scheduler hold only a window of the class's files, not all of them."""
    return max(WINDOW, 4 * _window_threads(client))


def _window_threads(client) -> int:
    """The cluster's worker threads now (0 when the scheduler cannot say)."""
    try:
        return sum(client.nthreads().values())
    except Exception:
        return 0


def _grade_all(client, waiting, tasks: list[Task], on_result, stop, say, submit) -> None:
    """Submit `tasks` a window at a time (each read only when submitted) and hand each result to `on_result`.
    A student whose files cannot be read is that student's "could not grade"; a worker that refuses to grade
    (WorkerRefused: it joined after the client's check) is retired from the cluster and its task sent again."""
    queue_ = list(reversed(tasks))
    futures: dict = {}
    tries: dict = {}
    refusals: dict = {}
    retired: set[str] = set()
    waiting_said = False

    def submit_next() -> None:
        while queue_:
            task = queue_.pop()
            try:
                files = read_task_files(task.file)
            except Unreadable as why:
                on_result(Result(task, error=f"{task.shown_as}: {why}", retry=True))
                continue
            future = submit(task, files)
            futures[future] = task
            waiting.add(future)
            return

    window, sized = _window(client), time.monotonic()
    for _ in range(window):
        submit_next()
    for future in waiting:
        if stop.is_set():
            break
        task = futures.pop(future)
        try:
            data = future.result()
        except WorkerRefused as refused:
            address, why = refused.args
            if address not in retired and say:
                say(f"{refused}: it is retired from the cluster")
            retired.add(address)
            try:  # every time: a worker restarted at the same address is a new one
                client.retire_workers(workers=[address], close_workers=True)
            except Exception:  # gone already, or a scheduler that refuses: the task is sent again all the same
                pass
            if say and not waiting_said and not _window_threads(client):
                waiting_said = True
                say("no other Dask worker is there: the batch waits for one (Ctrl-C stops it; what was graded "
                    "is kept)")
            refusals[task] = refusals.get(task, 0) + 1
            if refusals[task] <= MAX_REFUSED:
                queue_.append(task)  # graded elsewhere
            else:  # refused again and again (a worker that keeps coming back): this student waits for a rerun
                on_result(Result(task, error=f"{task.shown_as}: not graded: refused {refusals[task]} times by "
                                             f"Dask workers, the last at {address} ({why})", retry=True))
        except Exception as error:
            if client.status != "running":  # the scheduler is gone: not this student's failure (run_dask says so)
                raise
            tries[task] = tries.get(task, 0) + 1
            if future.status != "error" and tries[task] <= RETRIES:
                futures[future] = task
                waiting.add(future)  # its result died with its worker: the scheduler computes it again
                continue
            on_result(Result(task, error=f"{task.shown_as}: the Dask task failed ({type(error).__name__}: "
                                         f"{error})", retry=True))
        else:
            on_result(Result(task, data["report"], data["text"], data["error"], data["retry"],
                             failures=data.get("failures") or {}))
        if time.monotonic() - sized > RESIZE_EVERY:  # workers join (or the batch began with none): a wider window
            window, sized = _window(client), time.monotonic()
        submit_next()
        while queue_ and len(futures) < window:
            submit_next()
