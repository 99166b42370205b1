"""The worker's own code, run after confinement: import the submission, call, send the results up.

Portable on purpose (no fcntl, resource, fork or memfd), so a runner for other systems can serve the same
protocol. Results are converted to float64 arrays and size-checked here, and checked again by every reader.
"""
from __future__ import annotations

import copy
import ctypes
import importlib.machinery
import importlib.util
import io
import os
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .course import MODULE_NAME, RUNNING_MARK, SoftTimer, import_source, install_stand_ins, prints_limit
from .libc import _LIBC
from .protocol import (
    _GO_FD,
    _RESULT_FD,
    DEFAULT_LIMITS,
    Call,
    _clean,
    _frame,
)

# After a function raised MemoryError, this worker does not call it again with arguments as large, as it does
# not call one that timed out: each such call of a memory bomb first fills the whole --memory (0.4 to 2 s of
# CPU at 2 GB, by the machine; ten calls in a grade), and with arguments as large it would run out again. A
# smaller call still runs: a big case that needs too much says nothing of a small one.
OUT_OF_MEMORY = "not run: a call with arguments as large ran out of memory"
_IMMUTABLE = (int, float, bool, str, type(None))  # arguments passed as they are (a deep copy is the same)
_MODULE_NAME = MODULE_NAME  # never a name the course uses (its utils.py imports `submission`)


@dataclass(frozen=True)
class Ahead:
    """What a forking runner works out in the zygote just before each fork, for the worker to use.

    In a forked worker every page its Python writes to (a reference count, a code object warming up) is first
    copied from the zygote's: walking sys.modules, or sys.path looking for matplotlib, costs a few hundred
    such copies (about 1 ms) in each worker, and next to nothing in the zygote, whose pages are its own
    between runs. The answers are the same: the worker inherits the zygote's sys.modules and sys.path."""

    grader_modules: tuple[str, ...]  # the grader's modules in sys.modules (`_forget_grader` drops them)
    matplotlib: bool  # matplotlib is importable from sys.path (the submission's folder aside)


_ahead: dict[int, Ahead] = {}  # per zygote, by the number of modules it has imported


class _Timer(SoftTimer):
    """SoftTimer that, while the file is imported, first names the innermost top level running of another file
    in the submission's folder ("[grader: running <module> line 8 in helpers.py]"): a helper whose own import
    never ends is where the time goes, not the file's line that imports it, the only one the mark named (review
    32, Z8: the report pointed at the notebook's `import helpers`)."""

    importing = False

    def _report(self, signum, frame) -> None:
        if self.importing:
            folder = os.path.dirname(self.filename) + os.sep
            inner = frame
            while inner is not None and not (inner.f_code.co_name == "<module>" and
                                             inner.f_code.co_filename.startswith(folder)):
                inner = inner.f_back
            if inner is not None and inner.f_code.co_filename != self.filename:
                name = inner.f_code.co_filename[len(folder):][-100:]
                try:
                    os.write(2, f"\n{RUNNING_MARK}<module> line {inner.f_lineno} in {name}]\n".encode())
                except OSError:
                    pass
        super()._report(signum, frame)


def ahead_of_fork() -> Ahead:
    """Worked out again only when the zygote has imported a module since: even in the zygote each page
    written after a fork costs a page fault (a cheap one: nothing is copied once the worker is gone)."""
    ahead = _ahead.get(len(sys.modules))
    if ahead is None:
        matplotlib = importlib.util.find_spec("matplotlib") is not None
        _ahead.clear()
        ahead = _ahead[len(sys.modules)] = Ahead(_grader_modules(), matplotlib)
    return ahead


