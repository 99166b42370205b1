"""Cells read as IPython runs them (review 28: R28-21, R28-10, R28-17), graded through the `grade` command.

A solution that runs in Jupyter must be read the way IPython runs it: a cell pasted with its indentation or with
a console's prompts, a `%run helpers.py` cell, and a notebook written out as a .py file (jupytext's or VS Code's
`# %%` cells, `jupyter nbconvert --to script`). Each cell used here was checked against IPython 8.39 and 9.18's
TransformerManager (what runs, what is a syntax error); IPython is not needed to run these tests.
"""

import itertools

import pytest

from . import course
from .conftest import grade_json

FULL = {"cost": 30, "regularized_cost": 15, "sigmoid_gradient": 5, "gradient": 40, "regularized_gradient": 10}
COST_PARTS = ("cost", "regularized_cost", "gradient", "regularized_gradient")


def scores(report: dict) -> dict:
    return {p["id"]: p["score"] for p in report["parts"]}


def note(report: dict, note_id: str) -> str:
    return next((n["message"] for n in report["notes"] if n["id"] == note_id), "")


def _with_cost(cost: str) -> list[tuple[str, str]]:
    return course.replaced(course.cells(), course.COST, cost)


def _indented(text: str, indent: str = "    ") -> str:
    return "\n".join(indent + line if line else line for line in text.split("\n"))


def _prompted(text: str, first: str, more: str) -> str:
    """As pasted from a console: `first` before each statement's first line, `more` before the lines after it."""
    return "\n".join((more if line[:1] in (" ", "") else first) + line for line in text.split("\n"))


# ---- R28-21: IPython's cleanup of a cell (leading blank lines, indentation, prompts) -------------------------

def test_a_cell_pasted_with_its_indentation_is_read_as_ipython_dedents_it(tmp_path):
    """Review 28, R28-21: a cell indented as a whole (copied out of a class or a function), after two blank lines,
    runs in Jupyter, which drops a cell's leading blank lines and dedents it; it was skipped as a syntax error
    ("unexpected indent") and every part but sigmoidGradient scored 0."""
    report, status = grade_json(course.folder(tmp_path, _with_cost("\n  \n" + _indented(course.COST))))
    assert (scores(report), status) == (FULL, 0), report
    assert "could not be read" not in note(report, "script_not_run"), report["notes"]


def test_an_indented_cell_with_a_cell_magic_and_a_line_magic_is_read_too(tmp_path):
    """IPython dedents first, then reads `%%time` and `%matplotlib` on the dedented lines."""
    cost = _indented("%%time\n%matplotlib inline\n" + course.COST + "\n%time nnCostFunction")
    report, status = grade_json(course.folder(tmp_path, _with_cost(cost)))
    assert (scores(report), status) == (FULL, 0), report


def test_a_cell_magic_after_blank_lines_is_the_cells_magic(tmp_path):
    """IPython drops leading blank lines before it looks for `%%`: a `%%bash` cell after a blank line is no Python,
    skipped as such (it was read as Python, a syntax error named in the note)."""
    cell_list = [*course.cells(), ("code", "\n%%bash\nls -l Data | wc -l\nif [ -d Data ]; then echo ok; fi")]
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert (scores(report), status) == (FULL, 0), report
    message = note(report, "script_not_run")
    assert "cell 22 is a %%bash cell, not Python" in message and "SyntaxError" not in message, message


def test_a_cell_pasted_from_a_python_console_is_read_without_its_prompts(tmp_path):
    """R28-21: `>>> ` and `... ` prompts, which IPython strips (a blank `...` line too)."""
    report, status = grade_json(course.folder(tmp_path, _with_cost(_prompted(course.COST, ">>> ", "... "))))
    assert (scores(report), status) == (FULL, 0), report


def test_a_cell_pasted_from_an_ipython_console_is_read_without_its_prompts(tmp_path):
    """R28-21: `In [5]: ` and `   ...: ` prompts, which IPython strips."""
    report, status = grade_json(course.folder(tmp_path, _with_cost(_prompted(course.COST, "In [5]: ", "   ...: "))))
    assert (scores(report), status) == (FULL, 0), report


def test_indented_prompts_are_stripped_too(tmp_path):
    """Prompts indented as a whole (a docstring's example copied out): IPython 8 dedents the cell, then strips
    them; IPython 9 strips indented `>>>` prompts itself, then dedents."""
    cost = _indented(_prompted(course.COST, ">>> ", "... "), "        ")
    report, status = grade_json(course.folder(tmp_path, _with_cost(cost)))
    assert (scores(report), status) == (FULL, 0), report


def test_a_cell_ipython_refuses_is_still_a_syntax_error(tmp_path):
    """What IPython does not run is not read either: the cost function pasted indented, then sigmoidGradient
    below it not indented (IPython 8 takes the first line's indentation off sigmoidGradient's body too, IPython 9
    finds no common indentation: both raise an IndentationError). The cell is skipped as before, with the error of
    the cell as written."""
    cell_list = course.replaced(course.cells(), course.COST, _indented(course.COST) + "\n" + course.SIGMOID_GRADIENT)
    cell_list = course.replaced(cell_list, course.SIGMOID_GRADIENT, "# sigmoidGradient is in cell 5")
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert status == 1 and all(score == 0 for score in scores(report).values()), report
    assert "cell 5 could not be read: SyntaxError: unexpected indent (cell 5, line 1)" in note(
        report, "script_not_run"), report["notes"]


# ---- R28-17: %run helpers.py -------------------------------------------------------------------------------

HELPERS = "import numpy as np\n\n\ndef add_bias(A):\n    return np.hstack([np.ones((A.shape[0], 1)), A])\n"
COST_WITH_HELPER = course.COST.replace("a1 = np.hstack([np.ones((m, 1)), X])", "a1 = add_bias(X)")


def _run_cells(line: str, cost: str = COST_WITH_HELPER) -> list[tuple[str, str]]:
    cell_list = _with_cost(cost)
    return course.replaced(cell_list, course.IMPORTS, course.IMPORTS + "\n" + line)


