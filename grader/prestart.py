"""The `grade` entry point: start the sandbox's processes before the grader loads numpy.

A lone `grade FILE` mostly waits for two interpreters to start, each importing numpy: its own and the
sandbox's (the Linux runner's zygote, or the portable runner's workers). Started here, the sandbox's
processes warm up on the core the grader's own start leaves idle.

Linux runner: for `grade FILE` / `grade check FILE` (not batch or the platform commands, which open sandboxes
per job slot, nor a run given $GRADER_SECRET, which re-executes itself first), the zygote is started here
(sandbox/launch.py) exactly as `Sandbox` would start it, and `Sandbox.__enter__` adopts it; it learns its
limits from the sandbox's first frame. A zygote nobody adopts (a usage error) is stopped at exit.

Portable runner: a portable worker's start (`python -I` plus numpy) costs about what the grader's own start
costs, so the first workers are started here and `PortableSandbox` adopts them when it opens (and starts the
rest); see portable.py. They are plain spawned interpreters that only ever receive inputs, started in the
sandbox's own folder; their limits arrive with the request. Workers nobody adopts (a usage error, another
command) are killed and their folder removed at exit.

Imports nothing heavy: only the standard library, runner_choice.py and (Linux) sandbox/launch.py.
"""
from __future__ import annotations

import atexit
import os
import sys

# subprocess and tempfile load only when portable workers start: before the zygote's start, every
# millisecond of import delays it (launch.py)
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox", "spawned.py")
POSIX = os.name == "posix"
FIRST = 5  # workers the sandbox starts: a grade of a shipped exercise takes five runs (two functions, three probes)
EARLY = 2  # of which `grade` starts this many before loading numpy: more would slow the grader's own start
# as the zygote's _KEEP_ENV, plus what Python needs to start on Windows
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "PYTHONHASHSEED", "PYTHONIOENCODING", "SYSTEMROOT", "WINDIR", "PATHEXT")
_OTHER_COMMANDS = ("validate", "inspect", "mistakes", "audit", "doctor")
# every command but `check` (tests/test_prestart.py keeps this in step with cli.py)
COMMANDS = ("audit", "batch", "class-report", "coursera", "doctor", "gradebook", "gradescope", "inspect",
            "mistakes", "package", "schema", "starter", "validate")
_pool: list = []  # [the sandbox's folder, [(process, its working folder), ...]] until adopted


def command() -> list[str]:
    """`python -I spawned.py`: -I ignores PYTHON* variables and the user's site-packages and puts no script
    folder on sys.path; the worker finds its modules by the script's own path."""
    return [sys.executable, "-I", str(SCRIPT)]


def environment(workdir: str) -> dict[str, str]:
    """The grader's environment may hold tokens: a worker gets only harmless variables."""
    env = {name: os.environ[name] for name in KEEP_ENV if name in os.environ}
    env.update(HOME=workdir, TMPDIR=workdir, TEMP=workdir, TMP=workdir)
    if not POSIX:
        env["USERPROFILE"] = workdir
    return env


def spawn(workdir: str) -> subprocess.Popen:  # noqa: F821 - imported here, not at the top (see SCRIPT)
    """One worker in `workdir`, in a session (POSIX) or process group (Windows) of its own."""
    import subprocess

    if POSIX:
        options: dict = {"start_new_session": True}
    else:  # pragma: no cover - Windows
        options = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return subprocess.Popen(command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=workdir, env=environment(workdir), close_fds=True, bufsize=0, **options)


def start(count: int = EARLY) -> None:
    """Start `count` workers in a fresh sandbox folder, for the next `PortableSandbox` to adopt."""
    import tempfile

    root = tempfile.mkdtemp(prefix="grader-sandbox-")
    workers = []
    for _ in range(count):
        workdir = tempfile.mkdtemp(prefix="run-", dir=root)
        try:
            workers.append((spawn(workdir), workdir))
        except OSError:  # the sandbox will try again and say why
            os.rmdir(workdir)
            break
    _pool[:] = [root, workers]
    atexit.register(discard)


def adopt() -> tuple[str, list] | None:
    """The folder and workers started early, once; None when there are none."""
    if not _pool:
        return None
    root, workers = _pool
    _pool.clear()
    return root, workers


def discard() -> None:
    """Stop the workers started early that nobody adopted, and remove their folder (at exit, or before the
    command runs itself again: secret.hand_off_environment_secret)."""
    found = adopt()
    if found is not None:
        from .sandbox.portable import _discard_workers

        _discard_workers(*found)


def _on_dask(args: list[str]) -> bool:
    """`grade batch ... --dask ADDRESS`: the workers grade, this process opens no sandbox."""
    return args[:1] == ["batch"] and any(a == "--dask" or a.startswith("--dask=") for a in args)


def grading(args: list[str]) -> bool:
    """`grade FILE ...` or `grade check ...`: not another command, not --help or --version."""
    return bool(args) and args[0] not in _OTHER_COMMANDS and not {"-h", "--help", "--version"} & set(args)


def lone_grade(args: list[str]) -> bool:
    """`grade FILE ...` or `grade check ...` (no --help or --version): one submission, one sandbox."""
    return grading(args) and (args[0] == "check" or args[0] not in COMMANDS)


def main() -> None:
    """The `grade` command (and `python -m grader`)."""
    args = sys.argv[1:]
    if grading(args):
        from .runner_choice import runner_name

        try:
            runner = runner_name()
        except Exception:  # a bad GRADER_SANDBOX: the command says so
            runner = None
        if runner == "portable" and not _on_dask(args):
            start(EARLY)
        elif runner == "linux" and lone_grade(args) and not os.environ.get("GRADER_SECRET"):
            from .sandbox.launch import start_early

            try:
                start_early()
            except OSError:  # the sandbox will try again when it opens, and say why
                pass
    if args[:1] == ["batch"]:
        _interruptible_start()
    try:
        from .cli import main as cli

        if not lone_grade(args):
            cli(prog_name="grade")
            return
    except _Interrupted:
        # before the batch's own handling, or in the moment after it (its result is then kept already)
        print("grade: interrupted: what was graded is kept; run the same command again to grade the rest",
              file=sys.stderr)
        sys.exit(130)
    try:
        cli(prog_name="grade")
    except SystemExit as done:
        leave(done.code)
    leave(0)


class _Interrupted(BaseException):
    """Ctrl-C before `grade batch` has set up its own handling (cli_batch._interrupt): not a KeyboardInterrupt,
    which click would turn into "Aborted!" and status 1, nor a traceback from the middle of an import."""


def _interruptible_start() -> None:
    """Until the batch's own handlers replace these, Ctrl-C or SIGTERM ends `grade batch` with its line and
    status 130, once (a second one while it leaves is ignored)."""
    import signal

    def stop(signum, frame):
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        raise _Interrupted

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)


def leave(code) -> None:
    """End a lone grade without the interpreter's teardown: the report is out, and freeing the hundreds of
    modules and arrays a process about to end holds costs it tens of milliseconds (a tenth of a grade). The
    atexit hooks still run (they stop a zygote or portable workers nobody adopted), output is flushed, and
    the exit status is what sys.exit(code) would give."""
    import atexit

    atexit._run_exitfuncs()
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (grade ... | head): nothing more to say
            pass
    os._exit(status)
