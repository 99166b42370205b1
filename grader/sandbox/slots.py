"""Which uid a sandbox's workers run as (root only): one uid per open sandbox, so concurrent grades never
share a uid, nor its RLIMIT_NPROC (threads count), nor its files.

`Sandbox(limits, slot=k)` asks for job slot k (a batch grader numbers its concurrent sandboxes 0, 1, ...);
each slot is a uid of `_SLOT_UIDS`, taken with an flock on `_LOCKS/<uid>` that the grader holds for as long
as the sandbox is open (the kernel drops it when the grader dies). When slot k is taken (another batch, or
a `grade` command, runs on this machine), the next free one is used; without a slot the first free one.
"""

from __future__ import annotations

import fcntl
import os
import stat

from .rlimits import _UNPRIVILEGED

# 65280-65533: reserved by Debian policy (65000-65533, never given to users), and inside the 0-65535 that
# even a small user-namespace map (rootless containers) holds.
_SLOT_UIDS = range(65280, 65534)
_LOCKS = "/run/grader-sandbox-slots"


def _take_slot(preferred: int | None) -> tuple[int, int | None]:
    """(the workers' uid, the descriptor holding its lock; None when no lock could be taken)."""
    start = (preferred or 0) % len(_SLOT_UIDS)
    try:
        os.makedirs(_LOCKS, mode=0o700, exist_ok=True)
        folder = os.open(_LOCKS, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return _SLOT_UIDS[start], None
    try:
        info = os.fstat(folder)
        if info.st_uid != 0 or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return _SLOT_UIDS[start], None
        for i in range(len(_SLOT_UIDS)):
            uid = _SLOT_UIDS[(start + i) % len(_SLOT_UIDS)]
            fd = os.open(str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=folder)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return uid, fd
            except OSError:
                os.close(fd)
        return _UNPRIVILEGED, None  # every slot is taken: share nobody's uid rather than refuse to grade
    finally:
        os.close(folder)
