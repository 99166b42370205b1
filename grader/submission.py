"""A student's .py or .ipynb file -> the source to run: only what the graded functions need.

Students hand in the course's notebook (or an export of it), full of script code: loading
Data/ex4data1.mat, plots, training, the course's `grader[4] = nnCostFunction; grader.grade()` cells.
None of that may run or cost points: the grader calls the functions itself. So the file is read as a
list of top-level statements (per code cell for a notebook, IPython magics blanked out) and only these
are kept (docs/submissions.md states the rule for students):

- `from __future__` imports and star imports;
- the bindings of the graded functions' names, and, transitively, of every module-level name a kept
  statement reads: imports, `def` and `class` statements, and assignments whose value is *static*
  (literals, arithmetic, names that are kept, lambdas, and calls of numpy/math functions other than file
  I/O, of a few pure builtins and harmless standard modules, or of the file's own functions and classes when
  those read no files), so that no data file is read and no training runs;
- `try`/`if`/`with` blocks made only of such statements (a handler may also re-raise, print, exit).

A name is kept only when every top-level statement that sets it can be kept; otherwise it is *unrun*,
and a graded function that reads it gets a NameError that the report explains (`explain_name_error`).
The kept statements are placed at the same line of a "virtual file" (every cell's lines one after the
other), so `origin(line)` maps any line of the runnable source back to the student's cell and line.
"""

from __future__ import annotations

import ast
import builtins
import codecs
import itertools
import json
import re
import symtable
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import parsing, scopes

MAX_SOURCE_BYTES = 512 * 1024  # the runnable source travels inline to the sandbox
# Code the grader's own process parses: about 1.5 s per MB, and memory many times that (acceptance run 11,
# D7: a 15 MB ex5.py took 32 s and 3.6 GB, a notebook of 65 MB of code 88 s and 7 GB, before the limit above
# refused them). A .py over MAX_CODE_CHARS is not read here (the sandbox imports it whole, bounded by its time
# and memory, as a .py that does not parse); a notebook's cell that would take the code read past it is skipped
# (it does not count: review 18, R8).
MAX_CODE_CHARS = 4 << 20
# And at most this many pieces (`_pieces`: a line or `;` counts 2, a `,` 1, about 1 kB of the parser's memory
# each): 4 MB of `a;` took the grader's own process to 4.2 GB (review 25 sec, S6). A real solution has a few
# thousand; a data set pasted into a list may have 210 000 (review 26, R4: imported whole at 200 000, its script
# code ran).
MAX_CODE_PIECES = 500_000
_BUILTINS = frozenset(dir(builtins))
_TYPE_ALIAS = (ast.TypeAlias,) if hasattr(ast, "TypeAlias") else ()  # `type X = ...`, Python 3.12 and newer
_PURE_BUILTINS = frozenset({"int", "float", "bool", "str", "complex", "len", "range", "list", "tuple", "dict",
                            "set", "frozenset", "abs", "min", "max", "sum", "round", "pow", "sorted", "reversed",
                            "zip", "enumerate", "bytes", "bytearray", "divmod", "any", "all",
                            "chr", "ord", "hex", "slice"})
_NUMERIC_MODULES = ("numpy", "math", "cmath")
# Standard modules whose calls at a file's top level read no data, write nothing and train nothing:
# functools.partial, warning filters (review 25, F1, F4). Not os, io, pickle, json: files.
_HARMLESS_MODULES = ("functools", "itertools", "operator", "warnings", "collections", "typing", "dataclasses",
                     "enum", "abc", "copy", "numbers")
# Modules of which only these calls are (review 25, F2: a logger; review 26, R6: not logging.FileHandler)
_HARMLESS_CALLS = {"logging": frozenset({"getLogger"}), "sys": frozenset({"getrecursionlimit"})}
# What only a `try`'s handler may call: it runs when the guarded imports or defs fail. Kept, such a handler
# re-raises instead (`_reraising`), so the error it handles is the one reported.
_HANDLER_CALLS = frozenset({"print", "exit", "quit"})
_FILE_IO = frozenset({"load", "loadtxt", "genfromtxt", "fromfile", "fromregex", "memmap", "save", "savez",
                      "savez_compressed", "savetxt", "tofile", "DataSource", "open", "lib", "ctypeslib",
                      "f2py", "testing", "distutils"})
# Cell magics whose body is Python (run like any cell); the body of any other cell magic is not Python.
_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
_MAGIC_LINE = re.compile(r"^\s*([%!]|\?|[\w.]+\s*=\s*[%!])|^\s*[\w.\[\]()'\"]+\?\??\s*$")
# sandbox/course.py's SoftTimer; `<module>` while a file is imported (review 31, X7: leaked as a "prints" note)
_RUNNING = re.compile(r"\n?\[grader: running ([\w<>]+) line (\d+)(?: in ([^\]\n]+))?\]\n?")  # in: a helper's (Z8)
_NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")


class SubmissionError(Exception):
    """The file cannot be read as a submission; str() is one paragraph for the student."""


class Origin(NamedTuple):
    """Where a line of the runnable source came from: a code cell (numbered from 1) or a .py line."""

    cell: int | None
    line: int

    def __str__(self) -> str:
        return f"cell {self.cell}, line {self.line}" if self.cell is not None else f"line {self.line}"


class Binding(NamedTuple):
    """One top-level statement that sets a name."""

    statement: int  # index into the statements
    keepable: bool  # static: imports, defs, static values
    reads: frozenset[str]  # module-level names it needs when it runs (or when the function it defines runs)
    at_import: frozenset[str]  # those it reads while the module is imported
    value: bool  # an assignment of a value (not a def, class, import or lambda)
    mutation: bool = False  # it only sets items or attributes of the name (X[0] = 1, lib.f.x = ...)


class Definition(NamedTuple):
    """A graded name's last `def`: what it accepts, whether it is a stub, and which names it calls."""

    origin: Origin
    parameters: str  # as written: "nn_params, X, y, lambda_=0.0"
    required: int  # positional parameters without a default
    positional: int | None  # positional parameters it takes; None with *args
    keywords_required: bool  # a keyword-only parameter without a default: no positional call fits
    stub: bool  # computes nothing from its inputs (pass, raise, the template's J = 0 and zeros)
    calls: frozenset[str]  # the plain names its body calls (`name(...)`): one name may wrap the other

    def accepts(self, count: int) -> bool:
        return not self.keywords_required and self.required <= count and \
            (self.positional is None or count <= self.positional)


class Unsubmitted(NamedTuple):
    """Definitions of a graded function the course's grader cell (`grader[3] = sigmoidGradient`) does not submit."""

    registered: Origin  # the registration the course submits
    graded: Origin  # the definition it submits, which is graded
    later: list[Origin]  # the definitions after it in the file, left out
    by_counts: bool  # chosen by the cells' execution counts (else as running the notebook from the top)


class SetAfterGrading(NamedTuple):
    """A function the grader cells submit, set again after every one of them (`_note_unsubmitted_other`)."""

    cell: Origin  # the last grader cell that submits it
    text: str  # that cell's code
    later: list[Origin]  # the later settings, never submitted
    held: Origin | None  # the setting that cell submitted (None: unknown)
    how: str  # "defined" or "set"
    by_counts: bool  # the execution counts put them after the cell (else the file's order)
    kept: list[str]  # what those statements still set, as other code reads it (`sigmoid` of `from m import f, sigmoid`)


class RegisteredEarlier(NamedTuple):
    """A function fixed after its own grader cell: graded on the fix, which the functions calling it use, while
    the course grades its own part on the definition that cell registered."""

    registered: Origin  # its own grader cell
    earlier: Origin  # the definition that cell registered
    graded: Origin  # the fix, graded here


@dataclass
class Submission:
    """The runnable source of a student's file and what was left out of it."""

    path: Path
    source: str | None  # the kept statements at their virtual lines; None: import the file as it is
    origins: list[Origin]  # virtual line i (from 1) -> origins[i - 1]
    notebook: bool
    defined: dict[str, Origin] = field(default_factory=dict)  # graded names found -> where
    unrun: dict[str, Origin] = field(default_factory=dict)  # names set only by script code that was not run
    # unrun graded name -> the names its def's defaults or decorators read that the import would lack (A6)
    def_reads: dict[str, tuple[str, ...]] = field(default_factory=dict)
    module_values: dict[str, Origin] = field(default_factory=dict)  # kept values the functions read
    readers: dict[str, set[str]] = field(default_factory=dict)  # module value -> kept defs that read it
    not_run: list[tuple[Origin, Origin]] = field(default_factory=list)  # left-out script statements: first, last
    blank: set[int] = field(default_factory=set)  # .py lines that are empty or comments (they join spans)
    syntax_errors: dict[str, str] = field(default_factory=dict)  # graded name -> message (notebook cells)
    unread: dict[str, Origin] = field(default_factory=dict)  # graded name -> its def in the last skipped cell
    skipped_cells: list[str] = field(default_factory=list)  # why whole cells were skipped
    redefined: dict[str, list[Origin]] = field(default_factory=dict)  # graded name -> each def of it, when several
    # graded name -> the course's grader cell that submits it, and the later definitions it does not submit
    unsubmitted: dict[str, Unsubmitted] = field(default_factory=dict)
    registered: dict[str, Origin] = field(default_factory=dict)  # graded name -> its last `grader[k] = name`
    # graded name -> (the other name a `grader[k] = other` submits for its part, where, k) (`_submitted_as`)
    registered_as: dict[str, tuple[str, Origin, int]] = field(default_factory=dict)
    # part index (from 0, the course's order) -> (the other name its `grader[k] = other` submits, where), where
    # the part's own function has work in it too: graded on that one when its own fails (`_submitted_as`)
    alternatives: dict[int, tuple[str, Origin]] = field(default_factory=dict)
    # part index -> (the other name its last grader cell submits, where), where the execution counts say the kernel
    # held another setting of it at that cell than running from the top gives: not graded on (`_submitted_as`)
    unresolved: dict[int, tuple[str, Origin]] = field(default_factory=dict)
    # `%run` lines left magics: where, the line, the names its file sets (None: unknown) and why (`_not_followed`)
    runs_not_followed: list[tuple[Origin, str, frozenset[str] | None, str]] = field(default_factory=list)
    # what `registered_source` reads again: (cells, roots, parts), kept where there are alternatives
    reading: tuple | None = field(default=None, repr=False, compare=False)
    # graded name -> its own grader cell, the earlier definition that cell registered, and the one graded
    registered_earlier: dict[str, RegisteredEarlier] = field(default_factory=dict)
    definitions: dict[str, Definition] = field(default_factory=dict)  # graded name set last by a def -> that def
    unsubmitted_other: dict[str, SetAfterGrading] = field(default_factory=dict)  # by function name
    # line of a `%%writefile NAME.py` cell run as the module NAME -> where the notebook imports NAME: a hang in its
    # top level is that import's (review 37b, R37-7: it named the %%writefile cell)
    written_imports: dict[int, Origin] = field(default_factory=dict)

    def origin(self, line: int) -> Origin:
        return self.origins[line - 1] if 1 <= line <= len(self.origins) else Origin(None, line)

    def place(self, text: str) -> str:
        """Rewrite "(file, line N)" in a sandbox message to the student's cell and line."""
        if not self.notebook:
            return text
        pattern = rf"(\(|; called from ){re.escape(self.path.name)}, line (\d+)(?=\))"
        return re.sub(pattern, lambda m: f"{m[1]}{self.path.name}, {self.origin(int(m[2]))}", text)

    def explain_name_error(self, function: str, message: str) -> str:
        """A NameError for a name the file sets only in script code that was not run, or that a `%run` the grader
        did not follow was to set (review 31, X10: a bare NameError), explained."""
        found = _NAME_ERROR.search(message)
        run = next((r for r in self.runs_not_followed if found and (r[2] is None or found.group(1) in r[2])), None)
        if run is not None and found.group(1) not in self.unrun:  # not a typo beside a file that sets other names
            where, line, _, why = run
            return f"{message}. If {found.group(1)} comes from `{line}` ({where}), the grader did not run that: {why}"
        if not found or found.group(1) not in self.unrun:
            return message
        name = found.group(1)
        return (f"{message}. {function} reads {name}, which your {self.kind} sets only in top-level code "
                f"({self.unrun[name]}) that the grader does not run: it calls {function} itself, with other "
                f"inputs. Compute {name} inside {function} from its own arguments")

    @property
    def kind(self) -> str:
        return "notebook" if self.notebook else "file"

    def registered_source(self) -> tuple[str | None, str]:
        """(the source with each alternative's grader cell read as `registered_name(k) = other`, "") or (None,
        why not). Built only when a part is to be graded on its alternative (review 30, W8, W9): what only
        `other` needs, such as an import, never touches the file's own grade (review 29, V2)."""
        if self.reading is None:
            return None, "there is nothing to grade it on"
        cells, roots, parts = self.reading
        try:
            return _runnable(self.path, roots, cells, self.notebook, parts, as_registered=True).source, ""
        except SubmissionError as error:
            return None, str(error).removeprefix(f"{self.path}: ")
        except (RecursionError, MemoryError):
            return None, "a statement nests too deeply for the grader to read it"


# ---- reading ---------------------------------------------------------------------------------

class _Cell(NamedTuple):
    number: int | None
    text: str
    ran: int | None = None  # a notebook cell's execution count: its place in the kernel's order when it last ran


def read_cells(path: Path, data: bytes, inline: bool = True) -> tuple[list[_Cell], bool]:
    """The code cells of a notebook (numbered from 1), or the whole .py file as one cell. A notebook saved under
    another name (a browser's `exercise4.ipynb.json` or `.txt`: accept15, N8) is read as the notebook it is.
    `inline`: a `%run -i` file is read as the notebook's own statements (`_run_inline`), else as a plain `%run`."""
    text = None
    if path.suffix.lower() == ".ipynb" and not _notebook_json(data):  # no notebook: what it is, else Python
        from . import handed_in

        refused = handed_in.refusal(path, str(path), head=data[: handed_in.HEAD])
        if refused:  # an HTML page or PDF saved under the notebook's name (review 28, R28-13)
            raise SubmissionError(refused)
        text = handed_in.python_text(data)  # ex5.py renamed exercise4.ipynb, graded as the .py it is (R28-14)
    elif not _notebook_json(data):
        text = data.decode("utf-8-sig")  # UnicodeDecodeError: see prepare
    if text is not None:
        text = _newlines(text)
        return [_Cell(None, _exported_magics(_runs_as_imports(path, _percent_cells(_colab_magics(text)),
                                                              inline=inline)))], False
    try:
        try:
            notebook = json.loads(data.removeprefix(codecs.BOM_UTF8))  # bytes: json decodes them faster
        except ValueError as error:
            raise ValueError(f"it is not valid JSON: {error}") from None
        if not isinstance(notebook, dict):
            raise ValueError("it is not a notebook: expected a JSON object with a list of cells")
        if notebook.get("nbformat") != 4:
            # Older formats (and odd files) go through nbformat, which knows every version. Format 4, which
            # Jupyter has written since 2015, is plain JSON: importing nbformat (its JSON-schema validator)
            # would cost about 0.2 s of every grade.
            import nbformat

            notebook = nbformat.convert(nbformat.reader.reads(data.removeprefix(codecs.BOM_UTF8)), 4)
        cells = notebook.get("cells")
        if not isinstance(cells, list):
            raise ValueError("it has no list of cells")
        code = []
        written: set[str] = set()  # the modules `%%writefile NAME.py` cells above write, which a `%run` may run
        for cell in cells:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source, ran = cell.get("source", ""), cell.get("execution_count")
                text = _newlines("".join(source) if isinstance(source, list) else str(source))
                code.append(_Cell(len(code) + 1, _runs_as_imports(path, text, frozenset(written), inline),
                                  ran if type(ran) is int and ran > 0 else None))
                if (module := _written_module(text)) is not None:
                    written.add(module[0])
    except UnicodeDecodeError as error:
        raise SubmissionError(f"{path}: is not UTF-8 text (byte {error.start}); a notebook is a JSON file") \
            from None
    except Exception as error:  # nbformat raises assorted errors on damaged files
        reason = str(error) if str(error).startswith("it ") else f"{type(error).__name__}: {error}"
        raise SubmissionError(f"{path}: cannot be read as a Jupyter notebook ({_short(reason)}). Open it in "
                              f"Jupyter and save it again, or export it (File > Download as > Python) and "
                              f"grade the .py file") from None
    return code, True


# `%run helpers.py` (`-i`, `-n`, `-e`, `-t`; `./helpers.py`, quoted, or without .py), and a .py export's
# `get_ipython().run_line_magic('run', 'helpers.py')` (before IPython 7: `get_ipython().magic('run helpers.py')`)
_RUN = re.compile(r"%run((?:\s+-[inet])*)\s+(['\"]?)(?:\./)?([A-Za-z_]\w*)(\.py)?\2\s*$")
_RUN_EXPORTED = re.compile(r"get_ipython\(\)\.(?:run_line_magic\((['\"])run\1,\s*|magic\((?=(['\"])run\s))(['\"])"
                           r"(?:run\s+)?(.*)\3\)\s*$")


def _runs_as_imports(path: Path, text: str, written: frozenset[str] = frozenset(), inline: bool = True) -> str:
    """`%run helpers.py` lines made `from helpers import *` (review 28, R28-17): IPython runs the file beside the
    notebook into its namespace, so a function defined there and called by the student's nnCostFunction was a
    NameError once the line was blanked as a magic. Only a file in the submission's own folder (importable there)
    or the course's utils.py (offered when none is handed in); any other `%run` (a notebook, a file in another
    folder or not handed in) stays a magic, blanked, as before. In a .py, the modules `written` are those of the
    export's `run_cell_magic('writefile', 'helpers.py', ...)` lines above (review 31, X3 in an nbconvert export or a
    Colab download: the notebook scored 100, its export 5)."""
    if "run" not in text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("get_ipython().run_cell_magic(") and (module := _WRITTEN_EXPORTED.match(line)):
            written |= {module[3]}
        elif line.startswith("get_ipython().run_cell_magic(") and "%run" in line:
            lines[i] = _runs_in_exported_cell(path, line, written, inline)
            continue
        exported = _RUN_EXPORTED.match(line)
        found = _RUN.match(f"%run {exported[4]}" if exported else line)
        if not found:
            continue
        helper = path.parent / f"{found[3]}.py"
        if inline and helper.is_file() and "-i" in found[1].split() and (source := _run_inline(helper)):
            lines[i] = source
        elif helper.is_file():
            names = _quiet_names(helper)
            listed = ", ".join(n for n in names if n != "*")
            if names:  # `from helpers import *; from helpers import _scale, add_bias` (one line: lines keep numbers)
                lines[i] = "; ".join(([f"from {found[3]} import *"] if "*" in names else []) +
                                     ([f"from {found[3]} import {listed}"] if listed else []))
        elif found[3] == "utils" or found[3] in written:  # a `%%writefile helpers.py` cell's module (review 31, X3)
            lines[i] = f"from {found[3]} import *"
    return "\n".join(lines)


def _runs_in_exported_cell(path: Path, line: str, written: frozenset[str], inline: bool) -> str:
    """An export's `get_ipython().run_cell_magic('time', '', BODY)` whose BODY's `%run` lines are read as in a
    notebook's cell (`_runs_as_imports`), on its one line (review 37a, R37A-6: the body is read as the cell's
    statements, but its `%run helpers.py` was blanked as a magic there, a bare NameError, 5/100 where the notebook
    scores 100)."""
    magic = _exported_cell(line)
    if magic is None or magic[0] not in _RUN_IN_NAMESPACE:
        return line
    body = _runs_as_imports(path, magic[2], written, inline)
    return line if body == magic[2] else f"get_ipython().run_cell_magic({magic[0]!r}, {magic[1]!r}, {body!r})"


def _exported_cell(line: str) -> tuple[str, str, str] | None:
    """(magic, line, body) of an export's line that is one `get_ipython().run_cell_magic(...)` call, else None.
    Parsed before the code limits are checked: None past them too."""
    if len(line) > MAX_CODE_CHARS or _pieces(line) > MAX_CODE_PIECES:
        return None
    try:
        tree = parsing.parse(line)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return _cell_magic_call(tree.body[0]) if len(tree.body) == 1 else None


_RUN_INLINE = re.compile(r"run-i (\w+\.py)$")  # `_run_inline`'s magic and line, as `_python_cell` reads them


_WRITTEN_EXPORTED = re.compile(r"get_ipython\(\)\.run_cell_magic\((['\"])(?:writefile|file)\1,\s*(['\"])(?:-f\s+)?"
                               r"([A-Za-z_]\w*)\.py\2")


def _run_inline(helper: Path) -> str | None:
    """`%run -i helpers.py` runs helpers.py in the notebook's own namespace, where its functions read the notebook's
    names (`np` it never imports): read as the notebook's own statements at that line, each kept or left out as any
    statement of the notebook, and run where an error in it names helpers.py's line (review 32, Z2: it was read as
    `from helpers import ...`, a NameError for np in every part, 0/100). Written as `_python_cell` reads it, one
    line: `get_ipython().run_cell_magic('run', '-i helpers.py', SOURCE)`. None when it cannot be read as Python, or
    is past MAX_SOURCE_BYTES: inline, it would count in the cell's code limit and could push the cell past it."""
    try:
        if helper.stat().st_size > MAX_SOURCE_BYTES or _helper_tree(helper) is None:
            return None
    except OSError:
        return None
    source = _newlines(helper.read_text(encoding="utf-8-sig"))
    return f"get_ipython().run_cell_magic('run', '-i {helper.name}', {source!r})"


def _quiet_names(helper: Path) -> list[str]:
    """What a `%run` of `helper` is read as, when its top level does no work (`_does_work`: no loading of data,
    no training, no loop): the names it sets, private ones and those left out of `__all__` too, as running it
    gives them (review 31, X2), and `*` for what its star imports bring. [] when it does work at its top level
    (review 31, X1: once imported it failed every part, or took the timeout) or cannot be read: the `%run` stays
    a magic not run, as before."""
    tree = _helper_tree(helper)
    if tree is None or any(_does_work(node) for node in tree.body):
        return []
    names: set[str] = set()
    for node in tree.body:
        if not _is_main_guard(node):  # `%run` runs it, an import does not: what it sets is script work
            names |= set(_bound_names(node))
    star = any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(tree))
    return sorted(n for n in names if not n.startswith("__")) + (["*"] if star else [])


_WORK_CALL = re.compile(r"load|read|open|fit|train|minimi[sz]e|optimi[sz]e|download|urlretrieve|sleep|input|run|"
                        r"show|savefig|save", re.IGNORECASE)


def _helper_tree(helper: Path) -> ast.Module | None:
    """The parsed top level of a `%run` file, read in the grader's own process: so never one past MAX_CODE_CHARS
    (a hostile helpers.py of a gigabyte); None when it is too big or not Python."""
    try:
        if helper.stat().st_size > MAX_CODE_CHARS:
            return None
        return parsing.parse(helper.read_text(encoding="utf-8-sig"), str(helper))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _not_followed(path: Path, line: str) -> tuple[frozenset[str] | None, str]:
    """(the names the file of a `%run` the grader left a magic sets, None when unknown; why it was not read)."""
    found = _RUN.match(line)
    helper = path.parent / f"{found[3]}.py" if found else None
    if helper is None or not helper.is_file():
        return None, (f"{found[3]}.py is not handed in beside your notebook: hand it in with it, or define the "
                      f"name in your notebook itself" if found else
                      "the grader follows only `%run NAME.py` of a file handed in beside your notebook")
    tree = _helper_tree(helper)
    if tree is None:
        return None, f"{helper.name} is too big, or cannot be read as Python"
    names = frozenset(n for node in tree.body for n in _bound_names(node))
    work = next((node for node in tree.body if _does_work(node)), None)
    return names, (f"{helper.name} does work at its top level (line {work.lineno}: loading data, training or a loop), "
                   f"which cannot run here; move that under `if __name__ == \"__main__\":` and the grader reads "
                   f"the file's names" if work is not None else f"{helper.name} could not be read")


def _runs_in(lines: list[str]) -> list[tuple[int, str, str]]:
    """The `%run` lines `_runs_as_imports` left magics: (index, the line as written, the `%run` it is). An export's
    `get_ipython().run_line_magic('run', 'helpers.py')` too, which `_exported_magics` left a comment (review 32, Z9:
    the NameError of a name it was to set said nothing of it), and one inside an export's `%%time` cell (review
    37a, R37A-6)."""
    found = []
    for i, line in enumerate(lines):
        exported = _RUN_EXPORTED.match(line[2:]) if line.startswith("# get_ipython()") else None
        if line.startswith("get_ipython().run_cell_magic(") and "%run" in line and (cell := _exported_cell(line)):
            found += [(i, run.strip(), run.strip()) for run in cell[2].split("\n") if _RUN_LINE.match(run)]
        elif exported:
            found.append((i, line[2:].strip(), f"%run {exported[4]}"))
        elif _RUN_LINE.match(line):
            found.append((i, line.strip(), line.strip()))
    return found


def _does_work(node: ast.stmt) -> bool:
    """A top-level statement of a `%run` file that does work when imported (review 32, Z1: a lambda, a
    `warnings.filterwarnings(...)`, `EPS = np.finfo(float).eps` or a try/except import do none): a loop, a
    `with`, or a call (outside a def or lambda) of something that loads, reads, trains, optimizes, saves or
    shows. A main guard runs only as a script: never work here."""
    if _is_main_guard(node) or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return False
    if isinstance(node, ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith):
        return True
    if isinstance(node, ast.If | ast.Try):
        return any(_does_work(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)) or any(
            _does_work(child) for handler in getattr(node, "handlers", []) for child in handler.body)
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, ast.Lambda):
            continue  # runs only when called
        if isinstance(child, ast.Call):
            func = child.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if _WORK_CALL.search(name):
                return True
        stack += ast.iter_child_nodes(child)
    return False


# A notebook written as a .py file: jupytext's or VS Code's "percent" cells (`# %%`, `#%%`, `# %% [markdown]`,
# `# %% title`), whose cell magic is `%%time` or, commented by jupytext, `# %%time`
_PERCENT_CELL = re.compile(r"#\s?%%(\s|$)")
_PERCENT_MAGIC = re.compile(r"(?:#\s?)?%%([A-Za-z]\w*)(.*)$")  # (.*) stripped: no lazy `.*?\s*$` to backtrack
_RUN_LINE = re.compile(r"\s*%run\s")  # a `%run` still a magic after `_runs_as_imports`
_COMMENTED_RUN = re.compile(r"#\s?%run\s")  # jupytext's `# %run helpers.py`
# and `jupyter nbconvert --to script`'s line magics, shell escapes and help lines, one statement a line
_EXPORTED_MAGIC = re.compile(r"get_ipython\(\)\.(?:run_line_magic|system|magic)\(.*\)\s*$")


def _percent_cells(text: str) -> str:
    """A percent-format cell that starts with a cell magic whose body is no Python run in the notebook's namespace
    (`%%writefile helpers.py`, `%%bash`; jupytext writes them `# %%writefile helpers.py`) made the statement
    `jupyter nbconvert --to script` writes for it, `get_ipython().run_cell_magic('writefile', 'helpers.py', ...)`,
    over the same lines (review 28, R28-10: the body was read as the script's own code, `import helpers` then
    failed, and every part scored 0). The grader reads that statement as it does in an nbconvert export: the module
    a later `import helpers` finds (`_magic_written`), else script code not run. `%%time` and the other cell magics
    that run their body as Python (`_PYTHON_CELL_MAGICS`) are read as before: the body is the script's code. A
    commented one only when it was jupytext's (`_commented_magic_ran`), and a `# %run helpers.py` that jupytext
    commented is the `%run` it was (`_runs_as_imports`). jupytext's "light" format (`jupytext --to py`'s default,
    cells apart by blank lines or in `# +` ... `# -`) is read the same way (review 31, X17: its `# %run` and
    `# %%writefile` were comments, 5/100 and 0/100)."""
    if len(text) > MAX_CODE_CHARS or _pieces(text) > MAX_CODE_PIECES:
        return text  # too much to read here: the sandbox imports the file as it is (review 37a, R37A-4)
    lines = text.split("\n")
    spans = _percent_spans(lines) or _light_spans(lines)
    if not spans:
        return text
    lines = [line.lstrip("# ") if _COMMENTED_RUN.match(line) else line for line in lines]  # `_runs_as_imports`
    for start, end in spans:
        code = [i for i in range(start + 1, end) if lines[i].strip()]
        magic = _PERCENT_MAGIC.match(lines[code[0]]) if code else None
        if magic and magic[1] not in _PYTHON_CELL_MAGICS and (
                not lines[code[0]].startswith("#") or _commented_magic_ran(magic, lines[code[0] + 1: end], text)):
            _as_cell_magic_call(lines, code[0], code[-1], magic)
    return "\n".join(lines)


def _as_cell_magic_call(lines: list[str], first: int, last: int, magic: re.Match) -> None:
    """Lines `first` (the `%%writefile helpers.py`) to `last` made nbconvert's `get_ipython().run_cell_magic(...)`
    for that cell, over as many lines."""
    body = [repr(line + "\n") for line in lines[first + 1: last]] + [repr(lines[last])]
    call = f"get_ipython().run_cell_magic({magic[1]!r}, {magic[2].strip()!r}, "
    if first == last:
        lines[first] = call + "'')"
    else:
        lines[first: last + 1] = [call + "("] + body[:-1] + [body[-1] + "))"]


_COLAB_MARK = "# Commented out IPython magic to ensure Python compatibility."


def _colab_magics(text: str) -> str:
    """The magics Colab's "Download .py" commented read as the notebook ran them (review 31, X19: a `%%time` cell's
    function was all comments, "defines no function", and `%run helpers.py` and a `%%writefile helpers.py` cell
    were lost: 5/100, 5/100, 0/100). Colab writes its mark above each cell with a `%` magic, comments each `%`
    line of that cell, and every line of a cell that starts with a cell magic (`# %%time`, `# def ...`, a blank
    line as `# `). Only under that mark, and only these: a commented cell magic's cell, read as a notebook's cell
    (`%%time`: its body is Python, unless it does not parse as the file's own code, which would stop the whole
    file: then, as `%%writefile helpers.py`, nbconvert's `run_cell_magic` for it, read as IPython runs the cell,
    or its error named), and a `%run`
    line of the marked cell (`_colab_magic_lines`). Any other comment stays a comment."""
    if _COLAB_MARK not in text or len(text) > MAX_CODE_CHARS or _pieces(text) > MAX_CODE_PIECES:
        return text  # too much to read here: the sandbox imports the file as it is (review 37a, R37A-4)
    lines = text.split("\n")
    marks = [i for i, line in enumerate(lines) if line.rstrip() == _COLAB_MARK]
    for mark, following in itertools.pairwise(marks + [len(lines)]):
        magic = _PERCENT_MAGIC.match(lines[mark + 1]) if mark + 1 < following else None
        if magic and lines[mark + 1].startswith("# %%"):
            last = next((j for j in range(mark + 1, following) if not lines[j].startswith("#")), following) - 1
            body = [line[2:] if line.startswith("# ") else "" for line in lines[mark + 2: last + 1]]
            read = _colab_cell_reading(body) if magic[1] in _PYTHON_CELL_MAGICS else None
            lines[mark + 2: last + 1] = read or body
            if read is None:
                _as_cell_magic_call(lines, mark + 1, last, magic)  # a body that is no Python: never the file's
            continue
        for j in _colab_magic_lines(lines, mark, following):
            if _COMMENTED_RUN.match(lines[j]):  # followed or not (`_runs_as_imports`): a NameError then names it
                lines[j] = lines[j].lstrip("# ")
    return "\n".join(lines)


_COLAB_LINE_MAGIC = re.compile(r"#\s*%")


def _colab_magic_lines(lines: list[str], mark: int, following: int) -> range:
    """The lines of a marked line-magic cell where Colab's commented magics are: the stretch without a blank line
    that holds the first `# %` line under the mark, before a Markdown cell (a `\"\"\"` line after a blank one).
    Colab comments a cell's `%` lines in place, and the cell's end is not in the file (one blank line ends it, and
    a blank line inside it looks the same): up to the next mark, a student's own `# %run old.py` at the end of a
    later cell was read as the magic and run (review 37a, R37A-2: 100 -> 45). The course's `%matplotlib inline`
    and a `%run` below it are one such stretch; a `%run` after a blank line below them is missed, the safer error.
    A string line inside the stretch is the cell's own (R37A-12: taken for Markdown, the `%run` below it was
    missed)."""
    first = None
    for j in range(mark + 1, following):
        if lines[j].startswith('"""') and not lines[j - 1].strip():
            break
        if _COLAB_LINE_MAGIC.match(lines[j]):
            first = j
            break
    if first is None:
        return range(0)
    last = next((j for j in range(first, following) if not lines[j].strip()), following)
    return range(first, last)


def _colab_cell_reading(body: list[str]) -> list[str] | None:
    """A Colab `%%time` cell's body as lines of the file's own code, line for line: as it stands when it reads so,
    else as IPython cleans a cell up before it runs it (dedented, pasted prompts stripped: review 37a, R37A-3,
    un-commented as it stands such a body stopped the whole file, 0/100, where its nbconvert export scores 100).
    None when neither reads, or it nests too deeply to parse (R37A-4: `x = ----...z` was an internal error)."""
    text = "\n".join(body)
    try:
        if _parse_cell(_Cell(None, text))[0] is not None:
            return body
        tree, reading, _ = _parse_cell(_Cell(1, text))
    except (RecursionError, MemoryError):
        return None
    read = reading.split("\n")
    return read if tree is not None and len(read) == len(body) else None


def _percent_spans(lines: list[str]) -> list[tuple[int, int]]:
    """A percent-format file's cells: (the index of its `# %%` line, the index past its last line)."""
    starts = [i for i, line in enumerate(lines) if _PERCENT_CELL.match(line)]
    return list(itertools.pairwise(starts + [len(lines)])) if starts else []


_LIGHT_HEADER = re.compile(r"#\s+format_name:\s*light\s*$")
_LIGHT_START = re.compile(r"#\s*\+(.*)$")  # jupytext's `# +`, `# + language="bash"`, `# + endofcell="--"`
_LIGHT_END = re.compile(r"""\bendofcell\s*=\s*["']([^"']+)["']""")


def _light_spans(lines: list[str]) -> list[tuple[int, int]]:
    """A jupytext "light" file's cells (its header says `format_name: light`): (the index of the line before the
    cell's first, the index past its last), found as jupytext's reader finds them (`_light_end`)."""
    if not lines or lines[0].strip() != "# ---":
        return []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "# ---"), None)
    if end is None or not any(_LIGHT_HEADER.match(line) for line in lines[1:end]):
        return []
    spans, i = [], end + 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        marked = _LIGHT_START.match(lines[i])
        close, after = _light_end(lines, i, marked)
        spans.append((i if marked else i - 1, close))
        i = after
    return spans


def _light_end(lines: list[str], first: int, marked: re.Match | None) -> tuple[int, int]:
    """(the index past the last line of the cell at `first`, where the next one may start), by jupytext's rules
    (1.19.6, cell_reader.LightScriptCellReader): a `# +` cell ends at its `# -` (or the `endofcell` its line
    names), or at the next `# +` line: jupytext leaves the `# -` out before one (review 37a, R37A-1: the cell ran
    into the next, a `%%writefile` cell took the imports cell after it into helpers.py); another cell ends at a
    blank line that is not followed by an indented one (a def's blank line), or a `# +` line. Lines inside a
    triple-quoted string end nothing; a paragraph of comments (Markdown) ends at its first blank line."""
    closing = f"# {found[1]}" if marked and (found := _LIGHT_END.search(marked[1])) else "# -"
    markdown = False
    if not marked:  # up to the paragraph's end: each line is read once more
        paragraph = next((k for k in range(first, len(lines)) if not lines[k].strip()), len(lines))
        markdown = all(lines[k].lstrip().startswith("#") for k in range(first, paragraph))
    quote, j = None, first + 1 if marked else first
    while j < len(lines):
        line = lines[j]
        if quote is not None:
            quote = _open_quote(line, quote)
        elif (quote := _open_quote(line, None)) is None and j > first and _LIGHT_START.match(line):
            return j, j
        elif marked and line.rstrip() == closing:
            return j, j + 1
        elif not marked and not line.strip():
            after = next((k for k in range(j + 1, len(lines)) if lines[k].strip()), len(lines))
            if markdown or after == len(lines) or not lines[after][0].isspace():
                return j, j + 1
            j = after  # blank lines, then an indented one: the cell goes on there
            continue
        j += 1
    return len(lines), len(lines)


def _open_quote(line: str, quote: str | None) -> str | None:
    """The triple quote open after `line`, given the one open before it (`quote`, None): jupytext's StringParser,
    which looks for quotes in no comment line."""
    if quote is None and line.lstrip().startswith("#"):
        return None
    single, start = None, -1
    for i, char in enumerate(line):
        if char == "#" and single is None and quote is None:
            break
        if char not in "\"'" or line[i - 1: i] == "\\":
            continue
        if single == char:
            single = None
        elif single is not None:
            continue
        elif line[i - 2: i + 1] == 3 * char and i >= start + 3:
            if quote == char:
                quote, start = None, i
            elif quote is None:
                quote, start = char, i
        elif quote is None:
            single = char
    return quote


def _commented_magic_ran(magic: re.Match, body: list[str], text: str) -> bool:
    """Is a commented cell magic (`# %%writefile helpers.py`) one jupytext commented, not one the student turned
    off so that the body runs as Python? A `%%writefile NAME.py` whose module the file imports, or a body that is
    no Python (a `%%bash` script): as Python the file would fail. A `%run NAME.py` (jupytext's `# %run`) uses the
    module too (review 37a, R37A-8: the cell was the script's code, and the `%run` ran an older file beside)."""
    written = _WRITEFILE.match(f"%%{magic[1]} {magic[2].strip()}")
    if written:
        name = written[2]
        run = rf"(#\s?)?%run(\s+-[inet])*\s+(?P<q>['\"]?)(\./)?{name}(\.py)?(?P=q)\s*$"
        return re.search(rf"^\s*((import|from)\s+{name}\b|{run})", text, re.M) is not None
    try:
        parsing.parse("\n".join(body))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # nested too deeply: no Python run either
        return True
    return False


def _exported_magics(text: str) -> str:
    """An nbconvert export's `get_ipython().run_line_magic('matplotlib', 'inline')`, `get_ipython().system(...)`
    and help lines blanked, as the magics they were are in a notebook (review 28, R28-10): they do nothing the
    graded functions use, and were named among the script code not run. A `%run` left so (`_runs_as_imports` did
    not follow it) stays as a comment, which `_runs_in` finds: a NameError then names it, as in a notebook."""
    if "get_ipython()" not in text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _EXPORTED_MAGIC.match(line):
            try:
                tree = parsing.parse(line)
            except (SyntaxError, ValueError):
                continue
            if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):  # a `%run` not followed: a comment,
                lines[i] = "# " + line if _RUN_EXPORTED.match(line) else ""  # for `_runs_in` (review 32, Z9)
    return "\n".join(lines)


def _newlines(text: str) -> str:
    """`\r\n` and a lone `\r` (an old Mac editor's line end) made `\n`, as Python reads a module's source
    (universal newlines): every line count of the grader's is then the parser's and the traceback's (review 28,
    R28-6: a file of `\r` line ends was an internal error)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _notebook_json(data: bytes) -> bool:
    """Does a file not named .ipynb hold a notebook: a JSON object with "cells" and "nbformat" (never Python)?"""
    head = data[:1 << 16].removeprefix(codecs.BOM_UTF8).lstrip()
    return head.startswith(b"{") and b'"cells"' in data and b'"nbformat"' in data


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_code_line(lines: list[str]) -> int:
    """The index of the first line that is not blank (0 when all are)."""
    return next((i for i, line in enumerate(lines) if line.strip()), 0)


def without_magics(text: str) -> tuple[str | None, str]:
    """A cell's text with IPython syntax blanked (`pass` keeps a block valid); None for a non-Python cell."""
    lines = text.split("\n")
    start = _first_code_line(lines)  # IPython drops a cell's leading blank lines before it looks for `%%`
    first = lines[start].strip()
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return None, f"%%{magic}"
        lines[start] = ""
    out = []
    for line in lines:
        if _MAGIC_LINE.match(line) and not line.lstrip().startswith("#"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass" if indent else "")
        else:
            out.append(line)
    return "\n".join(out), ""


# ---- which statements run ----------------------------------------------------------------------

@dataclass
class _Statement:
    node: ast.stmt
    cell: _Cell
    offset: int  # virtual line of the cell's line 1, minus 1
    text: str  # the statement's own text (from its first line, decorators included)
    keep: bool = False
    text_is_tree: bool = True  # False for a statement read without its text (`_changes_nothing`)


_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While,
             ast.With, ast.AsyncWith, ast.Try, ast.Match, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _is_main_guard(node: ast.stmt) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) \
        and test.left.id == "__name__"


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _module_reads(text: str) -> frozenset[str]:
    """Module-level names a statement reads when it runs, or when a function or lambda it defines runs.

    symtable counts `n += 1` as a store only; of a `global n` it is a read of the module's n too (a call
    counter kept with `n = 0` at module level), so a declared-global name that an augmented assignment of the
    text targets is read."""
    try:
        table = symtable.symtable(text, "<statement>", "exec")
        augmented = {node.target.id for node in ast.walk(parsing.parse(text))
                     if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)}
    except (SyntaxError, ValueError):
        return frozenset()
    names = {s.get_name() for s in table.get_symbols() if s.is_referenced()}

    def walk(t):
        for s in t.get_symbols():
            if (s.is_referenced() and (s.is_global() or s.is_declared_global())
                    or s.is_declared_global() and s.get_name() in augmented):
                names.add(s.get_name())
            if t.get_type() == "class" and s.is_referenced() and not s.is_assigned():
                names.add(s.get_name())
        for child in t.get_children():
            walk(child)

    for child in table.get_children():
        walk(child)
    return frozenset(names)


def _statement_reads(statement: _Statement) -> frozenset[str]:
    """_module_reads of the statement, read off its tree where scopes.py models every construct it uses.

    A statement's text does not always parse on its own: its last line may end in a backslash that continued
    onto a comment line (`return a \\` then `# done`). Its reads are then those of the tree (unparsed), not
    none at all, which once left a correct function's helpers out of the runnable source."""
    if statement.text_is_tree:
        reads = scopes.reads(statement.node)
        if reads is not None:
            return reads
        if _run_on_line(statement.text):  # an exported cell's: its text runs its source from a string
            return _module_reads(ast.unparse(statement.node))
        try:
            parsing.parse(statement.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return _module_reads(ast.unparse(statement.node))
    return _module_reads(statement.text)


def _bound_names(node: ast.AST, mutated: list[str] | None = None) -> list[str]:
    """Every module-level name a statement sets (for a compound statement, anywhere in its own body); the
    names whose items or attributes it sets (X[y == 10] = 0, lib.f.restype = ...) go to `mutated`. Found once per
    node and kept on it (a statement's tree is never changed in place): the readers asked about five times per
    statement, and a 2 MB export spent most of its 23 s here (review 37e, R37E-1)."""
    found = getattr(node, "_grader_bound", None)
    if found is None:
        inner: list[str] = []
        found = (_find_bound_names(node, inner), tuple(inner))
        node._grader_bound = found
    if mutated is not None:
        mutated.extend(found[1])
    return list(found[0])


def _find_bound_names(node: ast.AST, mutated: list[str]) -> list[str]:
    """`_bound_names`, worked out."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*"]
    names: list[str] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue  # their own scope
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            names.append(child.id)
        elif isinstance(child, ast.Subscript | ast.Attribute) and isinstance(child.ctx, ast.Store | ast.Del):
            root = child
            while isinstance(root, ast.Subscript | ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                mutated.append(root.id)
        else:
            names += _bound_names(child, mutated)  # bodies, targets, handlers, with-items, walrus
    return list(dict.fromkeys(names))


def _declared_global(node: ast.stmt) -> set[str]:
    """The names a statement's `global` statements declare (a def's module state, such as a call counter)."""
    return {name for child in ast.walk(node) if isinstance(child, ast.Global) for name in child.names}


def _import_time_reads(node: ast.stmt, reads: frozenset[str], lazy_annotations: bool = False) -> frozenset[str]:
    """The names a statement reads while the module is imported: a def only its decorators, defaults and (unless
    `lazy_annotations`: `from __future__ import annotations`) annotations.

    Read as module-level reads (scopes.py), so the own variable of a comprehension in a default
    (`lambda_=[0.0 for _ in range(1)][0]`, accept14 A6) is no module name that the import would need."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return reads
    parts = _import_time_parts(node, not lazy_annotations)
    if not parts:
        return frozenset()
    together = ast.Expr(ast.Tuple(parts, ast.Load()))
    exact = scopes.reads(together)
    if exact is None:
        exact = _module_reads(ast.unparse(together))  # a walrus sets its name (review 23, Q8): symtable knows that
    # `def sigmoid[T](z: T) -> T` (Python 3.12): its annotations read its own type parameters, no module name
    # (review 28, R28-2)
    return exact - {p.name for p in getattr(node, "type_params", ())}


def _names_in(node: ast.AST | None) -> set[str]:
    """The plain names an expression mentions (none for None)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} if node is not None else set()


def _import_time_parts(node: ast.FunctionDef | ast.AsyncFunctionDef, annotated: bool = True) -> list[ast.expr]:
    """A def's expressions that run when the def does: decorators, defaults and (`annotated`) annotations."""
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    annotations = [a.annotation for a in every if a is not None and a.annotation is not None] + \
        ([node.returns] if node.returns is not None else [])
    return [*node.decorator_list, *args.defaults, *(d for d in args.kw_defaults if d is not None),
            *(annotations if annotated else [])]


class _Static:
    """Is an expression safe and cheap to evaluate at import (no files, no training)?

    A call of the file's own function or class (`sigmoid = Sigmoid()`, `f = count_calls(_f)`) is, as a
    decorator is: `select` then leaves it out when that function, or one it calls, reads files or a name that
    is not run (review 25, F1, F2)."""

    def __init__(self, numeric_aliases: set[str], own: frozenset[str] = frozenset(),
                 limited: dict[str, frozenset[str]] | None = None):
        self.numeric = numeric_aliases  # names bound to numpy/math/harmless modules or their functions
        self.own = own  # names the file's defs and classes bind
        self.limited = limited or {}  # names bound to a module of _HARMLESS_CALLS -> the calls of it allowed

    def expression(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant | ast.Name | ast.Lambda):
            return True
        if isinstance(node, ast.Attribute):
            return self.expression(node.value)
        if isinstance(node, ast.Call):
            return _imports_by_name(node) or self.pure_call(node.func) and all(
                self.expression(a) for a in node.args) and all(self.expression(k.value) for k in node.keywords)
        if isinstance(node, ast.Starred):
            return self.expression(node.value)
        if isinstance(node, ast.Subscript | ast.BinOp | ast.UnaryOp | ast.BoolOp | ast.Compare | ast.IfExp |
                      ast.Tuple | ast.List | ast.Set | ast.Dict | ast.Slice | ast.JoinedStr | ast.FormattedValue):
            return all(self.expression(child) for child in ast.iter_child_nodes(node)
                       if isinstance(child, ast.expr))
        return False  # comprehensions, await, yield, walrus: not worth the risk

    def pure_call(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Name):
            return func.id in _PURE_BUILTINS or func.id in self.numeric or func.id in self.own
        chain = []
        while isinstance(func, ast.Attribute):
            chain.append(func.attr)
            func = func.value
        if isinstance(func, ast.Name) and func.id in self.limited:
            return len(chain) == 1 and chain[0] in self.limited[func.id]
        return isinstance(func, ast.Name) and func.id in self.numeric and not _FILE_IO & set(chain)

    def statement(self, node: ast.stmt) -> bool:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef |
                      ast.Pass) or isinstance(node, _TYPE_ALIAS) or _is_docstring(node):
            return True  # a def's defaults and decorators are read (see _module_reads) and checked by name; the
            # value of a `type X = ...` (Python 3.12) is computed when first used (review 28, R28-1)
        if isinstance(node, ast.Assign):
            return all(_plain_target(t) for t in node.targets) and self.expression(node.value)
        if isinstance(node, ast.AnnAssign | ast.AugAssign):
            return isinstance(node.target, ast.Name) and node.value is not None and self.expression(node.value)
        if isinstance(node, ast.Expr):  # np.seterr(...), warnings.simplefilter(...) in a block
            return isinstance(node.value, ast.Call) and self.expression(node.value)
        if isinstance(node, ast.If):
            return self.expression(node.test) and all(self.statement(s) for s in node.body + node.orelse)
        if isinstance(node, ast.With):  # with np.errstate(...), warnings.catch_warnings() (review 25, F3, F4)
            return all(self.expression(item.context_expr) and (item.optional_vars is None or
                                                               _plain_target(item.optional_vars))
                       for item in node.items) and all(self.statement(s) for s in node.body)
        if isinstance(node, ast.Try):
            handlers = [s for h in node.handlers for s in h.body]
            return all(self.statement(s) for s in node.body + node.orelse + node.finalbody) and \
                all(self.statement(s) or self._handler_only(s) for s in handlers)
        return False

    def _handler_only(self, node: ast.stmt) -> bool:
        """What a handler may do when the guarded imports or defs fail: re-raise, say so, exit (review 25, F3, F4)."""
        if isinstance(node, ast.Raise):
            return True
        call = node.value if isinstance(node, ast.Expr) else None
        if not isinstance(call, ast.Call) or not all(self.expression(a) for a in call.args):
            return False
        func = call.func
        return isinstance(func, ast.Name) and func.id in _HANDLER_CALLS or \
            isinstance(func, ast.Attribute) and func.attr == "exit" and isinstance(func.value, ast.Name) and \
            func.value.id == "sys"


