"""Namespaces and mounts (root only): the zygote's PID, network, IPC and mount namespaces.

As PID 1 of its own PID namespace the zygote can kill every process a run started (kill(-1)); the network
namespace has only a loopback that is down; SysV IPC dies with the IPC namespace; in the mount namespace the
sandbox's folder is a bounded tmpfs and the folders others cannot traverse are hidden, with Python's own
folders bind-mounted back so the unprivileged uid can import the standard library and numpy.
"""
from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .libc import _LIBC

_CLONE_NEWPID = 0x20000000
_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x1000, 0x4000, 1 << 18
_CLONE_NEWNET = 0x40000000
_CLONE_NEWIPC = 0x08000000
_MNT_DETACH = 2
_ROOT_TMPFS = b"mode=0711,size=256m,nr_inodes=20000"  # as root, the sandbox's folder: bounded, never on disk


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
