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
import os
import queue
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path, PurePosixPath

from .scratch import Scratch
from .slots import Result, Task

try:
    from distributed import WorkerPlugin
except ImportError:  # without the extra, only DaskUnavailable is used from here
    WorkerPlugin = object

PLUGIN = "nn-grader-sandboxes"
RETRIES = 2


class DaskUnavailable(Exception):
    """No Dask here, no scheduler at the address, or a worker that may not grade; one line."""


class WorkerRefused(Exception):
    """Raised by a task on a worker that may not grade (see `refusal`): the student is not graded there."""


def worker_facts() -> dict:
    """Run on each worker: what decides whether it may grade for this client."""
    from .. import __version__
    from ..runner_choice import runner_name, why_portable

    try:
        runner = runner_name()
    except Exception as error:  # a bad GRADER_SANDBOX on that host
        return {"version": __version__, "runner": "none", "why": str(error)}
    return {"version": __version__, "runner": runner, "why": why_portable() if runner == "portable" else ""}


def refusal(facts, version: str, allow_weak: bool) -> str | None:
    """Why a worker with these facts (worker_facts(), or the exception running it raised there) may not grade
    for a client of nn-grader `version`, as the end of a sentence naming the worker; None when it may.
    The same rules as a local batch: the Linux sandbox unless --allow-weak-isolation, and one grader version
    (the gradebook records the client's, and a rerun regrades by it)."""
    if isinstance(facts, BaseException):  # Dask hands back a worker's error as Exception("TheError(...)")
        detail = str(facts) if type(facts) is Exception else f"{type(facts).__name__}: {facts}"
        return (f"cannot run the grader ({detail}): install nn-grader {version} with its "
                f"dask extra there (pip install '/path/to/nn-grader[dask]'), then run `grade doctor` there")
    if facts.get("version") != version:
        return (f"has nn-grader {facts.get('version')}, this client {version}: install the same version on "
                f"every worker host, so that the gradebook's grader_version is true")
    if facts.get("runner") == "none":
        return f"cannot choose a sandbox ({facts.get('why')})"
    if facts.get("runner") == "portable" and not allow_weak:
        return (f"would use the portable runner ({facts.get('why')}); grading a class needs the Linux sandbox on "
                f"every worker (run `grade doctor` there), or pass --allow-weak-isolation to accept weaker "
                f"isolation")
    return None


def _files_of(task: Task) -> dict[str, bytes]:
    """The submission and what lies beside it in its folder (relative POSIX path -> bytes), as the local
    sandbox's copy of that folder takes it (sandbox/submission_copy.py): regular files only, nothing followed,
    no hidden entries or __pycache__, at most its levels, files and bytes, in its order. So a helper module,
    a package of them or a data file the submission opens is there on the worker as it is in a local batch."""
    from ..sandbox.submission_copy import _COPY_BYTES, _COPY_DEPTH, _COPY_FILES

    files = {task.file.name: task.file.read_bytes()}
    budget = [_COPY_FILES - 1, _COPY_BYTES - len(files[task.file.name])]

    def walk(folder: Path, prefix: str, depth: int) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            name = prefix + entry.name
            if entry.name.startswith(".") or entry.name == "__pycache__" or name in files or budget[0] <= 0:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth > 1:
                        walk(Path(entry.path), name + "/", depth - 1)
                elif entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_size <= budget[1]:
                    data = Path(entry.path).read_bytes()
                    if len(data) <= budget[1]:
                        files[name] = data
                        budget[0] -= 1
                        budget[1] -= len(data)
            except OSError:
                continue

    walk(task.file.parent, "", _COPY_DEPTH)
    return files


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    """On the worker: the task's files under `folder`, each at its relative path (never outside it)."""
    for name, data in files.items():
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or any(part in ("", ".", "..") for part in parts):
            continue
        target = folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