def test_a_file_run_with_percent_run_is_read_as_a_star_import(tmp_path):
    """Review 28, R28-17: `%run helpers.py` runs helpers.py beside the notebook into its namespace, and
    nnCostFunction calls its add_bias; the line was blanked as a magic, a NameError: 0 for four parts. It is read
    as `from helpers import *` (the submission's folder is importable), in every way IPython's %run accepts."""
    assert COST_WITH_HELPER != course.COST
    for i, line in enumerate(("%run helpers.py", "%run -i ./helpers.py", "%run 'helpers.py'", "%run helpers")):
        path = course.folder(tmp_path / str(i), _run_cells(line))
        (path.parent / "helpers.py").write_text(HELPERS)
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (line, report)


def test_a_percent_run_file_is_read_for_what_it_defines_and_only_when_that_is_all_it_does(tmp_path):
    """Review 31, X2, X1: a private helper (`_add_bias`) or one left out of `__all__` comes with a `%run`, as IPython
    copies every name; a file whose top level loads the data (or trains) is not imported for its names: that
    failed every part, even sigmoidGradient, which needs nothing of it (0/100, or a timeout for a training run)."""
    private = COST_WITH_HELPER.replace("add_bias(", "_add_bias(")
    assert private != COST_WITH_HELPER
    path = course.folder(tmp_path / "private", _run_cells("%run helpers.py", private))
    (path.parent / "helpers.py").write_text('__all__ = ["nothing"]\n' + HELPERS.replace("def add_bias",
                                                                                        "def _add_bias"))
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report
    path = course.folder(tmp_path / "loads", _run_cells("%run helpers.py"))
    loads = "from scipy.io import loadmat\n\ndata = loadmat('ex4data1.mat')\n"
    (path.parent / "helpers.py").write_text(f"{HELPERS}\n{loads}")
    report, status = grade_json(path)
    assert status == 1 and scores(report)["sigmoid_gradient"] == 5, report


def test_grader_cells_may_submit_a_function_a_percent_run_file_defines(tmp_path):
    """Review 31, X20: nnCostFunction left as the template's stub, the work in mywork.py, run with `%run mywork.py`,
    and every cost grader cell submitting `my_cost`: graded on the stub (5/100); the course grades my_cost (100)."""
    stub = course.COST.split("    # ====")[0] + \
        "    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])\n    return J, grad"
    cells = [(kind, text.replace("] = nnCostFunction\n", "] = my_cost\n"))
             for kind, text in _with_cost(stub + "\n\n%run mywork.py")]
    path = course.folder(tmp_path, cells)
    own = course.COST.replace("def nnCostFunction", "def my_cost").replace(  # its own module: no sigmoidGradient
        "sigmoidGradient(z2)", "utils.sigmoid(z2) * (1 - utils.sigmoid(z2))")
    (path.parent / "mywork.py").write_text("import numpy as np\nimport utils\n\n\n" + own)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


@pytest.mark.parametrize("top", [
    "from numpy import *\n", "import warnings\nwarnings.filterwarnings('ignore')\n",
    "import numpy as np\nEPS = np.finfo(float).eps\nsig = lambda z: 1 / (1 + np.exp(-z))\n",
    "try:\n    import scipy\nexcept ImportError:\n    scipy = None\n",
])
def test_a_percent_run_file_that_does_no_work_at_its_top_level_is_read(tmp_path, top):
    """Review 32, Z1: a star import, a warnings filter, a constant computed by a call, a lambda or a try/except
    import made a helper that only defines things be passed over: its names were a NameError, 0/100."""
    path = course.folder(tmp_path, _run_cells("%run helpers.py"))
    (path.parent / "helpers.py").write_text(top + "\n\n" + HELPERS)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


def test_a_name_error_speaks_of_a_percent_run_only_where_it_may_come_from_it(tmp_path):
    """Review 32, Z6: a typo beside a handed-in helper that does not set the name was told to come from the
    `%run`; a helper that loads data says which of its lines keeps it from being read."""
    typo = COST_WITH_HELPER.replace("m = y.size", "m = yy.size")
    path = course.folder(tmp_path / "typo", _run_cells("%run helpers.py", typo))
    (path.parent / "helpers.py").write_text(HELPERS)
    report, _ = grade_json(path)
    message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    assert "NameError: name 'yy' is not defined" in message and "%run" not in message, message
    path = course.folder(tmp_path / "loads", _run_cells("%run helpers.py"))
    (path.parent / "helpers.py").write_text(HELPERS + "\nfrom scipy.io import loadmat\n\ndata = loadmat('x.mat')\n")
    report, _ = grade_json(path)
    message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    assert "If add_bias comes from `%run helpers.py` (cell 1, line" in message and \
        "helpers.py does work at its top level (line 9: loading data, training or a loop)" in message, message


def test_percent_run_of_a_module_a_writefile_cell_wrote_runs_it(tmp_path):
    """Review 31, X3: a `%%writefile helpers.py` cell, then `%run helpers.py`, handed in alone (no helpers.py
    beside it): the %run was left a magic, add_bias a NameError, 5/100."""
    cells = _run_cells("%run helpers.py")
    cells.insert(1, ("code", "%%writefile helpers.py\n" + HELPERS))
    report, status = grade_json(course.alone(tmp_path, cells))
    assert (scores(report), status) == (FULL, 0), report


def test_a_percent_run_file_too_big_to_read_is_said_so_not_read(tmp_path):
    """A `%run` file is read in the grader's own process, so never past the code limit (4 MB): one beyond it is
    not followed, and the NameError says why."""
    path = course.folder(tmp_path, _run_cells("%run helpers.py"))
    (path.parent / "helpers.py").write_text(HELPERS + "#" * (5 << 20) + "\n")
    report, _ = grade_json(path)
    message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    assert "helpers.py is too big, or cannot be read as Python" in message, message


