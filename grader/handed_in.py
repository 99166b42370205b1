"""Files students hand in by mistake instead of their code, told apart so the message says what to hand in.

A notebook exported as a web page (File > Download as > HTML, `nbconvert --to html`), printed to PDF, pasted
into a Word document, zipped with its folder, kept as a jupytext/MyST Markdown notebook, or the course's
original Octave files (nnCostFunction.m, ex4.m): each shows the student's work, but none of it is code the
grader can run. Read as Python they scored 0 on every part with a SyntaxError (review 28, R28-13, R28-20), and a
batch said only "no submission". Here they are named for what they are, by their first bytes where those tell
(`<!DOCTYPE html`, `%PDF-`, a zip's `PK\\x03\\x04`, a jupytext header), else by the name's suffix, with what to
hand in instead: `grade FILE` refuses them (exit 2), a batch or a platform says "could not grade" and why.

Only the file's first `HEAD` bytes are read (a zip's list of names aside), so a 100 MB PDF costs nothing.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from . import parsing

HEAD = 1 << 16
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive, or an empty one
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office before 2007: .doc, .xls
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8")  # PNG, JPEG, GIF
_OCTAVE_FUNCTION = re.compile(rb"^function\s+(\[[^\]\n]*\]\s*=\s*|\w+\s*=\s*)?\w+\s*(\(|$)", re.M)
_CODE_CELL = re.compile(rb"^(```|~~~)\s*\{code-cell\}", re.M)
# Suffixes that are never code the grader runs, when the content did not tell (a .docx need not be read)
_BY_SUFFIX = {".html": "html", ".htm": "html", ".mhtml": "html", ".mht": "html", ".pdf": "pdf", ".docx": "word",
              ".doc": "word", ".odt": "word", ".rtf": "rtf", ".pages": "word", ".zip": "zip", ".m": "octave",
              ".png": "image", ".jpg": "image", ".jpeg": "image", ".myst": "markdown", ".mystnb": "markdown",
              ".md": "text", ".markdown": "text", ".tex": "latex", ".rst": "rst"}
SUFFIXES = tuple(_BY_SUFFIX)  # what a folder's files are looked at for (batch, platforms)


class Kind(NamedTuple):
    """What a file is (`what`, "a web page (HTML)"), and how its author gets the file the grader wants (`how`)."""

    key: str
    what: str
    how: str


_HTML = Kind("html", "a web page (HTML), such as a notebook exported with File > Download as > HTML (or nbconvert "
                    "--to html) or saved from the browser: it shows the code, but is not code",
             "in Jupyter, File > Download as > Notebook (.ipynb) gives the notebook itself")
_PDF = Kind("pdf", "a PDF (a notebook printed or exported to PDF): it shows the code, but is not code",
            "in Jupyter, File > Download as > Notebook (.ipynb) gives the notebook itself")
_WORD = Kind("word", "a word-processor document (Word, .docx): the grader cannot run code pasted into one",
             "copy the code back into the notebook or a .py file")
_MARKDOWN = Kind("markdown", "a Markdown notebook (jupytext/MyST, with ```{code-cell} blocks), not a Jupyter "
                             "notebook",
                 "open it in Jupyter with jupytext and save it as .ipynb, or run: jupytext --to notebook FILE")
_PLAIN_MARKDOWN = Kind("text", "a Markdown file: text, not code", "the code is in the notebook or .py file")
_RTF = Kind("rtf", "a rich-text document (RTF, as TextEdit or WordPad saves it): formatting codes around the text, "
                   "not code", "save it as plain text (in TextEdit, Format > Make Plain Text), or hand in the notebook")
_RST = Kind("text", "a reStructuredText document: text, not code", "the code is in the notebook or .py file")
_LATEX = Kind("latex", "a LaTeX document (a notebook exported to LaTeX): it shows the code, but is not code",
              "in Jupyter, File > Download as > Notebook (.ipynb) gives the notebook itself")
_IMAGE = Kind("image", "an image (a screenshot?): the grader cannot run code in a picture",
              "hand in the file itself instead")


def _octave(functions: str) -> Kind:
    return Kind("octave", "an Octave/MATLAB file of the course's original exercise, while this grader grades the "
                          "course's Python port",
                f"write {functions} in Python, as the port's notebook asks")


def _zip(names: list[str]) -> Kind:
    code = [n for n in names if n.lower().endswith((".ipynb", ".py")) and "__MACOSX" not in n
            and "/." not in f"/{n}" and not n.endswith(("/utils.py", "/submission.py")) and n != "utils.py"]
    inside = f" (it holds {', '.join(repr(n) for n in code[:3])}{' and more' if len(code) > 3 else ''})" \
        if code else ""
    return Kind("zip", f"a zip archive{inside}: the grader grades one file, not an archive",
                "unzip it and hand in the notebook or .py file from inside it")


def _zip_kind(path: Path) -> Kind:
    """A Word document (.docx, .odt are zips too) or an archive, by the names it holds."""
    import zipfile  # only for a file that is a zip: a lone grade of a .py never pays for it (bz2, lzma, shutil)

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()[:2000]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        names = []
    if any(n.startswith(("word/", "ppt/", "xl/")) for n in names) or "mimetype" in names[:1] \
            or path.suffix.lower() in (".docx", ".odt"):
        return _WORD
    return _zip(names)


def _jupytext_header(head: bytes) -> bool:
    """YAML front matter naming jupytext or a kernel: what jupytext and MyST write atop a Markdown notebook."""
    text = head.lstrip(b"\xef\xbb\xbf")
    if not text.startswith(b"---"):
        return False
    front = text[3:].split(b"\n---", 1)[0]
    return b"jupytext:" in front or b"kernelspec:" in front


def kind_of(path: Path, head: bytes, functions: str = "the graded functions") -> Kind | None:
    """What `path` (whose first bytes are `head`) is when it is not code to grade, else None. `functions`: the
    exercise's function names in words, for an Octave file's advice."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    suffix = path.suffix.lower()
    if stripped.startswith((b"<!doctype html", b"<html")) or stripped.startswith((b"<?xml", b"<!--")) and \
            b"<html" in stripped:  # a browser's "Save page as" starts `<!-- saved from url=...` (review 31, X5)
        return _HTML
    if head.startswith(b"%PDF-"):
        return _PDF
    if stripped.startswith((b"mime-version:", b"from: <saved by")) and b"multipart/related" in stripped:
        return _HTML  # a browser's web page archive (.mhtml), saved under any name (review 31, X11)
    if stripped.startswith(b"{\\rtf"):
        return _RTF  # TextEdit's or WordPad's rich text, even named ex5.py (X11, X12)
    if stripped.startswith(b"\\documentclass"):  # at the very start: a docstring may quote one (review 32, Z4)
        return _LATEX
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(_OLE_MAGIC):
        return _WORD
    if head.startswith(_IMAGES):
        return _IMAGE
    if suffix in _BY_SUFFIX and _notebook_json(stripped):  # before the suffix: what it holds tells (X18)
        return _renamed_notebook(path)
    if _jupytext_header(head) or suffix != ".py" and _CODE_CELL.search(head):
        return _MARKDOWN
    if suffix == ".m" or suffix not in (".ipynb",) and _octave_text(head):
        return _octave(functions)
    return {"html": _HTML, "pdf": _PDF, "word": _WORD, "zip": _zip([]), "image": _IMAGE, "markdown": _MARKDOWN,
            "text": _PLAIN_MARKDOWN, "rtf": _RTF, "latex": _LATEX, "rst": _RST}.get(_BY_SUFFIX.get(suffix, ""))


