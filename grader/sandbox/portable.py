"""The portable runner (macOS, Windows, or GRADER_SANDBOX=portable): one fresh interpreter per run.

Processes::

    grader ──stdin/stdout/stderr pipes──▶ worker (`python -I spawned.py`, one per run, its own session)

Only the standard library: `subprocess` starts each worker as `sys.executable -I spawned.py` (prestart.py),
and the worker loads nothing of the grader but worker.py, protocol.py and libc.py (spawned.py says how). The
run's limits go down first, as a frame of their own, then the request. The wire
format is the Linux runner's (protocol.py: JSON header + raw float64/int64 bytes, never pickle), with every
array inline: the request goes down the worker's stdin, then a go byte after each result that waits for one
(relay.py); results come up its
stdout (moved to fd 3 in the worker); the student's prints go to its stderr pipe (fds 1 and 2), kept up to
`Limits.output_bytes` per call. A worker is a fresh process (spawned, never forked from the grader), so it
never holds an expected value: it only ever receives inputs.

Per run, exactly as the Linux runner: the import counts against the first call's timeout, one call at a
time, a per-call wall-clock timeout and the run's budget, results capped in the worker and by the reader,
everything from the worker untrusted (a bad frame is a "crash" of that call), and afterwards the worker's
whole process tree is killed and its private working directory removed. Killing the tree: on POSIX the
worker starts a new session (start_new_session), and its process group gets SIGKILL; on Windows it starts in
a new process group (CREATE_NEW_PROCESS_GROUP, so the console's Ctrl-C does not reach it) and
`taskkill /F /T /PID` ends it and its descendants. Job objects (which would also bound a Windows worker's
memory and survive a grader killed mid-run) need pywin32 or a page of ctypes that could not be tested here,
so they are not used.

Limits are what the OS offers (spawned.py): with `resource` (Linux, macOS) address space, CPU seconds, file
size, open files, no new process (only without root) and no core dumps; on Windows none. The environment is
reduced as on Linux. Not here: namespaces, uid switch, seccomp, Landlock; a worker can read and write what
the grader's user can, use the network, and signal the grader (docs/security.md "The portable runner").

Speed: spawning an interpreter and importing numpy costs about 100 ms on an idle machine, paid once per run.
To keep that off the critical path, workers are started before they are needed: `_FIRST` when `grade` starts
(prestart.py, before the grader loads numpy) or else when the sandbox opens (as many as a grade usually takes
runs, so they start while the grader loads and computes), then after
each run (not during it, so that no start slows the calls being timed) enough to keep `_AHEAD` waiting. Each
serves exactly one run, so no student state crosses runs; the ones left at the end are killed unused. The
waiting for a worker to be ready is not counted against the run's timeout or budget. Measured with
`python benchmarks/bench_grade.py`.
"""
from __future__ import annotations

import math
import os
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .. import prestart
from .cleanup import _remove_tree
from .fitness import _unfit_submission
from .libc import fixed_mmap_threshold
from .protocol import (
    DEFAULT_LIMITS,
    Call,
    Limits,
    Outcome,
    ProtocolError,
    _clean,
    _failed,
    _frame,
    _Frames,
    _request_frame,
)
from .relay import KeptOutput, _Died, _relay, _Timeout

_POSIX = os.name == "posix"
_FIRST = prestart.FIRST  # workers started when the sandbox opens (unless `grade` started them already)
_AHEAD = 1  # then, after each run, enough are started to keep this many waiting
_STARTUP_TIMEOUT = 120.0  # seconds a worker may take to start Python and import numpy (a busy laptop)
_OUTPUT_READS = 64
_KEEP_ENV = prestart.KEEP_ENV


class _StartFailed(Exception):
    pass


def _remove_folder(path: str) -> None:
    if _POSIX:
        _remove_tree(path)  # iterative, any depth
    else:  # pragma: no cover - Windows: dir_fd is not supported there
        import shutil

        shutil.rmtree(path, ignore_errors=True)


# --- waiting on pipes: select on POSIX; on Windows (no select for pipes) polling PeekNamedPipe ------------------

def _windows_pending(fd: int) -> int:  # pragma: no cover - Windows only
    """Bytes waiting in a pipe, -1 when its other end is closed."""
    import _winapi
    import msvcrt

    try:
        return _winapi.PeekNamedPipe(msvcrt.get_osfhandle(fd), 0)[0]
    except OSError:
        return -1


class _Pipes:
    """Readiness and non-blocking reads of the worker's pipes. `pending` (fd -> bytes waiting, -1 at EOF)
    selects the polling strategy (Windows); None selects select() (POSIX)."""

    def __init__(self, pending: Callable[[int], int] | None = None):
        self.pending = pending

    def ready(self, fds: Sequence[int], timeout: float) -> list[int]:
        if self.pending is None:
            import select

            return select.select(list(fds), [], [], max(0.0, timeout))[0]
        end = time.monotonic() + max(0.0, timeout)
        while True:
            found = [fd for fd in fds if self.pending(fd) != 0]
            if found or time.monotonic() >= end:
                return found
            time.sleep(0.0005)

    def read(self, fd: int, size: int = 1 << 20) -> bytes:
        """Only after `ready` named fd: returns without blocking (b"" at EOF)."""
        if self.pending is not None:
            waiting = self.pending(fd)
            size = min(size, waiting) if waiting > 0 else 1
        try:
            return os.read(fd, size)
        except OSError:  # Windows may say "broken pipe" where POSIX says end of file
            return b""