def test_percent_run_of_the_courses_utils_offers_the_courses_helpers(tmp_path):
    """`%run utils.py` handed in without utils.py: its names are the course's utils.py's, as the grader offers it
    for `import utils` (docs/submissions.md), so sigmoid called by name is found."""
    cost = course.COST.replace("utils.sigmoid", "sigmoid")
    cell_list = course.replaced(_with_cost(cost), course.IMPORTS, course.IMPORTS + "\n%run utils.py")
    report, status = grade_json(course.alone(tmp_path, cell_list))
    assert (scores(report), status) == (FULL, 0), report


def test_percent_run_of_a_file_not_handed_in_is_a_magic_as_before(tmp_path):
    """A `%run` of a file that is not beside the notebook (or of another notebook) stays a magic, blanked: a
    function that needs none of it is graded as usual, and one that calls its helper gets a NameError that says
    where the name was to come from."""
    for i, line in enumerate(("%run helpers.py", "%run other.ipynb")):
        report, status = grade_json(course.folder(tmp_path / str(i), _run_cells(line)))
        assert status == 1 and scores(report)["sigmoid_gradient"] == 5, (line, report)
        assert all(scores(report)[part] == 0 for part in COST_PARTS), report
        message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
        assert "NameError: name 'add_bias' is not defined" in message, message
        assert f"If add_bias comes from `{line}` (cell 1, line " in message, message  # review 31, X10


# ---- R28-10: a notebook written as a .py file ----------------------------------------------------------------

def percent(cell_list: list[tuple[str, str]], comment_magics: bool) -> str:
    """The notebook in the "percent" format of jupytext (which comments magics: `# %matplotlib inline`, `# %%time`)
    or of VS Code (magics as they are)."""
    chunks = []
    for kind, source in cell_list:
        if kind == "markdown":
            chunks.append("# %% [markdown]\n" + "\n".join("# " + line for line in source.split("\n")))
            continue
        lines = source.split("\n")
        if comment_magics:
            lines = ["# " + line if line.startswith(("%", "!")) else line for line in lines]
        chunks.append("# %%\n" + "\n".join(lines))
    return "# ---\n# jupyter:\n#   jupytext:\n#     formats: ipynb,py:percent\n# ---\n\n" + "\n\n".join(chunks) + "\n"


def _percent_file(root, cell_list, comment_magics: bool):
    path = course.folder(root, cell_list, name="ex4.py", script=True)
    path.write_text(percent(cell_list, comment_magics))
    return path


def _spans(message: str) -> set[int]:
    """The line numbers a script_not_run note names ("lines 21–35, 42, ... of ex4.py")."""
    named = message.split(" of ")[0].removeprefix("Top-level code in lines ")
    found = set()
    for span in named.split(", "):
        first, _, last = span.partition("–")
        found |= set(range(int(first), int(last or first) + 1))
    return found


def test_a_percent_format_file_is_read_with_its_magics_commented_or_not(tmp_path):
    """R28-10 (a), measured: a jupytext or VS Code .py of the notebook, magics commented or not, the cost function
    in a `%%time` cell, already got full marks: a regression test."""
    cell_list = _with_cost("%%time\n" + course.COST)
    for comment_magics in (True, False):
        report, status = grade_json(_percent_file(tmp_path / str(comment_magics), cell_list, comment_magics))
        assert (scores(report), status) == (FULL, 0), (comment_magics, report)


WRITEFILE = "%%writefile helpers.py\n" + HELPERS


def _writefile_cells() -> list[tuple[str, str]]:
    cell_list = course.replaced(_with_cost(COST_WITH_HELPER.replace("add_bias(", "helpers.add_bias(")),
                                course.IMPORTS, course.IMPORTS + "\nimport helpers")
    return [cell_list[0], ("code", WRITEFILE), *cell_list[1:]]


def test_a_percent_format_writefile_cell_is_the_module_it_writes(tmp_path):
    """R28-10: a percent-format cell `%%writefile helpers.py` (jupytext: `# %%writefile helpers.py`) wrote
    helpers.py, which `import helpers` then imports. Its body was read as the script's own code and the import
    failed: 0/100. It is read as nbconvert's `run_cell_magic('writefile', ...)` is, the module helpers; a `%%bash`
    cell is script code not run, as in an export (it was a syntax error: the file was not read at all)."""
    cell_list = [*_writefile_cells(), ("code", "%%bash\nls -l Data | wc -l")]
    for comment_magics in (True, False):
        path = _percent_file(tmp_path / str(comment_magics), cell_list, comment_magics)
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (comment_magics, report)
        lines = path.read_text().split("\n")
        bash = next(i for i, line in enumerate(lines) if line.endswith("%%bash")) + 1
        assert {bash, bash + 1} <= _spans(note(report, "script_not_run")), note(report, "script_not_run")


def test_an_nbconvert_exports_line_magics_are_blanked_as_in_the_notebook(tmp_path):
    """R28-10 (b): `get_ipython().run_line_magic('load_ext', 'autoreload')` and the like do nothing the graded
    functions use; in a notebook the magics they were are blanked, and so they are in the export, where they were
    named as script code not run."""
    cell_list = course.cells()
    cell_list.insert(1, ("code", "%load_ext autoreload\n%autoreload 2\n!ls Data"))
    path = course.folder(tmp_path, cell_list, name="ex4.py", script=True)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report
    lines = path.read_text().split("\n")
    first = lines.index("get_ipython().run_line_magic('load_ext', 'autoreload')") + 1
    assert lines[first: first + 2] == ["get_ipython().run_line_magic('autoreload', '2')",
                                       "get_ipython().system('ls Data')"]
    # the cell of magics is no script code (a magic between two lines of script code is inside their span, as a
    # blank line is)
    assert not {first, first + 1, first + 2} & _spans(note(report, "script_not_run")), report["notes"]