def _imports_by_name(call: ast.Call) -> bool:
    """`importlib.import_module("utils")`, `__import__("utils")`: an import statement's work, kept as one is
    (review 27, T14)."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) and isinstance(
        func.value, ast.Name) and func.value.id == "importlib" else None
    return name in ("import_module", "__import__") and len(call.args) == 1 and not call.keywords and isinstance(
        call.args[0], ast.Constant) and type(call.args[0].value) is str


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, ast.Tuple | ast.List) and all(_plain_target(e) for e in target.elts)


def _imports(node: ast.stmt):
    """Every import statement in `node`, nested bodies included: imports are statements, so only the
    statement lists are searched (not every expression, as ast.walk would)."""
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                stack += children


def _numeric_aliases(statements: list[_Statement]) -> set[str]:
    names = set()
    modules = (*_NUMERIC_MODULES, *_HARMLESS_MODULES)
    for s in statements:
        if s.text_is_tree and "import" not in s.text:
            continue  # no import statement without the keyword
        for node in _imports(s.node):
            if isinstance(node, ast.Import):
                names |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in modules}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in modules:
                names |= {a.asname or a.name for a in node.names if a.name not in _FILE_IO and a.name != "*"}
            elif isinstance(node, ast.ImportFrom) and node.module in _HARMLESS_CALLS:  # from logging import
                names |= {a.asname or a.name for a in node.names  # getLogger (review 27, T4)
                          if a.name in _HARMLESS_CALLS[node.module]}
    return names


def _limited_aliases(statements: list[_Statement]) -> dict[str, frozenset[str]]:
    """Names bound to a module of _HARMLESS_CALLS (`import logging`, `import sys as system`) -> its calls allowed."""
    found = {}
    for s in statements:
        if s.text_is_tree and "import" not in s.text:
            continue
        for node in _imports(s.node):
            if isinstance(node, ast.Import):
                found.update({a.asname or a.name: _HARMLESS_CALLS[a.name] for a in node.names
                              if a.name in _HARMLESS_CALLS})
    return found


def _own_callables(statements: list[_Statement]) -> dict[str, ast.stmt]:
    """The file's own functions and classes by name (top level, or in a block), each its last definition."""
    own: dict[str, ast.stmt] = {}
    stack = [s.node for s in reversed(statements)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            own[node.name] = node
            continue
        for name in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                stack += reversed(children)
    return own


# Builtins a constructor or factory may call at import besides _PURE_BUILTINS (review 27, T2): checks, super(),
# attribute access, printing, and raising an exception of Python's own
_CONSTRUCTOR_BUILTINS = frozenset({"isinstance", "issubclass", "super", "getattr", "hasattr", "setattr", "type",
                                   "print", "repr", "format", "iter", "next", "map", "filter", "callable", "id",
                                   "hash", "object", "property", "staticmethod", "classmethod"}) | frozenset(
    name for name in _BUILTINS if isinstance(getattr(builtins, name), type)
    and issubclass(getattr(builtins, name), BaseException))


def _runs_only_pure(name: str, own: dict[str, ast.stmt], static: _Static, seen: set[str]) -> bool:
    """Does calling the file's own function or class `name` at import only call what `static` deems pure (numpy
    and math other than file I/O, a few builtins and standard modules, the file's own functions and classes that
    do the same), or methods of its own objects and arguments? A class runs its `__new__`, `__init__` and a
    dataclass's `__post_init__` (and its own bases'). What a nested def or lambda holds runs later: only its
    decorators and defaults count. A whitelist: a name list of what reads or writes files missed
    logging.FileHandler, aliases, network calls (review 26, R6), and took a method named `run` for a program
    run (R8)."""
    if name in seen:
        return True
    seen.add(name)
    node = own[name]
    if isinstance(node, ast.ClassDef):
        bases = [b.id for b in node.bases if isinstance(b, ast.Name) and b.id in own]
        runs = [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name in
                ("__new__", "__init__", "__post_init__")]  # review 27, T3
        return all(_runs_only_pure(b, own, static, seen) for b in bases) and \
            all(_body_is_pure(f, own, static, seen) for f in runs)
    return _body_is_pure(node, own, static, seen)


def _body_is_pure(function: ast.FunctionDef | ast.AsyncFunctionDef, own: dict[str, ast.stmt], static: _Static,
                  seen: set[str]) -> bool:
    args = function.args
    # its own objects: parameters (self, what the top-level call passed, itself static) and locals it made
    local = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a} | {
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack += [*getattr(node, "decorator_list", []), *getattr(getattr(node, "args", None), "defaults", []),
                      *getattr(node, "bases", [])]  # what runs when the def runs; its body runs later
            continue
        if isinstance(node, ast.Call) and not _pure_in(node.func, local, static):
            return False
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in own and \
                not _runs_only_pure(node.func.id, own, static, seen):
            return False
        stack += ast.iter_child_nodes(node)
    return True


def _pure_in(func: ast.expr, local: set[str], static: _Static) -> bool:
    """A call a function of the file's own may make at import: what `static` deems pure, a builtin of
    _CONSTRUCTOR_BUILTINS, or a method of one of its own objects (`self.w.append`, `rng.standard_normal`,
    `super().__init__`)."""
    if static.pure_call(func) or isinstance(func, ast.Name) and func.id in _CONSTRUCTOR_BUILTINS:
        return True
    root = func
    while isinstance(root, ast.Attribute | ast.Subscript):
        root = root.value
    if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id == "super":
        return True
    return root is not func and isinstance(root, ast.Name) and root.id in local


def _own_calls(node: ast.stmt, own: dict[str, ast.stmt]) -> set[str]:
    """The file's own functions and classes a statement calls while it runs (not those a def or lambda calls)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
        return set()
    called, stack = set(), [node]
    while stack:
        child = stack.pop()
        if isinstance(child, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in own:
            called.add(child.func.id)
        stack += ast.iter_child_nodes(child)
    return called


def _is_value(node: ast.stmt) -> bool:
    value = getattr(node, "value", None)
    return isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and not isinstance(value, ast.Lambda)


def select(statements: list[_Statement], roots: set[str]) -> tuple[dict[str, list[Binding]], set[str], set[str]]:
    """Mark the statements to keep; return the bindings, the kept names and the unrun names."""
    callables = _own_callables(statements)
    static = _Static(_numeric_aliases(statements), frozenset(callables), _limited_aliases(statements))
    bindings: dict[str, list[Binding]] = {}
    # under `from __future__ import annotations` a def's annotations are kept as text, never evaluated (review 23, Q1)
    lazy = any(isinstance(s.node, ast.ImportFrom) and s.node.module == "__future__" and
               any(a.name == "annotations" for a in s.node.names) for s in statements)
    for i, s in enumerate(statements):
        node = s.node
        if isinstance(node, ast.ImportFrom) and (node.module == "__future__" or
                                                 any(a.name == "*" for a in node.names)):
            s.keep = True
            continue
        keepable = static.statement(node)
        reads = _statement_reads(s)
        if isinstance(node, ast.Try):  # `except X as error`: the handler's own name, not a module value (review 26,
            reads = reads - {h.name for h in node.handlers if h.name}  # R1: it is no binding of the module's either)
        if lazy and isinstance(node, ast.AnnAssign):  # `LAM: Scalar = 0.0`: Scalar is never looked up (review 24, P1)
            reads = reads - (_names_in(node.annotation) - _names_in(node.target) - _names_in(node.value))
        mutated: list[str] = []
        names = _bound_names(node, mutated)
        for name in names:
            own = reads if isinstance(node, ast.AugAssign) else reads - {name}
            bindings.setdefault(name, []).append(Binding(i, keepable, own, _import_time_reads(node, own, lazy),
                                                         _is_value(node)))
        if not names and isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            keepable = node.value is not None and all(static.expression(e) for e in [*targets, node.value])
        else:
            keepable = False
        for name in dict.fromkeys(mutated):
            bindings.setdefault(name, []).append(Binding(i, keepable, reads, reads, True, mutation=True))
    _calls_at_import(statements, bindings, callables, static)

    def module_like(name: str) -> bool:  # bound only by imports, defs and classes
        return all(isinstance(statements[b.statement].node, ast.Import | ast.ImportFrom | ast.FunctionDef |
                              ast.AsyncFunctionDef | ast.ClassDef) for b in bindings[name] if not b.mutation)

    def runs(b: Binding) -> bool:  # a kept name's statement that runs; a module's other changes are dropped
        return not b.mutation or b.keepable

    kept: set[str] = set()
    unrun: set[str] = set()
    pending = [r for r in roots if r in bindings]
    while pending:  # names reached from the graded functions
        name = pending.pop()
        if name in kept or name in unrun or all(b.mutation for b in bindings[name]):
            continue
        if all(b.keepable for b in bindings[name] if not b.mutation or not module_like(name)):
            kept.add(name)
            pending += [n for b in bindings[name] if runs(b) for n in b.reads if n in bindings]
        else:
            unrun.add(name)
    # A kept statement that reads an unrun or unknown name while importing would fail there (m = y.size with y
    # unrun, a decorator from IPython): what it sets is unrun too. Star imports may supply any name.
    star = any(isinstance(s.node, ast.ImportFrom) and any(a.name == "*" for a in s.node.names) for s in statements)
    changed = True
    while changed:
        changed = False
        for name in sorted(kept):
            if any(b.at_import & unrun or not star and {n for n in b.at_import
                                                       if n not in bindings and n not in _BUILTINS}
                   for b in bindings[name] if runs(b)):
                kept.discard(name)
                unrun.add(name)
                changed = True
    for name in kept:
        for b in bindings[name]:
            if runs(b):
                statements[b.statement].keep = True
    # A kept statement that also sets other names sets them too: those names are kept as well.
    for name, bs in bindings.items():
        if name not in kept and all(statements[b.statement].keep for b in bs):
            kept.add(name)
    return bindings, kept, unrun


def _calls_at_import(statements: list[_Statement], bindings: dict[str, list[Binding]],
                     own: dict[str, ast.stmt], static: _Static) -> None:
    """A statement that calls the file's own functions while the file is imported reads, then, what they read
    (and what the functions they call read): so it is not run when one of those is not (`obj = Net()` where
    Net() reads X, which only the data file sets), nor when what they run is not pure (`_runs_only_pure`: review
    25, F1, F2; review 26, R6, R8)."""
    def called(name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return set()
        seen.add(name)
        reads = {n for b in bindings.get(name, []) if not b.mutation for n in b.reads}
        for n in reads & own.keys():
            reads |= called(n, seen)
        return reads

    for bs in bindings.values():
        for k, b in enumerate(bs):
            calls = _own_calls(statements[b.statement].node, own) if b.keepable else set()
            if not calls:
                continue
            seen: set[str] = set()
            needs = set().union(*(called(n, seen) for n in calls))
            pure = all(_runs_only_pure(n, own, static, set()) for n in calls)
            bs[k] = b._replace(keepable=pure, at_import=b.at_import | needs)


# ---- the whole file ------------------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _source_lines(text: str) -> list[str]:
    """The lines as the parser counts them (\\r\\n, \\r or \\n end one), each with its end: what
    ast.get_source_segment splits the whole text into again for every statement."""
    return _LINE.findall(text)


def _segment(lines: list[str], node: ast.stmt, encoded: dict[int, str | bytes] | None = None) -> str:
    """ast.get_source_segment(text, node) from the text's `_source_lines`. `encoded`: the lines as the parser's
    offsets count them (an ASCII line as it is, else its UTF-8), kept across the calls for one text: an exported
    cell's statements all share one line, which was encoded again for each of them (review 37a, R37A-5: a 0.5 MB
    `%%time` cell's export took 24 s to read, 0.3 s before)."""
    encoded = {} if encoded is None else encoded
    first, last = node.lineno - 1, node.end_lineno - 1

    def line(i: int) -> str | bytes:
        if i not in encoded:
            encoded[i] = lines[i] if lines[i].isascii() else lines[i].encode()
        return encoded[i]

    def text(part: str | bytes) -> str:
        return part if isinstance(part, str) else part.decode()

    if first == last:
        return text(line(first)[node.col_offset: node.end_col_offset])
    return "".join([text(line(first)[node.col_offset:]), *lines[first + 1: last],
                    text(line(last)[: node.end_col_offset])])


def _parse_cell(cell: _Cell) -> tuple[ast.Module | None, str, str]:
    """The cell's statements, its text as parsed, and the syntax error if any. A cell that is not Python as it
    stands is read as IPython runs it: magics blanked, and a notebook's cell also dedented and stripped of pasted
    prompts (`_ipython_readings`), a `%%time` cell's body so on its own (`_magic_body_readings`). The error named
    is the one of the cell as written, magics blanked."""
    text = cell.text
    try:
        return _exported_cells(parsing.parse(text), text)
    except SyntaxError:
        pass
    except ValueError as error:  # null bytes
        return None, text, f"ValueError: {error}"
    cleaned, magic = without_magics(text)  # a .py too: Colab's download keeps `%cd` and `!ls` (accept15, N4)
    if cleaned is None:
        return None, text, magic
    failed = None
    notebook = _ipython_readings(text) + _magic_body_readings(text) if cell.number is not None else []
    for reading in [cleaned, *notebook]:
        if reading is not cleaned:
            reading, magic = without_magics(reading)
            if reading is None or reading == cleaned:
                continue
        try:
            return _exported_cells(parsing.parse(reading), reading)
        except SyntaxError as error:
            failed = failed or f"SyntaxError: {error.msg} ({Origin(cell.number, error.lineno or 1)})"
        except ValueError as error:
            failed = failed or f"ValueError: {error}"
    return None, cleaned, failed


# The cell magics that run their body as Python in the notebook's namespace: what the body defines is the notebook's
# (not %%timeit: it runs the body inside a function of its own)
_RUN_IN_NAMESPACE = ("time", "capture", "prun")
# One line that defines what `source` does with every line number `line` (the one line of the export that holds it)
_RUN_ON_LINE = ("exec(compile((lambda ast, tree: [setattr(n, k, v) for n in ast.walk(tree) for k, v in (('lineno', "
                "{line}), ('end_lineno', {line}), ('col_offset', 0), ('end_col_offset', 0)) if hasattr(n, k)] and tree)"
                "(__import__('ast'), __import__('ast').parse({source!r})), __file__, 'exec'{flags}))")
# and what a statement of a `%run -i` file does, at its own line of that file (`_run_inline`)
_RUN_FROM_FILE = ("exec(compile((lambda ast, tree: ast.increment_lineno(tree, {shift}))(__import__('ast'), "
                  "__import__('ast').parse({source!r})), __import__('os').path.join(__import__('os').path.dirname("
                  "__file__), {file!r}), 'exec'{flags}))")


def _run_on_line(text: str) -> bool:
    """Is a statement's text an exported cell's `exec` of its source (`_RUN_ON_LINE`), not that source?"""
    return text.startswith(_RUN_ON_LINE[:32])


def _exec_source(node: ast.stmt) -> ast.Module | None:
    """The statement an exported cell's `exec` line (`_RUN_ON_LINE`, `_RUN_FROM_FILE`) runs, parsed; else None."""
    call = node.value if isinstance(node, ast.Expr) else None
    if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "exec" and _run_on_line(ast.unparse(call))):
        return None
    source = next((c.args[0].value for c in ast.walk(call) if isinstance(c, ast.Call) and getattr(
        c.func, "attr", "") == "parse" and c.args and isinstance(c.args[0], ast.Constant)), None)
    try:
        return parsing.parse(source) if isinstance(source, str) else None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _exported_cells(tree: ast.Module, text: str) -> tuple[ast.Module, str, str]:
    """An nbconvert export's `get_ipython().run_cell_magic('time', '', 'def nnCostFunction(...):\\n ...')` read as
    the cell it was (review 28, R28-10: the student's function was in a string, "defines no function", 0/100).

    The export holds the whole cell on one line, and every line keeps its number here, so the body's statements
    are read at that line: each runs as one `exec` of its own source whose line numbers are all that line's (an
    error in it is reported at the export's line, where the student's code is), and is what the grader keeps or
    leaves out, as any statement of the file: a def, and the constant or lambda beside it that it reads, as in the
    notebook (review 31, X4: only defs, classes and imports were read, `EPS = 1e-12` was a NameError, 5/100); a
    call that times the function or trains is script code not run, in the note as the magic's line. A body that
    does not parse stays the magic call, script code not run."""
    if "run_cell_magic" not in text:
        return tree, text, ""
    lines = text.split("\n")
    body: list[ast.stmt] = []
    for node in tree.body:
        found = _python_cell(node, lines)
        if found is None:
            body.append(node)
            continue
        statements, file = found
        flags = _future_flags([statement for statement, _ in statements])
        # each segment then names what it defines: the runnable source mentions them (`_changes_nothing`), in a
        # lambda never called (a kept `del x` or `x: int` leaves no x to read)
        segments = ["; ".join([_RUN_ON_LINE.format(line=node.lineno, source=source, flags=flags) if file is None else
                               _RUN_FROM_FILE.format(shift=_first_line(statement) - 1, file=file, source=source,
                                                     flags=flags), *(
            [f"(lambda: ({', '.join(names)},))"] if (names := _bound_names(statement)) else [])])
            for statement, source in statements]
        lines[node.lineno - 1] = "; ".join(segments)
        at = 0
        for (statement, _), segment in zip(statements, segments, strict=True):
            span = (at, at + len(segment.encode()))
            for inner in ast.walk(statement):
                if hasattr(inner, "lineno"):
                    inner.lineno, inner.end_lineno = node.lineno, node.lineno
                    inner.col_offset, inner.end_col_offset = span
            at = span[1] + 2
            body.append(statement)
    if len(body) == len(tree.body) and all(a is b for a, b in zip(body, tree.body, strict=True)):
        return tree, text, ""
    tree.body = body
    return tree, "\n".join(lines), ""


def _future_flags(statements: list[ast.stmt]) -> str:
    """`, FLAGS` of the `from __future__ import ...` among a cell's or `%run -i` file's statements, for the compile
    of each of them (else ""): compiled one by one, a def did not get its file's `annotations` (review 37a, R37A-9:
    `def add_bias(A: Matrix)` with Matrix defined below failed the whole file, 0/100; the notebook 100)."""
    import __future__

    flags = 0
    for statement in statements:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            for alias in statement.names:
                flags |= getattr(getattr(__future__, alias.name, None), "compiler_flag", 0)
    return f", {flags}" if flags else ""


def _cell_magic_call(node: ast.stmt) -> tuple[str, str, str] | None:
    """(magic, line, body) of a statement `get_ipython().run_cell_magic('time', '', BODY)`, else None."""
    call = node.value if isinstance(node, ast.Expr) else None
    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run_cell_magic"
            and len(call.args) == 3 and all(isinstance(a, ast.Constant) and type(a.value) is str for a in call.args)):
        return call.args[0].value, call.args[1].value, call.args[2].value
    return None


def _unread_cell_magic(result: Submission, node: ast.stmt, where: Origin, roots: set[str]) -> None:
    """A graded function left in an exported cell's `run_cell_magic` (`_exported_cells` did not read it there) gets
    why as its reason: the syntax error of a `%%time` cell's body, at its line in that cell (review 31, X9: "defines
    no function"), or that `%%timeit` runs the body in a function of its own, so it defines nothing (review 31,
    X8: the same false "defines no function")."""
    magic = _cell_magic_call(node)
    if magic is None or magic[0] not in (*_RUN_IN_NAMESPACE, "timeit"):
        return
    found = [n for n in roots if re.search(rf"^\s*(async\s+)?def\s+{re.escape(n)}\b", magic[2], re.M)]
    if not found:
        return
    if magic[0] == "timeit":
        why = (f"it is defined only inside the %%timeit cell written at {where}, which IPython runs inside a "
               f"function of its own, so it never was the notebook's: define it in a cell without %%timeit")
    else:
        cell, _, problem = _parse_cell(_Cell(1, magic[2]))
        if cell is not None or not problem:
            return
        # the cell's line: its line 1 is the `%%time`; a call over as many lines as the cell (a Colab download's,
        # `_as_cell_magic_call`) has each of them at its own line of the file (review 37a, R37A-11)
        own = node.end_lineno > node.lineno
        why = re.sub(r" \(cell 1, line (\d+)\)$", lambda m: f" ({where._replace(line=where.line + int(m[1]))})" if own
                     else f" (line {int(m[1]) + 1} of the %%{magic[0]} cell written at {where})", problem)
    for name in found:
        result.syntax_errors.setdefault(name, why)


def _python_cell(node: ast.stmt, lines: list[str]) -> tuple[list[tuple[ast.stmt, str]], str | None] | None:
    """For a statement `get_ipython().run_cell_magic('time', '', BODY)` alone on its line, with a body that parses as
    a notebook's cell does (`%%time` runs it as one: magics, indentation): the body's statements, each with its
    source, and None; for `_run_inline`'s `run_cell_magic('run', '-i helpers.py', SOURCE)`, helpers.py's statements
    and its name; else None."""
    magic = _cell_magic_call(node)
    if not (magic and (magic[0] in _RUN_IN_NAMESPACE or _RUN_INLINE.match(magic[0] + magic[1]))
            and node.lineno == node.end_lineno and node.col_offset == 0
            and lines[node.lineno - 1].encode()[node.end_col_offset:].decode().strip() == ""):
        return None
    inline = _RUN_INLINE.match(magic[0] + magic[1])
    try:
        cell, source, _ = _parse_cell(_Cell(1, magic[2]))  # read as the magic runs it: as a notebook's cell
    except (RecursionError, MemoryError):  # nested too deeply to read: the call, script code not run
        return None
    if cell is None:
        return None
    body_lines, source_lines, encoded = source.split("\n"), _source_lines(source), {}
    statements = [(statement, "\n".join(body_lines[_first_line(statement) - 1: statement.end_lineno])
                   if isinstance(statement, _COMPOUND) else _segment(source_lines, statement, encoded))
                  for statement in cell.body]
    return (statements, inline[1] if inline else None) if statements else None


# IPython's cleanup of a cell before it runs (IPython.core.inputtransformer2: leading_empty_lines, leading_indent,
# classic_prompt, ipython_prompt), in its two forms. Leading blank lines are kept here, blank: a line keeps its
# number. IPython 7 and 8 (Colab's, and most course notebooks'): the first line's indentation is taken off every
# line that starts with it; `>>> ` and `... ` prompts, and IPython's `In [3]: ` and `   ...: `, are stripped from
# every line when the first line (or the second) has one. IPython 9: the cell's common indentation is taken off
# (textwrap.dedent); `>>>` and `...` prompts, indented or not, are stripped wherever the cell has a `>>>` line
# outside a triple-quoted string, and each stretch stripped is dedented again.
_FIRST_PROMPT_8 = re.compile(r"^>>>( |$)")
_PROMPT_8 = re.compile(r"^(>>>|\.\.\.)( |$)")
_IPYTHON_PROMPT = re.compile(r"^(((\[nav\]|\[ins\])? )?In \[\d+\]: |\s*\.{3,}: ?)")  # vi mode's marks: 8.x too
_DOCTEST = re.compile(r"^\s*>>>")
_DOCTEST_FIRST = re.compile(r"^\s*>>>[ \t]?")
_DOCTEST_MORE = re.compile(r"^\s*\.\.\.[ \t]?")
_TRIPLE_QUOTE = re.compile(r"(?<!\\)(\"\"\"|\'\'\')")
_STRING_PREFIX = re.compile(r"[rubfRUBF]*")


