"""The wire format between grader, zygote and worker, and the values that travel on it.

Every message is a length-prefixed frame: a JSON header plus raw float64/int64 bytes, never pickle. Each
reader checks sizes and shapes, and treats what comes from below as untrusted: any exception while decoding
or checking a frame is a ProtocolError. Arrays of `_INLINE_BYTES` or more may travel outside the frame, in a
sealed memfd whose descriptor rides with the request (`sharedmem.py`, Linux); the header then says where
each one lies.

Portable on purpose: nothing here needs fcntl, resource, os.fork or os.memfd_create, so a runner for other
systems can speak the same protocol.
"""
from __future__ import annotations

import json
import mmap
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

STATUSES = ("ok", "error", "timeout", "crash", "missing", "import_error", "bad_return", "skipped")
_WORKER_STATUSES = ("ok", "error", "missing", "bad_return", "skipped")  # skipped: see worker.OUT_OF_MEMORY
BUDGET_STOP = " was stopped: the run used up its "  # how relay._stopped words a timeout of the run's shared time
IMPORT_PHASE = "importing "  # how relay._stopped's message starts when the import was running
_PREFIX = struct.Struct("<IQ")  # header length, body length
_DTYPES = {"f8": np.dtype("<f8"), "i8": np.dtype("<i8")}
_MAX_BODY = 256 << 20
_MAX_HEADER = 1 << 20
_MAX_MESSAGE = 2000
_RESULT_FD = 3  # in the worker: the frames go up here
_GO_FD = 4  # the zygote writes one byte here when the worker may start the next call (after a frame that waits)
_IO_FD = 5  # in a forked worker: its /proc/self/io, opened before the uid switch (worker._Writes)
_INLINE_BYTES = 1 << 16  # arrays this large or larger travel in a memfd, not in the frame


class Limits(NamedTuple):
    """Per-run resource limits; the import counts as a call for the timeout."""

    timeout: float = 10.0
    memory_mb: int = 2048
    output_bytes: int = 65536
    result_bytes: int = 32 << 20  # per call: the raw numbers a result may hold (the grader's largest is ~80 kB)
    # A grade for credit (a secret, a platform): the worker reads only what the run needs, not a classmate's
    # file or the grader's (landlock.read_rules; the Linux runner says "private-reads" among its layers).
    private_reads: bool = False


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
    cpu_seconds: float = 0.0  # the call's CPU time in the worker (as the worker says: only for the speed note)
    # A "bad_return"'s values that are numbers, by their position in what the function returns: the course's
    # grader reads J = f(...)[0] whatever the gradient beside it is (e.g. a list of matrices, not unrolled).
    partial_values: dict[int, np.ndarray] = field(default_factory=dict)
    returned_list: bool = False  # an "ok" call's values came back as a list ([J, grad]), not a tuple


class ProtocolError(Exception):
    """A frame that breaks the protocol (bad sizes, JSON, shapes or fields)."""


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
            body = self.buf[_PREFIX.size + head_len : end]  # a bytearray of its own: writable arrays, one copy
            del self.buf[:end]
            try:
                frames.append(_decode(head, body, self.max_body))
            except ProtocolError:
                raise
            except Exception as e:  # whatever a forged frame makes numpy or json raise, it is a broken frame
                raise ProtocolError(f"undecodable frame ({type(e).__name__})") from e


def _decode(head: bytes, body: bytes | bytearray, max_body: int = _MAX_BODY) -> tuple[dict, list[np.ndarray]]:
    """The header and the arrays. `body` is the frame's own bytearray, so the arrays can be writable views of
    it instead of copies; except in a large frame holding several, where each is copied: a small value that
    the grader keeps must not keep a large one's bytes alive with it (grading.bounded drops large ones)."""
    try:
        header = json.loads(head)
    except (ValueError, RecursionError) as e:
        raise ProtocolError("header is not JSON") from e
    meta = header.get("arrays") if isinstance(header, dict) else None
    if not isinstance(meta, list):
        raise ProtocolError("header has no array list")
    arrays, offset = [], 0
    copy = len(meta) > 1 and len(body) > _INLINE_BYTES
    for item in meta:
        dtype, shape, count = _array_meta(item, max_body)
        size = count * dtype.itemsize
        if offset + size > len(body):
            raise ProtocolError("arrays need more bytes than the frame holds")
        array = np.frombuffer(body, dtype=dtype, count=count, offset=offset).reshape(shape)
        arrays.append(array.copy() if copy else array)
        offset += size
    if offset != len(body):
        raise ProtocolError("frame holds bytes no array accounts for")
    return header, arrays


def _array_meta(item, max_body: int = _MAX_BODY) -> tuple[np.dtype, tuple[int, ...], int]:
    """dtype, shape and number of elements; the shape, with its zero lengths counted as 1, must fit in
    `max_body` bytes (so an empty array of shape (0, 2**40) is refused too, not only a large one)."""
    if type(item) is list and len(item) == 2 and type(item[0]) is str and item[0] in _DTYPES and \
            type(item[1]) is list and len(item[1]) <= 32:
        dtype, shape = _DTYPES[item[0]], item[1]
        count, bound = 1, 1
        for n in shape:
            if type(n) is not int or not 0 <= n <= max_body:
                break
            count *= n
            bound *= n or 1
        else:
            if bound * dtype.itemsize <= max(max_body, 8):
                return dtype, tuple(shape), count
    raise ProtocolError(f"bad array description {str(item)[:80]}")


