"""Files students really hand in by mistake (review 28, R28-13, R28-14, R28-20), through the CLI.

A notebook exported as HTML or printed to PDF, a Word file, a zip of the folder, a jupytext/MyST Markdown
notebook, the course's original Octave files: `grade FILE` refuses each with one paragraph (exit 2) that names
the file, says what it is and what to hand in; a batch and the platforms say "could not grade" with that reason.
A Python file renamed .ipynb is graded as the Python it is, with a note.
"""

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from . import course
from .conftest import ROOT, grade_json, run_cli
from .test_platforms import gradescope_root, run_coursera, run_gradescope

SOLUTION = ROOT / "solutions" / "ex5.py"
HTML = ('<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8" />\n<meta name="viewport" content="width=device-width, '
        'initial-scale=1.0">\n<title>exercise4</title>\n</head>\n<body class="jp-Notebook">\n<div class="jp-Cell '
        'jp-CodeCell"><pre><span class="k">def</span> <span class="nf">nnCostFunction</span>(nn_params, ...)</pre>'
        '</div>\n</body>\n</html>\n')
MYST = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Programming Exercise 4: Neural Networks Learning

```{code-cell} ipython3
import numpy as np
import utils
```

```{code-cell} ipython3
def sigmoidGradient(z):
    g = utils.sigmoid(z) * (1 - utils.sigmoid(z))
    return g
```
"""
OCTAVE = {
    "nnCostFunction.m": "function [J grad] = nnCostFunction(nn_params, input_layer_size, hidden_layer_size, ...\n"
                        "                                   num_labels, X, y, lambda)\n"
                        "%NNCOSTFUNCTION Implements the neural network cost function for a two layer\n"
                        "m = size(X, 1);\nJ = 0;\ngrad = [Theta1_grad(:) ; Theta2_grad(:)];\nend\n",
    "sigmoidGradient.m": "function g = sigmoidGradient(z)\n%SIGMOIDGRADIENT returns the gradient of the sigmoid\n"
                         "g = zeros(size(z));\ng = sigmoid(z) .* (1 - sigmoid(z));\nend\n",
    "ex4.m": "%% Machine Learning Online Class - Exercise 4 Neural Network Learning\n\n"
             "%  Instructions\n%  ------------\n\nclear ; close all; clc\ninput_layer_size  = 400;\n",
}


def _pdf() -> bytes:
    return (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Title (exercise4) /Producer (Skia/PDF m120) >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><w:body>def nnCostFunction(...):</w:body></w:document>")


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Exercise4/exercise4.ipynb", course.notebook(course.cells()))
        archive.writestr("Exercise4/utils.py", "def sigmoid(z):\n    return z\n")


def handed_in(folder: Path, name: str) -> Path:
    """A file as students hand it in by mistake, made by its kind's suffix (the name's own suffix)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    suffix = path.suffix.lower()
    if suffix == ".html":
        path.write_text(HTML)
    elif suffix == ".pdf":
        path.write_bytes(_pdf())
    elif suffix == ".docx":
        _docx(path)
    elif suffix == ".zip":
        _zip(path)
    elif suffix == ".md":
        path.write_text(MYST)
    else:
        path.write_text(OCTAVE[name])
    return path


# What `grade FILE` must say each one is
KINDS = {"exercise4.html": "a web page (HTML)", "exercise4.pdf": "a PDF", "exercise4.docx": "a word-processor document",
         "exercise4.zip": "a zip archive", "exercise4.md": "a Markdown notebook (jupytext/MyST",
         "nnCostFunction.m": "an Octave/MATLAB file", "sigmoidGradient.m": "an Octave/MATLAB file",
         "ex4.m": "an Octave/MATLAB file"}


def _refused(result, name: str, what: str) -> str:
    """The one paragraph `grade` printed for a file it refuses: exit 2, no traceback, the file and what it is."""
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith(f"grade: {name}: ") and "\n" not in message, message
    assert what in message and "Traceback" not in result.output, message
    return message