def _ipython_readings(text: str) -> list[str]:
    """The cell as IPython 9 and as IPython 7-8 run it, line for line (review 28, R28-21: a cell pasted indented,
    or from a console with its prompts, runs in Jupyter and was skipped as a syntax error)."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return []
    blank = [""] * first
    return ["\n".join(blank + _ipython_9(lines[first:])), "\n".join(blank + _ipython_8(lines[first:]))]


def _magic_body_readings(text: str) -> list[str]:
    """A `%%time` cell (`_PYTHON_CELL_MAGICS`) whose body is read as IPython runs it: the magic cleans its body up
    as a cell's (`transform_cell`: dedented, prompts stripped), so a body pasted indented under an unindented
    `%%time` runs (review 37a, R37A-3's note: the notebook scored 5, its nbconvert export 100). Line for line."""
    lines = text.split("\n")
    start = _first_code_line(lines)
    words = lines[start][2:].split()
    if not (lines[start].startswith("%%") and words and words[0] in _PYTHON_CELL_MAGICS):
        return []
    head = lines[: start + 1]
    return ["\n".join(head + reading.split("\n")) for reading in _ipython_readings("\n".join(lines[start + 1:]))]


def _strip_prompts(lines: list[str], first: re.Pattern, more: re.Pattern) -> list[str]:
    """Prompts `more` off every line when the first line has a prompt `first` or the second one `more`."""
    if first.match(lines[0]) or (len(lines) > 1 and more.match(lines[1])):
        return [more.sub("", line, count=1) for line in lines]
    return lines


def _ipython_8(lines: list[str]) -> list[str]:
    indent = re.match(r"[ \t]+", lines[0])
    if indent:
        lines = [line.removeprefix(indent[0]) for line in lines]
    lines = _strip_prompts(lines, _FIRST_PROMPT_8, _PROMPT_8)
    return _strip_prompts(lines, _IPYTHON_PROMPT, _IPYTHON_PROMPT)


def _ipython_9(lines: list[str]) -> list[str]:
    lines = textwrap.dedent("\n".join(lines)).split("\n")
    return _strip_prompts(_without_doctest_prompts(lines), _IPYTHON_PROMPT, _IPYTHON_PROMPT)


def _without_doctest_prompts(lines: list[str]) -> list[str]:
    """IPython 9's `>>>`/`...` stripping: none in a string literal opened without a prompt (a docstring's examples
    stay as they are); each stretch of lines outside such strings where a prompt was stripped, dedented."""
    literal = _in_literal(lines)
    if not any(_DOCTEST.match(line) for line, inside in zip(lines, literal, strict=True) if not inside):
        return lines
    out: list[str] = []
    for inside, pairs in itertools.groupby(zip(lines, literal, strict=True), key=lambda pair: pair[1]):
        stretch = [line for line, _ in pairs]
        if not inside:
            bare = [_DOCTEST_FIRST.sub("", line, count=1) if _DOCTEST_FIRST.match(line) else
                    _DOCTEST_MORE.sub("", line, count=1) for line in stretch]
            stretch = textwrap.dedent("\n".join(bare)).split("\n") if bare != stretch else stretch
        out += stretch
    return out


def _in_literal(lines: list[str]) -> list[bool]:
    """Which lines IPython 9 takes for the inside of a triple-quoted string whose opening line has nothing but a
    string prefix before the quotes (after a prompt, unless a `>>>` line came before: then it is pasted code)."""
    inside: list[bool] = []
    quote, literal, seen = None, False, False
    for line in lines:
        inside.append(quote is not None and literal)
        for found in _TRIPLE_QUOTE.finditer(line):
            if quote is None:
                quote = found[1]
                before = line[: found.start()]
                bare = _DOCTEST_MORE.sub("", _DOCTEST_FIRST.sub("", before, count=1), count=1)
                literal = not (bare != before and seen) and bool(_STRING_PREFIX.fullmatch(bare.strip()))
                inside[-1] = literal
            elif quote == found[1]:
                quote, literal = None, False
        seen = seen or bool(_DOCTEST.match(line))
    return inside


def prepare(path: Path, roots: set[str], data: bytes | None = None,
            parts: tuple[tuple[str, ...], ...] = ()) -> Submission:
    """Read a .py or .ipynb file and keep what the functions named in `roots` need (module docstring). `parts`:
    the names of each part's function, in the course's numbering of its grader cells (`_submitted_as`)."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SubmissionError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        cells, notebook = read_cells(path, data)
    except UnicodeDecodeError:  # a .py that is not UTF-8: Python's own import says what is wrong with it
        return Submission(path, None, [], False)
    try:
        try:
            result = _runnable(path, roots, cells, notebook, parts)
        except _SourceTooBig:  # a `%run -i` file read inline may make it so (review 37a, R37A-7): as a plain `%run`
            plain, _ = read_cells(path, data, inline=False)
            if [c.text for c in plain] == [c.text for c in cells]:
                raise
            cells = plain
            result = _runnable(path, roots, cells, notebook, parts)
        if result.alternatives:
            result.reading = (cells, roots, parts)
        return result
    except (RecursionError, MemoryError):  # an expression nested hundreds deep (x = a + a + ... + a, ----z)
        if notebook:
            raise SubmissionError(f"{path}: a statement nests too deeply for the grader to read it (an expression "
                                  f"of hundreds of terms or brackets); split it into smaller statements") from None
        text = cells[0].text  # like a .py that does not parse: run it whole, Python says what it makes of it
        return _whole(path, text, Submission(path, "", [Origin(None, i + 1) for i in range(len(text.split("\n")))],
                                             False))


def _pieces(text: str) -> int:
    """About how many syntax-tree nodes the parser makes of `text`, weighed by what they cost it (MAX_CODE_PIECES):
    a statement (a line, a `;`) about 2 kB, an item of a list or call (a `,`) about 1 kB (review 27, T8: a
    statement counted as an item let 1 MB of `a;` take 30 s and 951 MB)."""
    return 2 * (text.count("\n") + text.count(";")) + text.count(",")


def _whole(path: Path, text: str, result: Submission) -> Submission:
    """A .py run whole, as Python imports it: inline when it fits the request, else read from the file itself (a
    source past MAX_SOURCE_BYTES broke the request: review 25 sec, S7)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        return Submission(path, None, [], False)
    result.source = text
    return result


def registered_name(k: int) -> str:
    """The name a registered source (`Submission.registered_source`) gives the function `grader[k]` submits."""
    return f"_grader_part_{k}"


class _SourceTooBig(SubmissionError):
    """The runnable source is past MAX_SOURCE_BYTES."""


def _runnable(path: Path, roots: set[str], cells: list[_Cell], notebook: bool,
              parts: tuple[tuple[str, ...], ...] = (), as_registered: bool = False) -> Submission:
    """The runnable part of `cells`. `as_registered`: each alternative's grader cell (`_submitted_as`) is read as
    `registered_name(k) = other`, kept with what it needs, and the statements after it that set `other` alone
    are left out: the function object the cell submits, as the course grades it, not what `other` holds at the
    end (review 29, V1; review 30, W4: a later experiment's import failed the regrade)."""
    statements: list[_Statement] = []
    origins: list[Origin] = []
    result = Submission(path, "", origins, notebook)
    read = pieces = 0  # characters and _pieces of code so far
    written: list[tuple[int, str, str, str]] = []  # `%%writefile NAME.py` cells: virtual line, NAME, body, why skipped
    for cell in cells:
        offset = len(origins)
        lines = cell.text.split("\n")
        if not notebook:
            result.blank = {i + 1 for i, line in enumerate(lines) if not line.strip() or line.lstrip()[:1] == "#"}
        origins += [Origin(cell.number, i + 1) for i in range(len(lines))]
        if "run" in cell.text:  # a `%run` left a magic (`_runs_as_imports`): said where a name it was to set is
            result.runs_not_followed += [(origins[offset + i], line, *_not_followed(path, magic))
                                         for i, line, magic in _runs_in(lines)]  # missing (review 31, X10)
        more = _pieces(cell.text)
        if read + len(cell.text) > MAX_CODE_CHARS or pieces + more > MAX_CODE_PIECES:
            if not notebook:  # too much to read here: the sandbox imports the file as it is, within its limits
                return Submission(path, None, [], False)
            _too_much_code(result, cell, roots, read, pieces)
            continue
        read += len(cell.text)
        pieces += more
        tree, text, problem = _parse_cell(cell)
        if tree is None:
            if not notebook:  # a .py file that does not parse: run it whole, Python says where it breaks
                return _whole(path, cell.text, result)
            if problem.startswith("%%"):
                skipped = f"cell {cell.number} is a {problem} cell, not Python"
                module = _written_module(cell.text)
                if module is not None:
                    written.append((offset + 1, *module, skipped))
                else:
                    result.skipped_cells.append(skipped)
                continue
            _skip_cell(result, cell.number, text, roots, f"cell {cell.number} could not be read: {problem}", problem)
            continue
        text_lines = text.split("\n")
        source_lines, encoded, magic_line = None, {}, {}
        for node in tree.body:
            first = _first_line(node)
            if first not in magic_line:  # once a line: an exported cell's statements share one (review 37a, R37A-5)
                magic_line[first] = "run_cell_magic" in text_lines[first - 1]
            if magic_line[first]:
                _unread_cell_magic(result, node, origins[offset + first - 1], roots)
            # a compound statement starts a line of its own, and its last line is its own body's; one on a single
            # line (an exported cell's statement, `_exported_cells`, shares it with the cell's others) is its segment
            if isinstance(node, _COMPOUND) and first < node.end_lineno:
                own = "\n".join(text_lines[first - 1: node.end_lineno])
            else:  # a simple statement may share its lines with others (a = 1; b = f())
                if source_lines is None:
                    source_lines = _source_lines(text)
                own = _segment(source_lines, node, encoded)
            statements.append(_Statement(node, cell, offset, own))
    graders = _graders(statements)
    submitted = _submitted_as(statements, roots, graders, parts)
    # what a grader cell submits (read as `name = other`, or graded as registered) is the object `other` held
    # there, so a def that sets `other` after every grader cell, a later experiment, is not run with its imports
    # (review 30, W4), in the file's own grade too: the course graded every function before it ran (review 37b,
    # R37-3: a wrong sig_grad redefined last failed the nnCostFunction that calls it, and the note said the later
    # one was not graded here); one between grader cells is run, as the kernel held it for the later ones (review
    # 31, Y1)
    submitting = {i: _root_name(value) for i, (_, value, _) in submitted.aliases.items()} | {
        i: root for i, (_, _, _, root) in submitted.alternatives.items()}
    # the exercise's own names too, `from fast import nnCostFunction` (review 37b, R37-8); their plain defs are
    # `_unsubmitted`'s, with its note
    own = {i: name for i in submitted.cells if (name := _registration(statements[i].node, roots, graders)
                                                or _wrapped_own(statements[i].node, roots))}
    binds = [_bound_names(s.node) for s in statements] if submitting or own else []  # once (review 37d, R37D-4)
    later = _after_every_grader_cell(statements, binds, submitted.cells, {*submitting.values(), *own.values()},
                                     set(own.values())) if submitting or own else {}
    _note_unsubmitted_other(result, statements, binds, submitting | own, later)
    for i, (name, value, k) in submitted.aliases.items():
        s = statements[i]
        other = ast.unparse(value)
        result.registered_as[name] = (other, origins[s.offset + _first_line(s.node) - 1], k)
        alias = ast.Assign([ast.Name(name, ast.Store())], value)
        statements[i] = _Statement(ast.copy_location(alias, s.node), s.cell, s.offset, f"{name} = {other}")
    for i, (other, k, value, _) in submitted.alternatives.items():
        s = statements[i]
        result.alternatives[k - 1] = (other, origins[s.offset + _first_line(s.node) - 1])
        if as_registered:
            name = registered_name(k)
            graded = ast.Assign([ast.Name(name, ast.Store())], value)
            statements[i] = _Statement(ast.copy_location(graded, s.node), s.cell, s.offset, f"{name} = {other}")
            roots = roots | {name}
    for i, (other, k) in submitted.unresolved.items():
        s = statements[i]
        result.unresolved[k - 1] = (other, origins[s.offset + _first_line(s.node) - 1])
    if later:  # `Net` of `grader[5] = Net.cost` too: a later `class Net` is no object a cell submitted
        statements = [later.get(j, s) for j, s in enumerate(statements)]
        statements = [s for s in statements if s is not None]
    registrations = {i: name for i, s in enumerate(statements) if (name := _registration(s.node, roots, graders))}
    for i, name in registrations.items():
        result.registered[name] = origins[statements[i].offset + _first_line(statements[i].node) - 1]
    # a name a grader cell's alias sets (`nnCostFunction = my_cost`) has only stubs of its own to leave out
    dropped, earlier = _unsubmitted(statements, roots - {name for name, _, _ in submitted.aliases.values()},
                                    registrations)
    for name, found in earlier.items():  # review 21, R2: its own part, on the course, is graded on an earlier one
        result.registered_earlier[name] = RegisteredEarlier(*(origins[s.offset + _first_line(s.node) - 1]
                                                                for s in found))
    for name, (last, graded, later, by_counts) in dropped.items():
        news = [s for s in later if not _same_statement(s.node, graded.node)]  # a copy: no note (review 37b, R37-6)
        if news:
            where = [origins[s.offset + _first_line(s.node) - 1] for s in (last, graded, *news)]
            result.unsubmitted[name] = Unsubmitted(where[0], where[1], where[2:], by_counts)
        statements = [s for s in statements if all(s is not gone for gone in later)]
    bindings, kept, unrun = select(statements, roots)
    placed: dict[int, list[str]] = {}
    imported = {name for s in statements if s.keep for node in _imports(s.node) for name in _module_names(node)}
    written += [(s.offset + _first_line(s.node), *module, "") for s in statements
                if not s.keep and (module := _magic_written(s.node))]  # a .py export's run_cell_magic
    for line, module, body, skipped in written:
        if module in imported:
            placed.setdefault(line, []).append(_module_from_cell(module, body))
            result.written_imports[line] = next(origins[s.offset + _first_line(s.node) - 1] for s in statements
                                                if s.keep and any(module in _module_names(node)
                                                                  for node in _imports(s.node)))
        elif skipped:
            result.skipped_cells.append(skipped)
    run_as_module = set(placed)  # the lines of the `%%writefile` cells run as the modules they write
    futures: list[_Statement] = []  # a notebook's, moved to the top (`_hoist_futures`)
    for s in statements:
        start = s.offset + _first_line(s.node)
        if start in run_as_module and not s.keep:
            continue  # a .py export's `%%writefile` cell: run (as the module it writes), so not in script_not_run
        if s.keep and notebook and _is_future(s.node):
            futures.append(s)
        elif s.keep:
            placed.setdefault(start, []).append(_reraising(s) if isinstance(s.node, ast.Try) else s.text)
        elif not (isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import |
                             ast.ImportFrom | ast.Pass) or _is_docstring(s.node) or _is_main_guard(s.node)):
            result.not_run.append((origins[start - 1], origins[s.offset + s.node.end_lineno - 1]))
    result.source = _assemble(placed, len(origins))
    for name in roots & kept:
        b = bindings[name][-1]
        s = statements[b.statement]
        result.defined[name] = origins[s.offset + _first_line(s.node) - 1]
        defs = [statements[b.statement] for b in bindings[name] if not b.mutation
                and isinstance(statements[b.statement].node, ast.FunctionDef | ast.AsyncFunctionDef)]
        if len(defs) > 1:
            result.redefined[name] = [origins[d.offset + _first_line(d.node) - 1] for d in defs]
        if isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef) and not b.mutation:
            result.definitions[name] = _definition(s.node, result.defined[name])
    for name in unrun:
        b = next(b for b in bindings[name] if not b.keepable) if any(
            not b.keepable for b in bindings[name]) else bindings[name][-1]
        s = statements[b.statement]
        result.unrun[name] = origins[s.offset + _first_line(s.node) - 1]
        if b.keepable and isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef):  # left out for its defaults
            result.def_reads[name] = tuple(sorted(b.at_import & unrun) or sorted(
                n for n in b.at_import if n not in bindings and n not in _BUILTINS))
    functions = {n for n in kept if any(isinstance(statements[b.statement].node, ast.FunctionDef |
                                                   ast.AsyncFunctionDef) for b in bindings[n])}
    # the names a function's binding declares global: a counter it updates is its own state, not a value. Found
    # only for a binding that reads a module value (a walk of the whole def, most of a submission's parse time)
    declared: dict[int, set[str]] = {}

    def declares(statement: int) -> set[str]:
        if statement not in declared:
            declared[statement] = _declared_global(statements[statement].node)
        return declared[statement]

    for name in kept:
        if all(b.value for b in bindings[name]):
            readers = {f for f in functions
                       if any(name in b.reads and name not in declares(b.statement) for b in bindings[f])}
            if readers:
                # the last assignment: the value the function reads (student review 4, F7: the note named the
                # first of four, whose value was not the one used)
                s = statements[[b for b in bindings[name] if not b.mutation][-1].statement]
                result.module_values[name] = origins[s.offset + _first_line(s.node) - 1]
                result.readers[name] = readers
    if futures:  # last: from here on, line i of the source is origins[i - 1] again
        _hoist_futures(result, futures)
    if len(result.source.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise _SourceTooBig(f"{path}: the functions to grade and what they need come to more than "
                              f"{MAX_SOURCE_BYTES // 1024} KB of code; a solution is far smaller")
    return result


_WRITEFILE = re.compile(r"%%(?:writefile|file)\s+(?:-f\s+)?(['\"]?)([A-Za-z_]\w*)\.py\1\s*$")


def _written_module(text: str) -> tuple[str, str] | None:
    """(NAME, the cell's body) for a cell `%%writefile NAME.py` (IPython writes the body to that file, which
    later cells import), else None. Appending (`-a`) or a file in another folder: None. After leading blank lines,
    and dedented when the cell is indented as a whole, as IPython reads it (`_ipython_readings`)."""
    lines = text.split("\n")
    start = _first_code_line(lines)
    if lines[start][:1] in (" ", "\t"):
        lines = _ipython_readings(text)[0].split("\n")
    match = _WRITEFILE.match(lines[start].strip())
    return (match[2], "\n".join(lines[start + 1:])) if match else None


def _magic_written(node: ast.stmt) -> tuple[str, str] | None:
    """(NAME, body) for a .py export's `get_ipython().run_cell_magic('writefile', 'NAME.py', body)`, else None."""
    call = node.value if isinstance(node, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run_cell_magic"
            and len(call.args) == 3 and all(isinstance(a, ast.Constant) and type(a.value) is str for a in call.args)):
        return None
    magic, line, body = (a.value for a in call.args)
    return _written_module(f"%%{magic} {line}\n{body}")


def _module_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The top-level modules an import statement imports (none for a relative import)."""
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    return [node.module.split(".")[0]] if node.module and not node.level else []


def _module_from_cell(module: str, body: str) -> str:
    """One line that makes a `%%writefile NAME.py` cell's body the module NAME, as running that cell then
    `import NAME` would (review 28, R28-5: a notebook handed in without the file its cell writes scored 0).
    Placed at the cell's first line; an error in it is reported at NAME.py's line, counted as in that file."""
    file = f"__import__('os').path.join(__import__('os').path.dirname(__file__), {module + '.py'!r})"
    return (f"__import__('sys').modules[{module!r}] = __import__('types').ModuleType({module!r}); "
            f"exec(compile({body!r}, {file}, 'exec'), __import__('sys').modules[{module!r}].__dict__)")


def _reraising(statement: _Statement) -> str:
    """A kept `try`'s text with each handler that prints or exits made to re-raise: the import that failed
    (`import pandas`, a helper not handed in) is then what the report names, not "SystemExit: 1" beside a
    `prints` note for the handler's message (review 26, R7)."""
    node = statement.node
    if not statement.text_is_tree or _run_on_line(statement.text) or not any(_exits(h) for h in node.handlers):
        return statement.text
    first = _first_line(node)
    lines = statement.text.split("\n")
    for handler in node.handlers:
        if not _exits(handler):
            continue  # `raise ... from error`, a fallback (`def njit(f): return f`): as written (review 27, T1)
        top, bottom = handler.body[0], handler.body[-1]
        row = top.lineno - first
        head = lines[row].encode()[:top.col_offset].decode()
        lines[row] = head + "raise"
        for extra in range(row + 1, bottom.end_lineno - first + 1):
            lines[extra] = ""
    return "\n".join(lines)


def _exits(handler: ast.ExceptHandler) -> bool:
    """A handler made only of calls that ends the program: `print(...)` then `sys.exit(1)` (or exit, quit)."""
    body = handler.body
    if not all(isinstance(b, ast.Expr) and isinstance(b.value, ast.Call) for b in body):
        return False
    func = body[-1].value.func
    return isinstance(func, ast.Name) and func.id in ("exit", "quit") or isinstance(func, ast.Attribute) and \
        func.attr == "exit" and isinstance(func.value, ast.Name) and func.value.id == "sys"


def _is_future(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


def _hoist_futures(result: Submission, futures: list[_Statement]) -> None:
    """Put a notebook's `from __future__` imports on a first line of their own (review 24, P2).

    Jupyter carries a cell's future flags to every cell run after it, so a notebook may import them in any
    cell; Python wants them before every other statement of a file. The new line's origin is the first import's.
    """
    names = dict.fromkeys(alias.name for s in futures for alias in s.node.names)
    result.source = f"from __future__ import {', '.join(names)}\n" + result.source
    first = futures[0]
    result.origins.insert(0, result.origins[first.offset + _first_line(first.node) - 1])


def _registration(node: ast.stmt, roots: set[str], graders: frozenset[str] = frozenset({"grader"})) -> str | None:
    """The graded name a course grader cell's `grader[3] = sigmoidGradient` registers (the course submits the
    function object the name holds when that statement runs), else None. `graders`: the names of the course's
    grader object (`_graders`)."""
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in roots and any(
            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id in graders
            for t in node.targets):
        return node.value.id
    return None


def _submitted_as(statements: list[_Statement], roots: set[str], graders: frozenset[str],
                  parts: tuple[tuple[str, ...], ...]) -> _Submitted:
    """The grader cells `grader[k] = other` that submit, for part k, a function of the file's own under a name the
    exercise does not accept (`sigmoidgradient`, `nnCostFunctionVectorized`, an alias `cost_fn = net.cost`, a
    method `Model.nnCostFunction`, `net.g_prime`): the course grades that function object, whatever its name
    (accept15, N2; review 28, R28-16). Only the last cell of part k the kernel ran counts (`_kernel_order`; a
    slip fixed later; review 29, V3), whatever it submits (a `partial(...)` too: review 30, W5), and only an
    `other` set before the cell (a def with work in it, an alias, or the object a method is read from), by the
    same setting of it in the kernel's order and in the file's: the source runs in the file's order, so where the
    two differ what the kernel held is not known here (review 30, W1-W3), and the cell is not read. Two kinds, by
    the part's own function:

    - it has no definition but the template's stubs: statement index -> (graded name, other, k). Such a cell is
      read as `graded name = other`, for every part and caller (nothing else can be meant). The graded name is
      the one the file defines, else the course's own (the last of the part's names).
    - it has work in it too, and `other` is a plain name: statement index -> (other, k). Part k is graded on
      `other` where its own function fails it (review 27, T6: `grader[1] = nnCostFunctionVectorized` beside a
      buggy nnCostFunction, 100 on the course), and on its own function where that passes (review 26, R2:
      `grader[3] = sigmoid`, a slip beside a right sigmoidGradient). Rebinding the name instead changed every
      part and caller (R2)."""
    cells = []  # (statement index, k, what it submits) of every grader cell, whatever it submits (review 30, W5)
    for i, s in enumerate(statements):
        node = s.node
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id in \
                graders and isinstance(target.slice, ast.Constant) and type(target.slice.value) is int:
            cells.append((i, target.slice.value, node.value))
    found = _Submitted([i for i, _, _ in cells], {}, {}, {})
    if not cells:
        return found
    binds = [_bound_names(s.node) for s in statements]  # once per statement (review 30, W8)
    defs = {n: [j for j, s in enumerate(statements) if isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef)
                and s.node.name == n] for part in parts for n in part}
    for i, k, value in cells:
        wrapped = _wrapped_name(value)
        root = wrapped or _root_name(value)
        if root is None or not 1 <= k <= len(parts) or (other := ast.unparse(value)) in roots or root in roots:
            continue  # `partial(nnCostFunction)` submits the part's own function
        same_part = [j for j, kk, _ in cells if kk == k]
        sets_root = [j for j, names in enumerate(binds) if root in names]
        by_kernel, _ = _kernel_order(statements, same_part + sets_root)
        if max(same_part, key=by_kernel) != i:
            continue  # a cell run later registers part k again
        in_effect = {_in_effect(sets_root, i, order) for order in (by_kernel, lambda j: (0, j))}
        if len(in_effect) > 1:  # what it held there differs by the kernel's order and the file's
            found.unresolved[i] = (other, k)
            continue
        if None in in_effect:
            continue  # `other` set after the cell
        node = statements[in_effect.pop()].node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_stub(node.body):
            continue  # a stub itself
        names = parts[k - 1]
        if any(not _is_stub(statements[j].node.body) for n in names for j in defs[n]):
            if isinstance(value, ast.Name) or wrapped:
                found.alternatives[i] = (other, k, value, root)
        elif not wrapped:
            found.aliases[i] = (next((n for n in names if defs[n]), names[-1]), value, k)
    return found


class _Submitted(NamedTuple):
    """What the course's grader cells submit (`_submitted_as`), by the statement index of each cell."""

    cells: list[int]  # every grader cell
    aliases: dict[int, tuple[str, ast.expr, int]]  # -> (graded name, other, k): read as `graded name = other`
    alternatives: dict[int, tuple[str, int, ast.expr, str]]  # -> (other, k, its expression, the name it reads)
    unresolved: dict[int, tuple[str, int]]  # -> (other, k) whose setting at the cell the file cannot tell


def _wrapped_own(node: ast.stmt, roots: set[str]) -> str | None:
    """The exercise's own name a grader cell submits inside a wrapper (`grader[1] = lambda *a: nnCostFunction(*a)`,
    `partial(nnCostFunction)`), else None: a later setting of it is as much an experiment after grading as one of a
    name submitted bare (review 37d, R37D-5: a last `from fastlib import nnCostFunction` failed the notebook, 0/100;
    the course, whose every grade ran before it, 100)."""
    name = _wrapped_name(node.value) if isinstance(node, ast.Assign) else None
    return name if name in roots else None


def _wrapped_name(value: ast.expr) -> str | None:
    """`cost` for `partial(cost, ...)`, `functools.partial(cost, ...)` or `lambda *a: cost(*a)`: the course grades
    the wrapper, which calls that function of the file's (review 31, Y5); None for anything else."""
    if isinstance(value, ast.Lambda):
        value = value.body
        call = value if isinstance(value, ast.Call) else None
        return call.func.id if call is not None and isinstance(call.func, ast.Name) else None
    if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Name) and \
            (getattr(value.func, "id", None) or getattr(value.func, "attr", None)) == "partial":
        return value.args[0].id
    return None


