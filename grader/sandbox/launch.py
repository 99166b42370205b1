"""Starting the zygote (Linux): a fresh `python -I`, forked from the grader into a PID namespace of its own.

A lone `grade` spends most of its time starting two interpreters, its own and the zygote's, each with numpy.
`prestart.py` therefore calls `start_early` before the grader imports anything heavy, so the zygote starts on
the core the grader's own start leaves idle; `Sandbox.__enter__` adopts it (`adopt`) when it opens, or starts
one itself (`start`). Both ways the zygote is the same program with the same environment: it never held a
page of the grader's memory (exec), and it learns its limits from the first frame the sandbox sends
(runner.py), so it can start before the command line is parsed.

Whatever is imported here delays that start, so this file uses only the standard library's lightest modules
(no numpy, dataclasses, pathlib, tempfile or json; the C `_socket` rather than `socket`, whose enums and
selectors cost more than the rest together) and the sandbox's equally light cleanup, libc and slots modules.
"""
from __future__ import annotations

import _signal
import _socket
import atexit
import ctypes
import os
import sys

from .cleanup import _remove_tree
from .libc import _LIBC

_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
             "MKL_NUM_THREADS", "PYTHONHASHSEED", "PYTHONIOENCODING")
_CLONE_NEWPID = 0x20000000
SHUTDOWN_WAIT = 2.0
_CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # holds grader/


class Started:
    """A running zygote as the grader holds it: its socket, pid, the sandbox's folder and the uid's lock."""

    def __init__(self, fd: int, pid: int, root: str, lock: int | None):
        self.fd, self.pid, self.root = fd, pid, root  # fd: the grader's end of the socket pair
        self.lock = lock  # holds the workers' uid for as long as the sandbox is open
        self._sock = None

    @property
    def sock(self):
        """The grader's end as the C `_socket.socket` (made on first use): the grader calls only its plain methods
        (sendall, sendmsg, recv_into, settimeout, close), and importing `socket` for its wrapper class (its enums
        and selectors) cost a lone grade's critical path, the grader's own process, 2 ms."""
        if self._sock is None:
            self._sock = _socket.socket(fileno=self.fd)
        return self._sock

    def stop(self, grace: float = SHUTDOWN_WAIT, reaped: bool = False) -> None:
        """Close the socket (the zygote leaves on EOF), reap it, remove the folder, release the uid."""
        from .processes import _end_process, _signals_blocked

        with _signals_blocked():
            if self._sock is not None:
                self._sock.close()
            elif self.fd >= 0:
                os.close(self.fd)
            self.fd = -1
            if not reaped:
                _end_process(self.pid, grace)
            _remove_tree(self.root)
            if self.lock is not None:
                os.close(self.lock)
                self.lock = None


def _reachable(path: str) -> bool:
    """Can any user traverse every folder from / down to `path`?"""
    path = os.path.abspath(path)
    try:
        while True:
            if not os.stat(path).st_mode & 0o001:
                return False
            parent = os.path.dirname(path)
            if parent == path:
                return True
            path = parent
    except OSError:
        return False


def _new_folder(parent: str | None, prefix: str = "grader-sandbox-") -> str:
    """A new 0700 folder `<prefix>*` under `parent` ($TMPDIR or /tmp when None), as tempfile.mkdtemp makes,
    without tempfile's imports (random, shutil and the compression modules): they would delay the zygote's
    start, and in the zygote, which makes a folder per run, they would serve nothing else."""
    parent = parent or os.environ.get("TMPDIR") or "/tmp"
    for _ in range(100):
        path = os.path.join(parent, f"{prefix}{os.urandom(6).hex()}")
        try:
            os.mkdir(path, 0o700)
            return os.path.abspath(path)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name for the sandbox's folder in {parent}")


def _make_root() -> str:
    """The sandbox's folder. As root it is 0711, under parents that the unprivileged uid can traverse."""
    if os.geteuid() != 0:
        return _new_folder(None)
    for parent in (None, "/tmp", "/dev/shm"):
        try:
            root = _new_folder(parent)
        except OSError:
            continue
        os.chmod(root, 0o711)
        if _reachable(root):
            return root
        os.rmdir(root)
    return _new_folder(None)  # the zygote will keep root's uid (doctor says so)


# The zygote's program: a fresh interpreter (`python -I`) that imports only the sandbox and serves the grader.
# argv: the socket's fd, the sandbox's folder, the workers' uid ("" for none), the folder holding `grader`,
# then the grader's other import folders.
_BOOT = """\
import sys
fd, root, uid, path, *site = sys.argv[1:]
extra = path not in sys.path
if extra:
    sys.path.append(path)
from grader.sandbox.zygote import main
if extra:
    sys.path.remove(path)
sys.path += [p for p in site if p not in sys.path]
main({"fd": int(fd), "root": root, "uid": int(uid) if uid else None})
"""


