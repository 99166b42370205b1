"""Run untrusted student functions in isolated child processes.

Processes::

    grader ──socket──▶ zygote ──fork per run──▶ worker (imports the submission, calls its functions)

`Sandbox.__enter__` forks the zygote before the grader computes any expected value, so neither the zygote
nor its workers hold anything secret; the zygote only ever receives inputs. Forking workers from a zygote
that already imported numpy makes a run cost milliseconds instead of a fresh interpreter's ~100 ms.

Every message is a length-prefixed frame: a JSON header plus raw float64/int64 bytes, never pickle. Each
reader checks sizes and shapes, and treats what comes from below as untrusted: a worker that writes garbage,
dies or hangs turns into a "crash" or "timeout" outcome, never into an exception in the grader. Arrays of
`_INLINE_BYTES` or more do not go through the socket: the grader writes them into one sealed memfd whose
descriptor travels with the request (SCM_RIGHTS); the zygote maps it read-only and private, every worker
inherits the mapping and copies each argument afresh for each call.

Layers (design.md "Sandbox layers"; docs/security.md says what they promise and which test checks each;
`grader.doctor` shows which are active on a machine). Always: a new session, rlimits (address space, CPU
seconds, file size, open files, processes, no core dumps), an empty private working directory, stdin from
/dev/null, output captured with a cap, results capped at `Limits.result_bytes` per call (checked in the worker
and again by every reader), an environment reduced to a few harmless variables, PR_SET_NO_NEW_PRIVS, seccomp
when libseccomp.so.2 loads (no new process: clone only with CLONE_THREAD, no fork or vfork, clone3 fails with
ENOSYS so glibc falls back to clone; no socket or socketpair of any family; no SysV IPC or POSIX message
queue; no ptrace, process_vm_*, pidfd_getfd, process_madvise, kcmp, mount, namespaces, bpf, keyrings,
io_uring, modules, kexec, reboot), Landlock when the kernel has it (no file may be written outside the
working directory; with ABI 4+ no TCP connect or bind; with ABI 6+ no signal to a process outside the run).
Without new processes, RLIMIT_AS bounds everything a submission holds. When the grader runs as root, also:
the zygote is PID 1 of a new PID namespace and lives in new network and IPC namespaces (only a loopback that
is down; SysV IPC objects die with it) and in a private mount namespace where the sandbox's folder is a tmpfs
(256 MB, 20000 inodes) that the grader never sees and that vanishes with the zygote; each worker switches to
the unprivileged uid/gid `_UNPRIVILEGED` (so RLIMIT_NPROC bites and root-only files stay closed) and runs
from a root-owned copy of the submission plus the files beside it that any user could read anyway. After
every run the zygote, as PID 1 of its namespace, SIGKILLs every other process in it (kill(-1)), and removes
the run's folder iteratively (however deep). Without root, forks are refused by RLIMIT_NPROC 0 as well, and
stray processes are reaped as the zygote is a child subreaper. Every layer falls back gracefully: when the
kernel refuses it, the run goes on without it.

Untrusted frames: any exception while decoding or checking a worker's frame is a ProtocolError, which makes
that call a "crash"; nothing a worker sends can end the zygote. The zygote streams each outcome to the grader
as soon as it is known, then a "done" frame once the worker is reaped and its folder removed. The zygote also
watches the grader's socket during a run: when the grader dies (even by SIGKILL), it stops the run and removes
the sandbox's folder. `Sandbox.__exit__` holds SIGINT and SIGTERM back until its cleanup is done.

Choices beyond the brief: `Call.return_names` (optional) names the returned values in messages; output beyond
`Limits.output_bytes` is dropped and a one-line note says how much; output printed while importing goes to
the first call's outcome; `run` returns only after the worker is reaped and its directory removed.

Not done: bubblewrap (optional in the design; not installed here), a private /proc (a worker can list the
machine's processes in /proc, though not read their memory or environment).
"""

from __future__ import annotations

import copy
import ctypes
import dataclasses
import errno
import fcntl
import importlib.machinery
import importlib.util
import json
import math
import mmap
import os
import resource
import select
import signal
import socket
import stat
import struct
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

STATUSES = ("ok", "error", "timeout", "crash", "missing", "import_error", "bad_return", "skipped")
_WORKER_STATUSES = ("ok", "error", "missing", "bad_return")
_MODULE_NAME = "submission"
_PREFIX = struct.Struct("<IQ")  # header length, body length
_DTYPES = {"f8": np.dtype("<f8"), "i8": np.dtype("<i8")}
_MAX_BODY = 256 << 20
_MAX_HEADER = 1 << 20
_MAX_MESSAGE = 2000
_RESULT_FD = 3
_GO_FD = 4  # the zygote writes one byte here when the worker may start the next call
_FILE_LIMIT = 16 << 20
_OPEN_FILES = 64
_SHUTDOWN_WAIT = 2.0
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_OUTPUT_READS = 64  # chunks drained per take: bounds the time a grandchild that keeps printing can cost
_INLINE_BYTES = 1 << 16  # arrays this large or larger travel in a memfd, not in the frame
_ALIGN = 64
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x1000, 0x4000, 1 << 18
_CLONE_NEWNET = 0x40000000
_CLONE_NEWIPC = 0x08000000
_CLONE_THREAD = 0x00010000
_MNT_DETACH = 2
_ROOT_TMPFS = b"mode=0711,size=256m,nr_inodes=20000"  # as root, the sandbox's folder: bounded, never on disk
_UNPRIVILEGED = 65534  # nobody: the uid and gid workers run as when the grader is root
_PROCESSES = 16  # RLIMIT_NPROC for the unprivileged uid (it counts every process of that uid)
_COPY_FILES, _COPY_BYTES, _COPY_DEPTH = 200, 64 << 20, 3  # bounds of the copy of the submission's folder
_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
             "MKL_NUM_THREADS", "PYTHONHASHSEED", "PYTHONIOENCODING")

try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not glibc/musl
    _LIBC = None


@dataclass(frozen=True)
class Limits:
    """Per-run resource limits; the import counts as a call for the timeout."""

    timeout: float = 10.0
    memory_mb: int = 2048
    output_bytes: int = 65536
    result_bytes: int = 32 << 20  # per call: the raw numbers a result may hold (the grader's largest is ~80 kB)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Call:
    """One function call: the first of `names` that the module defines is called with `args`."""

    names: tuple[str, ...]
    args: tuple
    arg_names: tuple[str, ...]
    returns: int
    return_names: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.names or len(self.args) != len(self.arg_names) or self.returns < 1:
            raise ValueError(f"malformed Call: {self.names!r}")

    def value_name(self, i: int) -> str:
        return self.return_names[i] if i < len(self.return_names) else f"value {i + 1}"


@dataclass(frozen=True)
class Outcome:
    """What one call did; `values` holds float64 arrays when status is "ok"."""

    status: str
    values: tuple[np.ndarray, ...] | None
    message: str
    output: str = ""
    seconds: float = 0.0
    function: str | None = None
    changed_args: dict[str, np.ndarray] = field(default_factory=dict)