def _clean(text, limit: int = _MAX_MESSAGE) -> str:
    """Untrusted text made safe to print: a bounded str without lone surrogates."""
    if not isinstance(text, str):
        return ""
    return text[:limit].encode("utf-8", "replace").decode("utf-8")


def _request_frame(submission: Path, calls: Sequence[Call], budget: float | None = None,
                   inline_bytes: float = _INLINE_BYTES, source: str | None = None) -> tuple[bytes, int | None]:
    """The request frame, and the memfd holding its large arrays (None when all are small; a runner without
    memfd passes `inline_bytes=math.inf` and every array travels in the frame). `source`, when given, is what
    runs as the submission's module (grader/submission.py's runnable part of a .py or notebook)."""
    arrays: list[np.ndarray] = []
    shared: list[np.ndarray] = []
    specs = [
        {
            "names": list(c.names),
            "arg_names": list(c.arg_names),
            "returns": c.returns,
            "return_names": list(c.return_names),
            "args": [_arg_spec(a, arrays, shared, inline_bytes) for a in c.args],
        }
        for c in calls
    ]
    header = {"submission": str(submission), "calls": specs, "budget": budget}
    if source is not None:
        header["source"] = source
    fd = None
    if shared:
        from .sharedmem import _shared_memory  # Linux only

        fd, header["shared"], header["shared_bytes"] = _shared_memory(shared)
    return _frame(header, arrays), fd


def _arg_spec(arg, arrays: list[np.ndarray], shared: list[np.ndarray], inline_bytes: float = _INLINE_BYTES) -> dict:
    """Arrays travel as bytes (float -> float64, int -> int64); scalars and lists as JSON."""
    if isinstance(arg, np.ndarray):
        kind = {"f": np.float64, "i": np.int64, "u": np.int64}.get(arg.dtype.kind)
        if kind is None:
            raise TypeError(f"unsupported argument dtype {arg.dtype}")
        wire = np.ascontiguousarray(arg, dtype=kind)
        if wire.nbytes >= inline_bytes:
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
        dtype, shape, count = _array_meta(item[:2])
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


def _request_source(header: dict) -> str | None:
    """The request's module source, if it carries one (the header's own size bound applies)."""
    source = header.get("source")
    if source is not None and type(source) is not str:
        raise ProtocolError("bad source")
    return source


def _outcome_frame(outcome: Outcome) -> bytes:
    values = list(outcome.values or outcome.partial_values.values())
    header = {
        "status": outcome.status,
        "message": outcome.message,
        "output": outcome.output,
        "seconds": outcome.seconds,
        "cpu": outcome.cpu_seconds,
        "function": outcome.function,
        "values": len(values),
        "changed": list(outcome.changed_args),
    }
    if outcome.partial_values:
        header["positions"] = list(outcome.partial_values)
    if outcome.returned_list:
        header["list"] = True
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
    if status == "skipped" and (count or changed):
        raise ProtocolError("a skipped call carries no values")
    if status == "ok" and (count != call.returns or any(a.dtype != np.float64 for a in arrays[:count])):
        raise ProtocolError(f"{count} values for a call returning {call.returns}")
    positions = header.get("positions", [])  # a bad_return's values that are numbers: where each was returned
    if positions != [] and not (
            status == "bad_return" and isinstance(positions, list) and len(positions) == count <= call.returns
            and all(type(i) is int and 0 <= i < call.returns for i in positions)
            and len(set(positions)) == count and all(a.dtype == np.float64 for a in arrays[:count])):
        raise ProtocolError("bad value positions")
    returned_list = header.get("list", False)
    if returned_list is not False and not (returned_list is True and status == "ok" and call.returns > 1):
        raise ProtocolError("bad list flag")
    if not all(isinstance(c, str) and c in call.arg_names for c in changed):
        raise ProtocolError("unknown argument name")
    if not (function is None or (isinstance(function, str) and function in call.names)):
        raise ProtocolError("unknown function name")
    cpu = header.get("cpu", 0.0)
    if any(type(t) not in (int, float) or not 0 <= t < 1e9 for t in (seconds, cpu)):
        raise ProtocolError("bad duration")
    return Outcome(
        status=status,
        values=tuple(arrays[:count]) if status == "ok" else None,
        message=_clean(header.get("message")),
        output=_clean(header.get("output"), limit=1 << 30),
        seconds=float(seconds),
        function=function,
        changed_args=dict(zip(changed, arrays[count:], strict=True)),
        cpu_seconds=float(cpu),
        partial_values=dict(zip(positions, arrays[:len(positions)], strict=True)),
        returned_list=returned_list,
    )


def _failed(status: str, message: str, output: str = "", seconds: float = 0.0) -> Outcome:
    return Outcome(status, None, message, output, seconds, None, {})


def stopped_by_budget(outcome: Outcome) -> bool:
    """A timeout of the run's shared budget (`Sandbox.run(budget=...)`), not of the call's own --timeout: what a
    run of its own would not have given. Read from the relay's fixed words, which no student name contains."""
    return outcome.status == "timeout" and BUDGET_STOP in outcome.message


def stopped_at_import(outcome: Outcome) -> bool:
    """The submission's import ran out of its --timeout (not of a run's budget): every run of the same source
    would stop there. Read from the relay's fixed words (the message starts with the phase, which names the
    file only after them)."""
    return outcome.status == "timeout" and outcome.message.startswith(IMPORT_PHASE) and not stopped_by_budget(outcome)
