"""Starting the zygote (Linux): a fresh `python -I` forked from the grader, before or after numpy loads.

A lone `grade` spends most of its time starting two interpreters, its own and the zygote's, each with numpy.
`prestart.py` therefore calls `start` before the grader imports anything heavy, so the zygote's start runs on
the core the grader's own start leaves idle; `Sandbox.__enter__` adopts it (`adopt`) when it opens, or
starts one itself. Both ways the zygote is the same program with the same environment: it never held a
page of the grader's memory (exec), and it learns its limits from the first frame the sandbox sends
(runner.py), so it can start before the command line is parsed.

Imports only the standard library and the light layer modules (no numpy), so `prestart.py` can use it.
"""
from __future__ import annotations

import atexit
import json
import os
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .cleanup import _remove_tree
from .namespaces import _fork_pid_namespace, _reachable
from .processes import _end_process, _signals_blocked

_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
             "MKL_NUM_THREADS", "PYTHONHASHSEED", "PYTHONIOENCODING")
SHUTDOWN_WAIT = 2.0


@dataclass
class Started:
    """A running zygote as the grader holds it: its socket, pid, the sandbox's folder and the uid's lock."""

    sock: socket.socket
    pid: int
    root: str
    lock: int | None  # holds the workers' uid for as long as the sandbox is open

    def stop(self, grace: float = SHUTDOWN_WAIT, reaped: bool = False) -> None:
        """Close the socket (the zygote leaves on EOF), reap it, remove the folder, release the uid."""
        with _signals_blocked():
            self.sock.close()
            if not reaped:
                _end_process(self.pid, grace)
            _remove_tree(self.root)
            if self.lock is not None:
                os.close(self.lock)
                self.lock = None


def _make_root() -> str:
    """The sandbox's folder. As root it is 0711, under parents that the unprivileged uid can traverse."""
    if os.geteuid() != 0:
        return tempfile.mkdtemp(prefix="grader-sandbox-")
    for parent in (None, "/tmp", "/dev/shm"):
        try:
            root = tempfile.mkdtemp(prefix="grader-sandbox-", dir=parent)
        except OSError:
            continue
        os.chmod(root, 0o711)
        if _reachable(root):
            return root
        os.rmdir(root)
    return tempfile.mkdtemp(prefix="grader-sandbox-")  # the zygote will keep root's uid (doctor says so)


# The zygote's program: a fresh interpreter (`python -I`) that imports only the sandbox and serves the grader.
_BOOT = """\
import json, sys
a = json.loads(sys.argv[1])
extra = a["path"] not in sys.path
if extra:
    sys.path.append(a["path"])
from grader.sandbox.zygote import main
if extra:
    sys.path.remove(a["path"])
sys.path += [p for p in a["site"] if p not in sys.path]
main(a)
"""


def _package_folders() -> list[str]:
    """The grader's own import folders (PYTHONPATH, a conda or .pth entry) that `python -I` would drop, so
    student code imports the same packages as the grader's Python; never the current folder, and never the
    folder holding the grader's package (the view hides it anyway)."""
    here, checkout = os.path.realpath(os.getcwd()), str(Path(__file__).resolve().parents[2])
    return [p for p in sys.path if p and os.path.isdir(p) and os.path.realpath(p) not in (here, checkout)]


def _exec_zygote(sock: socket.socket, root: str, uid: int | None) -> None:
    """In the child just forked from the grader: become the zygote by starting a fresh interpreter.

    exec replaces every page the grader's process held: the zygote, and every worker forked from it, never
    held the grader's environment (the new stack has only `_KEEP_ENV`), an expected value, or a module of
    the grader's beyond the sandbox's own. `python -I` ignores PYTHON* variables, the user's site folder and
    the current folder. Never returns (on failure the caller exits, and the grader sees the socket close).
    """
    os.set_inheritable(sock.fileno(), True)
    env = {name: os.environ[name] for name in _KEEP_ENV if name in os.environ}
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    # A fixed mmap threshold: glibc otherwise raises it after each large free, so results of tens of MB
    # come from the heap, fragment it and stay; with it, each large buffer goes back to the system when freed.
    env["MALLOC_MMAP_THRESHOLD_"] = str(1 << 20)
    args = {"fd": sock.fileno(), "root": root, "uid": uid,
            "path": str(Path(__file__).resolve().parents[2]), "site": _package_folders()}
    os.execve(sys.executable, [sys.executable, "-I", "-c", _BOOT, json.dumps(args)], env)


def start(slot: int | None = None) -> Started:
    """Fork and exec a zygote now; it sets up its layers while the caller goes on."""
    root = _make_root()
    uid = lock = None
    if os.geteuid() == 0:
        from .slots import _take_slot

        uid, lock = _take_slot(slot)
    ours, theirs = socket.socketpair()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = _fork_pid_namespace()
    if pid == 0:  # the zygote: never returns into the caller's code
        try:
            ours.close()
            _exec_zygote(theirs, root, uid)
        finally:
            os._exit(1)
    theirs.close()
    return Started(ours, pid, root, lock)


_early: list[Started] = []  # the zygote `prestart` started, until a sandbox adopts it


def start_early() -> None:
    """For `grade FILE`: start the zygote before the grader loads; stopped at exit if nobody adopts it."""
    _early.append(start())
    atexit.register(_discard)


def adopt() -> Started | None:
    """The zygote started early (once), if it is still alive; None otherwise."""
    while _early:
        started = _early.pop()
        if os.waitpid(started.pid, os.WNOHANG)[0] == 0:
            return started
        started.stop(reaped=True)  # it died (say, killed): the sandbox starts a fresh one
    return None


def _discard() -> None:
    while _early:
        _early.pop().stop()
