"""Ending processes: the zygote from the grader, a worker's session and orphans from the zygote."""
from __future__ import annotations

import math
import os
import signal
import time


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
    """Wait up to `wait` seconds (None: for ever) for the child to exit, and reap it. A child reaped already
    counts: an interrupt (Ctrl-C, SIGTERM) can land between a reap and the note that it was done.

    Between looks it waits on a pidfd (Linux 5.3), which wakes the moment the child exits: polling every 2 ms
    added a millisecond on average to every lone grade, whose last step is waiting for the zygote to leave.
    Without one it sleeps 2 ms between looks."""
    deadline = math.inf if wait is None else time.monotonic() + wait
    exited = _exit_watch(pid) if wait is not None else None
    try:
        while True:
            try:
                if os.waitpid(pid, os.WNOHANG if wait is not None else 0)[0]:
                    return True
            except ChildProcessError:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if exited is not None:
                exited.poll(math.ceil(min(left, 1.0) * 1000))
            else:
                time.sleep(0.002)
    finally:
        if exited is not None:
            os.close(exited.fd)


class _ExitWatch:
    """A pidfd of a child and a poller on it: readable once the child has exited."""

    def __init__(self, fd: int):
        import select

        self.fd, self._poller = fd, select.poll()
        self._poller.register(fd, select.POLLIN)

    def poll(self, milliseconds: int) -> None:
        self._poller.poll(milliseconds)


def _exit_watch(pid: int) -> _ExitWatch | None:
    """A watch on the child's exit, or None where there are no pidfds (an older kernel, not Linux)."""
    try:
        return _ExitWatch(os.pidfd_open(pid))
    except (AttributeError, OSError):  # ProcessLookupError: reaped already, which waitpid then says
        return None


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


_SIGNAL_HINTS = {signal.SIGXCPU: " (CPU time limit)", signal.SIGXFSZ: " (file size limit)"}


def _describe_exit(info) -> str:
    if info.si_code == os.CLD_EXITED:
        return f"exited with status {info.si_status}"
    try:
        sig = signal.Signals(info.si_status)
    except ValueError:
        return f"killed by signal {info.si_status}"
    return f"killed by signal {sig.name}{_SIGNAL_HINTS.get(sig, '')}"


_MOST_DESCENDANTS = 256  # a fork storm's tree is read no further: the figure is a lower bound then


def descendants(pid: int) -> list[int] | None:
    """The pids of `pid`'s descendants (not `pid` itself), at most _MOST_DESCENDANTS, from /proc; None when /proc
    cannot say (no children files: a kernel built without them, or /proc hidden from this user). Processes that
    end while they are read are left out."""
    found, todo = [], [pid]
    while todo and len(found) < _MOST_DESCENDANTS:
        parent = todo.pop()
        try:
            children = []
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children") as file:
                    children += [int(child) for child in file.read().split()]
        except OSError:
            if parent == pid:
                return None
            continue
        children = children[: _MOST_DESCENDANTS - len(found)]
        found += children
        todo += children
    return found


_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def descendants_demand_seconds(pid: int) -> float | None:
    """Seconds that `pid`'s descendants (`descendants`) have run on a CPU (utime + stime of /proc/<pid>/stat,
    which keeps what threads that have ended ran) plus the seconds their live threads waited in a run queue for
    one (/proc/<pid>/task/<tid>/schedstat); None when /proc cannot say. A sleep adds nothing to it; a loop adds
    a second per second, whether it gets the CPU (it runs) or not (it waits: a loop starved by others is still
    a loop)."""
    pids = descendants(pid)
    if pids is None:
        return None
    total, read = 0.0, not pids
    for child in pids:
        try:
            with open(f"/proc/{child}/stat") as file:
                fields = file.read().rpartition(")")[2].split()
            ran = (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND  # utime, stime: stat fields 14, 15
            threads = os.listdir(f"/proc/{child}/task")
        except (OSError, IndexError, ValueError):
            continue
        waited = 0
        for thread in threads:
            try:
                with open(f"/proc/{child}/task/{thread}/schedstat") as file:
                    waited += int(file.read().split()[1])
                read = True
            except (OSError, ValueError, IndexError):
                continue
        total += ran + waited / 1e9
    return total if read else None  # no schedstat at all (a kernel without it): not known