def _notebook_json(stripped: bytes) -> bool:
    """A notebook's JSON (Jupyter's format 4, or 3's worksheets), from its first bytes (lowercased, stripped)."""
    return stripped.startswith(b"{") and any(key in stripped for key in (b'"cells"', b'"nbformat"', b'"worksheets"'))


def _renamed_notebook(path: Path) -> Kind:
    """A notebook saved under a name for something else (exercise4.html, a browser's "Save page as" on the raw
    notebook): it was called "a web page" (review 31, X18), which it is not. Said for what it is, with the one step
    that makes it gradable; a batch or a platform takes only .py and .ipynb files for a submission."""
    return Kind("renamed_notebook", f"a Jupyter notebook (its JSON, as Jupyter saves it) under a {path.suffix} "
                                    f"name, not {_BY_SUFFIX_WORDS.get(_BY_SUFFIX[path.suffix.lower()], 'a document')}",
                f"rename it {path.stem}.ipynb: it can then be graded as it is")


_BY_SUFFIX_WORDS = {"html": "a web page", "pdf": "a PDF", "word": "a word-processor document", "zip": "an archive",
                    "octave": "an Octave file", "image": "an image", "latex": "a LaTeX document"}


def _octave_text(head: bytes) -> bool:
    """Octave's `function [J grad] = nnCostFunction(...)` as the first line of code (after % comments): never
    Python, which would not parse it."""
    for line in head.split(b"\n")[:200]:
        line = line.strip()
        if not line or line.startswith((b"%", b"#")):
            continue
        return bool(_OCTAVE_FUNCTION.match(line))
    return False