def _serve(submission: Path, calls: list[Call], result_bytes: int = DEFAULT_LIMITS.result_bytes,
           source: str | None = None, timeout: float | None = None, ahead: Ahead | None = None,
           io_fd: int | None = None) -> None:
    """`ahead`: see `Ahead`; a spawned worker (portable.py) works it out itself. `io_fd`: this process's
    /proc/self/io, opened before a uid switch made it unreadable (see `_Writes`); else opened here if it can be.

    After each frame that ends an output window the worker goes on at once when it wrote nothing in that window,
    and otherwise waits for the runner's go (relay.py)."""
    _writes.watch(io_fd)
    soft = _Timer(str(submission), timeout)
    _forget_grader(ahead.grader_modules if ahead is not None else None)
    matplotlib = ahead.matplotlib if ahead is not None else None
    try:
        soft.importing = True
        soft.start()
        module = _import(submission, matplotlib) if source is None else \
            import_source(submission, source, matplotlib)
    except BaseException as e:  # SystemExit and KeyboardInterrupt are the student's doing here
        _send({"status": "import_error", "message": _exception_message(e, submission, importing=True)})
        return
    finally:
        soft.stop()
        soft.importing = False
    waits = _send({"status": "imported"}, ends_window=False)  # what the import printed goes with the first call
    out_of_memory: dict[tuple[str, ...], list[tuple]] = {}  # function (its names) -> sizes of calls that ran out
    for call in calls:
        if waits and not os.read(_GO_FD, 1):  # wait for the runner: it has taken the previous call's output
            return
        size = _sizes(call)
        ran_out = out_of_memory.get(call.names, ())
        if any(_at_least(size, other) for other in ran_out):
            waits = _send({"status": "skipped", "message": OUT_OF_MEMORY, "function": None, "seconds": 0.0,
                           "values": 0, "changed": []})
            continue
        soft.start()
        header, values = _call(module, call, submission, result_bytes)
        soft.stop()
        if header.pop("out_of_memory", False):
            out_of_memory.setdefault(call.names, []).append(size)
        waits = _send(header, values)


def _at_least(size: tuple, other: tuple) -> bool:
    """Every argument at least as large (calls with other arguments, such as a probe's extra one, never are)."""
    return len(size) == len(other) and all(a >= b for a, b in zip(size, other, strict=True))


def _sizes(call: Call) -> tuple:
    """Each argument's size: an array's bytes, a number's magnitude. A call whose every argument is at least as
    large as those of one that ran out of memory would run out too; a smaller one in any way may not."""
    return tuple(a.nbytes if isinstance(a, np.ndarray) else
                 abs(a) if isinstance(a, int | float) and not isinstance(a, bool) else 0 for a in call.args)


class _NoGrader:
    """A meta path finder that refuses the grader's own modules."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "grader" or name.startswith("grader."):
            raise ModuleNotFoundError(f"No module named {name!r} (the sandbox runs the submission alone)", name=name)
        return None


def _grader_modules() -> tuple[str, ...]:
    return tuple(n for n in sys.modules if n == "grader" or n.startswith("grader."))


def _forget_grader(names: Sequence[str] | None = None) -> None:
    """`import grader` (its engine, specs, exercises) fails in the worker: the sandbox's own modules leave
    sys.modules and a finder refuses them again. As root their files are not in the worker's view either
    (namespaces._build_view), so a submission that removes the finder finds nothing to import. `names`: the
    grader's modules as the zygote listed them before the fork (`Ahead`), else listed here."""
    for name in _grader_modules() if names is None else names:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, _NoGrader)


def _send(header: dict, arrays: Sequence[np.ndarray] = (), ends_window: bool = True) -> bool:
    """Flush the student's output first, so the runner finds it in the pipe before the frame. A frame that
    ends an output window (every one but "imported") says how many bytes the worker dropped in it, and whether
    the worker waits for the runner's go before its next call: it does when anything was written in the window.
    Returns that."""
    for stream in (sys.stdout, sys.stderr, *_captured):  # a tuple: the student's streams need not hash
        try:
            stream.flush()
        except Exception:
            pass
    waits = ends_window and not (_writes.none_since_window() and _window.dropped == 0)
    if ends_window and _captured:
        header = {**header, "dropped": _window.end()}
    frame = _frame({**header, "waits": waits}, arrays)
    view = memoryview(frame)
    while view:
        view = view[os.write(_RESULT_FD, view) :]
    _writes.framed(len(frame), ends_window)
    return waits