class ProtocolError(Exception):
    """A frame that breaks the protocol (bad sizes, JSON, shapes or fields)."""


class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


class _GraderGone(Exception):
    """The grader closed its end mid-run (it died or left): the zygote stops the run and exits."""


# ---------------------------------------------------------------- frames


def _frame(header: dict, arrays: Sequence[np.ndarray] = ()) -> bytes:
    """Encode a header and arrays; only float64/int64 go on the wire."""
    wire = [np.asarray(a, dtype=_DTYPES[_dtype_code(a)], order="C") for a in arrays]
    meta = [[_dtype_code(a), list(a.shape)] for a in wire]
    head = json.dumps({**header, "arrays": meta}).encode()
    body = b"".join(a.tobytes() for a in wire)
    return _PREFIX.pack(len(head), len(body)) + head + body


def _dtype_code(a: np.ndarray) -> str:
    if a.dtype.kind == "f" and a.dtype.itemsize == 8:
        return "f8"
    if a.dtype.kind == "i" and a.dtype.itemsize == 8:
        return "i8"
    raise TypeError(f"only float64 and int64 arrays cross the sandbox, not {a.dtype}")


class _Frames:
    """Incremental frame decoder that validates every size before trusting it."""

    def __init__(self, max_header: int = _MAX_HEADER, max_body: int = _MAX_BODY):
        self.max_header, self.max_body = max_header, max_body
        self.buf = bytearray()
        self.error: ProtocolError | None = None  # met after good frames: raised once those are used

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def feed(self, data: bytes) -> list[tuple[dict, list[np.ndarray]]]:
        """The complete frames so far. A broken frame raises ProtocolError, at once if no good frame came
        before it in `data`, else at the next `check` or `feed` (so the good ones are not lost)."""
        self.check()
        frames: list = []
        try:
            self._decode_into(data, frames)
        except ProtocolError as e:
            if not frames:
                raise
            self.error = e
        return frames

    def _decode_into(self, data: bytes, frames: list) -> None:
        self.buf += data
        while len(self.buf) >= _PREFIX.size:
            head_len, body_len = _PREFIX.unpack_from(self.buf)
            if head_len > self.max_header or body_len > self.max_body:
                raise ProtocolError(f"frame too large ({head_len} + {body_len} bytes)")
            end = _PREFIX.size + head_len + body_len
            if len(self.buf) < end:
                break
            head = bytes(self.buf[_PREFIX.size : _PREFIX.size + head_len])
            body = bytes(self.buf[_PREFIX.size + head_len : end])
            del self.buf[:end]
            try:
                frames.append(_decode(head, body, self.max_body))
            except ProtocolError:
                raise
            except Exception as e:  # whatever a forged frame makes numpy or json raise, it is a broken frame
                raise ProtocolError(f"undecodable frame ({type(e).__name__})") from e


