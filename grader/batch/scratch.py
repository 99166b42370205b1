"""A batch's scratch folder ($TMPDIR/grade-batch-*), and the sweep of those a killed batch left behind.

The scratch folder holds the students' files while a batch runs: unpacked zips, flat submissions each copied
into a folder of its own. A batch removes it when it ends, even on Ctrl-C, but a batch killed with SIGKILL (or
by the OOM killer, or a CI job's timeout) cannot, and students' files would stay in $TMPDIR. So each batch
holds an exclusive flock on its scratch folder while it runs, and every batch first removes the scratch
folders of its own user whose lock it can take: the kernel releases a lock when its holder dies, however it
dies, so a folder whose lock is free belongs to no running batch. A folder is swept only once it carries
the mark its batch writes after taking the lock: one made a moment ago, not yet locked, is left alone.
Where there is no flock (Windows), nothing is locked and nothing is swept. A Dask worker holds one too, for
the tasks' files it is sent (dask.py), so a killed worker's are swept the same way.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "grade-batch-"
MARK = ".locked-by-a-running-batch"  # written once the batch holds the folder's lock

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


class Scratch:
    """`with Scratch() as folder:` a fresh locked scratch folder, removed at the end (lock released last)."""

    def __enter__(self) -> Path:
        sweep()
        self._folder = tempfile.TemporaryDirectory(prefix=PREFIX, ignore_cleanup_errors=True)
        self._fd = _lock(self._folder.name)
        return Path(self._folder.name)

    def __exit__(self, *exc) -> None:
        try:
            self._folder.cleanup()
        finally:
            if self._fd is not None:
                os.close(self._fd)


def _lock(folder: str) -> int | None:
    """Take the folder's lock and mark it; the descriptor holds the lock until closed (or the process dies)."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        Path(folder, MARK).touch()
    except OSError:  # a file system without locks: the folder is still removed at the end, only not swept
        os.close(fd)
        return None
    return fd


def sweep(parent: str | None = None) -> list[str]:
    """Remove this user's scratch folders in `parent` ($TMPDIR) that no running batch holds; returns them."""
    if fcntl is None:
        return []
    removed = []
    try:
        entries = list(os.scandir(parent or tempfile.gettempdir()))
    except OSError:
        return []
    for entry in entries:
        try:
            if not (entry.name.startswith(PREFIX) and entry.is_dir(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_uid == os.getuid()
                    and os.path.lexists(os.path.join(entry.path, MARK))):
                continue
            fd = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held by a running batch: BlockingIOError
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed
