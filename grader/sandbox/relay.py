"""One run as a runner relays it, for both runners: the worker's frames become one outcome per call.

A worker (worker.py) answers a request with its import's result, then sends one frame per call. After a frame
that says it waits (the worker wrote something since the last such frame), it starts its next call only when
the runner lets it (`go`), so that the output it printed is all the runner takes with that frame; after a frame
that does not, it goes on at once: the call printed nothing, and whatever comes next is the next call's.
The runner's side of one worker is its watch (zygote._Watch on Linux, portable._Worker elsewhere): it blocks
for the next frame, raising `_Timeout` or `_Died`; keeps what the worker printed; and times each call.
Portable on purpose (no fcntl, fork or select here): the portable runner imports it on every system.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from .course import prints_limit
from .protocol import (
    _WORKER_STATUSES,
    BUDGET_STOP,
    IMPORT_PHASE,
    Call,
    Outcome,
    ProtocolError,
    _clean,
    _failed,
    _parse_outcome,
)

WORKER_FAILED = 70  # a worker's exit status when the grader's own code in it failed (zygote._worker, spawned.main)
# What a call that broke the worker's result channel is told (accept14, A4: it was told the protocol's check, "sent a
# malformed result (frame too large (575283835 + ... bytes))", or the worker's own exit status 70). Either is most
# often the student's code: it wrote into the channel's file descriptor, or replaced what the worker sends with.
_MALFORMED = "sent the grader something other than its result"
_UNSENT = "left the grader unable to send its result"
_HINTS = {
    _MALFORMED: "did it write to file descriptors it did not open, or replace built-in or json functions?",
    _UNSENT: "did it replace built-in, json or numpy functions?",
}
_CHECK = " [the grader's check: "  # then protocol.py's reason, for tests and staff; the report leaves it out


def channel_words(outcome: Outcome) -> str:
    """What the report says of a crash that broke the result channel (the words above, without the protocol's
    reason), or "" for any other outcome."""
    if outcome.status != "crash" or not outcome.message.startswith(tuple(_HINTS)):
        return ""
    return outcome.message.partition(_CHECK)[0]


class _Timeout(Exception):
    """The running call took longer than its timeout, or the run used up its budget."""


class _Died(Exception):
    """The worker's result channel closed; str() says how the worker ended."""


def _relay(watch, submission: Path, calls: list[Call], emit) -> None:
    """Turn the worker's stream (import result, then one frame per call) into one outcome per call, each
    emitted as soon as it is known (the runner holds at most one result at a time)."""
    done = 0
    phase = f"{IMPORT_PHASE}{submission.name}"
    try:
        header, _ = watch.import_result()
        if header.get("status") == "import_error":
            message, output = _clean(header.get("message")), watch.take_output(_dropped(header))
            for i in range(len(calls)):
                emit(_failed("import_error", message, output if i == 0 else ""))
            return
        if header.get("status") != "imported":
            raise ProtocolError("expected the import result first")
        waits = _waits(header)
        for call in calls:
            phase = f"running {call.names[0]}"
            # After a frame that does not wait, the worker started this call as it sent that frame: its clock
            # starts later than the call (which so gets more time, never less), once the last outcome is out.
            watch.restart_clock()
            if waits:
                watch.go()  # one call at a time: its output is all in the pipe before its frame, and no more
            header, arrays = watch.next_frame()
            outcome = _parse_outcome(header, arrays, call, allowed=_WORKER_STATUSES)
            waits, dropped, seconds = _waits(header), _dropped(header), min(outcome.seconds, watch.elapsed())
            if not waits and dropped:
                raise ProtocolError("a frame that does not wait dropped output")
            # what a worker that does not wait printed since its frame is the next call's output
            output = watch.take_output(dropped) if waits else ""
            done += 1
            emit(replace(outcome, output=output, seconds=seconds))
    except (_Timeout, _Died, ProtocolError) as stop:
        emit(_stopped(stop, phase, watch))
        why = "timed out" if isinstance(stop, _Timeout) else "crashed"
        for _ in calls[done + 1 :]:
            emit(_failed("skipped", f"not run: an earlier call {why}"))


def _stopped(stop: Exception, phase: str, watch) -> Outcome:
    """The outcome of the call (or import) that was running when the worker timed out, died or misspoke."""
    output, seconds = watch.take_output(None), watch.elapsed()
    if isinstance(stop, _Timeout):
        if time.monotonic() >= watch.deadline:
            return _failed("timeout", f"{phase}{BUDGET_STOP}{watch.budget:g} s budget",
                           output, seconds)
        return _failed("timeout", f"{phase} took longer than {watch.timeout:g} s", output, seconds)
    return _failed("crash", _crash_words(stop, phase), output, seconds)


def _crash_words(stop: Exception, phase: str) -> str:
    """How the worker died ("killed by signal SIGSEGV") or misspoke, and while doing what; the result channel's
    failures in the student's words, with what to look for (see _HINTS)."""
    what = _MALFORMED if isinstance(stop, ProtocolError) else str(stop)
    what = _UNSENT if what == f"exited with status {WORKER_FAILED}" else what  # (the runners' _death)
    hint = f": {_HINTS[what]}" if what in _HINTS else ""
    if phase.startswith(IMPORT_PHASE):  # the file's top level did it, or (before the import ran) the sandbox failed
        hint = hint.replace("did it ", "did the file, when imported, ")
        if what == _UNSENT:
            hint += " If not, `grade doctor` shows whether the grader's sandbox works on this machine."
    check = f"{_CHECK}{stop}]" if isinstance(stop, ProtocolError) else ""
    return f"{what} while {phase}{hint}{check}"


def _waits(header: dict) -> bool:
    """Whether the worker waits for a go before its next call (worker._send); a frame that does not say waits."""
    waits = header.get("waits", True)
    if type(waits) is not bool:
        raise ProtocolError("bad wait flag")
    return waits


def _dropped(header: dict) -> int:
    """How many bytes the worker's sys.stdout and sys.stderr dropped since its last frame (worker._Window)."""
    dropped = header.get("dropped", 0)
    if type(dropped) is not int or not 0 <= dropped < 1 << 62:
        raise ProtocolError("bad output count")
    return dropped


class KeptOutput:
    """A runner's copy of what a worker printed since the last take: at most `limit` bytes kept, the rest counted.
    The worker's own sys.stdout and sys.stderr already stop at the limit (worker._CappedText); this catches what
    reaches the pipe another way (os.write, C code)."""

    def __init__(self, limit: int):
        self.limit, self.kept, self.dropped = limit, bytearray(), 0

    def keep(self, chunk: bytes) -> None:
        room = max(0, self.limit - len(self.kept))
        self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - room)

    def take(self, reported: int | None) -> str:
        """The output as kept, then a line on what was not kept. `reported`: what the worker dropped itself
        (from its frame); None when the worker was stopped before it could say."""
        text = self.kept.decode("utf-8", "replace")
        if reported is None:
            if len(self.kept) >= prints_limit(self.limit):  # the worker's prints may have stopped there
                text += f"\n[... output after the first {len(self.kept)} bytes not kept]"
        elif self.dropped + reported:
            text += f"\n[... {self.dropped + reported} more bytes of output not kept]"
        self.kept, self.dropped = bytearray(), 0
        return text