def _after_every_grader_cell(statements: list[_Statement], binds: list[list[str]], cells: list[int], names: set[str],
                             defined: set[str] = frozenset()) -> dict[int, _Statement | None]:
    """The statements that set one of `names` (the roots of what the grader cells submit) after every grader cell
    has run, in the kernel's order where the execution counts give one, else the file's: experiments after
    grading, which no grader cell submitted. The course's every grade ran before them, so nothing they set was
    graded, the submitted name or another; a name another statement binds too (`sigmoid`, a def in cell 5) is
    that one's (review 37b, R37-1: trimmed to `from fast import sigmoid`, the statement failed the notebook as
    before). Only a name no other statement binds, which other code reads, is kept, as the grader keeps a helper
    defined in a plain last cell: a `try:` whose `except` defines `sigmoid` lost it, and the graded function its
    sigmoid (review 37b, R37-2). Each statement maps to None (left out) or to itself with only what is kept
    (`from fast import cost, sig` -> `from fast import sig`, `_without_binding`); one that cannot be parted (a
    `try`, a tuple target) and keeps a name is kept whole, as it is run, and is not in the result. A def or plain
    assignment of one of `defined` (the exercise's own names) is left to `_unsubmitted`."""
    later = [j for j in range(max(cells) + 1, len(statements)) if _sets(statements[j].node, names)
             and _definition_of(statements[j].node) not in defined]
    if not later:
        return {}
    cells = _ran(statements, cells)
    order, _ = _kernel_order(statements, [*cells, *later])
    last = max(cells, key=order)
    later = [j for j in later if order(j) > order(last)]
    needed = _read_elsewhere(statements, later, _bound_only_in(binds, later))
    result: dict[int, _Statement | None] = {}
    for j in later:
        bound = binds[j]
        kept = needed.intersection(bound)
        if not kept:
            result[j] = None
        elif len(kept) < len(bound) and (trimmed := _without_binding(statements[j], set(bound) - kept)):
            result[j] = trimmed
    return result


def _bound_only_in(binds: list[list[str]], among: list[int]) -> set[str]:
    """The names the statements `among` bind that no other statement binds (`binds`: each statement's names)."""
    here = {name for j in among for name in binds[j]}
    skip = set(among)
    for j, names in enumerate(binds):
        if here and j not in skip:
            here.difference_update(names)
    return here


def _read_elsewhere(statements: list[_Statement], among: list[int], names: set[str]) -> set[str]:
    """Those of `names` that a statement other than `among` reads, at any depth (a function's body)."""
    skip = set(among)
    return {node.id for j, s in enumerate(statements) if names and j not in skip for node in ast.walk(s.node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names}


_DEFINES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _sets(node: ast.stmt, names: set[str]) -> bool:
    """Does the statement bind one of `names`, or, binding nothing, set an attribute or item of one
    (`Net.cost = jit(Net.cost)`)?"""
    mutated: list[str] = []
    bound = _bound_names(node, mutated)
    return bool(names.intersection(bound) or not bound and names.intersection(mutated))


def _note_unsubmitted_other(result: Submission, statements: list[_Statement], binds: list[list[str]],
                            submitting: dict[int, str], later: dict[int, _Statement | None]) -> None:
    """Record, for each name the grader cells submit (`submitting`: cell statement -> the name, the root of what
    it submits) that a statement in `later` sets again, where: the course grades what the cells submitted, so a fix
    placed after every grader cell is graded nowhere, and the student was not told (review 31, Y11). Not for a
    statement that sets nothing new (review 37b, R37-6): a `del`, an attribute set other than of what a cell
    submits (`net.epochs = 50` beside `grader[5] = net.cost`), a copy of the definition the cells submitted."""
    origin = result.origin
    for root in dict.fromkeys(submitting.values()):
        cells = _ran(statements, [i for i, name in submitting.items() if name == root])
        submits = {ast.unparse(statements[i].node.value) for i in cells}
        again = [j for j in later if _sets_again(statements[j].node, root, submits)]
        if not again:
            continue
        sets_root = [j for j, names in enumerate(binds) if j not in later and root in names]
        order, by_counts = _kernel_order(statements, cells + sets_root + again)
        last = max(cells, key=order)
        held = _in_effect(sets_root, last, order)
        if held is not None:
            again = [j for j in again if not _same_statement(statements[j].node, statements[held].node)]
            if not again:
                continue
        where = [origin(statements[j].offset + _first_line(statements[j].node)) for j in (last, *again)]
        how = "defined" if all(isinstance(statements[j].node, _DEFINES) for j in again) else "set"
        kept = [name for j in again if later[j] is not None for name in _bound_names(later[j].node)]
        result.unsubmitted_other[root] = SetAfterGrading(
            where[0], ast.unparse(statements[last].node), where[1:],
            None if held is None else origin(statements[held].offset + _first_line(statements[held].node)), how,
            by_counts, kept)


def _sets_again(node: ast.stmt, root: str, submits: set[str]) -> bool:
    """Does a later statement give `root` a new value (not a `del`), or set what a grader cell submits
    (`Net.cost = jit(Net.cost)` for `grader[5] = Net.cost`)?"""
    if isinstance(node, ast.Delete):
        return False
    if root in _bound_names(node):
        return True
    return any(isinstance(target, ast.Attribute | ast.Subscript) and ast.unparse(target) in submits
               for child in ast.walk(node) if isinstance(child, ast.Assign | ast.AugAssign | ast.AnnAssign)
               for target in (child.targets if isinstance(child, ast.Assign) else [child.target]))


def _same_statement(a: ast.stmt, b: ast.stmt) -> bool:
    """The same code, wherever it is (a cell copied or run again further down)."""
    return ast.dump(a) == ast.dump(b)


def _without_binding(statement: _Statement, names: set[str]) -> _Statement | None:
    """`statement` without what it binds to `names`: an import's other names, an assignment's other plain
    targets; None where nothing else is left, or where its other bindings cannot be parted from these (a tuple
    target, a loop, a `try`)."""
    node = statement.node
    if isinstance(node, ast.Import | ast.ImportFrom):
        rest = [a for a in node.names if a.name != "*" and (a.asname or a.name.split(".")[0]) not in names]
        trimmed = ast.Import(rest) if isinstance(node, ast.Import) else ast.ImportFrom(node.module, rest, node.level)
    elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        rest = [t for t in node.targets if t.id not in names]
        trimmed = ast.Assign(rest, node.value)
    else:
        return None
    if not rest:
        return None
    trimmed = ast.copy_location(trimmed, node)
    return _Statement(trimmed, statement.cell, statement.offset, ast.unparse(trimmed))


def _root_name(node: ast.expr) -> str | None:
    """`net` for `net`, `net.cost`, `models.Model.cost`; None for anything else (a call, a subscript)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _graders(statements: list[_Statement]) -> frozenset[str]:
    """`grader`, and every name the notebook gives the course's grader object: `gr = utils.Grader()` (accept15,
    N6: `gr[3] = sigmoidGradient` was not read as a grader cell)."""
    names = {"grader"}
    for s in statements:
        node = s.node
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) == "Grader":
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return frozenset(names)


def _definition_of(node: ast.stmt) -> str | None:
    """The name a top-level def, or a plain `name = ...`, binds."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def _unsubmitted(statements: list[_Statement], roots: set[str],
                 registrations: dict[int, str]) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """What the course's grader cells (`registrations`: statement index -> the graded name it registers) make of
    a graded name defined more than once, as two dicts by name:
    - the definitions they never use: (the last grader cell, the definition in effect there, the later ones,
      chosen by execution counts?);
    - a function fixed after its own grader cell: (that cell, the definition it registered, the one graded).

    The course's `grader.grade()` calls each function registered with `grader[k] = name`, and a function calls
    another by its global name, as the kernel holds it when the last grader cell runs. So the definition graded
    is the one in effect then (student review 4, F1: an old attempt kept in the last cell, run first, was graded
    instead). A fix made after a name's own grader cell but before the last one (review 21, R2) is in effect
    there for the functions that call it, so it is kept, though the course grades the name's own part on what its
    cell registered. When every cell that defines a name or registers a graded name has an execution count, that
    is the kernel's order: the definition run last before that cell's run. Otherwise the order of running the
    notebook from the top. A name also bound otherwise (an import, a loop), or defined only after the last grader
    cell, keeps the file's last definition."""
    dropped: dict[str, tuple] = {}
    earlier: dict[str, tuple] = {}
    for name in roots if registrations else ():
        definitions = [i for i, s in enumerate(statements) if _definition_of(s.node) == name]
        if len(definitions) < 2 or any(name in _bound_names(s.node) and i not in definitions
                                       for i, s in enumerate(statements)):
            continue
        ran = _ran(statements, list(registrations))
        order, by_counts = _kernel_order(statements, [*ran, *definitions])
        last = max(ran, key=order)
        graded = _in_effect(definitions, last, order)
        if graded is None:
            continue
        if graded != definitions[-1]:
            dropped[name] = (statements[last], statements[graded],
                             [statements[i] for i in definitions if i > graded], by_counts)
        own = max((i for i, registered in registrations.items() if registered == name), key=order, default=None)
        registered = _in_effect(definitions, own, order) if own is not None else None
        if registered is not None and registered != graded:
            earlier[name] = (statements[own], statements[registered], statements[graded])
    return dropped, earlier


def _kernel_order(statements: list[_Statement], among: list[int]) -> tuple[Callable[[int], tuple], bool]:
    """A sort key for statement indices in the order the kernel ran them, and whether that order comes from the
    execution counts: the cell's count, then the statement's place in it, when every cell holding one of the
    statements `among` has a count and no two share one; else the order of running the notebook from the top. A
    count twice among these cells means two kernel sessions, before and after a restart, whose counts say
    nothing of their order (accept15, N1); a repeat elsewhere in the notebook says nothing of these (review 26,
    R5)."""
    cells = {statements[i].cell.number: statements[i].cell.ran for i in among}
    by_counts = None not in cells.values() and len(set(cells.values())) == len(cells)
    return ((lambda i: (statements[i].cell.ran, i)) if by_counts else (lambda i: (0, i))), by_counts