def test_an_nbconvert_exports_percent_run_is_a_star_import(tmp_path):
    """R28-17 in an export: `get_ipython().run_line_magic('run', 'helpers.py')` is `from helpers import *`, and so
    is `get_ipython().magic('run helpers.py')`, as IPython before 7 wrote it."""
    path = course.folder(tmp_path, _run_cells("%run -i helpers.py"), name="ex4.py", script=True)
    assert "get_ipython().run_line_magic('run', '-i helpers.py')" in path.read_text()
    (path.parent / "helpers.py").write_text(HELPERS)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report
    path.write_text(path.read_text().replace("run_line_magic('run', '-i helpers.py')", "magic('run helpers.py')"))
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


def test_an_nbconvert_exports_time_cell_defines_the_function(tmp_path):
    """R28-10 (b): nbconvert writes a `%%time` cell as `get_ipython().run_cell_magic('time', '', 'def
    nnCostFunction(...):\\n ...')`, the student's function inside a string: "defines no function", 0 for four
    parts. %%time (and %%capture, %%prun) run the body in the notebook's namespace: its def, read at the export's
    line, is graded; the call that timed it is script code not run, named in the note. The body is read as the
    magic runs it, a notebook's cell: its own magics are blanked."""
    timed = "J, _ = nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, 0)"
    for magic in ("%%time", "%%capture output", "%%prun -s cumulative\n%load_ext autoreload\n!ls Data"):
        path = course.folder(tmp_path / magic[2:6], _with_cost(f"{magic}\n{course.COST}\n{timed}"), name="ex4.py",
                             script=True)
        lines = path.read_text().split("\n")
        line = next(i for i, text in enumerate(lines) if "run_cell_magic" in text and "def nnCostFunction" in text) + 1
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (magic, report)
        assert line in _spans(note(report, "script_not_run")), (line, report["notes"])


def test_an_error_in_a_function_of_an_exported_time_cell_names_the_exports_line(tmp_path):
    """The whole cell is one line of the export: an error in the function is reported at that line."""
    wrong = course.COST.replace("    m = y.size\n", "    m = y.size\n    J = undefined_in_the_cell\n")
    path = course.folder(tmp_path, _with_cost("%%time\n" + wrong), name="ex4.py", script=True)
    line = next(i for i, text in enumerate(path.read_text().split("\n")) if "run_cell_magic('time'" in text) + 1
    report, status = grade_json(path)
    assert status == 1 and scores(report)["sigmoid_gradient"] == 5 and scores(report)["cost"] == 0, report
    feedback = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    assert f"NameError: name 'undefined_in_the_cell' is not defined (ex4.py, line {line})" in feedback, feedback


def test_a_percent_format_files_percent_run_is_a_star_import_commented_or_not(tmp_path):
    """R28-17 in a jupytext or VS Code .py: `%run helpers.py`, or jupytext's `# %run helpers.py`, is
    `from helpers import *` (the commented one was a comment: add_bias a NameError, 0 for four parts)."""
    for comment_magics in (True, False):
        path = _percent_file(tmp_path / str(comment_magics), _run_cells("%run helpers.py"), comment_magics)
        assert ("# %run helpers.py" in path.read_text()) == comment_magics
        (path.parent / "helpers.py").write_text(HELPERS)
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (comment_magics, report)


def test_a_cell_magic_turned_off_with_a_comment_leaves_the_body_python(tmp_path):
    """A commented `# %%writefile cost.py` is jupytext's magic only when the file imports cost (or the body is no
    Python): a VS Code user who commented the magic out ran the cell as Python, and its function is graded."""
    path = _percent_file(tmp_path, _with_cost("# %%writefile cost.py\n" + course.COST), comment_magics=False)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


def test_a_writefile_cell_after_blank_lines_or_indented_is_the_module_it_writes(tmp_path):
    """A notebook's `%%writefile helpers.py` cell (R28-5) after a blank line, or pasted indented: IPython drops the
    blank lines and dedents before it reads the magic, and writes the dedented body. Its module is the one
    `import helpers` finds."""
    for name, cell in (("blank", "\n\n" + WRITEFILE), ("indented", "\n" + _indented(WRITEFILE))):
        cell_list = [(kind, cell if source == WRITEFILE else source) for kind, source in _writefile_cells()]
        report, status = grade_json(course.folder(tmp_path / name, cell_list))
        assert (scores(report), status) == (FULL, 0), (name, report)


def light(cell_list: list[tuple[str, str]]) -> str:
    """The notebook as `jupytext --to py:light` writes it (1.19.6, compared with its output; `--to py` before
    jupytext switched its default to percent): magics commented as in the percent format, cells apart by blank
    lines; a code cell that its reader would split (a blank line, then a line not indented), all comments or with
    a help line (`np.zeros?`) is
    `# +` ... `# -`, and the `# -` is left out before a cell that starts with `# +`, and at the end (review 37a,
    R37A-1: this builder always wrote it, and the reading of a `# +` cell ran into the next on jupytext's own files).
    Markdown cells are comments, a blank line `#`."""
    texts = []
    for kind, source in cell_list:
        lines = source.split("\n")
        if kind == "markdown":
            texts.append(["# " + line if line else "#" for line in lines])
            continue
        helps = [line for line in lines if line.endswith("?")]  # `np.zeros?`: commented, and the cell marked
        commented = ["# " + line if line.startswith(("%", "!")) or line in helps else line for line in lines]
        split = any(not a.strip() and b.strip() and not b[0].isspace()
                    for a, b in itertools.pairwise(commented))
        marked = split or helps or all(line.startswith("#") for line in lines)
        texts.append(["# +", *commented, "# -"] if marked else commented)
    for i, lines in enumerate(texts):
        if lines[-1] == "# -" and lines[0] == "# +" and (i + 1 == len(texts) or texts[i + 1][0].startswith("# +")):
            lines.pop()
    header = ("# ---\n# jupyter:\n#   jupytext:\n#     text_representation:\n#       extension: .py\n"
              "#       format_name: light\n#       format_version: '1.5'\n#       jupytext_version: 1.19.6\n"
              "#   kernelspec:\n#     display_name: Python 3\n#     language: python\n#     name: python3\n# ---\n\n")
    return header + "\n\n".join("\n".join(lines) for lines in texts) + "\n"