class _Writes:
    """Whether this process wrote anything but its frames since its output window began, by the kernel's count of
    the bytes it passed to write system calls (/proc/self/io's wchar) less its frames' bytes.

    Why: the runner takes a call's output once the worker has sent its frame, and until then the worker must not
    start the next call, or that call's first prints would be taken with this one's. That handshake (a go byte
    and a wakeup of each process per call) cost about a quarter of a sandbox run's wall time and a seventh of its
    CPU, for calls that nearly all print nothing. A call that wrote nothing anywhere (print, os.write, a file)
    cannot be confused with the next, so its worker goes on at once. A child process's writes count only once
    it is reaped: a child still printing may have its output taken with the next call's, as it always could.
    Where the count cannot be read (no /proc: macOS, Windows; or the student closed or replaced the descriptor)
    every window counts as written, and every call after the first waits, as all did before."""

    def __init__(self):
        self.fd: int | None = None
        self.expected: int | None = None  # the count if nothing but frames was written since the window began
        self.now: int | None = None

    def watch(self, fd: int | None) -> None:
        if fd is None and hasattr(os, "pread"):  # Windows has neither /proc nor os.pread
            try:
                fd = os.open("/proc/self/io", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                fd = None
        self.fd = fd
        self.expected = self._count()

    def _count(self) -> int | None:
        if self.fd is None or not hasattr(os, "pread"):
            return None
        try:
            line = os.pread(self.fd, 512, 0).split(b"\n", 2)[1]
            return int(line[7:]) if line.startswith(b"wchar: ") else None
        except (OSError, ValueError, IndexError):
            return None

    def none_since_window(self) -> bool:
        self.now = self._count()
        return self.now is not None and self.now == self.expected

    def framed(self, size: int, ends_window: bool) -> None:
        """A frame of `size` bytes went out; a new window begins after one that ends the last."""
        if ends_window:
            self.expected = None if self.now is None else self.now + size
        elif self.expected is not None:
            self.expected += size


class _Window:
    """The bytes the worker's sys.stdout and sys.stderr wrote, and dropped, since the last frame."""

    def __init__(self, limit: int):
        self.limit, self.written, self.dropped = limit, 0, 0

    def end(self) -> int:
        dropped, self.written, self.dropped = self.dropped, 0, 0
        return dropped


class _CappedPipe(io.RawIOBase):
    """fd 1 or 2: writes at most what is left of the window's limit, and counts the rest."""

    def __init__(self, fd: int, window: _Window):
        super().__init__()
        self.fd, self.window = fd, window

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    @property
    def name(self) -> int:  # as io.FileIO's: the descriptor
        return self.fd

    mode, closefd = "wb", False

    def write(self, data) -> int:
        # nbytes, never len(): a submission may replace builtins.len, and a count of 0 made io.BufferedWriter
        # write the same bytes again for ever (acceptance run 10, D1)
        view = memoryview(data).cast("B")
        kept = view[:max(0, self.window.limit - self.window.written)]
        self.window.written += kept.nbytes
        self.window.dropped += view.nbytes - kept.nbytes
        while kept:
            kept = kept[os.write(self.fd, kept) :]
        return view.nbytes


class _CappedText(io.TextIOWrapper):
    """A worker's sys.stdout or sys.stderr: line-buffered UTF-8 text on fd 1 or 2 that, once the window's limit
    is reached, only counts what is written.

    Why: the runner keeps only `Limits.output_bytes` of a call's output anyway. A flood printed line by line
    cost its runner as much CPU as the worker (a wakeup and a read per line), so a flood that ran for its
    --timeout took two cores, and each line cost the worker a system call; past the limit a write here costs
    well under a microsecond. A real io.TextIOWrapper otherwise, so code that reconfigures sys.stdout or
    writes to its buffer works as it does anywhere. What reaches fd 1 and 2 another way (os.write, C code, a
    child process) still goes to the pipe, where the runner caps it itself."""

    def __init__(self, fd: int, window: _Window):
        super().__init__(io.BufferedWriter(_CappedPipe(fd, window)), encoding="utf-8", errors="backslashreplace",
                         line_buffering=True)
        self.window, self.mode = window, "w"  # open() sets mode on the streams it makes; name comes from the pipe

    def write(self, text: str) -> int:
        window = self.window
        if window.written < window.limit or not isinstance(text, str) or self.closed:
            return super().write(text)  # it raises what it would raise anyway (a closed file, not a str)
        window.dropped += len(text) if text.isascii() else len(text.encode("utf-8", "backslashreplace"))
        return len(text)


_window = _Window(0)
_writes = _Writes()
_captured: list[_CappedText] = []  # the streams capture_output made (flushed before every frame)


def capture_output(limit: int) -> None:
    """Make sys.stdout and sys.stderr line-buffered text streams on fd 1 and 2 that write at most `limit`
    bytes between two frames, less room for the running-line mark (course.prints_limit; the runner keeps
    `limit` bytes of a call's output)."""
    _window.limit = prints_limit(limit)
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = _CappedText(fd, _window)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
        _captured.append(stream)


def _import(submission: Path, matplotlib: bool | None = None):
    """Import under a fixed name, so a file named random.py shadows nothing; helpers beside it import."""
    sys.path.insert(0, str(submission.parent))
    install_stand_ins(str(submission.parent), matplotlib)
    loader = importlib.machinery.SourceFileLoader(_MODULE_NAME, str(submission))
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, str(submission), loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module
    loader.exec_module(module)
    return module


def _call(module, call: Call, submission: Path, result_bytes: int) -> tuple[dict, list[np.ndarray]]:
    """Call with fresh copies of the inputs; report changed inputs and the converted return value.

    A return value of more than `result_bytes` bytes of numbers is a bad return (the zygote refuses such a
    frame anyway); changed inputs that would not fit beside the values are not reported."""
    header = {"status": "ok", "message": "", "function": None, "seconds": 0.0, "values": 0, "changed": []}
    try:
        name, func = _lookup(module, call.names)
    except BaseException as e:  # a module-level __getattr__ may raise anything
        return {**header, "status": "error", "message": _exception_message(e, submission)}, []
    if func is None:
        message = f"no function named {' or '.join(call.names)} in {submission.name}"
        return {**header, "status": "missing", "message": message}, []
    header["function"] = name
    fresh = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a if type(a) in _IMMUTABLE else
             copy.deepcopy(a) for a in call.args]
    values: list[np.ndarray] = []
    start, cpu = time.perf_counter(), time.process_time()
    try:
        result = func(*fresh)
        header["seconds"], header["cpu"] = time.perf_counter() - start, time.process_time() - cpu
        values = _convert(result, call, name)
        size = sum(v.nbytes for v in values)
        if size > result_bytes:
            values = []
            raise _BadReturn(f"{name} returned {_megabytes(size)} of numbers, more than the "
                             f"{_megabytes(result_bytes)} a result may hold")
        if isinstance(result, list) and call.returns > 1:  # only now: the protocol allows it on an "ok" only
            header["list"] = True  # the course's submit cell reads a tuple's first value, not a list's (notes.py)
    except _BadReturn as e:
        header.update(status="bad_return", message=str(e))
        kept = e.partial if sum(v.nbytes for v in e.partial.values()) <= result_bytes else {}
        values = list(kept.values())  # the values that are numbers, beside the bad one
        if kept:
            header["positions"] = list(kept)
    except BaseException as e:  # SystemExit from sys.exit() is the student's error too
        header.update(status="error", message=_exception_message(e, submission))
        header["seconds"] = time.perf_counter() - start
        header["out_of_memory"] = isinstance(e, MemoryError)  # for _serve only: not sent
    room = result_bytes - sum(v.nbytes for v in values)
    changed = {}
    for arg, now in _changed(call, fresh).items():
        if now.nbytes <= room:
            changed[arg] = now
            room -= now.nbytes
    header.update(values=len(values), changed=list(changed))
    return header, values + list(changed.values())


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.3g} MB" if size >= 1 << 20 else f"{size} bytes"