def _ran(statements: list[_Statement], cells: list[int]) -> list[int]:
    """The grader cells (statement indices) the kernel ran, where any has an execution count; else all of them, as
    running the notebook from the top runs them. A cell never run submitted nothing, so it is never "the last grader
    cell" (review 37d, R37D-1: one unrun cell sent the whole order back to the file's, and a fix imported below
    the grader cells, which the student then ran again, was left out: 100 -> 5)."""
    return [i for i in cells if statements[i].cell.ran is not None] or cells


def _in_effect(definitions: list[int], at: int, order) -> int | None:
    """The definition a name holds when statement `at` runs: the one run last before it, in `order`."""
    return max((i for i in definitions if order(i) < order(at)), key=order, default=None)


def _too_much_code(result: Submission, cell: _Cell, roots: set[str], read: int, pieces: int = 0) -> None:
    """A notebook's cell that would take the code read past MAX_CODE_CHARS or MAX_CODE_PIECES: skipped, and a
    graded function defined in it says why it is missing."""
    if read + len(cell.text) > MAX_CODE_CHARS:
        why = (f"it holds {len(cell.text) / (1 << 20):.1f} MB of code, and the grader reads at most "
               f"{MAX_CODE_CHARS >> 20} MB of a notebook's code ({read / (1 << 20):.1f} MB before it)")
    else:
        why = (f"it holds {_pieces(cell.text):,} pieces of code (a line or `;` counts 2, a `,` 1), and the grader "
               f"reads at most {MAX_CODE_PIECES:,} of a notebook's code ({pieces:,} before it)")
    _skip_cell(result, cell.number, cell.text, roots, f"cell {cell.number} was not read: {why}")


def _skip_cell(result: Submission, cell: int, text: str, roots: set[str], skipped: str, why: str | None = None) -> None:
    """A notebook cell left out (`skipped` says so in the note); a graded function it defines gets `why` (default
    the same words) as the reason it is missing, and where (`unread`)."""
    result.skipped_cells.append(skipped)
    for name in roots:
        found = re.search(rf"^\s*(async\s+)?(def)\s+{re.escape(name)}\b", text, re.M)
        if found:
            result.syntax_errors[name] = why or skipped
            result.unread[name] = Origin(cell, text.count("\n", 0, found.start(2)) + 1)


def _assemble(placed: dict[int, list[str]], count: int) -> str:
    """Each kept statement's text from its own virtual line on (statements on one line joined by ';')."""
    lines = [""] * count
    for start in sorted(placed):
        texts = placed[start]
        block = "; ".join(t for t in texts)
        for i, line in enumerate(block.split("\n")):
            index = start - 1 + i
            lines[index] = (lines[index] + "; " + line) if lines[index] and i == 0 else line
    return "\n".join(lines) + "\n"


def _definition(node: ast.FunctionDef | ast.AsyncFunctionDef, origin: Origin) -> Definition:
    args = node.args
    positional = len(args.posonlyargs) + len(args.args)
    body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
    calls = frozenset(n.func.id for statement in body for n in ast.walk(statement)
                      if isinstance(n, ast.Call) and isinstance(n.func, ast.Name))
    return Definition(origin, ast.unparse(args), positional - len(args.defaults),
                      None if args.vararg else positional, any(d is None for d in args.kw_defaults),
                      _is_stub(body), calls)


_ZEROS = frozenset({"zeros", "zeros_like", "empty", "empty_like"})
_SAME_VALUES = frozenset({"concatenate", "hstack", "vstack", "append", "array", "asarray", "reshape", "ravel",
                          "flatten", "copy", "transpose", "squeeze", "float", "int"})