def _package_folders() -> list[str]:
    """The grader's own import folders (PYTHONPATH, a conda or .pth entry) that `python -I` would drop, so
    student code imports the same packages as the grader's Python; never the current folder, and never the
    folder holding the grader's package (the view hides it anyway), nor the `grade` script's own folder
    (Python puts it first on the grader's path; it holds the environment's scripts, not packages)."""
    script = os.path.realpath(os.path.dirname(os.path.abspath(sys.argv[0]))) if sys.argv and sys.argv[0] else None
    left_out = (os.path.realpath(os.getcwd()), _CHECKOUT, script)
    return [p for p in sys.path if p and os.path.isdir(p) and os.path.realpath(p) not in left_out]


def _zygote_command(sock, root: str, uid: int | None) -> tuple[list[str], dict[str, str]]:
    """The zygote's argv and environment, worked out in the grader before the fork: the child then runs only
    the few calls of `_exec_zygote` (a batch may fork a spare zygote while its threads run, and a forked child
    must not need a lock one of those threads held).

    exec replaces every page the grader's process held: the zygote, and every worker forked from it, never
    held the grader's environment (the new stack has only `_KEEP_ENV`), an expected value, or a module of
    the grader's beyond the sandbox's own. `python -I` ignores PYTHON* variables, the user's site folder and
    the current folder.
    """
    env = {name: os.environ[name] for name in _KEEP_ENV if name in os.environ}
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    # A fixed mmap threshold: glibc otherwise raises it after each large free, so results of tens of MB
    # come from the heap, fragment it and stay; with it, each large buffer goes back to the system when freed.
    env["MALLOC_MMAP_THRESHOLD_"] = str(1 << 20)
    args = [str(sock.fileno()), root, "" if uid is None else str(uid), _CHECKOUT, *_package_folders()]
    return [sys.executable, "-I", "-c", _BOOT, *args], env


def _exec_zygote(sock, command: list[str], env: dict[str, str], mask: set) -> None:
    """In the child just forked from the grader (SIGINT blocked since before the fork): become the zygote by
    starting a fresh interpreter. Never returns (on failure the caller exits, and the grader sees the socket
    close)."""
    os.set_inheritable(sock.fileno(), True)
    # Ignored across exec, so a fresh Python keeps it ignored: the zygote shares the grader's process group,
    # and a Ctrl-C while it still imports numpy would otherwise print its KeyboardInterrupt traceback on the
    # grader's terminal. The grader stops it itself; its workers restore the default handler. Unblocking it
    # once ignored drops a Ctrl-C that came since the fork: it was the grader's to handle.
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    _signal.pthread_sigmask(_signal.SIG_SETMASK, mask)
    os.execve(command[0], command, env)


def _fork_pid_namespace() -> int:
    """os.fork(); as root the child is PID 1 of a new PID namespace, and the caller stays where it was."""
    own = None
    if os.geteuid() == 0 and _LIBC is not None:
        try:
            own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            own = None
        if own is not None and _LIBC.unshare(_CLONE_NEWPID) != 0:
            os.close(own)
            own = None
    try:
        pid = os.fork()
    except BaseException:
        _leave_pid_namespace(own)
        raise
    if pid:
        _leave_pid_namespace(own)
    elif own is not None:
        os.close(own)
    return pid


def _leave_pid_namespace(own: int | None) -> None:
    """Let the grader's later children be born in its own PID namespace again."""
    if own is None:
        return
    try:
        if _LIBC.setns(own, _CLONE_NEWPID) != 0:
            raise OSError(ctypes.get_errno(), "cannot return to the grader's PID namespace")
    finally:
        os.close(own)


def start(slot: int | None = None) -> Started:
    """Fork and exec a zygote now; it sets up its layers while the caller goes on."""
    root = _make_root()
    uid = lock = None
    if os.geteuid() == 0:
        from .slots import _take_slot

        uid, lock = _take_slot(slot)
    ours, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    command, env = _zygote_command(theirs, root, uid)
    sys.stdout.flush()
    sys.stderr.flush()
    # Blocked across the fork: a Ctrl-C between the fork and _exec_zygote's SIG_IGN would otherwise raise
    # KeyboardInterrupt in the child, which then exits instead of becoming the zygote (a broken sandbox).
    mask = _signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGINT})
    pid = -1
    try:
        pid = _fork_pid_namespace()
        if pid == 0:  # the zygote: never returns into the caller's code
            try:
                ours.close()
                _exec_zygote(theirs, command, env, mask)
            finally:
                os._exit(1)
    finally:
        if pid != 0:  # the grader: a Ctrl-C that came meanwhile is delivered now, as it would have been
            _signal.pthread_sigmask(_signal.SIG_SETMASK, mask)
    theirs.close()
    return Started(ours.detach(), pid, root, lock)


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
    """At exit, a zygote nobody adopted (a usage error) is told to stop at once: it may still be importing
    numpy, and waiting for it to notice the closed socket would hold the error message's exit back."""
    while _early:
        _early.pop().stop(grace=0.0)
