"""Landlock (raw syscalls): writes only beneath the run's folder; no TCP; no signal leaves the run; for a
credit run (`Limits.private_reads`) also reads only beneath what the run needs (`read_rules`)."""
from __future__ import annotations

import ctypes
import os
import stat
import sys

from .libc import _LIBC

_SYS_LANDLOCK = {"create_ruleset": 444, "add_rule": 445, "restrict_self": 446}  # the same on every arch
_LL_EXECUTE, _LL_WRITE_FILE, _LL_READ_FILE, _LL_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_LL_REFER, _LL_TRUNCATE = 1 << 13, 1 << 14
_LL_WRITES = _LL_WRITE_FILE | sum(1 << bit for bit in range(4, 13))  # remove and make anything
_LL_FILE_READS = _LL_READ_FILE | _LL_EXECUTE  # what a rule on a file (not a folder) may grant
_LL_READS = _LL_FILE_READS | _LL_READ_DIR
_LL_NET_TCP = 0b11  # bind, connect
_LL_SCOPES = 0b11  # abstract unix sockets, signals
# With private reads, the devices a run may open: Python and numpy read /dev/urandom (hash seeds, np.random
# without a seed), code writes to /dev/null. Not all of /dev: no tty, no /dev/shm, no disk.
_READ_DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
# The system's shared libraries and the loader's index of them: extension modules of the standard library
# (_lzma, _bz2, _sqlite3, _ssl) load liblzma, libbz2, libsqlite3, libssl from there when first imported.
_LIBRARIES = ("/lib", "/lib64", "/usr/lib", "/usr/lib64")
_LOADER_CACHE = "/etc/ld.so.cache"
# The worker's own /proc/<pid>, opened in the worker: only what it could read of itself anyway (its memory map,
# status, limits), for code that measures its own memory and for tests that scan the worker's memory for a
# secret. Its magic links (root, cwd, fd/N) lead nowhere new: Landlock checks the file they resolve to.
_OWN_PROC = "/proc/self"


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


def python_folders(hidden: str) -> tuple[tuple[str, int], ...]:
    """Zygote, once: (folder, rights) for the Python installation a run may read with private reads.

    sys.prefix, sys.exec_prefix, their base_ ones (a venv's interpreter), the folders on sys.path (the
    standard library, lib-dynload, site-packages: what numpy and the standard library load lazily) and the
    system's library folders (`_LIBRARIES`). The submission's folder is not on the zygote's path (the worker
    adds its copy). The grader's package (`hidden`, with its installed exercises) is left out, and so is a
    source checkout holding it (its exercises/ and solutions/ beside it), though not a venv inside it: a
    folder holding what is left out gets READ_DIR only (its names can be listed) and each of its other
    entries full reads, down to what is left out, which gets nothing."""
    checkout = os.path.dirname(hidden)
    hide = checkout if os.path.basename(checkout) not in ("site-packages", "dist-packages") else hidden
    candidates = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix, *sys.path, *_LIBRARIES]
    folders = sorted({os.path.realpath(p) for p in candidates if p and os.path.isdir(p)})
    folders = [f for f in folders if f != hide and f != hidden and not _beneath(f, hidden)]
    holding = [f for f in folders if _beneath(hide, f)]  # folders that hold what is left out
    full = [f for f in folders if f not in holding]
    full = [f for i, f in enumerate(full) if not any(_beneath(f, g) for g in full[:i])]
    rules = [(f, _LL_READS) for f in full]
    for folder in holding[:1]:  # the outermost: its rules cover the inner ones'
        rules += _around(folder, hide)
    return tuple(rules)


def _beneath(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


def _around(folder: str, hidden: str) -> list[tuple[str, int]]:
    """Everything beneath `folder` but `hidden`: the folder may be listed, its other entries read."""
    rules = [(folder, _LL_READ_DIR)]
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return rules
    for name in names:
        path = os.path.join(folder, name)
        if path == hidden:
            continue
        rules += _around(path, hidden) if _beneath(hidden, path) else [(path, _LL_READS)]
    return rules


def read_rules(python: tuple[tuple[str, int], ...], own: list[str]) -> list[tuple[str, int]]:
    """(path, rights) a private-reads run may read: Python's folders (`python_folders`), the folders in
    `own` (its working folder and the copy of the student's own modules) and a few devices (`_READ_DEVICES`).

    Of /etc only the loader's cache (`_LOADER_CACHE`: without it a library in /usr/lib/<arch>/ is not found);
    not /etc/localtime (time falls back to UTC, as the reduced environment's TZ says anyway). Of /proc only
    the worker's own folder (`_OWN_PROC`; numpy and Python need none of it: the worker's /proc/self/io is
    opened before, os.cpu_count reads nothing), no /sys, no other student's folder,
    no grader's package, spec or exercises folder, no home. Found by running the standard library's and
    numpy's lazy imports, np.random, tempfile and time in a worker with private reads."""
    files = (*_READ_DEVICES, _LOADER_CACHE)
    return [*python, *((path, _LL_READS) for path in (*own, _OWN_PROC)),
            *((path, _LL_FILE_READS) for path in files)]


def _landlock(abi: int, workdir: str, reads: list[tuple[str, int]] | None = None) -> None:
    """Writes only beneath workdir (and to /dev/null); ABI 4+: no TCP; ABI 6+: no signal leaves the run.
    `reads` (see `read_rules`): reads, listings and execution only beneath those paths; None: anywhere."""
    read_rights = _LL_READS if reads is not None else 0
    fs = _LL_WRITES | read_rights | (_LL_REFER if abi >= 2 else 0) | (_LL_TRUNCATE if abi >= 3 else 0)
    attr = _LandlockRuleset(fs, _LL_NET_TCP if abi >= 4 else 0, _LL_SCOPES if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _syscall(_SYS_LANDLOCK["create_ruleset"], ctypes.byref(attr), ctypes.c_size_t(size),
                       ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        null_rights = _LL_WRITE_FILE | (_LL_TRUNCATE if abi >= 3 else 0) | (read_rights & _LL_FILE_READS)
        _add_rule(ruleset, workdir, fs, required=True)
        _add_rule(ruleset, os.devnull, null_rights, required=True)
        for path, allowed in reads or ():
            _add_rule(ruleset, path, allowed)
        if _syscall(_SYS_LANDLOCK["restrict_self"], ruleset, ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _add_rule(ruleset: int, path: str, allowed: int, required: bool = False) -> None:
    """Allow `allowed` beneath `path` (a file gets only the rights a file can have). A path that is missing
    (a device the view lacks) is skipped unless `required`: what is not there needs no rule."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        if required:
            raise
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            allowed &= _LL_FILE_READS | _LL_WRITE_FILE | _LL_TRUNCATE
        rule = _LandlockPath(allowed, fd)
        if _syscall(_SYS_LANDLOCK["add_rule"], ruleset, 1, ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
    finally:
        os.close(fd)
