"""The zygote and one run's lifecycle (Linux): fork a confined worker, relay its frames, clean up.

Serves run requests until the grader closes its end. Per run: copy the submission (as root), fork one worker,
let it run one call at a time (relay.py), stream each outcome up as soon as it is known, then kill whatever the run
started, reap it and remove its folder. It watches the grader's socket during a run and leaves (removing the
sandbox's folder) when the grader dies.
"""
from __future__ import annotations

import _signal
import ctypes
import dataclasses
import fcntl
import gc
import math
import os
import resource
import select
import signal
import socket
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np

from ..runner_choice import PRIVATE_READS
from . import preload
from .cleanup import _remove_tree
from .landlock import _landlock, _landlock_abi, python_folders, read_rules
from .launch import _KEEP_ENV, _new_folder
from .libc import _LIBC
from .namespaces import (
    _CLONE_NEWIPC,
    _CLONE_NEWNET,
    _MNT_DETACH,
    _build_view,
    _Layers,
    _mount_namespace,
    _mount_root_tmpfs,
    _reachable,
)
from .processes import _describe_exit, _kill_group, _kill_orphans, _signals_blocked
from .protocol import (
    _GO_FD,
    _IO_FD,
    _RESULT_FD,
    Call,
    Limits,
    ProtocolError,
    _decode_request,
    _failed,
    _frame,
    _Frames,
    _outcome_frame,
    _request_source,
)
from .relay import WORKER_FAILED, KeptOutput, _Died, _relay, _Timeout
from .rlimits import _FILE_LIMIT, _OPEN_FILES, _PROCESSES, _UNPRIVILEGED, _die_with_parent, _set_limit
from .seccomp import _load_seccomp, _seccomp_filter
from .submission_copy import _readable_copy
from .worker import Ahead, _serve, ahead_of_fork, capture_output

_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_NO_NEW_PRIVS = 38
_OUTPUT_READS = 64  # chunks drained per take: bounds the time a grandchild that keeps printing can cost
_PIPE_READ = 1 << 16  # a pipe holds 64 kB, so a larger read gets no more (and one of 1 MB costs an mmap)
_python_reads: list = []  # per zygote: landlock.python_folders, worked out for the first private-reads run


class _GraderGone(Exception):
    """The grader closed its end mid-run (it died or left): the zygote stops the run and exits."""


def main(args: dict) -> None:
    """The zygote's entry point (see `_BOOT`); never returns."""
    code = 1
    try:
        sys.argv[1:] = []
        os.chdir("/")  # the grader's working folder is none of the zygote's business
        _zygote(socket.socket(fileno=args["fd"]), args["root"], args["uid"])
        code = 0
    finally:
        os._exit(code)


def _zygote(sock: socket.socket, root: str, uid: int | None = _UNPRIVILEGED) -> None:
    """Serve run requests until the grader closes its end; a SIGTERM ends it cleanly too.

    The grader's first frame holds the limits of every run (the zygote may start before they are known:
    launch.py); each later frame is one run's request.

    Whichever way it ends (EOF, SIGTERM, an error), it removes the sandbox's folder on its way out; as root
    that folder is a tmpfs of the zygote's own mount namespace, which vanishes with it even on SIGKILL.
    """
    layers = _Layers(pid_namespace=os.getpid() == 1)
    if _LIBC is not None:  # without a PID namespace, descendants that escape a worker become our children
        _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    fds: list[int] = []
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        if os.geteuid() == 0 and _LIBC is not None:
            layers.network_namespace = _LIBC.unshare(_CLONE_NEWNET) == 0
            layers.ipc_namespace = _LIBC.unshare(_CLONE_NEWIPC) == 0
            layers.uid = uid if uid is not None and _reachable(root) else None
            layers.host_root, layers.mount_namespace = _mount_namespace(root, expose=layers.uid is not None)
            layers.root_tmpfs = layers.mount_namespace and _mount_root_tmpfs(root)
            if layers.uid is not None and layers.mount_namespace:
                package = str(Path(__file__).resolve().parents[1])
                layers.view, layers.private_proc = _build_view(root, package)
        layers.seccomp = _seccomp_filter()
        kept = {name: os.environ[name] for name in _KEEP_ENV if name in os.environ}
        os.environ.clear()  # the grader's environment may hold tokens; workers get a plain one
        os.environ.update(kept)
        layers.landlock = _landlock_abi()
        sock.sendall(_frame({"layers": _layer_names(layers)}))  # for reports: what confines every run
        frames = _Frames()
        limits: Limits | None = None
        while True:
            data, received, _, _ = socket.recv_fds(sock, 1 << 20, 8)
            fds += received
            if not data:
                return
            for header, arrays in frames.feed(data):
                if limits is None:
                    limits = _limits_frame(header)
                    continue
                submission, calls, budget = _decode_request(header, arrays, fds)
                source = _request_source(header)
                preload.preload(source)
                _supervise(submission, calls, limits, root, layers, budget,
                           emit=lambda outcome: sock.sendall(_outcome_frame(outcome)), control=sock,
                           source=source)
                del calls  # unmaps the request's large arrays
                sock.sendall(_frame({"done": True}))  # the worker is reaped and its folder removed
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        for fd in fds:
            os.close(fd)
        _remove_root(root, layers)


