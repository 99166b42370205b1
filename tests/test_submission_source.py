"""grader.submission.prepare: which statements of a .py or notebook run (docs/submissions.md's rule)."""

import json

import pytest

from grader.submission import Origin, SubmissionError, prepare, spans

from . import course

ROOTS = {"nnCostFunction", "nn_cost_function", "sigmoidGradient", "sigmoid_gradient"}


def _py(tmp_path, text: str, name: str = "ex5.py"):
    path = tmp_path / name
    path.write_text(text)
    return prepare(path, ROOTS)


def _kept(prepared) -> list[str]:
    return [line for line in prepared.source.split("\n") if line.strip()]


def test_imports_defs_and_static_values_the_functions_reach_are_kept(tmp_path):
    prepared = _py(tmp_path, (
        "import numpy as np\n"
        "from scipy import optimize\n"            # not used by the functions: left out
        "EPS = 1e-8\n"
        "SCALE = np.sqrt(2.0) * EPS\n"            # numpy call on kept names: static
        "data = np.load('x.npy')\n"               # file I/O: never static
        "def helper(z):\n    return 1 / (1 + np.exp(-z)) + SCALE\n"
        "def sigmoidGradient(z):\n    return helper(z) * (1 - helper(z))\n"
        "print(sigmoidGradient(np.zeros(3)))\n"))
    assert _kept(prepared) == ["import numpy as np", "EPS = 1e-8", "SCALE = np.sqrt(2.0) * EPS",
                               "def helper(z):", "    return 1 / (1 + np.exp(-z)) + SCALE",
                               "def sigmoidGradient(z):", "    return helper(z) * (1 - helper(z))"]
    assert prepared.source.split("\n")[3] == "SCALE = np.sqrt(2.0) * EPS"  # same line as in the file
    assert spans(prepared.not_run, prepared.blank) == "lines 5, 10"


def test_a_value_computed_from_data_is_unrun_with_where_it_was_set(tmp_path):
    prepared = _py(tmp_path, (
        "import numpy as np\n"
        "from scipy.io import loadmat\n"
        "data = loadmat('Data/ex4data1.mat')\n"
        "X, y = data['X'], data['y'].ravel()\n"
        "y[y == 10] = 0\n"
        "m = y.size\n"
        "def nnCostFunction(p, a, b, c, X, y, lambda_=0.0):\n    return m, p\n"))
    assert prepared.unrun == {"m": Origin(None, 6), "y": Origin(None, 4)}
    assert "m = y.size" not in prepared.source and "loadmat" not in prepared.source


def test_statements_sharing_a_line_are_split(tmp_path):
    prepared = _py(tmp_path, "import numpy as np; import os; os.system('x'); K = 3\n"
                             "def sigmoidGradient(z):\n    return np.ones(K)\n")
    assert _kept(prepared)[0] == "import numpy as np; K = 3"


def test_magics_shell_escapes_and_help_lines_never_break_a_cell(tmp_path):
    cells = [("code", "%matplotlib inline\nimport numpy as np\n!pip install numpy\nfiles = !ls\nnp.zeros?\n"
                      "for i in range(2):\n    %time np.ones(3)\n"),
             ("code", "%%bash\necho not python"),
             ("code", "%%time\ndef sigmoidGradient(z):\n    return np.exp(-z) / (1 + np.exp(-z)) ** 2")]
    prepared = prepare(course.folder(tmp_path, cells), ROOTS)
    assert prepared.defined == {"sigmoidGradient": Origin(3, 2)}
    assert "import numpy as np" in prepared.source
    assert prepared.skipped_cells == ["cell 2 is a %%bash cell, not Python"]


def test_a_graded_name_set_by_script_code_is_unrun(tmp_path):
    prepared = _py(tmp_path, "import numpy as np\nfor k in range(1):\n    def sigmoidGradient(z):\n"
                             "        return z\n")
    assert prepared.unrun == {"sigmoidGradient": Origin(None, 2)} and not prepared.defined


def test_a_py_file_that_does_not_parse_runs_whole(tmp_path):
    text = "import numpy as np\ndef sigmoidGradient(z)\n    return z\n"
    assert _py(tmp_path, text).source == text  # Python then reports the syntax error and its line


@pytest.mark.parametrize("content,reason", [
    (b'{"cells": [', "it is not valid JSON"),
    (b"\xff\xfe\x00", "it is not valid JSON"),
    (b'{"nbformat": 4, "cells": 3}', "(it has no list of cells)"),
    (b"[1]", "(it is not a notebook: expected a JSON object with a list of cells)"),
])
def test_damaged_notebooks_are_submission_errors(tmp_path, content, reason):
    path = tmp_path / "ex5.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionError) as error:
        prepare(path, ROOTS)
    assert str(error.value).startswith(str(path)) and reason in str(error.value)


def test_old_notebook_formats_are_read_through_nbformat(tmp_path):
    cell = {"cell_type": "code", "input": "import numpy as np\ndef sigmoidGradient(z):\n    return np.exp(z)",
            "outputs": [], "language": "python", "metadata": {}, "collapsed": False}
    path = tmp_path / "ex5.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                "worksheets": [{"metadata": {}, "cells": [cell]}]}))
    assert prepare(path, ROOTS).defined == {"sigmoidGradient": Origin(1, 2)}


COUNTER = """\
import numpy as np

calls = 0


def sigmoidGradient(z):
    global calls
    calls += 1
    {extra}g = 1 / (1 + np.exp(-z))
    return g * (1 - g)
"""


@pytest.mark.parametrize("extra", ["", "(seen := 1)\n    "], ids=["tree", "symtable"])
def test_a_global_counter_keeps_its_module_level_start(tmp_path, extra):
    """`global calls; calls += 1` reads calls: its `calls = 0` must run, or a correct function raised
    NameError (0 points). Both readers say so: scopes.py, and symtable for what scopes.py leaves to it."""
    from .conftest import grade_json

    path = tmp_path / "ex5.py"
    path.write_text(COUNTER.format(extra=extra))
    report, _ = grade_json(path, "--exercise", "ex5")
    part = next(p for p in report["parts"] if p["id"] == "sigmoid_gradient")
    assert part["passed"], part["feedback"]