def _decode(head: bytes, body: bytes, max_body: int = _MAX_BODY) -> tuple[dict, list[np.ndarray]]:
    try:
        header = json.loads(head)
    except (ValueError, RecursionError) as e:
        raise ProtocolError("header is not JSON") from e
    meta = header.get("arrays") if isinstance(header, dict) else None
    if not isinstance(meta, list):
        raise ProtocolError("header has no array list")
    arrays, offset = [], 0
    for item in meta:
        dtype, shape = _array_meta(item, max_body)
        size = math.prod(shape) * dtype.itemsize
        if offset + size > len(body):
            raise ProtocolError("arrays need more bytes than the frame holds")
        flat = np.frombuffer(body, dtype=dtype, count=size // dtype.itemsize, offset=offset)
        arrays.append(flat.reshape(shape).copy())
        offset += size
    if offset != len(body):
        raise ProtocolError("frame holds bytes no array accounts for")
    return header, arrays


def _array_meta(item, max_body: int = _MAX_BODY) -> tuple[np.dtype, tuple[int, ...]]:
    """dtype and shape; the shape, with its zero lengths counted as 1, must fit in `max_body` bytes
    (so an empty array of shape (0, 2**40) is refused too, not only a large one)."""
    ok = isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and item[0] in _DTYPES \
        and isinstance(item[1], list)
    shape = item[1] if ok else []
    if not ok or len(shape) > 32 or not all(type(n) is int and 0 <= n <= max_body for n in shape) or \
            math.prod(max(n, 1) for n in shape) * _DTYPES[item[0]].itemsize > max(max_body, 8):
        raise ProtocolError(f"bad array description {str(item)[:80]}")
    return _DTYPES[item[0]], tuple(shape)


def _clean(text, limit: int = _MAX_MESSAGE) -> str:
    """Untrusted text made safe to print: a bounded str without lone surrogates."""
    if not isinstance(text, str):
        return ""
    return text[:limit].encode("utf-8", "replace").decode("utf-8")


# ---------------------------------------------------------------- requests and outcomes


def _request_frame(submission: Path, calls: Sequence[Call], budget: float | None = None) -> tuple[bytes, int | None]:
    """The request frame, and the memfd holding its large arrays (None when all are small)."""
    arrays: list[np.ndarray] = []
    shared: list[np.ndarray] = []
    specs = [
        {
            "names": list(c.names),
            "arg_names": list(c.arg_names),
            "returns": c.returns,
            "return_names": list(c.return_names),
            "args": [_arg_spec(a, arrays, shared) for a in c.args],
        }
        for c in calls
    ]
    header = {"submission": str(submission), "calls": specs, "budget": budget}
    fd = None
    if shared:
        fd, header["shared"], header["shared_bytes"] = _shared_memory(shared)
    return _frame(header, arrays), fd


def _arg_spec(arg, arrays: list[np.ndarray], shared: list[np.ndarray]) -> dict:
    """Arrays travel as bytes (float -> float64, int -> int64); scalars and lists as JSON."""
    if isinstance(arg, np.ndarray):
        kind = {"f": np.float64, "i": np.int64, "u": np.int64}.get(arg.dtype.kind)
        if kind is None:
            raise TypeError(f"unsupported argument dtype {arg.dtype}")
        wire = np.ascontiguousarray(arg, dtype=kind)
        if wire.nbytes >= _INLINE_BYTES:
            for i, known in enumerate(shared):  # the same array twice in one request is stored once
                if known is wire or known is arg:
                    return {"shared": i}
            shared.append(wire)
            return {"shared": len(shared) - 1}
        arrays.append(wire)
        return {"array": len(arrays) - 1}
    if isinstance(arg, np.generic):
        arg = arg.item()
    if arg is None or isinstance(arg, bool | int | float | str | list | tuple):
        return {"value": arg}
    raise TypeError(f"unsupported argument type {type(arg).__name__}")


def _shared_memory(arrays: list[np.ndarray]) -> tuple[int, list, int]:
    """Write arrays into a sealed memfd: (fd, [[dtype, shape, offset]...], total bytes)."""
    meta, total = [], 0
    for a in arrays:
        meta.append([_dtype_code(a), list(a.shape), total])
        total += -(-a.nbytes // _ALIGN) * _ALIGN
    fd = os.memfd_create("grader-arguments", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        os.ftruncate(fd, total)
        for a, (_, _, offset) in zip(arrays, meta, strict=True):
            view = memoryview(a.reshape(-1)).cast("B")
            while view:
                written = os.pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
        seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    except BaseException:
        os.close(fd)
        raise
    return fd, meta, total


def _map_shared(header: dict, fds: list[int]) -> list[np.ndarray]:
    """The zygote's read-only, private view of the request's memfd (which it then closes)."""
    meta, total = header.get("shared"), header.get("shared_bytes")
    if meta is None:
        return []
    if not fds:
        raise ProtocolError("large arrays announced but no memfd received")
    fd = fds.pop(0)
    try:
        if not isinstance(meta, list) or type(total) is not int or not 0 < total <= os.fstat(fd).st_size:
            raise ProtocolError("bad shared array description")
        memory = mmap.mmap(fd, total, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
    finally:
        os.close(fd)
    arrays = []
    for item in meta:
        if not (isinstance(item, list) and len(item) == 3 and type(item[2]) is int and item[2] >= 0):
            raise ProtocolError("bad shared array description")
        dtype, shape = _array_meta(item[:2])
        count = math.prod(shape)
        if item[2] + count * dtype.itemsize > total:
            raise ProtocolError("shared array beyond the memfd")
        arrays.append(np.frombuffer(memory, dtype=dtype, count=count, offset=item[2]).reshape(shape))
    return arrays


def _decode_request(header: dict, arrays: list[np.ndarray], fds: list[int]) -> tuple[Path, list[Call], float | None]:
    shared = _map_shared(header, fds)

    def value(a: dict):
        if "array" in a:
            return arrays[a["array"]]
        if "shared" in a:
            return shared[a["shared"]]
        return a["value"]

    calls = [
        Call(
            names=tuple(c["names"]),
            args=tuple(value(a) for a in c["args"]),
            arg_names=tuple(c["arg_names"]),
            returns=c["returns"],
            return_names=tuple(c["return_names"]),
        )
        for c in header["calls"]
    ]
    budget = header.get("budget")
    if budget is not None and (type(budget) not in (int, float) or not 0 < budget < 1e6):
        raise ProtocolError(f"bad budget {budget!r}")
    return Path(header["submission"]), calls, budget


def _outcome_frame(outcome: Outcome) -> bytes:
    values = list(outcome.values or ())
    header = {
        "status": outcome.status,
        "message": outcome.message,
        "output": outcome.output,
        "seconds": outcome.seconds,
        "function": outcome.function,
        "values": len(values),
        "changed": list(outcome.changed_args),
    }
    return _frame(header, values + list(outcome.changed_args.values()))


def _parse_outcome(header: dict, arrays: list[np.ndarray], call: Call, allowed=STATUSES) -> Outcome:
    """Check an outcome frame field by field against the call it answers; any failure is a ProtocolError."""
    try:
        return _check_outcome(header, arrays, call, allowed)
    except ProtocolError:
        raise
    except Exception as e:  # e.g. float() of a 400-digit "seconds": OverflowError
        raise ProtocolError(f"unreadable outcome ({type(e).__name__})") from e


def _check_outcome(header: dict, arrays: list[np.ndarray], call: Call, allowed) -> Outcome:
    status, count, changed = header.get("status"), header.get("values"), header.get("changed")
    function, seconds = header.get("function"), header.get("seconds")
    if not isinstance(status, str) or status not in allowed:
        raise ProtocolError(f"unknown status {str(status)[:40]!r}")
    if not isinstance(changed, list) or type(count) is not int or count + len(changed) != len(arrays):
        raise ProtocolError("array counts do not add up")
    if status == "ok" and (count != call.returns or any(a.dtype != np.float64 for a in arrays[:count])):
        raise ProtocolError(f"{count} values for a call returning {call.returns}")
    if not all(isinstance(c, str) and c in call.arg_names for c in changed):
        raise ProtocolError("unknown argument name")
    if not (function is None or (isinstance(function, str) and function in call.names)):
        raise ProtocolError("unknown function name")
    if type(seconds) not in (int, float) or not 0 <= seconds < 1e9:
        raise ProtocolError("bad duration")
    return Outcome(
        status=status,
        values=tuple(arrays[:count]) if status == "ok" else None,
        message=_clean(header.get("message")),
        output=_clean(header.get("output"), limit=1 << 30),
        seconds=float(seconds),
        function=function,
        changed_args=dict(zip(changed, arrays[count:], strict=True)),
    )


def _failed(status: str, message: str, output: str = "", seconds: float = 0.0) -> Outcome:
    return Outcome(status, None, message, output, seconds, None, {})


# ---------------------------------------------------------------- grader side


class Sandbox:
    """Context manager owning the zygote; `run` grades one submission file."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS):
        self.limits = limits
        self._sock: socket.socket | None = None
        self._pid: int | None = None
        self._broken: str | None = None
        self._busy = False  # a run was interrupted: the zygote is still supervising, do not wait for it
        self._root: str | None = None

    def __enter__(self) -> Sandbox:
        self._root = _make_root()  # removed here even if the zygote is killed
        ours, theirs = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = _fork_pid_namespace()
        if pid == 0:  # the zygote: never returns into the caller's code
            code = 1
            try:
                ours.close()
                _zygote(theirs, self.limits, self._root)
                code = 0
            finally:
                os._exit(code)
        theirs.close()
        self._sock, self._pid = ours, pid
        return self

    def __exit__(self, *exc) -> None:
        """Stop the zygote and remove the sandbox's folder; SIGINT and SIGTERM wait until this is done."""
        with _signals_blocked():
            if self._sock is not None:
                self._sock.close()
                self._sock = None
            if self._pid is not None:
                _end_process(self._pid, 0.0 if self._busy else _SHUTDOWN_WAIT)
                self._pid = None
            if self._root is not None:
                _remove_tree(self._root)
                self._root = None

    @property
    def broken(self) -> str | None:
        """Why the sandbox stopped working (its zygote is gone), or None: then no outcome can be trusted."""
        return self._broken

    def run(self, submission: Path, calls: Sequence[Call], budget: float | None = None) -> list[Outcome]:
        """One outcome per call, in order, whatever the submission does.

        `budget` bounds the wall time of the whole run (import included) on top of the per-call timeout;
        when it runs out, the running call is a "timeout" and the rest are "skipped".
        """
        calls = list(calls)
        if self._sock is None:
            raise RuntimeError("Sandbox.run needs `with Sandbox() as sandbox:`")
        if not calls:
            return []
        if self._broken:
            return [_failed("crash", self._broken) for _ in calls]
        request, fd = _request_frame(Path(submission).resolve(), calls, budget)
        outcomes: list[Outcome] = []
        self._busy = True
        try:
            self._sock.settimeout(self.limits.timeout * (len(calls) + 1) + 5.0)
            self._send(request, fd)
            frames = _Frames(_MAX_HEADER + 8 * self.limits.output_bytes, self.limits.result_bytes)
            pending: deque = deque()
            while len(outcomes) <= len(calls):  # one outcome per call as it completes, then "done"
                while not pending:
                    frames.check()
                    pending.extend(frames.feed(self._recv()))
                header, arrays = pending.popleft()
                if len(outcomes) < len(calls):
                    outcomes.append(_parse_outcome(header, arrays, calls[len(outcomes)]))
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
                view = view[socket.send_fds(self._sock, [view[: 1 << 16]], [fd]) :]
            self._sock.sendall(view)
        finally:
            if fd is not None:
                os.close(fd)

    def _recv(self) -> bytes:
        data = self._sock.recv(1 << 20)
        if not data:
            raise ConnectionError("the zygote went away")
        return data

    def _stop_zygote(self, reason: str) -> None:
        """A broken zygote is not replaced: a new one would be forked from a process holding secrets."""
        self._broken = reason
        if self._pid is not None:
            with _signals_blocked():
                _end_process(self._pid, 0.0)
                self._pid = None


class _signals_blocked:
    """Hold SIGINT and SIGTERM back (they are delivered on leaving) so that cleanup is never cut short."""

    _SIGNALS = {signal.SIGINT, signal.SIGTERM}

    def __enter__(self):
        self.previous = signal.pthread_sigmask(signal.SIG_BLOCK, self._SIGNALS)

    def __exit__(self, *exc):
        signal.pthread_sigmask(signal.SIG_SETMASK, self.previous)


def _end_process(pid: int, grace: float) -> None:
    """Give the zygote `grace` seconds to leave on EOF, then SIGTERM (it cleans up), then SIGKILL; reap it."""
    for sig, wait in ((None, grace), (signal.SIGTERM, 1.0), (signal.SIGKILL, None)):
        if sig is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if _reaped(pid, wait):
            return


def _reaped(pid: int, wait: float | None) -> bool:
    """Wait up to `wait` seconds (None: for ever) for the child to exit, and reap it."""
    deadline = math.inf if wait is None else time.monotonic() + wait
    while True:
        if os.waitpid(pid, os.WNOHANG if wait is not None else 0)[0]:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.002)


# ---------------------------------------------------------------- zygote


@dataclass
class _Layers:
    """What the zygote could set up; workers inherit it (see the module docstring)."""

    pid_namespace: bool = False  # the zygote is PID 1 of its own PID namespace
    network_namespace: bool = False
    ipc_namespace: bool = False  # SysV IPC and POSIX message queues die with the zygote
    root_tmpfs: bool = False  # the sandbox's folder is a size- and inode-limited tmpfs of the zygote's own
    uid: int | None = None  # workers switch to this uid and gid
    seccomp: tuple | None = None  # the compiled filter (buffer, sock_fprog), built once
    landlock: int = 0  # Landlock ABI version, 0 when the kernel has none
    mount_namespace: bool = False  # private mounts: the tmpfs root; closed folders hidden, Python's reopened
    host_root: int | None = None  # O_PATH fd on the grader's "/" (reads submissions the tmpfs hides)


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


def _reachable(path: str) -> bool:
    """Can any user traverse every folder from / down to `path`?"""
    try:
        return all(os.stat(p).st_mode & 0o001 for p in (path, *map(str, Path(path).parents)))
    except OSError:
        return False


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


def _zygote(sock: socket.socket, limits: Limits, root: str) -> None:
    """Serve run requests until the grader closes its end; a SIGTERM ends it cleanly too.

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
            layers.uid = _UNPRIVILEGED if _reachable(root) else None
            layers.host_root, layers.mount_namespace = _mount_namespace(root, expose=layers.uid is not None)
            layers.root_tmpfs = layers.mount_namespace and _mount_root_tmpfs(root)
        layers.seccomp = _seccomp_filter()
        kept = {name: os.environ[name] for name in _KEEP_ENV if name in os.environ}
        os.environ.clear()  # the grader's environment may hold tokens; workers get a plain one
        os.environ.update(kept)
        layers.landlock = _landlock_abi()
        frames = _Frames()
        while True:
            data, received, _, _ = socket.recv_fds(sock, 1 << 20, 8)
            fds += received
            if not data:
                return
            for header, arrays in frames.feed(data):
                submission, calls, budget = _decode_request(header, arrays, fds)
                _supervise(submission, calls, limits, root, layers, budget,
                           emit=lambda outcome: sock.sendall(_outcome_frame(outcome)), control=sock)
                del calls  # unmaps the request's large arrays
                sock.sendall(_frame({"done": True}))  # the worker is reaped and its folder removed
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        for fd in fds:
            os.close(fd)
        _remove_root(root, layers)


def _remove_root(root: str, layers: _Layers) -> None:
    """The zygote's last act: remove the sandbox's folder (unmounting its tmpfs first)."""
    if layers.root_tmpfs:
        _LIBC.umount2(root.encode(), _MNT_DETACH)
    _remove_tree(root)


def _supervise(submission: Path, calls: list[Call], limits: Limits, root: str, layers: _Layers,
               budget: float | None, emit, control: socket.socket | None = None) -> None:
    """Fork one worker for the run, `emit` each outcome as it comes, leave no process or directory behind."""
    workdir = tempfile.mkdtemp(prefix="run-", dir=root)
    if layers.uid is not None:
        os.chown(workdir, layers.uid, layers.uid)
        submission = _readable_copy(submission, root, layers)
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    go_r, go_w = os.pipe()
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        _worker(zygote, result_w, output_w, go_r, workdir, submission, calls, limits, layers)
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


def _mount_namespace(root: str, expose: bool) -> tuple[int | None, bool]:
    """Zygote, as root: a private mount namespace (for the sandbox folder's tmpfs and, when workers switch
    uid, for `_expose_python`). Returns an O_PATH fd on the grader's "/" (opened before any mount, so it
    still sees what a tmpfs hides) and whether the namespace was made."""
    host = os.open("/", os.O_PATH | os.O_CLOEXEC)
    _LIBC.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    _LIBC.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    if _LIBC.unshare(_CLONE_NEWNS) != 0 or _LIBC.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return host, False
    if expose:
        _expose_python()
    return host, True


def _mount_root_tmpfs(root: str) -> bool:
    """Cover the sandbox's folder with a tmpfs limited in bytes and inodes: a run cannot fill the disk, and
    whatever is left in it vanishes with the zygote's mount namespace (the grader only sees an empty folder).
    """
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    return _LIBC.mount(b"tmpfs", root.encode(), b"tmpfs", flags, _ROOT_TMPFS) == 0


def _expose_python() -> None:
    """Zygote, as root, in its mount namespace: let the unprivileged uid read Python's own folders (often
    under /root, 0700). A tmpfs covers each folder others cannot traverse (hiding what is in it) and Python's
    folders (sys.path) are bind-mounted back at their own paths."""
    folders = sorted({os.path.abspath(p) for p in sys.path if p and os.path.isdir(p)} | {os.getcwd()})
    folders = [f for f in folders if _reachable_folder(f) and not _reachable(f)]
    closed = sorted({a for f in folders for a in _closed_ancestors(f)}, key=len)
    closed = [c for i, c in enumerate(closed) if not any(c.startswith(o + os.sep) for o in closed[:i])]
    if not closed:
        return
    sources = {f: os.open(f, os.O_PATH | os.O_CLOEXEC) for f in folders}  # bind sources: this namespace's
    try:
        for folder in closed:
            _LIBC.mount(b"tmpfs", folder.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755,size=1m")
        for folder, fd in sources.items():
            os.makedirs(folder, mode=0o755, exist_ok=True)
            _LIBC.mount(f"/proc/self/fd/{fd}".encode(), folder.encode(), None, _MS_BIND | _MS_REC, None)
    finally:
        for fd in sources.values():
            os.close(fd)


def _reachable_folder(path: str) -> bool:
    """Is the folder itself open to others (read and traverse)? Only then is re-exposing it of any use."""
    try:
        return os.stat(path).st_mode & 0o005 == 0o005
    except OSError:
        return False


def _closed_ancestors(path: str) -> list[str]:
    return [str(p) for p in Path(path).parents if not os.stat(p).st_mode & 0o001]


def _host_path(path: Path, layers: _Layers) -> Path:
    """The path as the grader sees it, even where the zygote's tmpfs hides it."""
    return Path(f"/proc/self/fd/{layers.host_root}{path}") if layers.host_root is not None else path


_copies: dict[tuple, Path] = {}  # per zygote: the readable copy of the latest submission's folder


def _readable_copy(submission: Path, root: str, layers: _Layers) -> Path:
    """A root-owned copy of the submission, and of what beside it any user could read anyway.

    The submission itself always. Beside it: the Python modules (*.py, and packages of them) of the
    submission's own owner, wherever they are (the student's own helpers, such as the course's utils.py);
    and, where every folder from / down is open to others, any regular file others could read anyway
    (S_IROTH). So a worker never reads another user's private file or a non-Python file of a closed folder
    through the copy; other submissions of the same owner in the same folder are importable, so grade each
    student's file from its own folder (docs/security.md).
    Nothing is followed (symlinks are skipped; files are opened with O_NOFOLLOW and checked
    with fstat), FIFOs, devices, hidden entries and __pycache__ are skipped, and it is bounded: at most
    `_COPY_FILES` files, `_COPY_BYTES` bytes and `_COPY_DEPTH` levels. Made once per folder state; only the
    latest copy is kept, since the sandbox's folder is a bounded tmpfs as root.
    """
    source = _host_path(submission, layers)
    key = (str(submission), _listing(source.parent))
    if key not in _copies:
        for old in _copies.values():
            _remove_tree(str(old.parent))
        _copies.clear()
        target = Path(tempfile.mkdtemp(prefix="src-", dir=root))
        os.chmod(target, 0o755)
        try:
            folder = os.open(source.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            owner = os.stat(source).st_uid
        except OSError:
            folder = -1
        if folder >= 0:
            try:
                _copy_tree(folder, target, _COPY_DEPTH, [_COPY_FILES, _COPY_BYTES], owner,
                           _open_to_others(submission.parent, layers))
            finally:
                os.close(folder)
        if not (target / submission.name).exists():
            _copy_file(source, target / submission.name, [1, math.inf])
        _copies[key] = target / submission.name
    return _copies[key]


def _open_to_others(folder: Path, layers: _Layers) -> bool:
    """Can every user traverse each folder from / down to `folder` (as the grader sees them)?"""
    try:
        return all(os.stat(_host_path(p, layers)).st_mode & stat.S_IXOTH for p in (folder, *folder.parents))
    except OSError:
        return False


def _listing(folder: Path) -> tuple:
    try:
        with os.scandir(folder) as entries:
            found = sorted((e.name, *_fingerprint(e.stat(follow_symlinks=False))) for e in entries)
        return os.stat(folder).st_mode, tuple(found)
    except OSError:
        return ()


def _fingerprint(info: os.stat_result) -> tuple:
    return info.st_mtime_ns, info.st_size, info.st_mode, info.st_ino


def _copy_tree(folder: int, target: Path, depth: int, budget: list, owner: int, open_to_others: bool) -> None:
    """Copy the owner's Python modules, and what others could read, below `folder`; nothing is followed."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return
    for name in names:
        if name.startswith(".") or name == "__pycache__" or budget[0] <= 0:
            continue
        try:
            mode = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) and depth > 1):
                continue
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        except OSError:
            continue
        try:
            info = os.fstat(fd)
            own = info.st_uid == owner
            readable = open_to_others and info.st_mode & stat.S_IROTH
            if stat.S_ISDIR(info.st_mode) and depth > 1 and (own or open_to_others and info.st_mode & stat.S_IXOTH):
                os.mkdir(target / name, 0o755)
                _copy_tree(fd, target / name, depth - 1, budget, owner, bool(readable))
            elif stat.S_ISREG(info.st_mode) and (own and name.endswith(".py") or readable):
                _copy_open_file(fd, info.st_size, target / name, budget)
        except OSError:
            pass
        finally:
            os.close(fd)


def _copy_file(source: Path, target: Path, budget: list) -> None:
    """Copy the file at `source` (the submission itself: its path was resolved by the grader)."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode):
            _copy_open_file(fd, info.st_size, target, budget)
    finally:
        os.close(fd)


def _copy_open_file(fd: int, size: int, target: Path, budget: list) -> None:
    if size > budget[1] or budget[0] <= 0:
        return
    budget[0] -= 1
    budget[1] -= size
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        offset = 0
        while offset < size and (sent := os.sendfile(out, fd, offset, size - offset)) > 0:
            offset += sent
    finally:
        os.close(out)


def _kill_group(pid: int) -> None:
    """Kill the worker's session (setsid made its pgid its pid) and the worker itself, before reaping it."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _kill_orphans(rounds: int = 100) -> None:
    """Kill what a worker left behind in other sessions: as subreaper, the zygote inherited it."""
    children = "/proc/thread-self/children"
    for _ in range(rounds):
        try:
            with open(children) as f:
                pids = [int(p) for p in f.read().split()]
        except OSError:
            return
        if not pids:
            return
        for pid in pids:
            _kill_group(pid)
            os.waitpid(pid, 0)


def _remove_tree(path: str) -> None:
    """Remove a directory tree however deep it is and whatever its permissions; never raises.

    Iterative, with at most two descriptors open and no new inode needed (a full tmpfs is fine): every
    subdirectory met is moved (renameat) up to the top folder under a fresh name, so no path grows long and
    nothing recurses. Run only once the tree's processes are dead, so nothing changes under it; symlinks are
    removed, never followed.
    """
    try:
        os.rmdir(path)  # the usual case: the run left nothing
        return
    except OSError:
        pass
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            os.chmod(path, 0o700)
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        _unlink_any(path)
        return
    try:
        pending = deque(_empty_folder(top, top, None))
        while pending:  # each folder met, now a direct child of the top folder
            name = pending.popleft()
            try:
                os.chmod(name, 0o700, dir_fd=top)
                fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=top)
            except OSError:
                _unlink_any(name, top)
                continue
            try:
                pending.extend(_empty_folder(fd, top, pending))
            finally:
                os.close(fd)
            _unlink_any(name, top)
    finally:
        os.close(top)
    _unlink_any(path)


def _empty_folder(fd: int, top: int, pending: deque | None) -> list[str]:
    """Unlink every non-folder in `fd`; return its folders, moved up into `top` unless `fd` is `top`."""
    try:
        entries = [(e.name, e.is_dir(follow_symlinks=False)) for e in os.scandir(fd)]
    except OSError:
        return []
    folders = []
    for name, is_dir in entries:
        try:
            if not is_dir:
                os.unlink(name, dir_fd=fd)
            elif pending is None:
                folders.append(name)
            else:
                os.chmod(name, 0o700, dir_fd=fd)  # moving a folder needs write access to it (its "..")
                fresh = _fresh_name(top)
                os.rename(name, fresh, src_dir_fd=fd, dst_dir_fd=top)
                folders.append(fresh)
        except OSError:
            pass
    return folders


_fresh_names = iter(range(1 << 62))


def _fresh_name(folder: int) -> str:
    """A name nothing in `folder` has (rename would silently replace an empty folder of that name)."""
    for n in _fresh_names:
        name = f".grader-removing-{n}"
        try:
            os.lstat(name, dir_fd=folder)
        except FileNotFoundError:
            return name
        except OSError:
            continue
    raise OSError("no fresh name")


def _unlink_any(name: str, dir_fd: int | None = None) -> None:
    try:
        os.rmdir(name, dir_fd=dir_fd)
    except OSError:
        try:
            os.unlink(name, dir_fd=dir_fd)
        except OSError:
            pass


def _relay(watch: _Watch, submission: Path, calls: list[Call], emit) -> None:
    """Turn the worker's stream (import result, then one frame per call) into one outcome per call, each
    emitted as soon as it is known (the zygote holds at most one result at a time)."""
    done = 0
    phase = f"importing {submission.name}"
    try:
        header, _ = watch.next_frame()
        if header.get("status") == "import_error":
            message, output = _clean(header.get("message")), watch.take_output()
            for i in range(len(calls)):
                emit(_failed("import_error", message, output if i == 0 else ""))
            return
        if header.get("status") != "imported":
            raise ProtocolError("expected the import result first")
        for call in calls:
            phase = f"running {call.names[0]}"
            watch.restart_clock()
            watch.go()  # one call at a time: its output is all in the pipe before its frame, and no more
            outcome = _parse_outcome(*watch.next_frame(), call, allowed=_WORKER_STATUSES)
            seconds = min(outcome.seconds, watch.elapsed())
            outcome = dataclasses.replace(outcome, output=watch.take_output(), seconds=seconds)
            done += 1
            emit(outcome)
    except (_Timeout, _Died, ProtocolError) as stop:
        emit(_stopped(stop, phase, watch))
        why = "timed out" if isinstance(stop, _Timeout) else "crashed"
        for _ in calls[done + 1 :]:
            emit(_failed("skipped", f"not run: an earlier call {why}"))


def _stopped(stop: Exception, phase: str, watch: _Watch) -> Outcome:
    output, seconds = watch.take_output(), watch.elapsed()
    if isinstance(stop, _Timeout):
        if time.monotonic() >= watch.deadline:
            return _failed("timeout", f"{phase} was stopped: the run used up its {watch.budget:g} s budget",
                           output, seconds)
        return _failed("timeout", f"{phase} took longer than {watch.timeout:g} s", output, seconds)
    what = f"sent a malformed result ({stop})" if isinstance(stop, ProtocolError) else str(stop)
    return _failed("crash", f"{what} while {phase}", output, seconds)


class _Watch:
    """Zygote-side view of one worker: its frames, its captured output and the per-call wall clock."""

    def __init__(self, pid: int, result_fd: int, output_fd: int, limits: Limits, budget: float | None = None,
                 control: socket.socket | None = None, go_fd: int | None = None):
        self.pid, self.result_fd, self.output_fd, self.go_fd = pid, result_fd, output_fd, go_fd
        self.control = control  # the grader's socket: silent during a run, readable only when it closes
        self.timeout, self.limit = limits.timeout, limits.output_bytes
        self.budget = budget  # wall seconds for the whole run, on top of the per-call timeout
        self.deadline = time.monotonic() + budget if budget is not None else math.inf
        self.frames, self.pending = _Frames(max_body=limits.result_bytes), deque()
        self.kept, self.dropped, self.output_open = bytearray(), 0, True
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

    def next_frame(self) -> tuple[dict, list[np.ndarray]]:
        """Block until the worker's next frame, draining its output; raise when it hangs or dies."""
        while not self.pending:
            self.frames.check()
            remaining = min(self.timeout - self.elapsed(), self.deadline - time.monotonic())
            if remaining <= 0:
                raise _Timeout
            if self.result_fd in self._poll(remaining):
                chunk = os.read(self.result_fd, 1 << 20)
                if not chunk:
                    raise _Died(self._death())
                self.pending.extend(self.frames.feed(chunk))
        return self.pending.popleft()

    def _poll(self, timeout: float, with_result: bool = True) -> set[int]:
        poller = select.poll()
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
        chunk = os.read(self.output_fd, 1 << 16)
        self.output_open = bool(chunk)
        room = max(0, self.limit - len(self.kept))
        self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - room)

    def take_output(self) -> str:
        """Output since the last take; the worker flushes before each frame, so it is already in the pipe."""
        for _ in range(_OUTPUT_READS):
            if not (self.output_open and self.output_fd in self._poll(0, with_result=False)):
                break
        text = self.kept.decode("utf-8", "replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output not kept]"
        self.kept, self.dropped = bytearray(), 0
        return text

    def _death(self) -> str:
        """Why the result channel closed: peek at the exit status without reaping (the pgid stays ours)."""
        while self.elapsed() < self.timeout:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            if info is not None:
                return _describe_exit(info)
            time.sleep(0.001)
        return "closed its result channel"


_SIGNAL_HINTS = {signal.SIGXCPU: " (CPU time limit)", signal.SIGXFSZ: " (file size limit)"}


def _describe_exit(info) -> str:
    if info.si_code == os.CLD_EXITED:
        return f"exited with status {info.si_status}"
    try:
        sig = signal.Signals(info.si_status)
    except ValueError:
        return f"killed by signal {info.si_status}"
    return f"killed by signal {sig.name}{_SIGNAL_HINTS.get(sig, '')}"


# ---------------------------------------------------------------- worker


def _worker(zygote: int, result_fd: int, output_fd: int, go_fd: int, workdir: str, submission: Path, calls,
            limits, layers: _Layers):
    """Child of the zygote: confine itself, import the submission, send one frame per call; never returns."""
    code = 70
    try:
        _confine(zygote, result_fd, output_fd, go_fd, workdir, limits, len(calls), layers)
        _serve(submission, calls, limits.result_bytes)
        code = 0
    finally:
        os._exit(code)


def _confine(zygote: int, result_fd: int, output_fd: int, go_fd: int, workdir: str, limits: Limits,
             n_calls: int, layers: _Layers):
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    # Move every source above the targets first, so that no dup2 overwrites a source still to be moved.
    moves = [(fcntl.fcntl(source, fcntl.F_DUPFD, 10), target)
             for source, target in ((null, 0), (output_fd, 1), (output_fd, 2), (result_fd, _RESULT_FD),
                                    (go_fd, _GO_FD))]
    for source, target in moves:
        os.dup2(source, target)
    os.closerange(_GO_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    _set_limit("RLIMIT_AS", limits.memory_mb << 20)
    _set_limit("RLIMIT_CPU", math.ceil(limits.timeout * (n_calls + 1)) + 2, hard_extra=1)
    _set_limit("RLIMIT_FSIZE", _FILE_LIMIT)
    _set_limit("RLIMIT_NOFILE", _OPEN_FILES)
    _set_limit("RLIMIT_CORE", 0)
    # per uid: for the unprivileged uid a small number bounds fork storms; for the grader's own uid (which
    # has other processes) only 0 means anything; root ignores it, hence the uid switch
    _set_limit("RLIMIT_NPROC", _PROCESSES if layers.uid is not None else 0)
    os.chdir(workdir)
    if layers.uid is not None:
        os.setgroups([])
        os.setresgid(layers.uid, layers.uid, layers.uid)
        os.setresuid(layers.uid, layers.uid, layers.uid)
    _die_with_parent(zygote)  # after the uid switch, which clears the parent-death signal
    if _LIBC is not None and _LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if layers.landlock:
        _landlock(layers.landlock, workdir)
    if layers.seccomp is not None:
        _load_seccomp(layers.seccomp)
    os.environ.update(HOME=workdir, TMPDIR=workdir)  # the rest was reduced by the zygote
    tempfile.tempdir = workdir
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.stdin = open(0, closefd=False)
    sys.stdout = sys.__stdout__ = open(1, "w", buffering=1, errors="backslashreplace", closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", buffering=1, errors="backslashreplace", closefd=False)
    sys.dont_write_bytecode = True  # no __pycache__ in the student's folder


def _set_limit(name: str, value: int, hard_extra: int = 0) -> None:
    """Lower a limit, never above the hard limit we already have (raising it would fail)."""
    if not hasattr(resource, name):
        return
    which = getattr(resource, name)
    hard = resource.getrlimit(which)[1]
    cap = math.inf if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(which, (min(value, cap), min(value + hard_extra, cap)))


def _die_with_parent(zygote: int) -> None:
    """If the zygote is killed, the worker must not linger (a sleeping worker uses no CPU time)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != zygote:
        os._exit(71)


# ---------------------------------------------------------------- Landlock and seccomp (ctypes, no extra package)

_SYS_LANDLOCK = {"create_ruleset": 444, "add_rule": 445, "restrict_self": 446}  # the same on every arch
_LL_WRITE_FILE, _LL_REFER, _LL_TRUNCATE = 1 << 1, 1 << 13, 1 << 14
_LL_WRITES = _LL_WRITE_FILE | sum(1 << bit for bit in range(4, 13))  # remove and make anything
_LL_NET_TCP = 0b11  # bind, connect
_LL_SCOPES = 0b11  # abstract unix sockets, signals


class _LandlockRuleset(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _LandlockPath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _syscall(number: int, *args) -> int:
    if _LIBC is None:
        return -1
    _LIBC.syscall.restype = ctypes.c_long
    return _LIBC.syscall(ctypes.c_long(number), *args)


def _landlock_abi() -> int:
    return max(0, _syscall(_SYS_LANDLOCK["create_ruleset"], None, ctypes.c_size_t(0), ctypes.c_uint32(1)))


def _landlock(abi: int, workdir: str) -> None:
    """Writes only beneath workdir (and to /dev/null); ABI 4+: no TCP; ABI 6+: no signal leaves the run."""
    fs = _LL_WRITES | (_LL_REFER if abi >= 2 else 0) | (_LL_TRUNCATE if abi >= 3 else 0)
    attr = _LandlockRuleset(fs, _LL_NET_TCP if abi >= 4 else 0, _LL_SCOPES if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _syscall(_SYS_LANDLOCK["create_ruleset"], ctypes.byref(attr), ctypes.c_size_t(size),
                       ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        null_rights = _LL_WRITE_FILE | (_LL_TRUNCATE if abi >= 3 else 0)
        for path, allowed in ((workdir, fs), (os.devnull, null_rights)):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _LandlockPath(allowed, fd)
                if _syscall(_SYS_LANDLOCK["add_rule"], ruleset, 1, ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
            finally:
                os.close(fd)
        if _syscall(_SYS_LANDLOCK["restrict_self"], ruleset, ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


_SCMP_ALLOW, _SCMP_ERRNO = 0x7FFF0000, 0x00050000
_SCMP_MASKED_EQ = 7
_DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "swapon",
    "swapoff", "reboot", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "unshare", "setns", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "acct", "quotactl", "syslog", "iopl", "ioperm",
    "open_by_handle_at", "name_to_handle_at", "fsopen", "fsmount", "move_mount", "open_tree", "fspick",
    "mount_setattr", "pidfd_getfd", "process_madvise", "kcmp",
    # no new processes: RLIMIT_AS then bounds the whole submission (threads share the worker's address space)
    "fork", "vfork",
    # no sockets at all: the worker talks to the zygote over pipes it already holds
    "socket", "socketpair", "socketcall",
    # no SysV IPC or POSIX message queues: neither a file (Landlock) nor counted by RLIMIT_AS once detached
    "shmget", "shmat", "msgget", "semget", "mq_open", "ipc",
)
_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, _CLONE_NEWPID, _CLONE_NEWNET)


def _seccomp_filter() -> tuple | None:
    """A filter denying (EPERM) what a numpy function never needs; None when libseccomp is missing."""
    try:
        lib = ctypes.CDLL("libseccomp.so.2")
    except OSError:
        return None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.c_void_p]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(_SCMP_ALLOW)
    if not ctx:
        return None
    eperm = _SCMP_ERRNO | errno.EPERM

    def deny(name: str, action: int = eperm, *conditions: _ArgCmp) -> bool:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number == -1:  # unknown here: nothing to deny
            return True
        array = (_ArgCmp * len(conditions))(*conditions) if conditions else None
        return lib.seccomp_rule_add_array(ctx, action, number, len(conditions), array) == 0

    ok = all([deny(name) for name in _DENIED_SYSCALLS])
    # clone only for threads (pthread_create passes CLONE_THREAD; fork, vfork and posix_spawn do not)
    ok &= deny("clone", eperm, _ArgCmp(0, _SCMP_MASKED_EQ, _CLONE_THREAD, 0))
    ok &= all([deny("clone", eperm, _ArgCmp(0, _SCMP_MASKED_EQ, flag, flag)) for flag in _NAMESPACE_FLAGS])
    ok &= deny("clone3", _SCMP_ERRNO | errno.ENOSYS)  # its flags are out of a filter's reach: glibc falls back
    program = _export_bpf(lib, ctx) if ok else None
    lib.seccomp_release(ctx)
    return program


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _export_bpf(lib, ctx) -> tuple | None:
    """The filter compiled once (libseccomp's seccomp_load would compile it again in every worker)."""
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    read, write = os.pipe()
    try:
        if lib.seccomp_export_bpf(ctx, write) != 0:
            return None
        os.close(write)
        write = -1
        code = b"".join(iter(lambda: os.read(read, 1 << 16), b""))
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)
    if not code or len(code) % 8:
        return None
    buffer = ctypes.create_string_buffer(code, len(code))
    return buffer, _SockFprog(len(code) // 8, ctypes.addressof(buffer))


def _load_seccomp(program: tuple) -> None:
    if _LIBC.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program[1]), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")


# ---------------------------------------------------------------- worker: the student's code


def _serve(submission: Path, calls: list[Call], result_bytes: int = DEFAULT_LIMITS.result_bytes) -> None:
    try:
        module = _import(submission)
    except BaseException as e:  # SystemExit and KeyboardInterrupt are the student's doing here
        _send({"status": "import_error", "message": _exception_message(e, submission)})
        return
    _send({"status": "imported"})
    for call in calls:
        if not os.read(_GO_FD, 1):  # wait for the zygote: it has taken the previous call's output
            return
        _send(*_call(module, call, submission, result_bytes))


def _send(header: dict, arrays: Sequence[np.ndarray] = ()) -> None:
    """Flush the student's output first, so the zygote finds it in the pipe before the frame."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    view = memoryview(_frame(header, arrays))
    while view:
        view = view[os.write(_RESULT_FD, view) :]


def _import(submission: Path):
    """Import under a fixed name, so a file named random.py shadows nothing; helpers beside it import."""
    sys.path.insert(0, str(submission.parent))
    loader = importlib.machinery.SourceFileLoader(_MODULE_NAME, str(submission))
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, str(submission), loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module
    loader.exec_module(module)
    return module


def _call(module, call: Call, submission: Path, result_bytes: int) -> tuple[dict, list[np.ndarray]]:
    """Call with fresh copies of the inputs; report changed inputs and the converted return value.

    A return value of more than `result_bytes` bytes of numbers is a bad return (the zygote refuses such a
    frame anyway); changed inputs that would not fit beside the values are not reported."""
    header = {"status": "ok", "message": "", "function": None, "seconds": 0.0, "values": 0, "changed": []}
    try:
        name, func = _lookup(module, call.names)
    except BaseException as e:  # a module-level __getattr__ may raise anything
        return {**header, "status": "error", "message": _exception_message(e, submission)}, []
    if func is None:
        message = f"no function named {' or '.join(call.names)} in {submission.name}"
        return {**header, "status": "missing", "message": message}, []
    header["function"] = name
    fresh = [np.array(a, copy=True) if isinstance(a, np.ndarray) else copy.deepcopy(a) for a in call.args]
    values: list[np.ndarray] = []
    start = time.perf_counter()
    try:
        result = func(*fresh)
        header["seconds"] = time.perf_counter() - start
        values = _convert(result, call, name)
        size = sum(v.nbytes for v in values)
        if size > result_bytes:
            values = []
            raise _BadReturn(f"{name} returned {_megabytes(size)} of numbers, more than the "
                             f"{_megabytes(result_bytes)} a result may hold")
    except _BadReturn as e:
        header.update(status="bad_return", message=str(e))
    except BaseException as e:  # SystemExit from sys.exit() is the student's error too
        header.update(status="error", message=_exception_message(e, submission))
        header["seconds"] = time.perf_counter() - start
    room = result_bytes - sum(v.nbytes for v in values)
    changed = {}
    for arg, now in _changed(call, fresh).items():
        if now.nbytes <= room:
            changed[arg] = now
            room -= now.nbytes
    header.update(values=len(values), changed=list(changed))
    return header, values + list(changed.values())


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.3g} MB" if size >= 1 << 20 else f"{size} bytes"


def _lookup(module, names: Sequence[str]):
    for name in names:
        func = getattr(module, name, None)
        if callable(func):
            return name, func
    return None, None


def _changed(call: Call, passed: list) -> dict[str, np.ndarray]:
    """Inputs whose contents differ after the call (their contents after it)."""
    changed = {}
    for name, original, now in zip(call.arg_names, call.args, passed, strict=True):
        if isinstance(original, np.ndarray):
            try:
                if not _same(original, now):
                    changed[name] = np.array(now, dtype=original.dtype, order="C")
            except Exception:  # an input mangled beyond conversion is not reported
                pass
    return changed


def _same(original: np.ndarray, now) -> bool:
    """Equal contents; identical bytes decide at once (the usual case, and cheap at 16 MB)."""
    if type(now) is np.ndarray and now.dtype == original.dtype and now.shape == original.shape and \
            now.flags.c_contiguous and original.flags.c_contiguous and _LIBC is not None:
        size = ctypes.c_size_t(original.nbytes)
        if _LIBC.memcmp(ctypes.c_void_p(original.ctypes.data), ctypes.c_void_p(now.ctypes.data), size) == 0:
            return True
    return bool(np.array_equal(original, now, equal_nan=original.dtype.kind == "f"))


class _BadReturn(Exception):
    pass


def _convert(result, call: Call, name: str) -> list[np.ndarray]:
    """The return value(s) as plain float64 arrays; anything else is a bad return, named for the student."""
    if call.returns == 1:
        items = [result]
    elif isinstance(result, tuple | list) and len(result) == call.returns:
        items = list(result)
    else:
        expected = ", ".join(call.value_name(i) for i in range(call.returns))
        raise _BadReturn(f"{name} returned {_count(result)}, expected {call.returns} ({expected})")
    return [_as_float64(v, name, call.value_name(i)) for i, v in enumerate(items)]


def _count(result) -> str:
    if result is None:
        return "None"
    n = len(result) if isinstance(result, tuple | list) else 1
    return f"{n} value" + ("s" if n != 1 else "")


def _as_float64(value, name: str, what: str) -> np.ndarray:
    """np.asarray would turn "1.5" into 1.5 and None into nan, so those are refused first."""
    problem = BaseException()
    if value is None or isinstance(value, str | bytes):
        problem = None
    elif not (isinstance(value, np.ndarray) and value.dtype.kind in "USc"):
        try:
            return np.asarray(value, dtype=np.float64)
        except Exception as e:  # whatever the object raises, it is not numbers
            problem = e
    raise _BadReturn(f"{name} returned {_a(value)} for {what}, expected numbers") from problem


def _a(value) -> str:
    if value is None:
        return "None"
    noun = type(value).__name__
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _exception_message(exc: BaseException, submission: Path) -> str:
    """ "ExcType: text (file, line N)" with the innermost line in the student's own code."""
    try:
        text = str(exc)
    except Exception:  # a student exception's __str__ may itself raise
        text = ""
    head = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    where = None if isinstance(exc, SyntaxError) else _student_line(exc, submission)
    return _clean(f"{head} ({where})" if where else head)


def _student_line(exc: BaseException, submission: Path) -> str | None:
    """Innermost frame in the submission, else in a helper beside it (utils.py)."""
    frames = traceback.extract_tb(exc.__traceback__)
    for ours in (lambda p: p == submission, lambda p: p.parent == submission.parent):
        for frame in reversed(frames):
            if ours(Path(frame.filename)):
                return f"{Path(frame.filename).name}, line {frame.lineno}"
    return None