@pytest.mark.parametrize("name", list(KINDS))
def test_grade_refuses_a_file_that_is_not_code_and_says_what_to_hand_in(tmp_path, name):
    """Read as Python, each scored 0 on every part with a SyntaxError (exit 1); an Octave file named for its function
    could not even tell its exercise. Now: what it is, and the course's files to hand in instead."""
    path = handed_in(tmp_path, name)
    message = _refused(run_cli(str(path)), str(path), KINDS[name])
    assert "Hand in exercise4.ipynb or ex5.py instead" in message, message
    if name.endswith(".m"):  # the Python port's functions, in the names its notebook uses
        assert "Python port" in message and "nnCostFunction (or nn_cost_function)" in message, message
    if name.endswith(".zip"):
        assert "'Exercise4/exercise4.ipynb'" in message and "'Exercise4/utils.py'" not in message, message
    as_json = run_cli(str(path), "--format", "json")
    assert as_json.exit_code == 2 and KINDS[name] in json.loads(as_json.stdout)["error"]


@pytest.mark.parametrize(("name", "content", "what"), [
    ("exercise4.ipynb", "exercise4.html", "a web page (HTML)"),  # the browser's "Save page as" on the notebook
    ("ex5.py", "exercise4.pdf", "a PDF"),
    ("ex5.py", "nnCostFunction.m", "an Octave/MATLAB file"),  # the Octave function pasted into ex5.py
    ("exercise4.txt", "exercise4.md", "a Markdown notebook"),
])
def test_what_a_file_is_is_told_by_its_content_whatever_its_name(tmp_path, name, content, what):
    source = handed_in(tmp_path / "made", content)
    path = tmp_path / name
    shutil.copyfile(source, path)
    message = _refused(run_cli(str(path), "--exercise", "ex5"), str(path), what)
    if path.suffix in (".ipynb", ".py"):  # not told to hand in the very name it has
        assert "despite its name" in message and "Hand in the real" in message, message


@pytest.mark.parametrize(("name", "content", "what"), [
    ("ex5.py", "{\\rtf1\\ansi\\ansicpg1252\\cocoartf2709\n\\f0 import numpy as np\\\n}\n", "a rich-text document (RTF"),
    ("exercise4.tex", "\\documentclass[11pt]{article}\n\\begin{document}\n\\end{document}\n", "a LaTeX document"),
    ("exercise4.mhtml", "From: <Saved by Blink>\nMIME-Version: 1.0\nContent-Type: multipart/related;\n",
     "a web page (HTML)"),
    ("exercise4.rst", "Exercise 4\n==========\n\n.. code:: python\n\n    import numpy\n",
     "a reStructuredText document"),
])
def test_text_documents_are_not_graded_as_python(tmp_path, name, content, what):
    """Review 31, X11, X12: TextEdit's rich text saved as ex5.py, a LaTeX or reStructuredText export and a browser's
    page archive were graded as Python (0/100, a SyntaxError on every part); an .rtf was called a Word document."""
    path = tmp_path / name
    path.write_text(content)
    _refused(run_cli(str(path), "--exercise", "ex5"), str(path), what)


def test_names_with_spaces_and_unicode_are_shown_as_they_are(tmp_path):
    path = handed_in(tmp_path / "Émile Zoë", "exercise4.html").rename(tmp_path / "Émile Zoë" / "Exercise 4 – Zoë.html")
    _refused(run_cli(str(path), "--exercise", "ex5"), str(path), "a web page (HTML)")


def test_a_python_file_renamed_ipynb_is_graded_as_python_with_a_note(tmp_path):
    """R28-14: ex5.py renamed exercise4.ipynb was refused as a notebook that is not valid JSON."""
    path = tmp_path / "exercise4.ipynb"
    path.write_text(SOLUTION.read_text())
    report, status = grade_json(path)
    assert (status, report["score"]) == (0, 100), report
    [note] = [n for n in report["notes"] if n["id"] == "python_not_notebook"]
    assert "exercise4.ipynb holds Python source, not a notebook" in note["message"] and "ex5.py" in note["message"]
    text = run_cli(str(path))
    assert text.exit_code == 0 and "holds Python source, not a notebook" in text.output


