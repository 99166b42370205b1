"""The files a Dask task carries: read on the client from the student's folder, written on the worker.

What a worker's sandbox can import beside the submission is what the local sandbox's root copy would let it
import (sandbox/submission_copy.py): the submission and the Python modules beside it (`*.py`, and packages of
them, 3 levels down) that are its owner's, or readable by anyone where the folders are open to others,
bounded by that copy's files and bytes. Read the same careful way: every name opened
with O_NOFOLLOW below a folder descriptor and checked with fstat, so a student who swaps a file for a link
between discovery and the read cannot have the client (often root) read a file that is not theirs. Data files
are not sent: the grader runs the functions, not the file's top-level code, and the course's functions take
their data as arguments (docs/batch.md says so).
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

# POSIX only; on Windows (a client or a worker there) the module must still import: see _read_by_path
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_SAFE_OPENS = hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY") and os.open in os.supports_dir_fd


class Unreadable(Exception):
    """The submission itself cannot be read safely; the message says why (the student's "could not grade")."""


def read_task_files(submission: Path) -> dict[str, bytes]:
    """The submission (under its own name) and its owner's Python modules beside it: relative POSIX path ->
    bytes. Raises Unreadable when the submission is gone, unreadable, a link, or too large, or when one of its
    owner's modules beside it cannot be opened."""
    from ..sandbox.copy_bounds import COPY_BYTES, COPY_DEPTH, COPY_FILES, SUBMISSION_BYTES
    from .unpack import MAX_NOTEBOOK_BYTES

    path = Path(os.path.abspath(submission))
    notebook = path.suffix.lower() == ".ipynb"  # its outputs never run: bounded as a batch bounds notebooks
    limit = MAX_NOTEBOOK_BYTES if notebook else SUBMISSION_BYTES
    if not _SAFE_OPENS:
        return _read_by_path(path, limit, COPY_FILES, COPY_BYTES, COPY_DEPTH)
    from ..sandbox.namespaces import _Layers
    from ..sandbox.submission_copy import _open_folder, _open_to_others, _unfit_submission

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
        data, owner, _ = found
        files = {path.name: data}
        budget = [COPY_FILES - 1, max(0, COPY_BYTES - len(data))]
        unreadable: list[tuple[str, str]] = []
        _walk(folder, owner, _open_to_others(path.parent, _Layers()), files, budget, unreadable)
    finally:
        os.close(folder)
    unreadable = [(name, why) for name, why in unreadable if _imports(files[path.name], name)]
    if unreadable:  # the grade would be of the files without them (staff review 2, S14: 0/100, as a crash)
        names, why = [name for name, _ in unreadable], unreadable[0][1]
        raise Unreadable(f"{', '.join(names[:5])}{' and more' if len(names) > 5 else ''} beside {path.name} "
                         f"cannot be read ({why}); not graded")
    return files


def _imports(source: bytes, module_path: str) -> bool:
    """Whether the submission's text imports the module at `module_path` (old/scratch.py: the package `old`;
    scratch.py: `scratch`), as `import x`, `import a, x` or `from x import ...`: an unreadable module it never
    imports does not change its grade (review 18, R3)."""
    top = module_path.split("/")[0].removesuffix(".py").encode("utf-8", "surrogateescape")
    return any(name.split(b".")[0] == top for found in _IMPORT_LIST.finditer(source)
               for name in re.split(rb"\s*,\s*", found[1]))


# `import a, b.c` / `from a`: the list, read with possessive repeats, so a search costs no more time or memory than
# the text's length (a backtracking repeat kept a stack per name: a 9 MB `import a, a, ...` took 746 MB, review 25
# sec, fix25b's notes)
_IMPORT_LIST = re.compile(rb"\b(?:from|import)\s++([\w.]++(?:\s*+,\s*+[\w.]++)*+)")


def _read_by_path(path: Path, limit: int, most_files: int, most_bytes: int, depth: int) -> dict[str, bytes]:
    """Where files cannot be opened below a folder descriptor (Windows): the same files, by path, none that is a
    link (or junction) when looked at. A link swapped in between the look and the read is not caught here: grade
    a class whose folders students can still write from a Linux client."""
    def regular(file: Path, most: int) -> bytes | None:
        try:
            if file.is_symlink() or getattr(file.lstat(), "st_file_attributes", 0) & 0x400 or not file.is_file():
                return None  # 0x400: FILE_ATTRIBUTE_REPARSE_POINT (a junction)
            data = file.read_bytes()
        except OSError:
            return None
        return data if len(data) <= most else None

    data = regular(path, limit)
    if data is None:
        raise Unreadable(f"{path.name}: cannot be read as a regular file of at most {limit >> 20} MB")
    files, budget = {path.name: data}, [most_files - 1, max(0, most_bytes - len(data))]

    def walk(folder: Path, prefix: str, levels: int) -> None:
        try:
            names = sorted(entry.name for entry in os.scandir(folder))
        except OSError:
            return
        for name in names:
            inner, shown = folder / name, prefix + name
            if budget[0] <= 0 or not _plain(name) or shown in files or inner.is_symlink():
                continue
            if inner.is_dir() and levels > 1:
                walk(inner, shown + "/", levels - 1)
            elif name.endswith(".py") and (found := regular(inner, budget[1])) is not None:
                files[shown] = found
                budget[0] -= 1
                budget[1] -= len(found)

    walk(path.parent, "", depth)
    return files


def _read_regular(folder: int, name: str, limit: int) -> tuple[bytes, int, int] | None:
    """(bytes, owner uid, mode) of the regular file `name` in `folder`, never through a link; None otherwise."""
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=folder)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = _read_open(fd, info.st_size)
        return None if data is None else (data, info.st_uid, info.st_mode)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_open(fd: int, size: int) -> bytes | None:
    """The first `size` bytes of the open file `fd` (fewer if it shrank meanwhile), None when it cannot be read."""
    chunks, left = [], size
    try:
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError:
        return None
    return b"".join(chunks)


def _plain(name: str) -> bool:
    """A name that means one file in one folder on every worker's system (no `\\` or `:` a Windows worker would
    read as folders or a drive), not hidden."""
    return name.isprintable() and not name.startswith(".") and not set(name) & set("\\:/") \
        and name != "__pycache__"


def _walk(folder: int, owner: int, open_to_others: bool, files: dict[str, bytes], budget: list[int],
          unreadable: list | None = None) -> None:
    """The .py files below `folder` that the local root copy takes (submission_copy._files_beside, which both
    use), under names every worker's system reads the same way."""
    from ..sandbox.copy_bounds import COPY_DEPTH
    from ..sandbox.submission_copy import _files_beside

    beside = _files_beside(folder, COPY_DEPTH, owner, open_to_others, budget, python_only=True, fit=_plain,
                           unreadable=unreadable)
    for path, fd, size in beside:
        if size is None or path in files or size > budget[1]:  # a folder, the submission, or too large
            continue
        data = _read_open(fd, size)
        if data is not None:
            files[path] = data
            budget[0] -= 1
            budget[1] -= len(data)


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
