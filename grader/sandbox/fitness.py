"""Whether a submission may be run at all: checked by the grader before every run, by both runners.

A module of its own, apart from submission_copy.py (the copy the zygote makes, with its import scans and the
mount helpers of namespaces.py): the grader's own process needs only this check, and importing the copy's module
for it cost a lone grade, whose critical path that process is, about 2 ms.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .copy_bounds import SUBMISSION_BYTES


def _unfit_submission(path: Path, runnable_bytes: int | None = None) -> str | None:
    """Why `path` (absolute, not resolved) is not graded, or None. Checked by the grader before a run.

    `runnable_bytes`, when the grader runs a prepared source instead of the file (a notebook's code cells),
    is what the size limit applies to: a notebook's image outputs never run.

    A symbolic link is never followed on a student's behalf: a root grader would otherwise copy and run a file
    the student could not read (an answer key). The file itself must not be a link, and a folder on the way
    may be one only when root owns it and the folder holding it, so no user could have made it (/tmp ->
    /private/tmp). A file over `SUBMISSION_BYTES` is refused too: it would fill the sandbox's folder.
    """
    try:
        info = os.lstat(path)
        for folder in reversed(path.parents):
            link = os.lstat(folder)
            if stat.S_ISLNK(link.st_mode) and (link.st_uid != 0 or os.lstat(folder.parent).st_uid != 0):
                return f"{path.name} is reached through a symbolic link ({folder}); grade the file itself"
    except OSError as e:
        return f"{path.name} cannot be read ({e.strerror or e})"
    if stat.S_ISLNK(info.st_mode):
        return f"{path.name} is a symbolic link; grade the file itself, not a link to it"
    if not stat.S_ISREG(info.st_mode):
        return f"{path.name} is not a regular file"
    size = info.st_size if runnable_bytes is None else runnable_bytes
    if size > SUBMISSION_BYTES:
        return (f"{path.name} is {size / (1 << 20):.0f} MB, more than the {SUBMISSION_BYTES >> 20} MB "
                f"a submission may be; submit only the Python file")
    return None