def _limits_frame(header: dict) -> Limits:
    """The grader's first frame: {"limits": {...}} (Sandbox.__enter__)."""
    fields = set(Limits._fields)
    given = header.get("limits")
    if not isinstance(given, dict) or set(given) != fields:
        raise ProtocolError("expected the limits first")
    return Limits(**given)


def _layer_names(layers: _Layers) -> list[str]:
    """The layers every worker gets, then those this zygote could set up (reports and `Sandbox.layers`)."""
    names = ["zygote", "session", "rlimits", "private-workdir", "reduced-env", "no-new-privs"]
    for field in dataclasses.fields(layers):
        value = getattr(layers, field.name)
        if value is None or value is False or value == 0 or field.name == "host_root":
            continue
        names.append({"uid": "unprivileged-uid", "landlock": f"landlock-abi-{value}"}.get(
            field.name, field.name.replace("_", "-")))
    if layers.landlock or layers.view is not None:  # what `Limits.private_reads` needs (runner_choice.py)
        names.append(PRIVATE_READS)
    return names


def _remove_root(root: str, layers: _Layers) -> None:
    """The zygote's last act: remove the sandbox's folder (unmounting its tmpfs first)."""
    if layers.root_tmpfs:
        _LIBC.umount2(root.encode(), _MNT_DETACH)
    _remove_tree(root)


def _supervise(submission: Path, calls: list[Call], limits: Limits, root: str, layers: _Layers,
               budget: float | None, emit, control: socket.socket | None = None, source: str | None = None) -> None:
    """Fork one worker for the run, `emit` each outcome as it comes, leave no process or directory behind."""
    workdir = _new_folder(root, "run-")
    if layers.uid is not None:
        os.chown(workdir, layers.uid, layers.uid)
    if layers.uid is not None or limits.private_reads:  # private reads: only the copy is readable, not the folder
        try:
            submission = _readable_copy(submission, root, layers, source, private=limits.private_reads)
        except OSError as e:  # say, the sandbox's bounded folder is full: the submission's problem
            _remove_tree(workdir)
            for _ in calls:
                emit(_failed("import_error", f"{submission.name} could not be copied into the sandbox "
                                             f"({e.strerror or e})"))
            return
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    go_r, go_w = os.pipe()
    zygote = os.getpid()
    ahead = ahead_of_fork()
    # The worker's HOME and TMPDIR, set here rather than in the worker, where every page os.environ's code
    # touches would be copied first; the zygote's own environment serves nothing but its workers.
    os.environ.update(HOME=workdir, TMPDIR=workdir)
    reads = _reads(workdir, submission) if limits.private_reads else None
    # SIGTERM stays blocked from before the fork until the worker has reset its handler: one arriving in
    # between would otherwise run the zygote's handler (sys.exit, whose cleanup removes the zygote's folder)
    # in the worker. It waits, pending, and then acts as the worker's default would.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    pid = os.fork()
    if pid == 0:
        _signal.signal(signal.SIGTERM, _signal.SIG_DFL)
        _signal.pthread_sigmask(_signal.SIG_SETMASK, mask)
        os.close(go_w)
        _worker(zygote, result_w, output_w, go_r, workdir, submission, calls, limits, layers, source, ahead, reads)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    os.close(result_w)
    os.close(output_w)
    os.close(go_r)
    watch = _Watch(pid, result_r, output_r, limits, budget, control, go_w)
    try:
        _relay(watch, submission, calls, emit)
    finally:
        with _signals_blocked():
            _end_run(pid, layers)
            os.close(result_r)
            os.close(output_r)
            os.close(go_w)
            _remove_tree(workdir)


def _reads(workdir: str, submission: Path) -> list:
    """What a private-reads run may read (landlock.read_rules): Python's folders, its working folder and the
    copy of the submission with its own modules (`_readable_copy`)."""
    if not _python_reads:
        _python_reads.append(python_folders(str(Path(__file__).resolve().parents[1])))
    return read_rules(_python_reads[0], [workdir, str(submission.parent)])


def _end_run(pid: int, layers: _Layers) -> None:
    """Kill the worker and everything it started, and reap them all."""
    if layers.pid_namespace and os.getpid() == 1:  # kill(-1) from PID 1 reaches exactly its own namespace
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return
    _kill_group(pid)
    os.waitpid(pid, 0)
    _kill_orphans()


class _Watch:
    """Zygote-side view of one worker: its frames, its captured output and the per-call wall clock."""

    def __init__(self, pid: int, result_fd: int, output_fd: int, limits: Limits, budget: float | None = None,
                 control: socket.socket | None = None, go_fd: int | None = None):
        self.pid, self.result_fd, self.output_fd, self.go_fd = pid, result_fd, output_fd, go_fd
        self.control = control  # the grader's socket: silent during a run, readable only when it closes
        self.timeout = limits.timeout
        self.budget = budget  # wall seconds for the whole run, on top of the per-call timeout
        self.deadline = time.monotonic() + budget if budget is not None else math.inf
        self.frames, self.pending = _Frames(max_body=limits.result_bytes), deque()
        self.output, self.output_open = KeptOutput(limits.output_bytes), True
        self.pollers: dict[tuple, select.poll] = {}  # made once per set of pipes, not once per wait
        self.restart_clock()

    def go(self) -> None:
        """Let the worker start its next call (a worker that died is noticed when its frame never comes)."""
        if self.go_fd is not None:
            try:
                os.write(self.go_fd, b"g")
            except OSError:
                pass

    def restart_clock(self) -> None:
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def import_result(self) -> tuple[dict, list[np.ndarray]]:
        """The worker's first frame: its import's result (relay.py)."""
        return self.next_frame()

    def next_frame(self) -> tuple[dict, list[np.ndarray]]:
        """Block until the worker's next frame, draining its output; raise when it hangs or dies."""
        while not self.pending:
            self.frames.check()
            remaining = min(self.timeout - self.elapsed(), self.deadline - time.monotonic())
            # Out of time, what is in the pipe is still read first: a frame sent in time is no timeout because
            # the zygote was busy elsewhere (sending an outcome the grader was slow to read).
            if self.result_fd in self._poll(max(remaining, 0.0)):
                chunk = os.read(self.result_fd, _PIPE_READ)
                if not chunk:
                    raise _Died(self._death())
                self.pending.extend(self.frames.feed(chunk))
            elif remaining <= 0:
                raise _Timeout
        return self.pending.popleft()

    def _poll(self, timeout: float, with_result: bool = True) -> set[int]:
        key = (with_result, self.output_open, self.control is not None)  # which pipes are still watched
        poller = self.pollers.get(key)
        if poller is None:
            poller = self.pollers[key] = select.poll()
            for fd in [self.result_fd] * with_result + [self.output_fd] * self.output_open:
                poller.register(fd, select.POLLIN)
            if self.control is not None:
                poller.register(self.control, select.POLLIN)
        ready = {fd for fd, _ in poller.poll(math.ceil(timeout * 1000))}
        if self.output_fd in ready:
            self._read_output()
        if self.control is not None and self.control.fileno() in ready:
            try:
                gone = self.control.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
            except BlockingIOError:
                gone = False
            except OSError:
                gone = True
            if gone:
                raise _GraderGone
            self.control = None  # data mid-run breaks the protocol; the next request read will say so
        return ready

    def _read_output(self) -> None:
        chunk = os.read(self.output_fd, _PIPE_READ)
        self.output_open = bool(chunk)
        self.output.keep(chunk)

    def take_output(self, reported: int | None = 0) -> str:
        """Output since the last take; the worker flushes before each frame, so it is already in the pipe.
        `reported`: see relay.KeptOutput.take."""
        for _ in range(_OUTPUT_READS):
            if not (self.output_open and self.output_fd in self._poll(0, with_result=False)):
                break
        return self.output.take(reported)

    def _death(self) -> str:
        """Why the result channel closed: peek at the exit status without reaping (the pgid stays ours)."""
        while self.elapsed() < self.timeout:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            if info is not None:
                return _describe_exit(info)
            time.sleep(0.001)
        return "closed its result channel"


