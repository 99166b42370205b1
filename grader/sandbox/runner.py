"""The grader's side (Linux): `Sandbox` owns one zygote and turns each run into one outcome per call."""
from __future__ import annotations

import _socket
import os
import struct
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from .fitness import _unfit_submission
from .launch import SHUTDOWN_WAIT, Started, adopt, start
from .libc import fixed_mmap_threshold
from .processes import _end_process, _signals_blocked, descendants_demand_seconds
from .protocol import (
    _MAX_HEADER,
    DEFAULT_LIMITS,
    Call,
    Limits,
    Outcome,
    ProtocolError,
    _failed,
    _frame,
    _Frames,
    _parse_outcome,
    _request_frame,
)


def _send_fd(sock: _socket.socket, data: memoryview, fd: int) -> int:
    """`socket.send_fds(sock, [data], [fd])`, on the C socket (launch.Started.sock): bytes sent."""
    return sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, struct.pack("i", fd))])


class Sandbox:
    """Context manager owning the zygote; `run` grades one submission file."""

    runner = "linux"

    def __init__(self, limits: Limits = DEFAULT_LIMITS, slot: int | None = None):
        """`slot`: the job slot this sandbox serves, when several grade at once (0, 1, ...). As root every
        open sandbox's workers get a uid of their own, the slot's when it is free (see `slots.py`)."""
        self.limits, self.slot = limits, slot
        self._zygote: Started | None = None
        self._sock: _socket.socket | None = None  # launch.Started.sock
        self._broken: str | None = None
        self._busy = False  # a run was interrupted: the zygote is still supervising, do not wait for it
        self._layers: list[str] | None = None
        self._reaped = False  # the zygote was stopped and reaped (a broken sandbox)

    def __enter__(self) -> Sandbox:
        """Adopt the zygote `grade` started early (launch.py), or start one; either way, send it the limits."""
        fixed_mmap_threshold()  # the grader's memory holds results one at a time: keep it from growing anyway
        self._zygote = (adopt() if self.slot is None else None) or start(self.slot)
        self._sock = self._zygote.sock
        try:
            self._sock.sendall(_frame({"limits": self.limits._asdict()}))
        except OSError as e:
            self._stop_zygote(f"the sandbox stopped working ({type(e).__name__}: {e})")
        return self

    @property
    def _pid(self) -> int | None:
        return self._zygote.pid if self._zygote is not None else None

    def run_demand_seconds(self) -> float | None:
        """Seconds the processes of the run under way (the zygote's workers and what they started; 0 between
        runs) have run on a CPU or waited for one, or None when the system does not say. For a batch's job slots
        (batch/slots.py): a run stuck in a sleep demands no CPU, one stuck in a loop a whole CPU."""
        pid = self._pid
        return None if pid is None or self._broken else descendants_demand_seconds(pid)

    @property
    def _root(self) -> str | None:
        return self._zygote.root if self._zygote is not None else None

    def __exit__(self, *exc) -> None:
        """Stop the zygote and remove the sandbox's folder; SIGINT and SIGTERM wait until this is done."""
        if self._zygote is not None:
            self._zygote.stop(0.0 if self._busy else SHUTDOWN_WAIT, reaped=self._reaped)
            self._zygote = None
            self._sock = None

    @property
    def broken(self) -> str | None:
        """Why the sandbox stopped working (its zygote is gone), or None: then no outcome can be trusted."""
        return self._broken

    @property
    def layers(self) -> list[str]:
        """What confines every run: the zygote says so once, before serving its first run."""
        if self._layers is None and self._sock is not None and not self._broken:
            try:
                self._sock.settimeout(60.0)
                frames, got = _Frames(), []
                while not got:
                    got = frames.feed(self._recv())
                names = got[0][0].get("layers")
                if len(got) > 1 or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise ProtocolError("expected the zygote's layers first")
                self._layers = names
            except (OSError, ProtocolError) as e:
                self._stop_zygote(f"the sandbox stopped working ({type(e).__name__}: {e})")
            except BaseException as e:  # interrupted while the zygote starts: as mid-run, never reuse it
                self._stop_zygote(f"the sandbox was interrupted ({type(e).__name__})")
                raise
        return list(self._layers or [])

    def run(self, submission: Path, calls: Sequence[Call], budget: float | None = None,
            source: str | None = None, keep: Callable[[Call, Outcome], Outcome] | None = None,
            meanwhile: Callable[[], None] | None = None) -> list[Outcome]:
        """One outcome per call, in order, whatever the submission does.

        `source`, when given, runs as the module instead of the file's own text, under the file's path and
        with its folder importable (sandbox/course.py).

        `budget` bounds the wall time of the whole run (import included) on top of the per-call timeout;
        when it runs out, the running call is a "timeout" and the rest are "skipped". `keep` turns each
        outcome, as soon as it arrives, into what the caller keeps (say, without values too large to be
        right), so that a run holds at most one full result at a time however many calls it has.

        `meanwhile` is called once, as soon as the request is sent: the caller's own work (a lone grade's
        expected values) overlaps the worker's run, whose outcomes wait in the socket. It should not raise;
        if it does, the run is stopped as an interrupted one is.
        """
        calls = list(calls)
        if self._sock is None:
            raise RuntimeError("Sandbox.run needs `with Sandbox() as sandbox:`")
        if not calls:
            return []
        outcomes: list[Outcome] = []
        try:  # an interrupt anywhere in here, even before the request goes out, retires the zygote
            self._busy = True
            self.layers  # noqa: B018 - the zygote's first frame, read before any run
            if self._broken:
                return [_failed("crash", self._broken) for _ in calls]
            submission = Path(os.path.abspath(submission))
            problem = _unfit_submission(submission, None if source is None else len(source.encode("utf-8")))
            if problem:  # the student's problem, not the machine's: a failed import of every call
                return [_failed("import_error", problem) for _ in calls]
            request, fd = _request_frame(submission, calls, budget, source=source)
            self._sock.settimeout(self.limits.timeout * (len(calls) + 1) + 5.0)
            self._send(request, fd)
            if meanwhile is not None:
                meanwhile()
            frames = _Frames(_MAX_HEADER + 8 * self.limits.output_bytes, self.limits.result_bytes)
            pending: deque = deque()
            while len(outcomes) <= len(calls):  # one outcome per call as it completes, then "done"
                while not pending:
                    frames.check()
                    pending.extend(frames.feed(self._recv()))
                header, arrays = pending.popleft()
                if len(outcomes) < len(calls):
                    call = calls[len(outcomes)]
                    outcome = _parse_outcome(header, arrays, call)
                    del header, arrays
                    outcomes.append(keep(call, outcome) if keep is not None else outcome)
                    del outcome
                elif header != {"done": True, "arrays": []} or pending:
                    raise ProtocolError("expected the end of the run")
                else:
                    break
        except (OSError, ProtocolError) as e:
            self._stop_zygote(f"the sandbox stopped working ({type(e).__name__}: {e})")
            outcomes += [_failed("crash", self._broken) for _ in calls[len(outcomes) :]]
        except BaseException as e:  # interrupted mid-run: the zygote may still be talking; never reuse it
            self._stop_zygote(f"the sandbox was interrupted ({type(e).__name__})")
            raise
        finally:
            self._busy = False
        return outcomes

    def _send(self, request: bytes, fd: int | None) -> None:
        """The memfd (if any) rides with the request's first bytes; the zygote gets its own copy of it."""
        view = memoryview(request)
        try:
            if fd is not None:
                view = view[_send_fd(self._sock, view[: 1 << 16], fd) :]
            self._sock.sendall(view)
        finally:
            if fd is not None:
                os.close(fd)

    def _recv(self) -> memoryview:
        """The next bytes from the zygote, in a buffer kept for the sandbox's life (read it before the next
        call): a fresh 1 MB buffer per receive cost an mmap, a munmap and page faults each time."""
        if getattr(self, "_buffer", None) is None:
            self._buffer = memoryview(bytearray(1 << 20))
        size = self._sock.recv_into(self._buffer)
        if not size:
            raise ConnectionError("the zygote went away")
        return self._buffer[:size]

    def _stop_zygote(self, reason: str) -> None:
        """A broken zygote is not replaced: a new one would be started by a process holding secrets."""
        self._broken = reason
        if self._zygote is not None and not self._reaped:
            with _signals_blocked():
                _end_process(self._zygote.pid, 0.0)
                self._reaped = True
