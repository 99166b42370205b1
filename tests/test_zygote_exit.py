"""Closing a sandbox waits for its zygote to leave, and no longer than that (grader/sandbox/processes.py)."""

import os
import sys
import time

import pytest

from grader.sandbox import Limits, Sandbox, processes

LINUX = os.environ.get("GRADER_SANDBOX", "").strip().lower() != "portable" and sys.platform.startswith("linux")
PIDFD = hasattr(os, "pidfd_open")


def _no_sleep(seconds):
    raise AssertionError(f"slept {seconds} s while waiting for a child to exit")


@pytest.mark.skipif(not (LINUX and PIDFD), reason="the Linux runner's zygote, waited for on a pidfd")
def test_closing_a_sandbox_wakes_when_its_zygote_leaves(monkeypatch):
    """A lone grade's last step: it polled every 2 ms, a millisecond lost on average; now the exit wakes it."""
    with Sandbox(Limits(timeout=5.0)) as sandbox:
        assert sandbox.layers  # the zygote is up
        pid = sandbox._pid
        monkeypatch.setattr(processes.time, "sleep", _no_sleep)
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(pid, os.WNOHANG)


def _child(seconds: float) -> int:
    """A child that exits after `seconds` (the test's patch of time.sleep comes after the fork: not in it)."""
    pid = os.fork()
    if pid == 0:
        time.sleep(seconds)
        os._exit(0)
    return pid


@pytest.mark.skipif(not PIDFD, reason="pidfds are Linux's")
def test_a_child_that_exits_later_is_reaped_at_once_and_one_that_never_does_is_not(monkeypatch):
    pid = _child(0.1)
    monkeypatch.setattr(processes.time, "sleep", _no_sleep)
    started = time.monotonic()
    assert processes._reaped(pid, 5.0)
    assert 0.05 < time.monotonic() - started < 2.0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    monkeypatch.undo()
    pid = _child(30)
    monkeypatch.setattr(processes.time, "sleep", _no_sleep)
    try:
        started = time.monotonic()
        assert not processes._reaped(pid, 0.2)
        assert 0.15 < time.monotonic() - started < 2.0
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


def test_without_pidfds_it_looks_every_2_ms(monkeypatch):
    """An older kernel (or not Linux): the loop it always had."""
    pid = _child(0.05)
    monkeypatch.delattr(os, "pidfd_open", raising=False)
    assert processes._reaped(pid, 5.0)