def _lookup(module, names: Sequence[str]):
    for name in names:
        func = getattr(module, name, None)
        if callable(func):
            return name, func
    return None, None


def _changed(call: Call, passed: list) -> dict[str, np.ndarray]:
    """Inputs whose contents differ after the call (their contents after it)."""
    changed = {}
    for name, original, now in zip(call.arg_names, call.args, passed, strict=True):
        if isinstance(original, np.ndarray):
            try:
                if not _same(original, now):
                    changed[name] = np.array(now, dtype=original.dtype, order="C")
            except Exception:  # an input mangled beyond conversion is not reported
                pass
    return changed


_COPY_TO_COMPARE = 1 << 16  # below this many bytes, comparing copies costs less than reaching memcmp


def _same(original: np.ndarray, now) -> bool:
    """Equal contents; identical bytes decide at once (the usual case: by memcmp, cheap at 16 MB, or, for a
    small array, by comparing two copies, which runs far less Python in the worker than ctypes does)."""
    if type(now) is np.ndarray and now.dtype == original.dtype and now.shape == original.shape and \
            now.flags.c_contiguous and original.flags.c_contiguous:
        if original.nbytes < _COPY_TO_COMPARE:
            if original.tobytes() == now.tobytes():
                return True
        elif _LIBC is not None:
            size = ctypes.c_size_t(original.nbytes)
            if _LIBC.memcmp(ctypes.c_void_p(original.ctypes.data), ctypes.c_void_p(now.ctypes.data), size) == 0:
                return True
    return bool(np.array_equal(original, now, equal_nan=original.dtype.kind == "f"))


class _BadReturn(Exception):
    def __init__(self, message: str, partial: dict[int, np.ndarray] | None = None):
        super().__init__(message)
        self.partial = partial or {}  # position -> the returned values that are numbers


