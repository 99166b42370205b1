"""The copy of a submission and of what beside it the worker may read (as root; for a credit run always)."""
from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from .cleanup import _remove_tree
from .copy_bounds import COPY_BYTES, COPY_DEPTH, COPY_FILES, SUBMISSION_BYTES
from .fitness import _unfit_submission  # noqa: F401 - the copy's callers (batch/task_files.py) import it here
from .launch import _new_folder
from .namespaces import _host_path, _Layers

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_folder(path: Path, root: str = "/") -> int:
    """A descriptor of the folder at the absolute `path`, reached without following a symbolic link a user could
    have made: each component is opened with O_NOFOLLOW below the one before, and a link is followed only when
    root owns it and the folder holding it, as `_unfit_submission` allows (/tmp -> /private/tmp). A check of
    the path before the open is not enough: a student who owns a folder on the way could swap it for a link to
    a folder only root may read (an answer key) in between. `root` is where "/" is: the zygote passes the
    grader's own root (`/proc/self/fd/<host_root>`), which its tmpfs mounts do not hide. Raises OSError."""
    pending = list(PurePosixPath(path).parts[1:])
    top = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # ours: the one place a link is trusted
    fd = os.dup(top)
    links = 0
    try:
        while pending:
            name = pending.pop(0)
            if name in ("", "."):
                continue
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                links += 1
                if links > 16 or info.st_uid != 0 or os.fstat(fd).st_uid != 0:
                    raise OSError(errno.ELOOP, f"{name} is a symbolic link that root did not make")
                target = PurePosixPath(os.readlink(name, dir_fd=fd))
                if target.is_absolute():
                    os.close(fd)
                    fd = os.dup(top)
                    pending = list(target.parts[1:]) + pending
                else:
                    pending = list(target.parts) + pending
                continue
            inner = os.open(name, _DIR_FLAGS, dir_fd=fd)  # a link swapped in since the stat: ELOOP or ENOTDIR
            os.close(fd)
            fd = inner
        return fd
    except BaseException:
        os.close(fd)
        raise
    finally:
        os.close(top)


_copies: dict[tuple, Path] = {}  # per zygote: the readable copy of the latest submission's folder


def _readable_copy(submission: Path, root: str, layers: _Layers, source: str | None = None,
                   private: bool = False) -> Path:
    """A root-owned copy of the submission, and of what beside it any user could read anyway.

    `private` (a credit run, `Limits.private_reads`; also without root): beside the submission only the
    Python modules and packages it imports by name, and those they import (`_imported`): a classmate's file
    beside it, a data file or an answer key in the same folder stays out, whoever owns it. `source` is what
    runs (a notebook's code), read for its imports instead of the file.

    The submission itself always. Beside it: the Python modules (*.py, and packages of them) of the
    submission's own owner, wherever they are (the student's own helpers, such as the course's utils.py);
    and, where every folder from / down is open to others, any regular file others could read anyway
    (S_IROTH). So a worker never reads another user's private file or a non-Python file of a closed folder
    through the copy; other submissions of the same owner in the same folder are importable, so grade each
    student's file from its own folder (docs/security.md).
    Nothing is followed (symlinks are skipped; files are opened with O_NOFOLLOW and checked
    with fstat), FIFOs, devices, hidden entries and __pycache__ are skipped, and it is bounded: at most
    `COPY_FILES` files, `COPY_BYTES` bytes and `COPY_DEPTH` levels. Made once per folder state; only the
    latest copy is kept, since the sandbox's folder is a bounded tmpfs as root.
    """
    text, source = source, _host_path(submission, layers)
    key = (str(submission), _listing(source.parent), private)
    if key not in _copies:
        for old in _copies.values():
            _remove_tree(str(old.parent))
        _copies.clear()
        target = Path(_new_folder(root, "src-"))
        try:
            os.chmod(target, 0o755)
            try:
                host = "/" if layers.host_root is None else f"/proc/self/fd/{layers.host_root}"
                folder = _open_folder(submission.parent, host)
            except OSError:  # not reached safely: nothing is copied, and the run finds no file to import
                folder = -1
            if folder >= 0:
                try:
                    owner = os.stat(source.name, dir_fd=folder, follow_symlinks=False).st_uid
                    budget, others = [COPY_FILES, COPY_BYTES], _open_to_others(submission.parent, layers)
                    if private:
                        _copy_file(folder, source.name, target / submission.name, [1, SUBMISSION_BYTES])
                        _copy_imported(folder, target, submission.name, text, budget, owner, others)
                    else:
                        _copy_tree(folder, target, COPY_DEPTH, budget, owner, others)
                    if not (target / submission.name).exists():
                        _copy_file(folder, source.name, target / submission.name, [1, SUBMISSION_BYTES])
                except OSError:
                    pass
                finally:
                    os.close(folder)
        except BaseException:
            _remove_tree(str(target))
            raise
        _copies[key] = target / submission.name
    return _copies[key]