def test_a_damaged_notebook_is_still_refused_as_one(tmp_path):
    """Only a file of no JSON at all is read as Python: a notebook cut short is still a notebook."""
    path = tmp_path / "exercise4.ipynb"
    path.write_text(course.notebook(course.cells())[:300])
    result = run_cli(str(path))
    assert result.exit_code == 2 and "cannot be read as a Jupyter notebook" in result.stderr, result.output
    empty = tmp_path / "ex4.ipynb"
    empty.write_text("\n")
    assert run_cli(str(empty)).exit_code == 2


def _exported(db: Path) -> dict[str, dict]:
    return {e["student"]: e for e in json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)}


def test_batch_of_student_folders_says_what_each_handed_in_instead(tmp_path):
    """A student whose folder holds only such a file was 'no submission in this student's folder ... it holds
    exercise4.html'; the .ipynb beside its HTML export is graded without a word about the export."""
    folders = tmp_path / "class"
    for name in ("exercise4.html", "exercise4.pdf", "exercise4.docx", "exercise4.md"):
        handed_in(folders / f"s_{Path(name).suffix[1:]}", name)
    for name in OCTAVE:
        handed_in(folders / "oscar", name)
    course.alone(folders / "both")
    handed_in(folders / "both", "exercise4.html")
    (folders / "readme").mkdir()  # a README is no notebook: what the folder holds is said as before
    (folders / "readme" / "README.md").write_text("# My work\n\nI ran out of time.\n")
    renamed = folders / "renamed" / "exercise4.ipynb"  # R28-14 in a batch: graded, not "could not grade"
    renamed.parent.mkdir()
    renamed.write_text(SOLUTION.read_text())
    db = tmp_path / "g.sqlite"
    result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    rows = _exported(db)
    assert rows["both"]["score"] == 100 and "html" not in json.dumps(rows["both"]), rows["both"]
    assert rows["renamed"]["score"] == 100 and "python_not_notebook" in [
        n["id"] for n in rows["renamed"]["report"]["notes"]], rows["renamed"]
    expected = {"s_html": ("exercise4.html", "a web page (HTML)"), "s_pdf": ("exercise4.pdf", "a PDF"),
                "s_docx": ("exercise4.docx", "a word-processor document"),
                "s_md": ("exercise4.md", "a Markdown notebook"), "oscar": ("ex4.m", "an Octave/MATLAB file")}
    for student, (name, what) in expected.items():
        error = rows[student]["error"]
        assert error.startswith(f"{folders}/{student}/{name} is {what}"), error
        assert "hand in exercise4.ipynb or ex5.py instead" in error and "\n" not in error, error
        assert error in result.stderr
    assert "nnCostFunction.m, sigmoidGradient.m" in rows["oscar"]["error"]
    assert "no submission in this student's folder" in rows["readme"]["error"], rows["readme"]


