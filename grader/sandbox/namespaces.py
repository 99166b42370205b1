"""Namespaces and mounts (root only): the zygote's PID, network, IPC and mount namespaces.

As PID 1 of its own PID namespace the zygote can kill every process a run started (kill(-1)); the network
namespace has only a loopback that is down; SysV IPC dies with the IPC namespace; in the mount namespace the
sandbox's folder is a bounded tmpfs and the folders others cannot traverse are hidden, with Python's own
folders bind-mounted back so the unprivileged uid can import the standard library and numpy.
"""
from __future__ import annotations

import ctypes
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .launch import _CLONE_NEWPID, _reachable  # noqa: F401 - the zygote's PID namespace is made as it starts
from .libc import _LIBC

_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x1000, 0x4000, 1 << 18
_CLONE_NEWNET = 0x40000000
_CLONE_NEWIPC = 0x08000000
_MNT_DETACH = 2
_ROOT_TMPFS = b"mode=0711,size=256m,nr_inodes=20000"  # as root, the sandbox's folder: bounded, never on disk
_MS_RDONLY, _MS_REMOUNT = 0x1, 0x20
_VIEW_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
_VIEW_DEVICES = ("null", "zero", "random", "urandom")


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
    view: str | None = None  # the folder workers chroot into (`_build_view`)
    private_proc: bool = False  # the view's /proc shows only the zygote's PID namespace


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
    folders = sorted({os.path.abspath(p) for p in sys.path if p and os.path.isdir(p)})
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


def _build_view(root: str, hidden: str) -> tuple[str | None, bool]:
    """Zygote, as root, in its mount namespace: the only files a worker sees (it chroots here).

    A tmpfs holding, read-only and at their own paths: the system's folders (`_VIEW_SYSTEM`), Python's own
    folders (sys.prefix and sys.path), /dev/null, zero, random and urandom, a /proc of the zygote's own PID
    namespace (hidepid=2: a worker sees itself only), and the sandbox's folder (the submission's copy and
    the run's working directory). Nothing else: no home folder, no /tmp, no grader's working folder, no
    other student's files, no process of another grade. The grader's own package (`hidden`, with the
    installed exercises) is covered by an empty, unreadable tmpfs, and a source checkout holding it (with
    its solutions/) is not shown at all. Returns (the view, whether /proc is private); (None, False) when
    the kernel refuses the tmpfs.
    """
    view = os.path.join(root, "view")
    os.mkdir(view, 0o755)
    if _LIBC.mount(b"tmpfs", view.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755,size=1m") != 0:
        os.rmdir(view)
        return None, False
    sources = [p for p in _VIEW_SYSTEM if os.path.lexists(p)]
    sources += [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix]
    sources += [p for p in sys.path if p and os.path.isdir(p) and not _holds_checkout(p, hidden)]
    bound: list[str] = []
    for path in sorted({os.path.abspath(p) for p in sources}, key=len):
        if path in _VIEW_SYSTEM and os.path.islink(path):  # /bin -> usr/bin on a merged /usr
            os.symlink(os.readlink(path), view + path)
            continue
        real = os.path.realpath(path)
        if not os.path.isdir(real) or any(real == b or real.startswith(b.rstrip("/") + "/") for b in bound):
            continue
        if _bind(real, view + real, read_only=True):
            bound.append(real)
    if any(hidden.startswith(b.rstrip("/") + "/") for b in bound):
        _LIBC.mount(b"tmpfs", (view + hidden).encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV | _MS_RDONLY,
                    b"mode=000,size=4k")
    os.makedirs(view + "/dev", 0o755)
    for device in _VIEW_DEVICES:
        if os.path.exists(f"/dev/{device}"):
            open(f"{view}/dev/{device}", "w").close()
            _bind(f"/dev/{device}", f"{view}/dev/{device}", read_only=False)
    os.makedirs(view + root, 0o755, exist_ok=True)
    _bind(root, view + root, read_only=False, recursive=False)
    os.mkdir(view + "/proc", 0o555)
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    private_proc = os.getpid() == 1 and any(
        _LIBC.mount(b"proc", (view + "/proc").encode(), b"proc", flags, option) == 0
        for option in (b"hidepid=2", None))
    return view, private_proc


def _holds_checkout(folder: str, package: str) -> bool:
    """Is `folder` the parent of the grader's package outside site-packages (a source checkout, which
    may hold solutions/)? Such a folder is never shown to workers."""
    parent = os.path.dirname(package)
    return os.path.realpath(folder) == os.path.realpath(parent) and \
        os.path.basename(parent) not in ("site-packages", "dist-packages")


def _bind(source: str, target: str, read_only: bool, recursive: bool = True) -> bool:
    if os.path.isdir(source):
        os.makedirs(target, 0o755, exist_ok=True)
    flags = _MS_BIND | (_MS_REC if recursive else 0)
    if _LIBC.mount(source.encode(), target.encode(), None, flags, None) != 0:
        return False
    if read_only:  # each mount: MS_REC copied the binds below the source (Python's, _expose_python), read-write
        for point in _mount_points(target):
            _LIBC.mount(None, point, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, None)
    return True


def _mount_points(top: str) -> list[bytes]:
    """The mount points at or below `top`, in mount order (this process's /proc/self/mountinfo; a point's
    spaces and other blanks are octal escapes there)."""
    with open("/proc/self/mountinfo", "rb") as f:
        points = [re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), line.split()[4]) for line in f]
    top = os.fsencode(top).rstrip(b"/")
    return [p for p in points if p == top or p.startswith(top + b"/")]