_PIPES = _Pipes(None if _POSIX else _windows_pending)


class _Worker:
    """One spawned interpreter serving exactly one run: its pipes, its captured output, its clocks."""

    def __init__(self, limits: Limits, root: str, started: tuple | None = None):
        """Spawn a worker in a fresh folder of `root`, or take one `prestart` started: (process, folder)."""
        self.timeout, self.pipes = limits.timeout, _PIPES
        self.settings = {"memory_mb": limits.memory_mb, "result_bytes": limits.result_bytes,
                         "timeout": limits.timeout, "output_bytes": limits.output_bytes}
        if started is not None:
            self.proc, self.workdir = started
        else:
            self.workdir = tempfile.mkdtemp(prefix="run-", dir=root)
            try:
                self.proc = prestart.spawn(self.workdir)
            except BaseException:
                _remove_folder(self.workdir)
                raise
        self.result_fd, self.output_fd = self.proc.stdout.fileno(), self.proc.stderr.fileno()
        self.frames, self.pending = _Frames(max_body=limits.result_bytes), deque()
        self.output, self.output_open = KeptOutput(limits.output_bytes), True
        self.ready = False
        self.limits_set: list[str] = []  # the rlimits the worker set, once it has the request
        self.budget, self.deadline = None, math.inf
        self.restart_clock()

    # -- start -------------------------------------------------------------------------------------------

    def wait_ready(self, seconds: float = _STARTUP_TIMEOUT) -> None:
        """Wait for the worker's "ready" frame; what it printed while starting is dropped."""
        if self.ready:
            return
        self.timeout, timeout = seconds, self.timeout
        self.restart_clock()
        try:
            header, _ = self.next_frame()
        except (_Timeout, _Died, ProtocolError) as e:
            why = "it did not start in time" if isinstance(e, _Timeout) else str(e)
            raise _StartFailed(f"{why}; it said: {self.take_output()[-300:] or 'nothing'}") from None
        finally:
            self.timeout = timeout
        if header != {"ready": True, "arrays": []}:
            raise _StartFailed("its first frame was not 'ready'")
        self.ready = True
        self.take_output()

    def start(self, request: bytes, budget: float | None) -> None:
        """Send the limits and the request; the clocks start now (the import counts against the first call's
        timeout). The worker answers with the limits it could set, then the import's result."""
        self.budget = budget
        self.deadline = time.monotonic() + budget if budget is not None else math.inf
        self.restart_clock()
        self._write(_frame({"settings": self.settings}) + request)

    # -- the watch's interface, used by relay.py ---------------------------------------------------------

    def go(self) -> None:
        self._write(b"g")

    def _write(self, data: bytes) -> None:
        """All of `data` down the worker's stdin (it reads the request at once, before any student code)."""
        view = memoryview(data)
        try:
            while view:
                view = view[self.proc.stdin.write(view) :]
        except OSError:  # the worker died: next_frame says how
            pass

    def restart_clock(self) -> None:
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def import_result(self) -> tuple[dict, list[np.ndarray]]:
        """The import's result (relay.py), after the limits the worker could set, which it announces first."""
        header, arrays = self.next_frame()
        limits = header.get("limits")
        if isinstance(limits, list) and "status" not in header:
            self.limits_set = [_clean(name, 40) for name in limits][:10]
            header, arrays = self.next_frame()
        return header, arrays

    def next_frame(self) -> tuple[dict, list[np.ndarray]]:
        """Block until the worker's next frame, draining its output; raise when it hangs or dies."""
        while not self.pending:
            self.frames.check()
            remaining = min(self.timeout - self.elapsed(), self.deadline - time.monotonic())
            fds = [self.result_fd] + [self.output_fd] * self.output_open
            ready = self.pipes.ready(fds, max(remaining, 0.0))  # out of time, what came is still read (zygote.py)
            if self.output_fd in ready:
                self._read_output()
            if self.result_fd in ready:
                chunk = self.pipes.read(self.result_fd)
                if not chunk:
                    raise _Died(self._death())
                self.pending.extend(self.frames.feed(chunk))
            elif remaining <= 0:
                raise _Timeout
        return self.pending.popleft()

    def _read_output(self) -> None:
        chunk = self.pipes.read(self.output_fd, 1 << 16)
        self.output_open = bool(chunk)
        self.output.keep(chunk)

    def take_output(self, reported: int | None = 0) -> str:
        """Output since the last take; the worker flushes before each frame, so it is already in the pipe.
        `reported`: see relay.KeptOutput.take."""
        for _ in range(_OUTPUT_READS):
            if not (self.output_open and self.pipes.ready([self.output_fd], 0)):
                break
            self._read_output()
        return self.output.take(reported)

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=max(0.0, min(self.timeout - self.elapsed(), 5.0)))
        except subprocess.TimeoutExpired:
            return "closed its result channel"
        if code < 0:
            import signal

            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with status {code}"

    # -- end ---------------------------------------------------------------------------------------------

    def end(self) -> None:
        """Kill the worker and everything it started, reap it, close its pipes, remove its folder."""
        _kill_tree(self.proc)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        _remove_folder(self.workdir)