def _is_stub(body: list[ast.stmt]) -> bool:
    """Does a function body compute nothing from its inputs? Only pass, `...`, raise, or returns of constants and
    zeros and what is built from them (the course template's `J = 0`, `np.zeros(Theta1.shape)`, concatenated)."""
    values: dict[str, list[ast.expr]] = {}
    changed: set[str] = set()  # names set otherwise: augmented, an item or attribute set, a loop's target...
    returns: list[ast.expr | None] = []
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Return):
            returns.append(node.value)
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            for target in node.targets:
                values.setdefault(target.id, []).append(node.value)
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            changed.add(node.id)
        elif isinstance(node, ast.Subscript | ast.Attribute) and not isinstance(node.ctx, ast.Load):
            root = node
            while isinstance(root, ast.Subscript | ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                changed.add(root.id)
        stack += ast.iter_child_nodes(node)
    blank = set(values) - changed
    while True:  # a name is blank while every value it is set to is
        still = {n for n in blank if all(_blank(v, blank) for v in values[n])}
        if still == blank:
            break
        blank = still
    return all(value is None or _blank(value, blank) for value in returns)


def _blank(node: ast.expr, blank: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in blank
    if isinstance(node, ast.Tuple | ast.List):
        return all(_blank(e, blank) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _blank(node.operand, blank)
    if isinstance(node, ast.Attribute):  # Theta1_grad.T
        return _blank(node.value, blank)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in _ZEROS:
            return True
        if name in _SAME_VALUES:  # a method of a blank value, or np.concatenate([...]) of blank ones
            receiver = isinstance(func, ast.Attribute) and _blank(func.value, blank)
            return receiver or bool(node.args) and _blank(node.args[0], blank)
    return False


def graded_name(submission: Submission, names: tuple[str, ...], count: int) -> tuple[str | None, str]:
    """The one of a function's names to call, and why, when the file defines two of them with `def`s of their
    own (not one a wrapper of the other): the one whose signature takes the course's `count` arguments, then
    the one that is not a stub, then the first of `names`. (None, "") otherwise."""
    defs = {n: submission.definitions[n] for n in names if n in submission.definitions}
    if len(defs) < 2 or _wrapper(defs, count):
        return None, ""
    chosen = min(defs, key=lambda n: (not defs[n].accepts(count), defs[n].stub))
    other = next(n for n in defs if n != chosen)
    if defs[chosen].accepts(count) and not defs[other].accepts(count):
        why = f"{other}({defs[other].parameters}) does not take the {count} arguments the course passes"
    elif defs[chosen].accepts(count) and defs[other].stub and not defs[chosen].stub:
        why = f"{other} is still a stub: it computes nothing from its arguments"
    elif not defs[chosen].accepts(count):
        why = f"neither takes the {count} arguments the course passes, and the grader tries {chosen} first"
    elif defs[chosen].stub:
        why = f"both are still stubs (they compute nothing from their arguments), and the grader tries {chosen} first"
    else:
        why = f"both take the course's arguments and neither is a stub, and the grader tries {chosen} first"
    return chosen, why


def _wrapper(defs: dict[str, Definition], count: int) -> bool:
    """Does one name's def call the other, both taking the course's `count` arguments? Then they are one
    function under two names (`J, grad = nn_cost_function(...); return J, grad`), whichever is called. One
    calling a helper that takes other arguments (the weight matrices) is not: the right one must be chosen."""
    return any(other in d.calls and d.accepts(count) and defs[other].accepts(count)
               for name, d in defs.items() for other in defs if other != name)


def both_names_notes(submission: Submission, functions: list[tuple[tuple[str, ...], int]]) -> list[str]:
    """For each (names, argument count) of a graded function whose names the file both defines: which was graded."""
    notes = []
    for names, count in functions:
        chosen, why = graded_name(submission, names, count)
        if chosen is None:
            continue
        other = next(n for n in names if n != chosen and n in submission.definitions)
        mine, theirs = submission.definitions[chosen], submission.definitions[other]
        if mine.accepts(count) and not theirs.accepts(count):
            advice = f"If {other} is a helper of yours, give it a name of its own: both names mean this function."
        elif theirs.stub and not mine.stub and other in submission.registered:
            advice = (f"But the course's `grader[...] = {other}` ({submission.registered[other]}) submits the stub "
                      f"{other}, which scores 0 there: rename your {chosen} to {other}, in place of the stub.")
        elif theirs.stub and not mine.stub:
            advice = f"Delete the stub {other}, or rename your {chosen} to {other} in its place if other code calls it."
        else:
            advice = f"Delete the one you do not mean, or make one a name of the other ({other} = {chosen})."
        notes.append(f"Your {submission.kind} defines both {chosen} ({mine.origin}) and {other} ({theirs.origin}): "
                     f"{chosen} was graded, because {why}. {advice}")
    return notes


# ---- what the report says about it --------------------------------------------------------------

def spans(ranges: list[tuple[Origin, Origin]], blank: set[int] = frozenset()) -> str:
    """'cells 3, 5–9' or 'lines 12–30, 45' for left-out statements (first and last lines); lines in `blank`
    (empty or comments) do not break a run of lines."""
    if not ranges:
        return ""
    notebook = ranges[0][0].cell is not None
    covered = sorted({n for first, last in ranges for n in (range(first.cell, last.cell + 1) if notebook
                                                            else range(first.line, last.line + 1))})
    runs, start, previous = [], covered[0], covered[0]
    for n in covered[1:] + [None]:
        if n is not None and all(k in blank for k in range(previous + 1, n)):
            previous = n
            continue
        runs.append(f"{start}" if start == previous else f"{start}–{previous}")
        if n is not None:
            start = previous = n
    noun = "cell" if notebook else "line"
    return f"{noun}{'s' if len(covered) > 1 else ''} {', '.join(runs)}"


# ---- the sandbox's outcomes in the student's terms -------------------------------------------------

def cell_text(submission: Submission, file: str | None) -> str | None:
    """The kept code of the notebook cell a translated message names ("exercise4.ipynb, cell 5"), at its
    own line numbers, so a crash's line can be read in it; None when `file` names no cell of this notebook."""
    prefix = f"{submission.path.name}, cell "
    if not submission.notebook or submission.source is None or not file or not file.startswith(prefix):
        return None
    try:
        cell = int(file[len(prefix):])
    except ValueError:
        return None
    kept = zip(submission.origins, submission.source.splitlines(), strict=False)
    lines = {o.line: text for o, text in kept if o.cell == cell}
    return "\n".join(lines.get(n, "") for n in range(1, max(lines, default=0) + 1))


def student_names(submission: Submission | None, names: tuple[str, ...], count: int | None = None) -> tuple[str, ...]:
    """A function's accepted names with the one the student defined first, so messages use it; of two names
    defined with `def`s of their own, the one `graded_name` chooses for a call with `count` arguments."""
    if submission is None:
        return names
    chosen = graded_name(submission, names, count)[0] if count is not None else None
    return tuple(sorted(names, key=lambda n: (n != chosen, n not in submission.defined)))


def translate(submission: Submission, outcome, names: tuple[str, ...]):
    """An Outcome with the student's cell and line in its message, the function named as they wrote it, and a
    NameError for a name set only by script code (or a missing function) explained."""
    from dataclasses import replace

    function = outcome.function or names[0]
    message = submission.place(outcome.message)
    running = list(_RUNNING.finditer(outcome.output))
    output = _RUNNING.sub("", outcome.output) if running else outcome.output
    own = [mark for mark in running if not mark.group(3)]
    helper = [mark for mark in running if mark.group(3)]
    if outcome.status == "timeout" and helper:  # a helper's top level, imported by the file (review 32, Z8)
        file = helper[-1].group(3)
        line = int(own[-1].group(2)) if own else None
        where = submission.written_imports.get(line) or submission.origin(line) if own else None
        at = "" if where is None else f" ({submission.path.name}, {where})"  # the notebook's line that imports it
        message += f"; the import of {file}{at} did not finish; it was running {file}, line {helper[-1].group(2)}"
    elif outcome.status == "timeout" and own:
        where = submission.place(f"({submission.path.name}, line {own[-1].group(2)})")
        what = own[-1].group(1)
        what = "the file's top level, as it was imported" if what == "<module>" else what
        message += f"; it was running {what} at {where[1:-1]}"
    if outcome.status == "error":
        message = submission.explain_name_error(function, message)
    elif outcome.status == "missing":
        message = missing_reason(submission, names) or message
    function = function if outcome.status != "missing" else None
    if message == outcome.message and output is outcome.output and function == outcome.function:
        return outcome  # the common case (a call that returned): nothing to say differently
    return replace(outcome, message=message, output=output, function=function)


UNREADABLE = " could not be read: "  # a graded function's definition that the grader could not read, and why
CANNOT_RUN = " cannot run: "  # a graded function's def whose defaults or decorators need script code, and why


def missing_reason(submission: Submission, names: tuple[str, ...]) -> str:
    """Why a graded function is not in the runnable source, when the file does have it in some form."""
    for name in names:
        if name in submission.syntax_errors:
            return f"{name}{UNREADABLE}{submission.syntax_errors[name]}"
        if name in submission.def_reads:
            return _def_reads_reason(submission, name)
        if name in submission.unrun:
            return (f"{name} is set only by top-level script code ({submission.unrun[name]}), which the grader does "
                    f"not run; define it with def {name}(...)")
    return ""


def _def_reads_reason(submission: Submission, name: str) -> str:
    """A def left out because its defaults or decorators read what the grader does not run (accept14, A6)."""
    read = submission.def_reads[name]
    sets = [f"{n} ({submission.unrun[n]})" for n in read if n in submission.unrun]
    where = (f"which your {submission.kind} sets only in top-level script code that the grader does not run"
             if sets else f"which your {submission.kind} does not define at its top level")
    names = ", ".join(sets or read)
    return (f"def {name} ({submission.unrun[name]}){CANNOT_RUN}its default values, decorators or annotations read "
            f"{names}, {where}; give its parameters constant defaults instead")


def script_note(submission: Submission) -> str:
    """The note that says which top-level code was left out, or ''. Statements that would change nothing if run
    are not named (`_changes_nothing`)."""
    parts = []
    quiet = _changes_nothing(submission)
    not_run = [span for span in submission.not_run if span[0] not in quiet]
    if not_run:
        where = spans(not_run, submission.blank)
        parts.append(f"Top-level code in {where} of {submission.path.name} was not run: the grader calls your "
                     f"functions itself, with its own inputs.")
    if submission.skipped_cells:
        parts.append("Left out: " + "; ".join(submission.skipped_cells) + ".")  # F17: not "Not read: ... not run"
    return " ".join(parts)


def _changes_nothing(submission: Submission) -> set[Origin]:
    """Where the left-out statements start that would change nothing if run: static (`_Static`, no call of the
    file's own code) and setting only names the kept code never mentions (`__author__ = ...`, `__all__`, an unused
    constant, `np.seterr(...)`). "Your code at lines 2-3 was not run" sent students looking for a problem there
    (review 25, F11). The file is read again within prepare's limits; unreadable, nothing is left out of the note."""
    if not submission.not_run or not submission.source:
        return set()
    try:
        cells, _ = read_cells(submission.path, submission.path.read_bytes())
        mentioned = _names_in(parsing.parse(submission.source))
    except (OSError, ValueError, SubmissionError, SyntaxError, RecursionError, MemoryError):
        return set()
    statements, read, pieces = [], 0, 0
    for cell in cells:
        more = _pieces(cell.text)
        if read + len(cell.text) > MAX_CODE_CHARS or pieces + more > MAX_CODE_PIECES:
            continue  # as _runnable: a cell past the bounds is not parsed
        read, pieces = read + len(cell.text), pieces + more
        try:
            tree = _parse_cell(cell)[0]
        except (RecursionError, MemoryError):
            return set()
        statements += [_Statement(node, cell, 0, "", text_is_tree=False) for node in (tree.body if tree else [])]
    static = _Static(_numeric_aliases(statements))  # no own callables: `main()` may do anything
    return {Origin(s.cell.number, _first_line(s.node)) for s in statements
            if static.statement(s.node) and not set(_bound_names(s.node)) & mentioned}


def redefinition_notes(submission: Submission) -> list[str]:
    """'nn_cost_function is defined 2 times (cell 3, line 1; cell 7, line 1): the last one is graded', for each
    graded function defined more than once (acceptance run 10, D9): a notebook's kernel holds whichever cell
    ran last, which may be an earlier one, so the student may have tested another version than the one graded."""
    notes = []
    for name, origins in sorted(submission.redefined.items()):
        where = "; ".join(str(origin) for origin in origins)
        if submission.notebook:
            notes.append(f"{name} is defined {len(origins)} times ({where}): the last one, in cell "
                         f"{origins[-1].cell}, is graded, as running the notebook from the top would leave it. If "
                         f"you ran an earlier cell after it, your notebook tested another version than the one "
                         f"graded; delete the ones you do not mean.")
        else:
            notes.append(f"{name} is defined {len(origins)} times ({where}): the last one, at line "
                         f"{origins[-1].line}, is graded, as Python keeps the last; delete the ones you do not mean.")
    return notes


def unsubmitted_notes(submission: Submission) -> list[str]:
    """'sigmoidGradient is defined again ... (cell 22, line 2): when its last grader cell runs (cell 18, line 1),
    sigmoidGradient is the one in cell 10 ...: that one is graded', for each graded function whose later
    definitions the course's grader does not use (`_unsubmitted`)."""
    notes = []
    for name, found in sorted(submission.unsubmitted.items()):
        later = "; ".join(str(origin) for origin in found.later)
        why = ("ran last before it, as the notebook's execution counts show" if found.by_counts else
               f"comes before it, as running the {submission.kind} from the top would leave it")
        graded = found.graded
        place = f"in cell {graded.cell} (line {graded.line})" if graded.cell is not None else f"at line {graded.line}"
        notes.append(f"{name} is defined again after the definition the course's grader uses ({later}): when its "
                     f"last grader cell runs ({found.registered}), {name} is the one {place}, which {why}, so that "
                     f"one is graded. If you meant a later one, put it in place of that one and run the "
                     f"{submission.kind} again; else delete it.")
    return notes


def unsubmitted_other_notes(submission: Submission) -> list[str]:
    """'nnCostFunctionVectorized is defined again after the last of the course's grader cells that submit it ...',
    for each function a grader cell submits under another name that the file sets again after every grader cell:
    as for the exercise's own names (`unsubmitted_notes`), the later one is graded nowhere (review 31, Y11)."""
    notes = []
    for name, (cell, text, later, held, how, by_counts, kept) in sorted(submission.unsubmitted_other.items()):
        where = "; ".join(str(origin) for origin in later)
        held_text = "" if held is None else (
            f"; those cells submitted the one in cell {held.cell} (line {held.line})" if held.cell is not None else
            f"; those cells submitted the one at line {held.line}")
        submits = "it" if text.endswith(f" = {name}") else text.partition(" = ")[2]  # `grader[5] = Net.cost`
        # what the statement still sets is run (review 37d, R37D-3: "delete it" lost the sigmoid a function reads)
        still = (f" Only its {' and '.join(kept)} {'is' if len(kept) == 1 else 'are'} run, as your code reads "
                 f"{'it' if len(kept) == 1 else 'them'}." if kept else "")
        remove = f"take {name} out of it" if kept else "delete it"
        after = ("ran after it, as the notebook's execution counts show" if by_counts else  # review 37d, R37D-2
                 f"comes after it, as running the {submission.kind} from the top would leave it")
        notes.append(f"{name} is {how} again after the last of the course's grader cells that submit {submits} "
                     f"(`{text}`, {cell}): the later one ({where}) {after}, so it was never submitted and is graded "
                     f"neither by the course nor here{held_text}.{still} If you meant the later one, put it in place "
                     f"of that one and run the {submission.kind} again; else {remove}.")
    return notes


def registered_as_notes(submission: Submission) -> list[str]:
    """'sigmoidgradient is graded as sigmoidGradient: the course's grader cell ... submits it', for each function a
    grader cell submits under a name the exercise does not accept (`_submitted_as`)."""
    return [f"{other} is graded as {name}: the course's grader cell `grader[{k}] = {other}` ({where}) submits it "
            f"for that part, whatever its name. Elsewhere (the course's checks, your other cells) the function is "
            f"called {name}: name it so." for name, (other, where, k) in sorted(submission.registered_as.items())]


def registered_earlier_notes(submission: Submission) -> list[str]:
    """'The course's grader[3] = sigmoidGradient (cell 12) registered the one in cell 10...', for a function fixed
    after its own grader cell ran: graded here on the fix (the functions calling it use it), but the course grades
    its own part on the object that cell registered (review 21, R2)."""
    notes = []
    for name, found in sorted(submission.registered_earlier.items()):
        notes.append(f"{name} is graded here on its definition at {found.graded}, but the course's `grader[...] = "
                     f"{name}` ({found.registered}) registered the earlier one, at {found.earlier}: the course grades "
                     f"{name}'s own part on that one. Run that grader cell again after your fix (or put the fix in "
                     f"place of the earlier definition) before you submit.")
    return notes


def unread_redefinition_notes(submission: Submission, functions: list[tuple[tuple[str, ...], int]]) -> list[str]:
    """'nnCostFunction is defined again in cell 7 (line 1), which was not read ...: the one in cell 3 was graded',
    for a graded function whose later definition sits in a cell left out (a syntax error): the student may
    believe their fix was graded. `functions` holds each function's (names, argument count): a fix written under
    the other name (the template's nnCostFunction stub graded, nn_cost_function unread) is the same function."""
    notes = []
    for name, unread in sorted(submission.unread.items()):
        names, count = next(((n, c) for n, c in functions if name in n), ((name,), None))
        graded_as = student_names(submission, names, count)[0]
        graded = submission.defined.get(graded_as)
        if graded is None or graded.cell is None or unread.cell <= graded.cell:
            continue
        earlier = "the earlier definition," if graded_as == name else f"the earlier definition, {graded_as},"
        notes.append(f"{name} is defined again in {unread}, which could not be read "
                     f"({submission.syntax_errors[name]}): {earlier} in {graded}, was graded, not "
                     f"the later one. Fix cell {unread.cell} and grade again.")
    return notes


def module_value_notes(submission: Submission, failed_functions: set[str],
                       arguments: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """'nnCostFunction reads module-level m (line 3) instead of computing it from its arguments', for the
    functions that failed a part (a correct function may well read a constant such as EPSILON). `arguments`: each
    graded name's arguments as the course passes them; a value of one of those names read from the module is a
    parameter the def calls otherwise (`lmbda` for lambda_, student review 4, F7), and the note says so.

    Only for a value that may differ with the data (`_DataValues`): a constant such as HALF = 1 / 2, a message, a
    function (sigmoid = special.expit) or a default the course always overrides is the same on every input, and
    the note would say it is not (review 25, F7)."""
    if not submission.module_values or not failed_functions:
        return []
    notes = []
    data = _DataValues(submission, arguments or {})
    for name, origin in sorted(submission.module_values.items()):
        readers = sorted(f for f in submission.readers[name] & failed_functions if data.used(f, name))
        counted = [f for f in readers if data.counted(f, name)] if not data.varies(name) else []
        if not readers or not (counted or data.varies(name)):
            continue
        if counted:  # the names of the classes are the same on every input; how many there are is not
            notes.append(f"{' and '.join(counted)} {'counts' if len(counted) == 1 else 'count'} the items of "
                         f"module-level {name} ({origin}) instead of taking that number from "
                         f"{'its' if len(counted) == 1 else 'their'} arguments; the grader calls "
                         f"{'it' if len(counted) == 1 else 'them'} with other inputs, where the number is different.")
            continue
        renamed = _renamed_parameter(submission, readers[0], name, arguments or {}) if len(readers) == 1 else None
        if renamed:
            notes.append(f"{readers[0]} reads module-level {name} ({origin}) though the course passes {name} as an "
                         f"argument: your def names that parameter {renamed}, so the body reads the notebook's {name} "
                         f"instead. Name the parameter {name}, or use {renamed} in the body.")
        elif len(readers) == 1:
            notes.append(f"{readers[0]} reads module-level {name} ({origin}) instead of computing it from its "
                         f"arguments; the grader calls it with other inputs, where {name} is different.")
        elif readers:
            notes.append(f"{' and '.join(readers)} read module-level {name} ({origin}) instead of computing it "
                         f"from their arguments; the grader calls them with other inputs, where {name} is different.")
    return notes


# numpy's and Python's makers of arrays (an array may be data: weights, labels, one-hot rows) and of functions
_ARRAY_MAKERS = frozenset({"array", "asarray", "matrix", "zeros", "ones", "empty", "full", "eye", "identity", "arange",
                           "linspace", "tile", "repeat", "rand", "randn", "randint", "random", "normal", "uniform",
                           "standard_normal", "default_rng", "list", "range"})
_FUNCTION_MAKERS = frozenset({"vectorize", "frompyfunc", "partial", "lru_cache", "cache", "staticmethod", "wraps"})
# what counts the items of anything: K = len(CLASS_NAMES) is a number of classes, m = X.shape[0] of examples
_COUNTERS = frozenset({"len", "size", "shape"})
_LOOPS = frozenset({"enumerate"})  # over a list's items: as many rounds as it has (`counted`)
_COUNT_OPS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)


class _DataValues:
    """Which kept module-level values may differ with the data the notebook loaded (review 25, F7): a course
    argument's name (lambda_ = 1), a whole number (m = 5, a count or a size), an array, or a value computed
    from those, or a count of anything (len(CLASS_NAMES), .shape, .size: fix28, T9). Numbers that are not whole,
    strings and functions (aliases, np.vectorize, lambdas) do not."""

    def __init__(self, submission: Submission, arguments: dict[str, tuple[str, ...]]):
        self.arguments = arguments
        self.inputs = {name for names in arguments.values() for name in names}
        self.values: dict[str, list[ast.expr | None]] = {}
        self.defs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.seen: set[str] = set()
        try:
            tree = parsing.parse(submission.source or "")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        self.readable = tree is not None
        stack = list(reversed(tree.body)) if tree is not None else []
        while stack:  # module level, blocks included; not inside defs and classes
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.defs[node.name] = node
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in _names_in(target):
                        plain = isinstance(target, ast.Name)
                        self.values.setdefault(name, []).append(node.value if plain else None)
            elif (ran := _exec_source(node)) is not None:  # an exported cell's statement, run from its source
                stack += reversed(ran.body)
            elif not isinstance(node, ast.ClassDef):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    stack += reversed(getattr(node, field, None) or [])

    def varies(self, name: str) -> bool:
        """May the module's `name` differ with the data? Unreadable or unusual bindings: it may."""
        if not self.readable or name in self.inputs:
            return True
        if name in self.seen:
            return False
        self.seen.add(name)
        try:
            return any(value is None or self._expression(value) for value in self.values.get(name, [None]))
        finally:
            self.seen.discard(name)

    def _expression(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return type(node.value) is int and node.value not in (0, 1)  # m = 5: a count
        if isinstance(node, ast.Name):
            return node.id in self.inputs or (node.id in self.values and self.varies(node.id))
        if isinstance(node, ast.Lambda):
            return False
        if isinstance(node, ast.Attribute) and node.attr in _COUNTERS:
            return True  # m = X_all.shape[0]
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in _FUNCTION_MAKERS:
                return False
            if called in _COUNTERS:
                return True  # K = len(CLASS_NAMES): the ten digits' names are a number of classes
            return called in _ARRAY_MAKERS or self._expression(node.func) or \
                any(self._expression(a) for a in [*node.args, *(k.value for k in node.keywords)])
        if isinstance(node, ast.BinOp):
            if _whole_number(node):
                return True  # n = 400 + 1
            return any(self._expression(side) for side in (node.left, node.right)
                       if not isinstance(side, ast.Constant))  # HALF = 1 / 2 reads no count
        if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp | ast.NamedExpr):
            return True
        return any(self._expression(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))

    def counted(self, function: str, name: str) -> bool:
        """Does `function` count the items of the module's list, tuple or set `name` (len(CLASS_NAMES) for
        num_labels), or loop over them (`for k, _ in enumerate(CLASS_NAMES)`)? Their number is a size the data
        may change, though the items (the classes' names) are not. Not of fewer than 4 items: a loop over the
        network's own parts (("Theta1", "Theta2"), the three layers) is the same on every input."""
        node = self.defs.get(function)
        values = self.values.get(name, [None])
        if node is None or not all(isinstance(v, ast.List | ast.Tuple | ast.Set) and len(v.elts) >= 4
                                   for v in values):
            return False

        def named(e: ast.expr) -> bool:
            return isinstance(e, ast.Name) and e.id == name

        for child in (c for statement in node.body for c in ast.walk(statement)):
            if isinstance(child, ast.Call) and child.args and named(child.args[0]) and \
                    getattr(child.func, "attr", getattr(child.func, "id", None)) in _COUNTERS | _LOOPS:
                return True
            if isinstance(child, ast.For | ast.AsyncFor | ast.comprehension) and named(child.iter):
                return True
        return False

    def used(self, function: str, name: str) -> bool:
        """Does `function` read `name` where it matters: in its body, or in the default of a parameter the
        course does not pass (not `lambda_=DEFAULT_LAMBDA`, which every call overrides)?"""
        node = self.defs.get(function)
        if node is None:
            return True
        if name in {n for statement in node.body for n in _names_in(statement)}:
            return True
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        passed = len(self.arguments.get(function, ()))
        first_default = len(positional) - len(args.defaults)
        defaults = [d for i, d in enumerate(args.defaults, first_default) if i >= passed]
        return name in {n for d in [*defaults, *args.kw_defaults] if d is not None for n in _names_in(d)}


def _whole_number(node: ast.expr) -> bool:
    """Is the expression whole-number arithmetic on literals (400 + 1, 20 * 20)?"""
    while isinstance(node, ast.UnaryOp):
        node = node.operand
    if isinstance(node, ast.Constant):
        return type(node.value) is int
    return isinstance(node, ast.BinOp) and isinstance(node.op, _COUNT_OPS) and _whole_number(node.left) and \
        _whole_number(node.right)


def hard_coded_sizes_notes(submission: Submission, failed: set[str], sizes: tuple[int, ...]) -> list[str]:
    """'nnCostFunction writes the assignment's sizes as numbers (10 at line 27)...', for each function that failed a
    part and holds, as whole-number constants, the full-size network's layer sizes (the course's 400, 25, 10) or
    a Θ's width (401, 26): it works in the notebook, on the digits, and nowhere else (student review 4, F11). A
    power's operands and a label (`y[y == 10] = 0`) are no sizes."""
    if not sizes or not failed or not submission.source:
        return []
    wanted = {n for size in sizes for n in (size, size + 1)} - {0, 1, 2}
    try:
        tree = parsing.parse(submission.source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    notes = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name not in failed:
            continue
        found = {}
        skipped = _power_operands(node) | _label_constants(node)
        for child in ast.walk(node):
            if isinstance(child, ast.Constant) and type(child.value) is int and child.value in wanted \
                    and id(child) not in skipped:
                found.setdefault(child.value, submission.origin(child.lineno))
        if found:
            where = "; ".join(f"{value} at {origin}" for value, origin in sorted(found.items()))
            notes.append(f"{node.name} writes the assignment's sizes as numbers ({where}). They hold for the "
                         f"assignment's own data ({'-'.join(map(str, sizes))}), but the grader's cases use other "
                         f"sizes: use input_layer_size, hidden_layer_size and num_labels (and the shapes of X and "
                         f"nn_params) instead.")
    return notes


def removed_numpy_notes(submission: Submission) -> list[str]:
    """'np.int (line 12) was removed in NumPy 1.24 ...': the names NumPy removed that the sandbox gives back
    (sandbox/course.py, NUMPY_REMOVED), each said once, where the runnable source reads it (review 25, F12)."""
    from .sandbox.numpy_names import NUMPY_RESTORED

    source = submission.source
    if not source or "numpy" not in source or not (
            "from numpy import" in source or re.search(r"\.(?:" + "|".join(NUMPY_RESTORED) + r")\b", source)):
        return []  # no parse of every submission for a rare note (nor an import of crashes.py, 15 ms)
    from .crashes import NUMPY_REMOVED as REPLACEMENTS

    try:
        tree = parsing.parse(submission.source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for a in node.names if a.name == "numpy"}
    import numpy

    found: dict[str, tuple[Origin, str]] = {}  # name -> where first, as written (np.float_, numpy.product)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            uses = [(node.attr, f"{node.value.id}.{node.attr}")]
        elif isinstance(node, ast.ImportFrom) and node.module == "numpy":  # review 26, R9: from numpy import float_
            uses = [(a.name, f"from numpy import {a.name}") for a in node.names]
        else:
            continue
        for name, written in uses:
            if name in NUMPY_RESTORED and name not in numpy.__dict__:
                origin = submission.origin(node.lineno)
                if name not in found or (origin.cell or 0, origin.line) < (found[name][0].cell or 0,
                                                                           found[name][0].line):
                    found[name] = (origin, written)
    if not found:
        return []
    names = sorted(found, key=lambda name: (found[name][0].cell or 0, found[name][0].line))
    used = "; ".join(f"{found[name][1]} ({found[name][0]}, removed in NumPy {REPLACEMENTS[name][0]})"
                     for name in names)
    write = "; ".join(f"{REPLACEMENTS[name][1]} for {found[name][1]}" if not found[name][1].startswith("from ")
                      else f"{REPLACEMENTS[name][1]} where you use {name}" for name in names)  # review 27, T11
    return [f"Your file uses names that NumPy has removed: {used}. They run here, as on the NumPy of the course's "
            f"days, but fail on a current NumPy: write {write} (each only ever was another name for it)."]


_POWER_CALLS = frozenset({"pow", "power", "float_power"})


def _power_operands(node: ast.AST) -> set[int]:
    """The ids of the numbers written as a power's base or exponent (`10 ** -10`, `np.power(10.0, -10)`,
    `np.ones(10 ** 7)`): an epsilon or a big count, not a layer size (accept14, A2)."""
    operands = []
    for child in ast.walk(node):
        if isinstance(child, ast.BinOp) and isinstance(child.op, ast.Pow):
            operands += [child.left, child.right]
        elif isinstance(child, ast.Call) and (getattr(child.func, "id", None) in _POWER_CALLS
                                              or getattr(child.func, "attr", None) in _POWER_CALLS):
            operands += child.args[:2]
    found = set()
    for operand in operands:
        while isinstance(operand, ast.UnaryOp):  # -10
            operand = operand.operand
        if isinstance(operand, ast.Constant):
            found.add(id(operand))
    return found


def _label_constants(node: ast.AST) -> set[int]:
    """The ids of the numbers compared with something (`y == 10`) or stored into an array's items (`y[...] = 10`):
    the Octave habit `y[y == 10] = 0` writes a label, not a layer size (review 25, F8)."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Compare):
            operands = [child.left, *child.comparators]
        elif isinstance(child, ast.Assign) and all(isinstance(t, ast.Subscript) for t in child.targets):
            operands = [child.value]
        else:
            continue
        for operand in operands:
            while isinstance(operand, ast.UnaryOp):
                operand = operand.operand
            if isinstance(operand, ast.Constant):
                found.add(id(operand))
    return found


def _renamed_parameter(submission: Submission, function: str, name: str,
                       arguments: dict[str, tuple[str, ...]]) -> str | None:
    """The student's name for the parameter the course passes as `name`, when the def calls it otherwise."""
    expected, definition = arguments.get(function, ()), submission.definitions.get(function)
    if name not in expected or definition is None:
        return None
    try:
        tree = parsing.parse(f"def f({definition.parameters}): pass")
    except (SyntaxError, ValueError):
        return None
    params = [a.arg for a in (*tree.body[0].args.posonlyargs, *tree.body[0].args.args)]
    position = expected.index(name)
    return params[position] if position < len(params) and params[position] != name else None


_TEMPLATE_ZEROS = re.compile(r"\b(?:np|numpy)\.zeros\(\s*\w+\.shape\s*\)")  # `import numpy` too (accept15, N9)


def template_line_fails(submission: Submission | None, message: str) -> bool:
    """Does an error message point at the course template's `g = np.zeros(z.shape)` line?"""
    if submission is None:
        return False
    found = re.search(rf"\({re.escape(submission.path.name)}, (?:cell (\d+), )?line (\d+)\)", message)
    if not found:
        return False
    cell, line = (int(found.group(1)) if found.group(1) else None), int(found.group(2))
    index = next((i for i, o in enumerate(submission.origins) if o == Origin(cell, line)), None)
    lines = (submission.source or "").split("\n")
    return index is not None and index < len(lines) and bool(_TEMPLATE_ZEROS.search(lines[index]))


def for_exercise(path: Path, exercise) -> Submission | None:
    """The runnable part of a submission for `exercise`'s graded functions, as every command reads it.

    None for a file the grader must not read itself: a link, or one reached through a link (as root that would
    read a file the student cannot); the sandbox then refuses it with a clear message. SubmissionError (with
    the path as given) for a damaged notebook."""
    import os

    from .sandbox.fitness import _unfit_submission

    absolute = Path(os.path.abspath(path))
    if os.path.islink(absolute) or _unfit_submission(absolute, runnable_bytes=0):
        return None
    roots = {name for function in exercise.functions.values() for name in function.names}
    parts = tuple(tuple(exercise.functions[part.function].names) for part in exercise.parts)
    try:
        return prepare(absolute, roots, parts=parts)
    except SubmissionError as error:
        raise SubmissionError(str(error).replace(str(absolute), str(path))) from None