def test_a_jupytext_light_files_commented_run_and_writefile_are_the_magics_they_were(tmp_path):
    """Review 31, X17: `jupytext --to py:light` writes magics commented as in the percent format: its `# %run
    helpers.py` was a comment (add_bias a NameError, 5/100) and its `# %%writefile helpers.py` cell the script's own
    code, so `import helpers` failed every part (0/100); the notebook: 100. Review 37a, R37A-1: jupytext leaves out
    the `# -` of a `# +` cell before a cell that starts with `# +`: the `%%writefile` cell ran into the imports cell
    after it (np a NameError, 0/100), and an imports cell into the `%%writefile` cell after it (0/100)."""
    wf_after = _writefile_cells()
    wf_after[1:3] = [wf_after[2], wf_after[1]]
    wf_after[1] = ("code", wf_after[1][1].replace("\nimport helpers", ""))
    wf_after.insert(3, ("code", "import helpers"))
    cases = (("run", _run_cells("%run helpers.py")), ("writefile", _writefile_cells()), ("wf_after", wf_after))
    for name, cell_list in cases:
        path = course.folder(tmp_path / name, cell_list, name="ex4.py", script=True)
        path.write_text(light(cell_list))
        assert "\n# %%writefile helpers.py\n" in path.read_text() or "\n# %run helpers.py\n" in path.read_text()
        if name == "run":
            (path.parent / "helpers.py").write_text(HELPERS)
        else:  # no `# -` between the `# +` cells
            assert "\n# -\n" not in path.read_text().split("# used for manipulating")[0].split("# ---\n")[-1]
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (name, report)


COLAB_MARK = "# Commented out IPython magic to ensure Python compatibility."


def colab(cell_list: list[tuple[str, str]]) -> str:
    """The notebook as Colab's File > Download > Download .py writes it (as in downloads found in public
    repositories): Markdown cells as strings; above a cell with a `%` magic, Colab's mark, and that cell's `%` lines
    commented, or, when it starts with a cell magic, every line of it (`# %%time`, `# def ...`, a blank one `# `);
    `!` lines kept as they are."""
    chunks = ['# -*- coding: utf-8 -*-\n"""exercise4.ipynb\n\nAutomatically generated by Colab.\n"""']
    for kind, source in cell_list:
        lines = source.split("\n")
        if kind == "markdown":
            chunks.append(f'"""{source}"""')
        elif lines[0].startswith("%%"):
            chunks.append("\n".join([COLAB_MARK, *("# " + line for line in lines)]))
        elif any(line.lstrip().startswith("%") for line in lines):
            chunks.append("\n".join([COLAB_MARK, *("# " + line if line.lstrip().startswith("%") else line
                                                   for line in lines)]))
        else:
            chunks.append(source)
    return "\n\n".join(chunks) + "\n"


def test_a_colab_download_is_read_with_its_commented_magics_as_the_notebook_ran_them(tmp_path):
    """Review 31, X19: Colab's "Download .py" comments every `%` magic under its mark: the function of a `%%time`
    cell was all comments ("defines no function", 5/100), `%run helpers.py` a comment (add_bias a NameError,
    5/100), a `%%writefile helpers.py` cell comments, so `import helpers` failed every part (0/100). A commented-out
    first try of the function, in a cell of its own without the mark, stays a comment."""
    first_try = "\n".join("# " + line for line in course.COST.replace("d3 = a3 - Y", "d3 = 0 * Y").split("\n"))
    cases = {"time": _with_cost("%%time\n" + course.COST) + [("code", first_try)],
             "run": _run_cells("%run helpers.py"), "writefile": _writefile_cells()}
    for name, cell_list in cases.items():
        path = course.folder(tmp_path / name, cell_list, name="ex4.py", script=True)
        path.write_text(colab(cell_list))
        assert f"{COLAB_MARK}\n# %" in path.read_text()
        if name == "run":
            (path.parent / "helpers.py").write_text(HELPERS)
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (name, report)


def test_an_exported_time_cell_keeps_the_constant_or_lambda_its_function_reads(tmp_path):
    """Review 31, X4: an nbconvert export of a `%%time` (or `%%capture`) cell `EPS = 1e-12` / `def nnCostFunction`
    read only the body's defs, classes and imports: EPS (or an `add_bias = lambda ...` beside the def) was a
    NameError, 5/100, where the notebook scores 100. The body's statements are read as any cell's: the constant
    and the lambda are kept, the call that times the function is still script code not run."""
    eps = "EPS = 1e-12\n" + course.COST.replace("np.log(a3)", "np.log(a3 + EPS)")
    lam = "add_bias = lambda A: np.hstack([np.ones((A.shape[0], 1)), A])\n" + COST_WITH_HELPER
    timed = "\nJ, _ = nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, 0)"
    for name, cost in (("eps", "%%time\n" + eps + timed), ("lambda", "%%time\n" + lam),
                       ("capture", "%%capture out\n" + eps)):
        path = course.folder(tmp_path / name, _with_cost(cost), name="ex4.py", script=True)
        line = next(i for i, text in enumerate(path.read_text().split("\n")) if "def nnCostFunction" in text) + 1
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (name, report)
        assert (line in _spans(note(report, "script_not_run"))) == (name == "eps"), (name, report["notes"])


def test_percent_run_i_runs_the_file_in_the_notebooks_namespace(tmp_path):
    """Review 32, Z2: `%run -i helpers.py` runs helpers.py in the notebook's namespace, so its add_bias may use the
    notebook's `np` without importing numpy; it was read as `from helpers import add_bias`, a NameError for np in
    every cost part (0/100 for the review's helper), in the notebook and in its nbconvert export. An error in the
    file is still named at its own line of helpers.py."""
    helpers = HELPERS.removeprefix("import numpy as np\n")
    for script in (False, True):
        path = course.folder(tmp_path / str(script), _run_cells("%run -i helpers.py"), name="ex4.py" if script
                             else "exercise4.ipynb", script=script)
        (path.parent / "helpers.py").write_text(helpers)
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (script, report)
    (path.parent / "helpers.py").write_text(helpers.replace(", A])", ", A, missing])"))
    report, status = grade_json(path)
    message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    assert status == 1 and "NameError: name 'missing' is not defined (helpers.py, line 4" in message, message