def _convert(result, call: Call, name: str) -> list[np.ndarray]:
    """The return value(s) as plain float64 arrays; anything else is a bad return, named for the student."""
    if call.returns == 1:
        items = [result]
    elif isinstance(result, tuple | list) and len(result) == call.returns:
        items = list(result)
    else:
        expected = ", ".join(call.value_name(i) for i in range(call.returns))
        count = _BadReturn(f"{name} returned {_count(result)}, expected {call.returns} ({expected})")
        if isinstance(result, tuple) and len(result) > call.returns:
            # the course reads a cost as f(...)[0] (part 2 through sprintf, which unwraps a tuple, not a list),
            # so the first values are kept beside the count message; `J, grad = f(...)` still fails
            count.partial = _numbers(result[:call.returns], call, name)[0]
        raise count
    values, problem = _numbers(items, call, name)
    if problem is not None:  # the others are kept: the course's grader reads J = f(...)[0] alone for a cost
        raise _BadReturn(str(problem), values) from problem.__cause__
    return list(values.values())


def _numbers(items, call: Call, name: str) -> tuple[dict[int, np.ndarray], _BadReturn | None]:
    """The items that are numbers, as float64 arrays by position, and the first item's problem that is not."""
    values, problem = {}, None
    for i, v in enumerate(items):
        try:
            values[i] = _as_float64(v, name, call.value_name(i))
        except _BadReturn as e:
            problem = problem or e
    return values, problem


def _count(result) -> str:
    if result is None:
        return "None"
    n = len(result) if isinstance(result, tuple | list) else 1
    return f"{n} value" + ("s" if n != 1 else "")


def _as_float64(value, name: str, what: str) -> np.ndarray:
    """np.asarray would turn "1.5" into 1.5 and None into nan, so those are refused first."""
    problem = BaseException()
    if value is None or isinstance(value, str | bytes):
        problem = None
    elif not (isinstance(value, np.ndarray) and value.dtype.kind in "USc"):
        try:
            return np.asarray(value, dtype=np.float64)
        except Exception as e:  # whatever the object raises, it is not numbers
            problem = e
    raise _BadReturn(f"{name} returned {_a(value)} for {what}, expected numbers") from problem


def _a(value) -> str:
    if value is None:
        return "None"
    noun = type(value).__name__
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _exception_message(exc: BaseException, submission: Path, importing: bool = False) -> str:
    """ "ExcType: text (file, line N)" with the innermost line in the student's own code. `importing`: raised
    while the submission was imported (see `_student_line`)."""
    try:
        text = str(exc).strip()  # numpy's broadcast message ends in a space, before " (file, line)"
    except Exception:  # a student exception's __str__ may itself raise
        text = ""
    head = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    where = None if isinstance(exc, SyntaxError) else _student_line(exc, submission, importing)
    return _clean(f"{head} ({where})" if where else head)


def _own_file(path: Path, folder: Path) -> bool:
    """A file of the student's: beside the submission, or in any folder of theirs under it (mylib/tools.py: review
    29, V8; my-lib/tools.py, put on sys.path by a module of theirs: review 31, Y10, placed at the calling line
    without a word), but not in an installed library someone copied there: a virtual environment's site-packages
    (or dist-packages, lib/python3.11), where every installed library lies. Told by the folders' names alone: a
    venv's pyvenv.cfg is not in the sandbox's copy of a closed folder, and the same file would be placed apart
    by who may read the folder."""
    try:
        parts = path.relative_to(folder).parts
    except ValueError:
        return False
    return not any(part in _INSTALLED or _python_lib(part) for part in parts[:-1])


_INSTALLED = frozenset({"site-packages", "dist-packages"})


def _python_lib(name: str) -> bool:
    """A venv's lib/python3.11 folder (python3.13t: free-threaded)."""
    version = name.removeprefix("python").removesuffix("t")
    return version != name and version[:1].isdigit() and version.replace(".", "").isdigit()


def _student_line(exc: BaseException, submission: Path, importing: bool = False) -> str | None:
    """The innermost frame in the student's own files: the submission, or a helper beside it (utils.py, a module
    a `%%writefile` cell writes), where the mistake is to be looked for (fix28, F5; review 28, R28-8: "name 'np'
    is not defined" at ex5.py's line that calls the helper sent the student to a file that imports numpy). In a
    helper, during a call, the submission's line that called it follows: "utils.py, line 5; called from ex5.py,
    line 16"."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [frame for frame in frames if _own_file(Path(frame.filename), submission.parent)]
    if not own:
        return None
    where = f"{Path(own[-1].filename).relative_to(submission.parent).as_posix()}, line {own[-1].lineno}"
    caller = next((frame for frame in reversed(own) if Path(frame.filename) == submission), None)
    if Path(own[-1].filename) != submission and caller is not None and not importing:
        where += f"; called from {submission.name}, line {caller.lineno}"
    return where
