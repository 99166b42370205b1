"""The files a Dask task carries: read on the client from the student's folder, written on the worker.

What a worker's sandbox can import beside the submission is what the local sandbox's root copy would let it
import (sandbox/submission_copy.py): the submission and its owner's Python modules (`*.py`, and packages of
them, 3 levels down), bounded by that copy's files and bytes. Read the same careful way: every name opened
with O_NOFOLLOW below a folder descriptor and checked with fstat, so a student who swaps a file for a link
between discovery and the read cannot have the client (often root) read a file that is not theirs. Data files
are not sent: the grader runs the functions, not the file's top-level code, and the course's functions take
their data as arguments (docs/batch.md says so).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Unreadable(Exception):
    """The submission itself cannot be read safely; the message says why (the student's "could not grade")."""


def read_task_files(submission: Path) -> dict[str, bytes]:
    """The submission (under its own name) and its owner's Python modules beside it: relative POSIX path ->
    bytes. Raises Unreadable when the submission is gone, unreadable, a link, or too large."""
    from ..sandbox.submission_copy import (
        _COPY_BYTES,
        _COPY_DEPTH,
        _COPY_FILES,
        _SUBMISSION_BYTES,
        _open_folder,
        _unfit_submission,
    )
    from .unpack import MAX_NOTEBOOK_BYTES

    path = Path(os.path.abspath(submission))
    notebook = path.suffix.lower() == ".ipynb"  # its outputs never run: bounded as a batch bounds notebooks
    limit = MAX_NOTEBOOK_BYTES if notebook else _SUBMISSION_BYTES
    problem = _unfit_submission(path, 0 if notebook else None)
    if problem:
        raise Unreadable(problem)
    try:
        folder = _open_folder(path.parent)  # no link a user made, even one swapped in since the check
    except OSError as error:
        raise Unreadable(f"{path.parent.name}: cannot be read safely ({error.strerror or error})") from None
    try:
        found = _read_regular(folder, path.name, limit)
        if found is None:
            raise Unreadable(f"{path.name}: cannot be read as a regular file of at most {limit >> 20} MB")
        data, owner = found
        files = {path.name: data}
        budget = [_COPY_FILES - 1, max(0, _COPY_BYTES - len(data))]
        _walk(folder, "", _COPY_DEPTH, owner, files, budget)
    finally:
        os.close(folder)
    return files


def _read_regular(folder: int, name: str, limit: int) -> tuple[bytes, int] | None:
    """(bytes, owner uid) of the regular file `name` in `folder`, never through a link; None otherwise."""
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=folder)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks, left = [], info.st_size
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks), info.st_uid
    except OSError:
        return None
    finally:
        os.close(fd)


def _plain(name: str) -> bool:
    """A name that means one file in one folder on every worker's system (no `\\` or `:` a Windows worker would
    read as folders or a drive), not hidden."""
    return name.isprintable() and not name.startswith(".") and not set(name) & set("\\:/") \
        and name != "__pycache__"


def _walk(folder: int, prefix: str, depth: int, owner: int, files: dict[str, bytes], budget: list[int]) -> None:
    """The owner's .py files below `folder` (sorted, as the local copy walks), into `files`; nothing followed."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return
    for name in names:
        path = prefix + name
        if budget[0] <= 0 or not _plain(name) or path in files:
            continue
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and depth > 1 and info.st_uid == owner:
            try:
                inner = os.open(name, _FOLDER_FLAGS, dir_fd=folder)
            except OSError:
                continue
            try:
                if os.fstat(inner).st_uid == owner:
                    _walk(inner, path + "/", depth - 1, owner, files, budget)
            finally:
                os.close(inner)
        elif stat.S_ISREG(info.st_mode) and name.endswith(".py") and info.st_uid == owner:
            found = _read_regular(folder, name, budget[1])
            if found is not None and found[1] == owner:
                files[path] = found[0]
                budget[0] -= 1
                budget[1] -= len(found[0])


def write_task_files(folder: Path, files: dict[str, bytes], submission: str) -> None:
    """On the worker: the task's files under `folder`, each at its relative path; a name that could land
    anywhere else (absolute, `..`, a `\\` or `:` a Windows worker would follow) is not written, except the
    submission's own name, which only has to be one name (the student chose it; it runs under it)."""
    root = os.path.realpath(folder)
    for name, data in files.items():
        parts = PurePosixPath(name).parts
        if name == submission:
            if "/" in name or name in ("", ".", ".."):
                continue
        elif not parts or PurePosixPath(name).is_absolute() or not all(_plain(part) for part in parts):
            continue
        target = folder.joinpath(*parts)
        if os.path.commonpath([root, os.path.realpath(target)]) != root:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