def test_an_exports_percent_run_not_followed_is_named_in_the_name_error(tmp_path):
    """Review 32, Z9: in an nbconvert export, `get_ipython().run_line_magic('run', 'helpers.py')` of a file not
    handed in was blanked unnamed: a bare NameError for add_bias, where the notebook's says where the name was to
    come from and why the grader did not run it."""
    path = course.folder(tmp_path, _run_cells("%run helpers.py"), name="ex4.py", script=True)
    exported = "get_ipython().run_line_magic('run', 'helpers.py')"
    line = path.read_text().split("\n").index(exported) + 1
    report, status = grade_json(path)
    assert status == 1 and scores(report)["sigmoid_gradient"] == 5, report
    message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    assert f"If add_bias comes from `{exported}` (line {line}), the grader did not run that: helpers.py " \
           f"is not handed in" in message, message


def test_an_exported_cell_magic_that_keeps_the_function_says_why(tmp_path):
    """Review 31, X9 and X8: an export's `%%time` cell whose function has a syntax error, or a `%%timeit` cell
    (IPython runs its body inside a function of its own), said "ex4.py defines no function named ...", false as
    written: the reason is named, at the export's line and the line inside the cell (as the notebook's cell 5,
    line 7 is)."""
    broken = course.COST.replace("    m = y.size\n", "    m = y.size)\n")
    for name, cost, why in (
            ("syntax", "%%time\n" + broken, "nnCostFunction could not be read: SyntaxError: unmatched ')' (line 7 "
                                            "of the %%time cell written at line {line})"),
            ("timeit", "%%timeit\n" + course.COST, "it is defined only inside the %%timeit cell written at line "
                                                   "{line}, which IPython runs inside a function of its own")):
        path = course.folder(tmp_path / name, _with_cost(cost), name="ex4.py", script=True)
        line = next(i for i, text in enumerate(path.read_text().split("\n")) if "def nnCostFunction" in text) + 1
        report, status = grade_json(path)
        assert status == 1 and scores(report)["sigmoid_gradient"] == 5, (name, report)
        message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
        assert why.format(line=line) in message, (name, message)


def test_percent_run_of_a_module_a_writefile_cell_wrote_runs_it_in_an_export_too(tmp_path):
    """Review 31, X3 in a .py: a `%%writefile helpers.py` cell, then `%run helpers.py`, handed in alone, scored 100
    as the notebook but 5/100 as its nbconvert export or Colab download (add_bias a NameError): the module an
    export's `run_cell_magic('writefile', 'helpers.py', ...)` above writes is the one the `%run` runs."""
    cells = _run_cells("%run helpers.py")
    cells.insert(1, ("code", "%%writefile helpers.py\n" + HELPERS))
    for name, write in (("nbconvert", None), ("colab", colab)):
        path = course.alone(tmp_path / name, cells, name="ex4.py", script=True)
        if write:
            path.write_text(write(cells))
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (name, report)


def test_a_constant_of_an_exported_time_cell_is_no_data_value(tmp_path):
    """A wrong cost function reading `EPS = 1e-12` of its exported `%%time` cell got the note "reads module-level
    EPS ... where EPS is different", which the notebook does not give: the constant, run from its source at the
    export's line, was unreadable to the note's check, so taken for a value that may vary with the data."""
    wrong = course.COST.replace("d3 = a3 - Y", "d3 = (a3 - Y) * a3 * (1 - a3)")
    wrong = wrong.replace("np.log(a3)", "np.log(a3 + EPS)")
    path = course.folder(tmp_path, _with_cost("%%time\nEPS = 1e-12\n" + wrong), name="ex4.py", script=True)
    report, status = grade_json(path)
    assert status == 1 and scores(report)["sigmoid_gradient"] == 5, report
    assert not note(report, "module_level_value"), report["notes"]


def test_a_colab_downloads_percent_run_not_followed_is_named_in_the_name_error(tmp_path):
    """A Colab download's `# %run other.ipynb` (a notebook, which the grader does not follow) stayed a comment: a
    bare NameError for add_bias, where the notebook's says where the name was to come from."""
    cell_list = _run_cells("%run other.ipynb")
    path = course.folder(tmp_path, cell_list, name="ex4.py", script=True)
    path.write_text(colab(cell_list))
    report, status = grade_json(path)
    assert status == 1 and scores(report)["sigmoid_gradient"] == 5, report
    message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    assert "If add_bias comes from `%run other.ipynb` (line " in message, message


def test_percent_run_i_of_a_big_file_is_read_as_a_plain_percent_run(tmp_path):
    """A `%run -i` file is read inline in its cell only while it is small (MAX_SOURCE_BYTES): a helper of 4 MB
    (a long comment) pushed the notebook's imports cell past the code limit, so the cell was left out, and every
    part but sigmoidGradient failed; it is read as a plain `%run` is, for the names it sets."""
    path = course.folder(tmp_path, _run_cells("%run -i helpers.py"))
    (path.parent / "helpers.py").write_text(HELPERS + "#" * ((4 << 20) - len(HELPERS) - 1) + "\n")  # 4 MB: read
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


def test_a_colab_downloads_time_cell_that_does_not_parse_stops_only_that_cell(tmp_path):
    """A Colab download's `%%time` cell whose code does not parse: un-commented as Python it would stop the whole
    file (every part a SyntaxError), where the notebook skips that cell. A scratch cell is script code not run; one
    that holds the cost function names its error at the cell's line, as the notebook does (cell 5, line 7)."""
    broken = course.COST.replace("    m = y.size\n", "    m = y.size)\n")
    for name, cell_list, expected in (
            ("scratch", [*course.cells(), ("code", "%%time\nfor i in range(3)\n    print(i)")], FULL),
            ("cost", _with_cost("%%time\n" + broken), {**{p: 0 for p in FULL}, "sigmoid_gradient": 5})):
        path = course.folder(tmp_path / name, cell_list, name="ex4.py", script=True)
        path.write_text(colab(cell_list))
        report, _ = grade_json(path)
        assert scores(report) == expected, (name, report)
    message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    line = path.read_text().split("\n").index("#     m = y.size)") + 1  # at the file's own line (review 37a, R37A-11)
    assert f"SyntaxError: unmatched ')' (line {line})" in message, message