def _worker(zygote: int, result_fd: int, output_fd: int, go_fd: int, workdir: str, submission: Path, calls,
            limits, layers: _Layers, source: str | None = None, ahead: Ahead | None = None, reads: list | None = None):
    """Child of the zygote: confine itself, import the submission, send one frame per call; never returns.
    `reads`: with private reads, what it may read (`_reads`)."""
    code = WORKER_FAILED
    try:
        # Every object inherited from the zygote goes to the collector's permanent generation: a collection in
        # the worker then walks only the worker's own objects, instead of writing to (so copying) every page
        # of the zygote's heap (a full collection right after a fork costs ~1600 page copies, ~20 ms).
        gc.freeze()
        io_fd = _confine(zygote, result_fd, output_fd, go_fd, workdir, limits, len(calls), layers, reads)
        _serve(submission, calls, limits.result_bytes, source, limits.timeout, ahead, io_fd)
        code = 0
    finally:
        os._exit(code)


def _open_io() -> int | None:
    """The worker's /proc/self/io at _IO_FD, for worker._Writes: opened before the uid switch, after which its
    /proc files are root's and cannot be opened (they can still be read through a descriptor opened before)."""
    try:
        fd = os.open("/proc/self/io", os.O_RDONLY)
    except OSError:
        return None
    if fd != _IO_FD:
        os.dup2(fd, _IO_FD)
        os.close(fd)
    return _IO_FD


def _confine(zygote: int, result_fd: int, output_fd: int, go_fd: int, workdir: str, limits: Limits,
             n_calls: int, layers: _Layers, reads: list | None = None) -> int | None:
    """Returns _IO_FD when it holds the worker's /proc/self/io (see `_open_io`), else None. `reads`: see
    landlock.read_rules (None: no private reads)."""
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    # Move every source above the targets first, so that no dup2 overwrites a source still to be moved.
    moves = [(fcntl.fcntl(source, fcntl.F_DUPFD, 10), target)
             for source, target in ((null, 0), (output_fd, 1), (output_fd, 2), (result_fd, _RESULT_FD),
                                    (go_fd, _GO_FD))]
    for source, target in moves:
        os.dup2(source, target)
    os.closerange(_GO_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    _set_limit("RLIMIT_AS", (limits.memory_mb << 20) + preload.extra_bytes)  # same room as without a preload
    _set_limit("RLIMIT_CPU", math.ceil(limits.timeout * (n_calls + 1)) + 2, hard_extra=1)
    _set_limit("RLIMIT_FSIZE", _FILE_LIMIT)
    _set_limit("RLIMIT_NOFILE", _OPEN_FILES)
    _set_limit("RLIMIT_CORE", 0)
    # per uid: for the unprivileged uid a small number bounds fork storms; for the grader's own uid (which
    # has other processes) only 0 means anything; root ignores it, hence the uid switch
    _set_limit("RLIMIT_NPROC", _PROCESSES if layers.uid is not None else 0)
    if layers.view is not None:  # see only what the run needs (namespaces._build_view)
        os.chroot(layers.view)
    io_fd = _open_io()  # the view's /proc, which names the worker as its own PID namespace does
    if layers.uid is not None:
        os.setgroups([])
        os.setresgid(layers.uid, layers.uid, layers.uid)
        os.setresuid(layers.uid, layers.uid, layers.uid)
    # as the uid that owns the working folder (mode 0700): root without CAP_DAC_OVERRIDE (a container run with
    # its capabilities dropped) could not enter it, and every run ended in exit status 70, a crash
    os.chdir(workdir)
    _die_with_parent(zygote)  # after the uid switch, which clears the parent-death signal
    if _LIBC is not None and _LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if layers.landlock:
        _landlock(layers.landlock, workdir, reads)
    if layers.seccomp is not None:
        _load_seccomp(layers.seccomp)
    # HOME and TMPDIR were set by the zygote (the rest of the environment reduced); tempfile, which the zygote
    # does not load, finds TMPDIR when the student's code imports it
    # _signal, not signal (here and for SIGTERM right after the fork): the latter's wrapper turns the zygote's
    # old SIGTERM handler into an enum, through a ValueError, and that touches (so copies) about 90 pages in
    # each worker
    _signal.signal(signal.SIGINT, _signal.default_int_handler)
    sys.stdin = open(0, closefd=False)
    capture_output(limits.output_bytes)
    sys.dont_write_bytecode = True  # no __pycache__ in the student's folder
    return io_fd
