"""Landlock (raw syscalls): writes only beneath the run's folder; no TCP; no signal leaves the run."""
from __future__ import annotations

import ctypes
import os

from .libc import _LIBC

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