def _reading_cpu(root, constants: int) -> float:
    """The grader's own CPU seconds (not the sandbox's) to grade the notebook with a `%run -i helpers.py` of
    `constants` lines besides add_bias (100 / 100 each time)."""
    import time

    path = course.folder(root, _run_cells("%run -i helpers.py"))
    (path.parent / "helpers.py").write_text(HELPERS + "".join(f"C_{i} = {i} * 2 + 1\n" for i in range(constants)))
    start = time.process_time()
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report
    return time.process_time() - start


def test_reading_a_percent_run_i_file_takes_time_in_proportion_to_its_size(tmp_path):
    """Review 37a, R37A-5: every statement of a `%run -i` file (or an exported `%%time` cell) is one statement of
    the notebook's on one line, which was scanned and encoded again for each of them: a 400 KB helper took 7.6 s
    to read (a 0.5 MB `%%time` cell's export 24 s), four times the size sixteen times the time. Counted in the
    grader's own CPU time, not the wall's (a busy machine slows both sizes alike): eight times the size, about
    eight times the reading."""
    small, big = _reading_cpu(tmp_path / "small", 2_000), _reading_cpu(tmp_path / "big", 16_000)
    assert big < 20 * small, (small, big)


def test_a_colab_downloads_time_cell_is_read_within_the_graders_limits(tmp_path, monkeypatch):
    """Review 37a, R37A-4: a Colab download's `%%time` body was parsed to see whether it is Python before any of the
    grader's limits: an expression nested 100 000 deep was an internal error (MemoryError), and a body of any size
    was parsed in the grader's own process (11.8 MB took 2 GB; a .py past MAX_CODE_CHARS is otherwise imported by
    the sandbox as it is). The nested body is no cell the notebook runs either: script code not run, full marks;
    the grader parses no source past MAX_CODE_CHARS."""
    from pathlib import Path

    from grader import parsing, submission

    parsed = []
    parse = parsing.parse
    monkeypatch.setattr(parsing, "parse", lambda source, *rest: parsed.append(len(source)) or parse(source, *rest))
    solution = (Path(__file__).parent.parent / "solutions" / "ex5.py").read_text()
    for name, body in (("deep", "x = " + "-" * 100_000 + "z"),
                       ("big", "s = '" + "x" * submission.MAX_CODE_CHARS + "'")):
        path = tmp_path / name / "ex5.py"
        path.parent.mkdir()
        path.write_text(f"{solution}\n\n{COLAB_MARK}\n# %%time\n# {body}\n")
        parsed.clear()
        report, status = grade_json(path)
        assert (report["score"], status) == (100, 0), (name, report)
        assert max(parsed, default=0) <= submission.MAX_CODE_CHARS, name


def test_a_colab_downloads_percent_run_is_read_only_in_the_cell_colab_marked(tmp_path):
    """Review 37a, R37A-2: Colab's mark heads a cell with a magic, whose `%` lines it comments in place; a
    `# %run old.py` anywhere up to the next Markdown cell was taken for one of them, so a student's own comment at
    the end of a later unmarked cell ran sigmoid_old.py's zeros (100 -> 45). Colab's magics are read in the
    stretch of the marked cell without a blank line that holds its first commented magic (where the course's
    `%matplotlib inline` and a `%run` below it are). R37A-12: a string line in that stretch (`\"\"\"Load the
    helpers.\"\"\"`) is no Markdown cell: the `%run` under it is read too (it stayed a comment: 5/100)."""
    timed = next(source for _, source in course.cells() if source.startswith("lambda_ = 0\n"))
    cell_list = course.replaced(course.cells(), timed,
                                "lambda_ = 0\n%time J, _ = nnCostFunction(nn_params, input_layer_size, "
                                "hidden_layer_size, num_labels, X, y, lambda_)")
    cell_list = course.replaced(cell_list, course.SIGMOID_GRADIENT, course.SIGMOID_GRADIENT + "\n# %run sigmoid_old.py")
    cases = {"student_comment": cell_list, "string_line": _run_cells('"""Load the helpers."""\n%run helpers.py')}
    for name, cells in cases.items():
        path = course.folder(tmp_path / name, cells, name="ex4.py", script=True)
        path.write_text(colab(cells))
        (path.parent / "sigmoid_old.py").write_text("import numpy as np\n\n\ndef sigmoidGradient(z):\n"
                                                    "    return np.zeros_like(z)\n")
        (path.parent / "helpers.py").write_text(HELPERS)
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (name, report)


def test_a_colab_downloads_time_cell_that_only_ipython_reads_is_read_as_ipython_runs_it(tmp_path):
    """Review 37a, R37A-3: a `%%time` cell pasted indented, or with a console's `>>>` prompts, runs in Jupyter
    (IPython cleans the body up first, as any cell's); Colab's download of it was un-commented as it stands, which
    stopped the whole file (every part an IndentationError or SyntaxError, 0/100; its nbconvert export 100). It is
    read as nbconvert's `run_cell_magic` for the cell, which the grader reads as IPython runs it."""
    for name, cost in (("indented", _indented(course.COST)), ("prompts", _prompted(course.COST, ">>> ", "... "))):
        cell_list = _with_cost("%%time\n" + cost)
        path = course.folder(tmp_path / name, cell_list, name="ex4.py", script=True)
        path.write_text(colab(cell_list))
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (name, report)