def _kill_tree(proc: subprocess.Popen) -> None:
    if _POSIX:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its session's group (pgid = its pid); not yet reaped
        except (ProcessLookupError, PermissionError):
            pass
    else:  # pragma: no cover - Windows
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    try:
        proc.kill()
    except OSError:
        pass
    proc.wait()


def _discard_workers(root: str, started: list) -> None:
    """Kill workers nobody used (prestart's leftovers) and remove their folder."""
    for proc, _ in started:
        _kill_tree(proc)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
    _remove_folder(root)


class PortableSandbox:
    """Context manager like the Linux `Sandbox`: `run` grades one submission file in a fresh worker."""

    runner = "portable"

    def __init__(self, limits: Limits = DEFAULT_LIMITS, first: int = _FIRST, ahead: int = _AHEAD):
        self.limits, self.first, self.ahead = limits, first, ahead
        self._root: str | None = None
        self._waiting: deque[_Worker] = deque()
        self._broken: str | None = None
        self._limits_set: list[str] = []

    def __enter__(self) -> PortableSandbox:
        fixed_mmap_threshold()  # as the Linux runner does: large results do not stay in a fragmented heap
        early = prestart.adopt()  # `grade` started the first workers before it loaded numpy
        if early is not None:
            self._root = early[0]
            self._waiting.extend(_Worker(self.limits, self._root, started) for started in early[1])
        else:
            self._root = tempfile.mkdtemp(prefix="grader-sandbox-")
        self._start_ahead(self.first)
        return self

    def __exit__(self, *exc) -> None:
        while self._waiting:
            self._waiting.popleft().end()
        if self._root is not None:
            _remove_folder(self._root)
            self._root = None

    @property
    def broken(self) -> str | None:
        """Why the sandbox stopped working (a worker could not start), or None."""
        return self._broken

    @property
    def layers(self) -> list[str]:
        """What confines a run here (docs/security.md), for reports; the rlimits as the last worker set them."""
        group = "session" if _POSIX else "process-group"
        return ["spawn", group, *(["rlimits"] if self._limits_set else []), "private-workdir", "reduced-env"]

    def _start_ahead(self, count: int | None = None) -> None:
        """Start workers until `count` (default `ahead`) are waiting."""
        while len(self._waiting) < (self.ahead if count is None else count) and not self._broken:
            try:
                self._waiting.append(_Worker(self.limits, self._root))
            except OSError as e:
                self._broken = f"the sandbox could not start a worker ({type(e).__name__}: {e})"

    def _next_worker(self) -> _Worker | None:
        self._start_ahead(1)  # at least the one this run takes
        if not self._waiting:
            return None
        worker = self._waiting.popleft()
        try:
            worker.wait_ready()
        except _StartFailed as e:
            worker.end()
            self._broken = f"the sandbox could not start a worker: {e}"
            return None
        return worker

    def run(self, submission: Path, calls: Sequence[Call], budget: float | None = None, source: str | None = None,
            keep: Callable[[Call, Outcome], Outcome] | None = None,
            meanwhile: Callable[[], None] | None = None) -> list[Outcome]:
        """One outcome per call, in order, whatever the submission does (see the Linux `Sandbox.run`: `source`
        runs instead of the file's text, `keep` turns each outcome into what the caller keeps as it arrives,
        `meanwhile` runs once the request is sent)."""
        calls = list(calls)
        if self._root is None:
            raise RuntimeError("PortableSandbox.run needs `with PortableSandbox() as sandbox:`")
        if not calls:
            return []
        submission = Path(os.path.abspath(submission))
        problem = _unfit_submission(submission, None if source is None else len(source.encode("utf-8")))
        if problem:  # the student's problem, not the machine's: a failed import of every call
            return [_failed("import_error", problem) for _ in calls]
        request, _ = _request_frame(submission, calls, budget, inline_bytes=math.inf, source=source)
        worker = None if self._broken else self._next_worker()
        if worker is None:
            return [_failed("crash", self._broken) for _ in calls]
        outcomes: list[Outcome] = []
        try:
            worker.start(request, budget)
            if meanwhile is not None:
                meanwhile()

            def kept(outcome: Outcome) -> None:
                outcomes.append(keep(calls[len(outcomes)], outcome) if keep is not None else outcome)

            _relay(worker, submission, calls, kept)
            self._limits_set = worker.limits_set
        finally:
            worker.end()
            self._start_ahead()  # after the run, not during it: its calls' times are not slowed by a start
        return outcomes