def read_head(path: Path) -> bytes:
    """The file's first HEAD bytes; b"" when it cannot be read (that is said elsewhere)."""
    try:
        with open(path, "rb") as file:
            return file.read(HEAD)
    except OSError:
        return b""


def wanted(exercise) -> tuple[str, str]:
    """(the files to hand in, the graded functions) in the exercise's own names: ("exercise4.ipynb or ex5.py",
    "nnCostFunction (or nn_cost_function) and sigmoidGradient (or sigmoid_gradient)"); generic without one."""
    if exercise is None:
        return "the notebook (.ipynb) or the .py file of the course's Python port", "the graded functions"
    course = max(exercise.aliases, key=len) if exercise.aliases else exercise.id
    return f"{course}.ipynb or {exercise.id}.py", in_words(tuple(f.names for f in exercise.functions.values()))


def in_words(graded: tuple[tuple[str, ...], ...]) -> str:
    """"nnCostFunction (or nn_cost_function) and ..." for each graded function's names (its own name first): the
    course's camelCase name first, as its notebook writes it."""
    said = [f"{names[1]} (or {names[0]})" if len(names) > 1 else names[0] for names in graded if names]
    return " and ".join(said) or "the graded functions"


def message(shown: str, kind: Kind, files: str) -> str:
    """One paragraph: the file, what it is, what to hand in instead. A page saved under the notebook's own name
    (exercise4.ipynb) is not told to hand in exercise4.ipynb: the real one."""
    suffix = Path(shown).suffix.lower()
    if suffix in (".ipynb", ".py"):
        real = "notebook" if suffix == ".ipynb" else "Python file"
        return f"{shown}: despite its name, is {kind.what}. Hand in the real {real} instead ({kind.how})"
    return f"{shown}: is {kind.what}. Hand in {files} instead ({kind.how})"


def refusal(path: Path, shown: str, exercise=None, head: bytes | None = None) -> str:
    """The message for a file that is not code to grade, else ""."""
    files, functions = wanted(exercise)
    kind = kind_of(path, read_head(path) if head is None else head, functions)
    return message(shown, kind, files) if kind else ""


def mistaken(paths: list[Path], functions: str = "the graded functions",
             named: Callable[[Path], bool] = lambda path: False) -> list[tuple[Path, Kind]]:
    """Those of a folder's files (one with no code to grade) that were handed in by mistake, in the order given.
    A plain Markdown file or an image only when `named` for the exercise (exercise4.md, not a README.md or a
    plot: what else the folder holds is then said as before)."""
    found = [(path, kind) for path in paths if path.suffix.lower() in SUFFIXES
             and (kind := kind_of(path, read_head(path), functions)) is not None]
    return [(p, k) for p, k in found if k.key not in ("image", "text") or named(p)]


def line(shown: str, kind: Kind, files: str) -> str:
    """One line for a batch's gradebook or a platform's result: what the file is and what to hand in instead."""
    return f"{shown} is {kind.what}; hand in {files} instead ({kind.how})"


def python_text(data: bytes) -> str | None:
    """The text of a file named .ipynb that holds no JSON at all but Python source (ex5.py renamed exercise4.ipynb:
    review 28, R28-14), to be graded as the .py it is; None for anything else (an empty file, JSON, not UTF-8)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # a notebook in UTF-16 is JSON that json.loads reads
        return None
    first = text.lstrip()[:1]
    if not first or first in "{[":
        return None
    # Python: a def or an import at the start of a line (a .py with a slip in it is still one), not a stray text
    # ("not a notebook") that would only be graded 0 for a syntax error, nor Markdown's fenced code (X5)
    try:
        parsing.parse(text)
        return text  # Python, whatever its strings hold (review 32, Z5: a docstring with a Markdown fence)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    if re.search(r"^(```|~~~)", text, re.MULTILINE):
        return None
    return text if re.search(r"^(def|import|from|class)\s", text, re.MULTILINE) else None


def python_note(submission, shown: str, exercise=None) -> str:
    """The `python_not_notebook` note for a .ipynb file graded as the Python source it holds (`python_text`), else
    ""."""
    if submission is None or submission.notebook or Path(shown).suffix.lower() != ".ipynb":
        return ""
    name = f"{exercise.id}.py" if exercise is not None else "a name ending in .py"
    return (f"{Path(shown).name} holds Python source, not a notebook (a notebook is a JSON file, as Jupyter saves "
            f"it): it was graded as the Python file it is. Name it {name}, or hand in the notebook itself.")