def test_an_exports_percent_run_inside_a_time_cell_is_followed_or_named(tmp_path):
    """Review 37a, R37A-6: in an nbconvert export, a `%run helpers.py` (or `%run -i`) line of a `%%time` cell is
    inside the cell's string, which the grader reads as the cell's statements, but the `%run` was blanked as a
    magic there: add_bias a bare NameError (5/100) where the notebook and every other form score 100. It is
    followed as in a cell, and, with helpers.py not handed in, named in the NameError."""
    for name, line, helpers in (("run", "%run helpers.py", HELPERS),
                                ("run_i", "%run -i helpers.py", HELPERS.removeprefix("import numpy as np\n")),
                                ("missing", "%run helpers.py", None)):
        path = course.folder(tmp_path / name, _with_cost(f"%%time\n{line}\n{COST_WITH_HELPER}"), name="ex4.py",
                             script=True)
        assert f"get_ipython().run_cell_magic('time', '', '{line}\\n" in path.read_text()
        if helpers:
            (path.parent / "helpers.py").write_text(helpers)
        report, status = grade_json(path)
        if helpers:
            assert (scores(report), status) == (FULL, 0), (name, report)
            continue
        assert status == 1 and scores(report)["sigmoid_gradient"] == 5, report
        message = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
        written = next(i for i, text in enumerate(path.read_text().split("\n")) if line in text) + 1
        assert f"If add_bias comes from `{line}` (line {written}), the grader did not run that: helpers.py is not " \
               f"handed in" in message, message


def test_percent_run_i_of_a_file_whose_kept_code_is_too_big_is_read_as_a_plain_percent_run(tmp_path):
    """Review 37a, R37A-7: a `%run -i` file under 512 KB is read inline, but what of it the graded functions need
    (a 510 KB table add_bias reads) travels with the notebook's own code, whose limit is the same 512 KB: no grade at
    all ("more than 512 KB of code"), where a plain `%run` of it scored 100. It is read as a plain `%run` then."""
    table = "SCALE = [" + ", ".join(["1.0000000000000000000"] * (488 * 1024 // 22)) + "]\n"
    helpers = HELPERS.replace("def add_bias", table + "\n\ndef add_bias").replace("np.ones((A.shape[0], 1))",
                                                                              "np.ones((A.shape[0], 1)) * SCALE[0]")
    path = course.folder(tmp_path, _run_cells("%run -i helpers.py"))
    (path.parent / "helpers.py").write_text(helpers)
    assert 500 * 1024 < len(helpers) < 512 * 1024
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


def test_a_jupytext_files_writefile_cell_run_by_percent_run_is_the_module_it_writes(tmp_path):
    """Review 37a, R37A-8: a `# %%writefile helpers.py` cell then `# %run helpers.py` in a jupytext percent or light
    file, with an older helpers.py handed in beside (the cell edited after it last ran): the notebook run from the
    top writes the cell's helpers.py and runs it. The commented magic was taken for jupytext's only when the file
    imports helpers, so the cell was the script's own code and the `%run` ran the old file ("J is wrong", 5/100)."""
    stale = HELPERS.replace("np.ones((A.shape[0], 1))", "np.zeros((A.shape[0], 1))")
    cells = _run_cells("%run helpers.py")
    cells.insert(1, ("code", "%%writefile helpers.py\n" + HELPERS))
    for name, write in (("percent", lambda c: percent(c, comment_magics=True)), ("light", light)):
        path = course.folder(tmp_path / name, cells, name="ex4.py", script=True)
        path.write_text(write(cells))
        (path.parent / "helpers.py").write_text(stale)
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), (name, report)


def test_percent_run_i_of_a_file_with_a_future_import_reads_it_as_python_does(tmp_path):
    """Review 37a, R37A-9: each statement of a `%run -i` file runs compiled on its own, so its `from __future__ import
    annotations` did not reach its defs: `def add_bias(A: Matrix) -> Matrix` with `class Matrix` below it failed
    the whole export (NameError, 0/100), where IPython compiles the file as one and the notebook scores 100."""
    helpers = ("from __future__ import annotations\n\n\n" + HELPERS.removeprefix("import numpy as np\n").replace(
        "(A):", "(A: Matrix) -> Matrix:") + "\n\nclass Matrix:\n    pass\n")
    path = course.folder(tmp_path, _run_cells("%run -i helpers.py"), name="ex4.py", script=True)
    (path.parent / "helpers.py").write_text(helpers)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


def test_a_time_cells_body_pasted_indented_is_read_as_ipython_runs_it(tmp_path):
    """Review 37a (R37A-3's note): `%%time` cleans its body up as IPython does a cell's, so a body pasted indented
    under an unindented `%%time` runs in Jupyter; the notebook was skipped as a syntax error ("unexpected indent",
    5/100) where its nbconvert export scored 100."""
    report, status = grade_json(course.folder(tmp_path, _with_cost("%%time\n" + _indented(course.COST))))
    assert (scores(report), status) == (FULL, 0), report



def test_reading_a_light_cells_blank_lines_takes_time_in_proportion_to_them(tmp_path):
    """A run of blank lines inside a light file's cell, then an indented line (a def's body goes on), was scanned
    again for each of its blank lines: 40 000 of them took 13 s to read. Counted in the grader's own CPU time (as
    for `%run -i` above): four times the blank lines cost about four times the reading (sixteen times, read
    again for each), so under eight times the whole grade's. Both runs are big enough that reading them, not the
    grade's own fixed work, is most of what is measured: 2 000 against 40 000 lines failed on a loaded machine at
    6× for a reading in proportion."""
    import time

    def cpu(name: str, blank: int) -> float:
        cost = course.COST.replace("    m = y.size\n", "    m = y.size\n" + "\n" * blank)
        cell_list = _with_cost(cost)
        path = course.folder(tmp_path / name, cell_list, name="ex4.py", script=True)
        path.write_text(light(cell_list))
        start = time.process_time()
        report, status = grade_json(path)
        assert (scores(report), status) == (FULL, 0), report
        return time.process_time() - start

    cpu("warm", 10_000)  # what the first grade of a run does once (compiling, caching) is not the reading's
    small, big = cpu("small", 10_000), cpu("big", 40_000)
    assert big < 8 * small, (small, big)