class SandboxPool(WorkerPlugin):
    """The worker plugin: one sandbox per worker thread, opened before any expected value exists there."""

    name = PLUGIN

    def __init__(self, limits: dict, allow_weak: bool = False, version: str = ""):
        # only these travel to the workers; the rest is made there, in setup
        self.limits, self.allow_weak, self.version = limits, allow_weak, version
        self.refused: str | None = None
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
        # the tasks' folders live in one locked scratch folder: a worker killed mid-task leaves it to the
        # next worker's (or local batch's) sweep, as a killed local batch does (scratch.py)
        self.scratch = self.stack.enter_context(Scratch())
        self.free = queue.Queue()
        for slot in range(threads):
            self.free.put(self.stack.enter_context(open_sandbox(Limits(**self.limits), slot)))

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


def grade_remote(spec_text: str, spec_name: str, speed_notes: bool, task: dict, files: dict[str, bytes],
                 train: bool = False) -> dict:
    """Runs on a Dask worker: grade one submission in one of this worker's sandboxes."""
    from distributed import get_worker

    pool: SandboxPool = get_worker().plugins[PLUGIN]
    if pool.refused:
        raise WorkerRefused(f"the Dask worker at {get_worker().address} {pool.refused}")
    grader = pool.grader(spec_text, spec_name, speed_notes, train)
    sandbox = pool.free.get()
    try:
        with tempfile.TemporaryDirectory(prefix="task-", dir=pool.scratch) as folder:
            _write_files(Path(folder), files)
            local = Task(task["student"], Path(folder) / Path(task["file"]).name, task["shown_as"], task["index"])
            result = grader.grade(sandbox, local)
    finally:
        if not sandbox.broken:
            pool.free.put(sandbox)
    return {"report": result.report, "text": result.text, "error": result.error, "retry": result.retry,
            "failures": result.failures}


def run_dask(address: str, exercise, speed_notes: bool, limits, tasks: list[Task], on_result, stop,
             train: bool = False, allow_weak: bool = False, say=None) -> None:
    """Grade `tasks` on the cluster at `address`; `on_result` gets each result as it arrives. `say` (a line ->
    None) tells the user what they may be waiting for: a scheduler with no worker yet."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise DaskUnavailable("needs the Dask extra: pip install '/path/to/nn-grader[dask]'") from None
    try:
        client = Client(address, timeout=10)
    except OSError as error:
        raise DaskUnavailable(f"no Dask scheduler answers there ({error})") from None
    spec_text = Path(exercise.path).read_text(encoding="utf-8")
    limits_dict = asdict(limits)
    from .. import __version__

    try:
        workers = client.run(worker_facts, on_error="return")
        for worker, facts in sorted(workers.items()):
            problem = refusal(facts, __version__, allow_weak)
            if problem:
                raise DaskUnavailable(f"the Dask worker at {worker} {problem}")
        if not workers and say:
            say(f"no Dask worker has joined {address} yet: the batch waits for one (Ctrl-C stops it; what was "
                f"graded is kept)")
        client.register_plugin(SandboxPool(limits_dict, allow_weak, __version__), name=PLUGIN)
        futures = {}
        for task in tasks:
            future = client.submit(grade_remote, spec_text, str(exercise.path), speed_notes,
                                   {"student": task.student, "file": str(task.file), "shown_as": task.shown_as,
                                    "index": task.index}, _files_of(task), train, retries=RETRIES, pure=False,
                                   key=f"grade-{task.index}-{hashlib.sha256(task.student.encode()).hexdigest()[:12]}")
            futures[future] = task
        waiting = as_completed(list(futures))
        gathered: dict = {}
        for future in waiting:
            if stop.is_set():
                break
            task = futures[future]
            try:
                data = future.result()
            except Exception as error:
                tries = gathered[future] = gathered.get(future, 0) + 1
                if future.status != "error" and tries <= RETRIES:
                    waiting.add(future)  # its result died with its worker: the scheduler computes it again
                    continue
                on_result(Result(task, error=f"{task.shown_as}: the Dask task failed ({type(error).__name__}: "
                                             f"{error})", retry=True))
                continue
            on_result(Result(task, data["report"], data["text"], data["error"], data["retry"],
                             failures=data.get("failures") or {}))
    finally:
        client.close()

