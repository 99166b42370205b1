"""Removing a run's folder, however deep and whatever its permissions (portable: plain os calls)."""
from __future__ import annotations

import os
import stat
from collections import deque


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
