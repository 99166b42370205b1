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
from dataclasses import asdict
from pathlib import Path

from .scratch import Scratch
from .slots import Result, Task

try:
    from distributed import WorkerPlugin
except ImportError:  # without the extra, only DaskUnavailable is used from here
    WorkerPlugin = object

PLUGIN = "nn-grader-sandboxes"
MAX_FILES = 64
MAX_BYTES = 16 << 20
RETRIES = 2


class DaskUnavailable(Exception):
    """No Dask here, or no scheduler at the address; one line."""


def _files_of(task: Task) -> dict[str, bytes]:
    """The submission and the Python files beside it (its own folder's), bounded; names only, no paths."""
    files = {task.file.name: task.file.read_bytes()}
    total = len(files[task.file.name])
    for path in sorted(task.file.parent.iterdir()):
        if len(files) >= MAX_FILES or path.name in files or path.is_symlink() or not path.is_file() \
                or path.suffix != ".py" or path.name.startswith("."):
            continue
        size = path.stat().st_size
        if total + size > MAX_BYTES:
            break
        files[path.name] = path.read_bytes()
        total += size
    return files


class SandboxPool(WorkerPlugin):
    """The worker plugin: one sandbox per worker thread, opened before any expected value exists there."""

    name = PLUGIN

    def __init__(self, limits: dict):
        self.limits = limits  # only this travels to the workers; the rest is made there, in setup
        self.free: queue.Queue | None = None
        self.graders: dict[str, object] = {}
        self.lock = None
        self.stack = None
        self.scratch: Path | None = None

    def __getstate__(self):
        return {"limits": self.limits}

    def __setstate__(self, state):
        self.__init__(state["limits"])

    def setup(self, worker=None):
        from contextlib import ExitStack

        from ..sandbox import Limits
        from .slots import open_sandbox

        threads = getattr(worker, "state", None) and worker.state.nthreads or getattr(worker, "nthreads", 1) or 1
        self.lock = threading.Lock()
        self.stack = ExitStack()
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
    grader = pool.grader(spec_text, spec_name, speed_notes, train)
    sandbox = pool.free.get()
    try:
        with tempfile.TemporaryDirectory(prefix="task-", dir=pool.scratch) as folder:
            for name, data in files.items():
                (Path(folder) / Path(name).name).write_bytes(data)
            local = Task(task["student"], Path(folder) / Path(task["file"]).name, task["shown_as"], task["index"])
            result = grader.grade(sandbox, local)
    finally:
        if not sandbox.broken:
            pool.free.put(sandbox)
    return {"report": result.report, "text": result.text, "error": result.error, "retry": result.retry,
            "failures": result.failures}


def run_dask(address: str, exercise, speed_notes: bool, limits, tasks: list[Task], on_result, stop,
             train: bool = False) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise DaskUnavailable("needs the Dask extra: pip install 'nn-grader[dask]'") from None
    try:
        client = Client(address, timeout=10)
    except OSError as error:
        raise DaskUnavailable(f"no Dask scheduler answers there ({error})") from None
    spec_text = Path(exercise.path).read_text(encoding="utf-8")
    limits_dict = asdict(limits)
    try:
        client.register_plugin(SandboxPool(limits_dict), name=PLUGIN)
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