def _copy_imported(folder: int, target: Path, name: str, text: str | None, budget: list, owner: int,
                   others: bool) -> None:
    """Copy the modules (`NAME.py`) and packages (`NAME/`) beside the submission that it imports, then those
    that the copied ones import, and so on (at most `COPY_DEPTH` rounds of new names)."""
    try:
        beside = set(os.listdir(folder))
    except OSError:
        return
    sources, taken = [text.encode("utf-8", "replace") if text is not None else target / name], {name}
    for _ in range(COPY_DEPTH):
        wanted = {f for s in sources for module in _imported(s, beside) for f in (f"{module}.py", module)}
        wanted = wanted & beside - taken
        if not wanted:
            return
        taken |= wanted
        _copy_tree(folder, target, COPY_DEPTH, budget, owner, others, fit=wanted.__contains__)
        sources = [p for f in wanted for p in ([target / f] if f.endswith(".py") else
                                               sorted((target / f).rglob("*.py")))]


# A module name, and the blanks inside a statement (a backslash may continue its line), in a file's bytes.
# Every repeat is possessive: nothing is given back, so neither the time nor the memory of a search (the stack
# a backtracking repeat keeps per round) grows with more than the length of the text.
_NAME = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*+"
_GAP = rb"(?:[ \t\f]|\\\r?\n)"
_DOTTED = rb"(?:\.%s)*+" % _NAME
_AS = rb"(?:%s++as%s++%s)?" % (_GAP, _GAP, _NAME)
_IMPORT = re.compile(rb"\b(?:from%s++(%s)%s%s++import\b|import%s++(%s)%s%s((?:%s*+,%s*+%s%s%s)*+))"
                     % (_GAP, _NAME, _DOTTED, _GAP, _GAP, _NAME, _DOTTED, _AS, _GAP, _GAP, _NAME, _DOTTED, _AS))
_LISTED = re.compile(rb",%s*+(%s)" % (_GAP, _NAME))
# `importlib.import_module("helper")`, `__import__('helper')` (review 27, T14): a module named in a string
_BY_STRING = re.compile(rb"\b(?:import_module|__import__)%s*+\(%s*+(?:name%s*+=%s*+)?[rRbBuU]?['\"](%s)"
                        % (_GAP, _GAP, _GAP, _GAP, _NAME))


def _imported(source: bytes | Path, beside: set[str]) -> set[str]:
    """The top-level names of the modules `source` (its bytes, or a file's) imports that are `beside` it, as
    a module (`NAME.py`) or a package (`NAME`): `import a.b, c as d`: a, c; `from a.b import c`: a;
    `importlib.import_module("a.b")`, `__import__("a")`: a; a relative import: none, as a lone file has no
    package. Found anywhere in it, a comment or string too.

    A linear scan of the bytes, never a parse: this runs in the zygote (root, no rlimit, no timeout), and
    `ast.parse` of 4 MB of `a;` took 4 GB there (review 25, S5). The scan holds the file and the names found
    beside it, nothing more; it finds what a parse would (and a name only mentioned), whatever else the text
    holds. A student who names a module in a comment gets it copied, as one who imports it would."""
    if isinstance(source, Path):
        try:
            source = source.read_bytes()
        except OSError:
            return set()
    names = set()
    for name in _import_names(source):
        module = name.decode("utf-8", "surrogateescape")
        if not module.isascii():
            import unicodedata  # only here: every grade imports this module

            module = unicodedata.normalize("NFKC", module)  # as Python reads identifiers
        if f"{module}.py" in beside or module in beside:
            names.add(module)
    return names


def _import_names(source: bytes) -> Iterator[bytes]:
    """Each top-level module name of each import in `source`, one at a time (a list of millions is no list)."""
    for match in _IMPORT.finditer(source):
        yield match[1] or match[2]
        if match[3]:
            yield from (listed[1] for listed in _LISTED.finditer(source, match.start(3), match.end(3)))
    yield from (match[1] for match in _BY_STRING.finditer(source))


def _open_to_others(folder: Path, layers: _Layers) -> bool:
    """Can every user traverse each folder from / down to `folder` (as the grader sees them)?"""
    try:
        return all(os.stat(_host_path(p, layers)).st_mode & stat.S_IXOTH for p in (folder, *folder.parents))
    except OSError:
        return False