def test_batch_of_flat_files_gives_each_such_student_a_line(tmp_path):
    """`alice_ex5.html` among flat files: alice had no line at all. The course's handout beside them is nobody's."""
    flat = tmp_path / "flat"
    shutil.copyfile(handed_in(tmp_path / "made", "exercise4.html"), flat.mkdir() or flat / "alice_ex5.html")
    shutil.copyfile(handed_in(tmp_path / "made", "exercise4.pdf"), flat / "ex5_bob.pdf")
    for course_file in ("ex5_handout.pdf", "ex5_sample_solution.pdf", "ex4_faq.pdf", "ex5_errata.pdf"):  # X15
        shutil.copyfile(handed_in(tmp_path / "made", "exercise4.pdf"), flat / course_file)
    shutil.copyfile(SOLUTION, flat / "dana_ex5.py")
    shutil.copyfile(handed_in(tmp_path / "made", "exercise4.html"), flat / "dana_ex5.html")
    db = tmp_path / "g.sqlite"
    result = run_cli("batch", str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    rows = _exported(db)
    assert set(rows) == {"alice", "bob", "dana"}, rows
    assert rows["dana"]["score"] == 100
    assert "alice_ex5.html is a web page (HTML)" in rows["alice"]["error"], rows["alice"]
    assert "ex5_bob.pdf is a PDF" in rows["bob"]["error"], rows["bob"]
    assert all("hand in exercise4.ipynb or ex5.py instead" in rows[s]["error"] for s in ("alice", "bob"))


def test_gradescope_and_coursera_say_what_was_handed_in_instead(tmp_path):
    root = gradescope_root(tmp_path / "gs", {})
    handed_in(root / "submission", "exercise4.html")
    results, result = run_gradescope(root)
    assert result.exit_code == 2 and results["score"] == 0
    assert "exercise4.html: is a web page (HTML)" in results["output"], results["output"]
    assert "Hand in exercise4.ipynb or ex5.py instead" in results["output"]
    bad = gradescope_root(tmp_path / "bad", {})  # a name that is not UTF-8 (a Windows zip unpacked), shown escaped
    handed_in(bad / "submission", "exercise4.html").rename(bad / "submission" / "m\udcfcller exercise4.html")
    results, result = run_gradescope(bad, "--exercise", "ex5")
    assert result.exit_code == 2 and "m\\xfcller exercise4.html: is a web page (HTML)" in result.stderr, result.stderr
    shared = tmp_path / "coursera"
    for name in OCTAVE:
        handed_in(shared / "submission", name)
    feedback, result = run_coursera(shared)
    assert result.exit_code == 2 and feedback["fractionalScore"] == 0
    assert "an Octave/MATLAB file of the course's original exercise" in feedback["feedback"], feedback
    assert "nnCostFunction (or nn_cost_function)" in feedback["feedback"]


def test_gradescope_grades_the_notebook_beside_its_html_export_and_a_renamed_python_file(tmp_path):
    root = gradescope_root(tmp_path / "both", {"exercise4.ipynb": course.notebook(course.cells())})
    handed_in(root / "submission", "exercise4.html")
    results, result = run_gradescope(root)
    assert result.exit_code == 0 and results["score"] == 100 and "html" not in results["output"], results["output"]
    renamed = gradescope_root(tmp_path / "renamed", {"exercise4.ipynb": SOLUTION})
    results, result = run_gradescope(renamed)
    assert result.exit_code == 0 and results["score"] == 100, results["output"]
    assert "exercise4.ipynb holds Python source, not a notebook" in results["output"]
    for i, page in enumerate((HTML, "<!-- saved from url=(0041)http://localhost:8888/notebooks/ex.ipynb -->\n"
                              + HTML.removeprefix("<!DOCTYPE html>\n"))):  # the browser's "Save page as" (X5)
        root = gradescope_root(tmp_path / f"page{i}", {"exercise4.ipynb": page})
        results, result = run_gradescope(root)
        assert result.exit_code == 2 and "exercise4.ipynb: despite its name, is a web page (HTML)" in \
            results["output"], results["output"]
    markdown = gradescope_root(tmp_path / "md", {"exercise4.ipynb": "# Exercise 4\n\n```python\nimport numpy as np"
                                                                    "\n\ndef nnCostFunction(p):\n    pass\n```\n"})
    results, result = run_gradescope(markdown)
    assert result.exit_code == 2 and results["score"] == 0, results["output"]  # not graded 0 as Python (X5)


def test_a_helper_beside_a_page_handed_in_by_mistake_is_not_graded_as_the_submission(tmp_path):
    """Review 31, X6: exercise4.html beside the course's utils.py (or a helpers.py of the student's) was graded on
    that helper, 0/100, on Gradescope, and in a batch said only "found utils.py" or graded helpers.py 0."""
    root = gradescope_root(tmp_path / "gs", {"utils.py": course.UTILS})
    handed_in(root / "submission", "exercise4.html")
    results, result = run_gradescope(root, "--exercise", "ex5")
    assert result.exit_code == 2 and "exercise4.html: is a web page (HTML)" in results["output"], results["output"]
    folders = tmp_path / "class"
    for student, helper in (("ann", "utils.py"), ("ben", "helpers.py")):
        handed_in(folders / student, "exercise4.html")
        (folders / student / helper).write_text("import numpy as np\n\n\ndef add_bias(A):\n    return A\n")
    result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2, result.output
    rows = _exported(tmp_path / "g.sqlite")
    assert all(rows[s]["status"] != "graded" and "exercise4.html is a web page (HTML)" in rows[s]["error"]
               for s in ("ann", "ben")), rows


def test_work_that_merely_mentions_other_formats_is_graded(tmp_path):
    """Review 32: a notebook of the student's own name beside its PDF export (its functions handed to the grader
    cells under other names) was refused on Gradescope and in a batch (Z3); a .py whose docstring quotes a LaTeX
    `\\documentclass` line was refused as LaTeX (Z4); a .py renamed exercise4.ipynb whose docstring holds a
    Markdown fence was refused as a damaged notebook (Z5). Each was 100 before."""
    cost = course.COST.replace("def nnCostFunction", "def my_cost")
    cells = [(kind, text.replace("grader[1] = nnCostFunction", "grader[1] = my_cost"))
             for kind, text in course.cells(cost=course.COST + "\n\n" + cost)]
    root = gradescope_root(tmp_path / "gs", {"nn_work.ipynb": course.notebook(cells)})
    handed_in(root / "submission", "exercise4.pdf")
    results, result = run_gradescope(root, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100, results["output"]
    latex = tmp_path / "latex" / "ex5.py"
    latex.parent.mkdir()
    latex.write_text('r"""Report template:\n\\documentclass{article}\n"""\n' + SOLUTION.read_text())
    report, status = grade_json(latex)
    assert (report["score"], status) == (100, 0), report
    fenced = tmp_path / "fenced" / "exercise4.ipynb"
    fenced.parent.mkdir()
    fenced.write_text('"""Use it as:\n\n```python\nJ, grad = nnCostFunction(...)\n```\n"""\n' + SOLUTION.read_text())
    report, status = grade_json(fenced, "--exercise", "ex5")
    assert (report["score"], status) == (100, 0), report


def test_a_notebook_saved_under_a_page_name_is_said_to_be_a_notebook(tmp_path):
    """Review 31, X18: a notebook's JSON saved as exercise4.html was refused as "a web page (HTML)", which it is
    not; `grade FILE`, a batch and Gradescope now say what it is and that renaming it is all it takes. A real page
    named .html is still one."""
    path = tmp_path / "alone" / "exercise4.html"
    path.parent.mkdir()
    path.write_text(course.notebook(course.cells()))
    message = _refused(run_cli(str(path)), str(path), "a Jupyter notebook (its JSON")
    assert "rename it exercise4.ipynb" in message and "web page (HTML)" not in message, message
    renamed = path.rename(path.with_suffix(".ipynb"))
    report, status = grade_json(renamed)
    assert (report["score"], status) == (100, 0), report  # what the message promises
    folders = tmp_path / "class"
    (folders / "ada").mkdir(parents=True)
    (folders / "ada" / "exercise4.html").write_text(course.notebook(course.cells()))
    handed_in(folders / "bo", "exercise4.html")
    result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2, result.output
    rows = _exported(tmp_path / "g.sqlite")
    assert "ada/exercise4.html is a Jupyter notebook (its JSON" in rows["ada"]["error"], rows["ada"]
    assert "rename it exercise4.ipynb" in rows["ada"]["error"], rows["ada"]
    assert "bo/exercise4.html is a web page (HTML)" in rows["bo"]["error"], rows["bo"]
    root = gradescope_root(tmp_path / "gs", {"exercise4.html": course.notebook(course.cells())})
    results, result = run_gradescope(root)
    assert result.exit_code == 2 and "exercise4.html: is a Jupyter notebook" in results["output"], results["output"]