def _listing(folder: Path) -> tuple:
    try:
        with os.scandir(folder) as entries:
            found = sorted((e.name, *_fingerprint(e.stat(follow_symlinks=False))) for e in entries)
        return os.stat(folder).st_mode, tuple(found)
    except OSError:
        return ()


def _fingerprint(info: os.stat_result) -> tuple:
    return info.st_mtime_ns, info.st_size, info.st_mode, info.st_ino


def _files_beside(folder: int, depth: int, owner: int, open_to_others: bool, budget: list, python_only: bool = False,
                  fit: Callable[[str], bool] = lambda name: True,
                  prefix: str = "", unreadable: list | None = None,
                  top_only: bool = False) -> Iterator[tuple[str, int, int | None]]:
    """(path relative to `folder`, an open descriptor, size) of each file below `folder` that a submission owned
    by `owner` may import, and of each folder it may enter (before that folder's files, with size None): its
    owner's Python modules (*.py, and packages of them), and, where every folder down to here is open to others,
    any regular file others may read (`python_only`: only *.py ones). Sorted; nothing is followed (each name is
    opened with O_NOFOLLOW below its folder's descriptor and checked with fstat); hidden entries, __pycache__
    and names `fit` refuses are skipped; at most `depth` levels, and none once `budget` (the files left, then
    the bytes; the caller takes from it) has no file left. Each descriptor is closed when the next is asked
    for. Used by the local root copy (`_copy_tree`) and by a Dask task's files (batch/task_files.py), so both
    take the same files. `unreadable`, when given, gets (path, why) of each of the owner's modules that cannot
    be opened (a class download's permissions: the batch's "could not grade", staff review 2, S14). `top_only`:
    `fit` picks only among `folder`'s own entries, and everything below a folder it picked is taken."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return
    for name in names:
        if name.startswith(".") or name == "__pycache__" or not fit(name) or budget[0] <= 0:
            continue
        found = None
        try:
            found = os.stat(name, dir_fd=folder, follow_symlinks=False)
            if not (stat.S_ISREG(found.st_mode) or stat.S_ISDIR(found.st_mode) and depth > 1):
                continue
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        except OSError as error:
            if (unreadable is not None and found is not None and found.st_uid == owner and name.endswith(".py")
                    and stat.S_ISREG(found.st_mode)):
                unreadable.append((prefix + name, error.strerror or str(error)))
            continue
        try:
            info = os.fstat(fd)
            own, readable = info.st_uid == owner, open_to_others and bool(info.st_mode & stat.S_IROTH)
            if stat.S_ISDIR(info.st_mode) and depth > 1 and (own or open_to_others and info.st_mode & stat.S_IXOTH):
                yield prefix + name, fd, None
                yield from _files_beside(fd, depth - 1, owner, readable, budget, python_only,
                                         (lambda name: True) if top_only else fit, f"{prefix}{name}/", unreadable)
            elif stat.S_ISREG(info.st_mode) and (name.endswith(".py") and (own or readable)
                                                 or readable and not python_only):
                yield prefix + name, fd, info.st_size
        except OSError:
            pass
        finally:
            os.close(fd)


def _copy_tree(folder: int, target: Path, depth: int, budget: list, owner: int, open_to_others: bool,
               fit: Callable[[str], bool] | None = None) -> None:
    """Copy the owner's Python modules, and what others could read, below `folder` (`_files_beside`); with
    `fit`, only the Python modules and packages of the top-level names it picks."""
    not_made: list[str] = []  # folders that could not be made (a full tmpfs): nothing below them is copied
    picked = {} if fit is None else {"python_only": True, "fit": fit, "top_only": True}
    for path, fd, size in _files_beside(folder, depth, owner, open_to_others, budget, **picked):
        if path.startswith(tuple(not_made)):
            continue
        try:
            if size is None:
                os.mkdir(target / path, 0o755)
            else:
                _copy_open_file(fd, size, target / path, budget)
        except OSError:
            if size is None:
                not_made.append(path + "/")


def _copy_file(folder: int, name: str, target: Path, budget: list) -> None:
    """Copy the file `name` of `folder` (the submission itself, when _copy_tree left it out), never a link."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    except OSError:
        return
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode):
            _copy_open_file(fd, info.st_size, target, budget)
    finally:
        os.close(fd)


def _copy_open_file(fd: int, size: int, target: Path, budget: list) -> None:
    if size > budget[1] or budget[0] <= 0:
        return
    budget[0] -= 1
    budget[1] -= size
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        offset = 0
        while offset < size and (sent := os.sendfile(out, fd, offset, size - offset)) > 0:
            offset += sent
    finally:
        os.close(out)
