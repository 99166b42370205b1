"""Notebooks and the course's folder, graded through the `grade` command (issue 8).

Each fixture is written at test time by tests/course.py: a course-style folder (a client stand-in above
that must never be reached, utils.py with the course's import structure) and the student's notebook or its
.py export. Every case ends in a clear error or an honest score, never a traceback.
"""

import json
import os
import subprocess
import sys

import pytest

from . import course
from .conftest import ROOT, grade_json, run_cli

FULL = {"cost": 30, "regularized_cost": 15, "sigmoid_gradient": 5, "gradient": 40, "regularized_gradient": 10}


def scores(report: dict) -> dict:
    return {p["id"]: p["score"] for p in report["parts"]}


def note(report: dict, note_id: str) -> str:
    return next((n["message"] for n in report["notes"] if n["id"] == note_id), "")


@pytest.mark.parametrize("name,script", [("exercise4.ipynb", False), ("ex4.py", True)])
def test_course_notebook_and_its_export_get_full_marks(tmp_path, name, script):
    path = course.folder(tmp_path, name=name, script=script)
    report, status = grade_json(path)  # no --exercise: exercise4 and ex4 name ex5
    assert (report["exercise"], scores(report), status) == ("ex5", FULL, 0), report
    assert all(p["mistakes"] == [] for p in report["parts"])
    left_out = note(report, "script_not_run")
    if script:
        assert left_out.startswith("Top-level code in lines ") and "of ex4.py was not run" in left_out
    else:
        assert left_out.startswith("Top-level code in cells 1–4, 6–9, 11–12, 14–21 of exercise4.ipynb was not run")
    assert {n["id"] for n in report["notes"]} == {"script_not_run"}  # no scalar note for the template's style


def test_text_report_of_a_notebook(tmp_path):
    result = run_cli(str(course.folder(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "100 / 100" in result.output and "Notes (no points taken)" in result.output


def _with_cost(body_lines: dict[str, str]) -> str:
    text = course.COST
    for old, new in body_lines.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_a_function_defined_in_two_cells_is_graded_on_the_last_with_a_note(tmp_path):
    """Acceptance run 10, D9: run from the top, a notebook that defines nnCostFunction twice keeps the last
    definition, which is graded; a kernel where the earlier cell ran last tested the other one, so the note says
    which cells define it. The course's notebook defines each function once: no such note (test above)."""
    cell_list = course.cells(cost=_with_cost({"    m = y.size\n": "    m = y.size * 2\n"}))  # a wrong first try
    assert cell_list[6][1].startswith("def nnCostFunction")  # code cell 5
    cell_list.insert(7, ("code", course.COST))  # code cell 6: the fixed one
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert (scores(report), status) == (FULL, 0), report
    assert note(report, "defined_twice") == (
        "nnCostFunction is defined 2 times (cell 5, line 1; cell 6, line 1): the last one, in cell 6, is graded, as "
        "running the notebook from the top would leave it. If you ran an earlier cell after it, your notebook "
        "tested another version than the one graded; delete the ones you do not mean.")
    cell_list[6], cell_list[7] = cell_list[7], cell_list[6]  # the fixed one first: the wrong one is graded
    report, status = grade_json(course.folder(tmp_path / "swapped", cell_list))
    assert status == 1 and scores(report)["cost"] == 0 and "in cell 6, is graded" in note(report, "defined_twice")


OLD_ATTEMPT = "# old attempt, kept for reference\ndef sigmoidGradient(z):\n    return z * (1 - z)\n"


def test_an_old_attempt_after_the_grader_cells_is_not_what_the_course_submits(tmp_path):
    """Student review 4, F1: an old attempt kept in the last cell (run first, execution count 1) was graded,
    45/100, though the course's `grader[3] = sigmoidGradient` (cell 12) submits cell 10's, by the kernel's order
    and by running the notebook from the top alike. It is graded on that one now, with a note; the same for
    cleared execution counts and for the .py export (no counts: from the top)."""
    cell_list = [*course.cells(), ("code", OLD_ATTEMPT)]  # code cell 22
    run_first = {i: i + 1 for i in range(1, 22)} | {22: 1}  # one session: no count twice (accept15, N1)
    for where, options, why in (("run", {"counts": run_first}, "ran last before it, as the notebook's execution "
                                         "counts show"),
                                ("cleared", {"counts": dict.fromkeys(range(1, 23))}, "comes before it, as running "
                                 "the notebook from the top would leave it"),
                                ("script", {"name": "ex4.py", "script": True}, "comes before it")):
        report, status = grade_json(course.folder(tmp_path / where, cell_list, **options))
        assert (scores(report), status) == (FULL, 0), (where, report)
        message = note(report, "unsubmitted_definition")
        assert message.startswith("sigmoidGradient is defined again after the definition the course's grader uses"), \
            message
        assert why in message and not note(report, "defined_twice"), (where, report["notes"])
        if where != "script":
            assert ("(cell 22, line 2): when its last grader cell runs (cell 18, line 1), sigmoidGradient is the one "
                    "in cell 10 (line 1)") in message, message


def test_a_fix_made_before_the_last_grader_cell_is_the_one_its_callers_use(tmp_path):
    """Review 21, R2: sigmoidGradient fixed in a cell after its own grader cell (12) but before the last one (18):
    the course's backprop parts call the fixed one (a global looked up when grader.grade() runs), and the F1 rule
    dropped the fix altogether (45/100). It is graded now, as before F1."""
    wrong = course.SIGMOID_GRADIENT.replace("utils.sigmoid(z) * (1 - utils.sigmoid(z))", "utils.sigmoid(z)")
    cell_list = course.cells(sigmoid_gradient=wrong)
    at = next(i for i, (_, text) in enumerate(cell_list) if text.startswith("grader[3] = sigmoidGradient"))
    cell_list.insert(at + 1, ("code", course.SIGMOID_GRADIENT))  # code cell 13, between grader[3] and grader[4]
    for where, counts in (("cleared", dict.fromkeys(range(1, 23))), ("run", None)):
        report, status = grade_json(course.folder(tmp_path / where, cell_list, counts=counts))
        assert scores(report)["gradient"] == 40, (where, report)
        # the course grades sigmoidGradient's own part on what its grader cell registered: said
        assert note(report, "unsubmitted_definition").startswith(
            "sigmoidGradient is graded here on its definition at cell 13, line 1, but the course's "
            "`grader[...] = sigmoidGradient` (cell 12, line 1) registered the earlier one, at cell 10, line 1"), \
            note(report, "unsubmitted_definition")


def test_a_fix_run_before_the_grader_cell_ran_again_is_the_one_submitted(tmp_path):
    """The kernel's order decides, when every cell ran: a fix in the last cell (count 30), then the grader cell run
    again (count 31), is what the course submitted: graded, no note. Had the grader cell last run before the fix
    (count 12), the course submitted cell 10's wrong version, and that is graded."""
    wrong = course.SIGMOID_GRADIENT.replace("utils.sigmoid(z) * (1 - utils.sigmoid(z))", "utils.sigmoid(z)")
    assert wrong != course.SIGMOID_GRADIENT
    cell_list = [*course.cells(sigmoid_gradient=wrong), ("code", course.SIGMOID_GRADIENT)]  # the fix: cell 22
    report, status = grade_json(course.folder(tmp_path / "after", cell_list, counts={22: 30, 12: 31}))
    assert (scores(report), status) == (FULL, 0) and not note(report, "unsubmitted_definition"), report
    report, status = grade_json(course.folder(tmp_path / "before", cell_list, counts={22: 30}))
    assert status == 1 and scores(report)["sigmoid_gradient"] == 0, report
    assert "is the one in cell 10 (line 1), which ran last before it" in note(report, "unsubmitted_definition")


def test_the_stub_the_grader_cells_submit_is_named_and_not_to_be_deleted(tmp_path):
    """Student review 4, F4: the template's nnCostFunction left in (cell 5), the work written as nn_cost_function
    (cell 6): graded on the work, but the course's `grader[1] = nnCostFunction` submits the stub, so the note
    says so and advises renaming the work in place of the stub; deleting it, as it advised, broke those cells."""
    stub = ("def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):\n"
            "    J = 0\n    grad = np.zeros(nn_params.shape)\n    return J, grad\n")
    cell_list = course.cells(cost=stub)
    cell_list.insert(7, ("code", course.COST.replace("def nnCostFunction", "def nn_cost_function")))  # cell 6
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert (scores(report), status) == (FULL, 0), report
    message = note(report, "both_names_defined")
    assert "nn_cost_function was graded, because nnCostFunction is still a stub" in message, message
    assert message.endswith("But the course's `grader[...] = nnCostFunction` (cell 19, line 1) submits the stub "
                            "nnCostFunction, which scores 0 there: rename your nn_cost_function to nnCostFunction, "
                            "in place of the stub."), message
    report, _ = grade_json(course.folder(tmp_path / "script", cell_list, name="ex4.py", script=True))
    assert "submits the stub nnCostFunction" in note(report, "both_names_defined")


def test_jupyters_display_in_a_graded_function_works_as_in_the_notebook(tmp_path):
    """Student review 4, F2: `display(J)` inside nnCostFunction (a builtin in a notebook's kernel) cost 95 points
    with a NameError, and `from IPython.display import display` in cell 1 cost all 100 where IPython is not
    installed. The course accepts both: full marks, and what display shows is printed (the `prints` note)."""
    cost = _with_cost({"    return J, grad": "    display(J)\n    return J, grad"})
    for where, imports in (("builtin", course.IMPORTS), ("imported", "from IPython.display import display, HTML\n"
                                                                       + course.IMPORTS)):
        cell_list = course.cells(cost=cost)
        cell_list[1] = ("code", imports)
        report, status = grade_json(course.folder(tmp_path / where, cell_list))
        assert (scores(report), status) == (FULL, 0), (where, report)
        assert "nnCostFunction prints" in note(report, "prints"), report["notes"]


def test_a_renamed_parameter_read_from_the_notebook_is_named_with_the_value_used(tmp_path):
    """Student review 4, F7: the def names its λ parameter lmbda but the body reads lambda_, which the notebook sets
    in cells 6, 8, 17 and 19. The note pointed at cell 6 (lambda_ = 0) though the value used was the last one
    (cell 19's), and said to compute it "from its arguments": now it names the last assignment and the renamed
    parameter."""
    cost = _with_cost({"lambda_=0.0):": "lmbda=0.0):"})
    report, status = grade_json(course.folder(tmp_path, course.cells(cost=cost)))
    assert status == 1, report
    message = note(report, "module_level_value")
    assert message == ("nnCostFunction reads module-level lambda_ (cell 19, line 3) though the course passes lambda_ "
                       "as an argument: your def names that parameter lmbda, so the body reads the notebook's "
                       "lambda_ instead. Name the parameter lambda_, or use lmbda in the body."), message


def test_code_too_large_to_read_is_not_parsed_by_the_grader(tmp_path):
    """Acceptance run 11, D7: the grader's own process parsed a 15 MB ex5.py for 32 s (3.6 GB) and a notebook of
    65 MB of code for 88 s before refusing them as more than 512 KB of kept code. Now the grader reads at most
    4 MB of code: a larger .py is imported whole by the sandbox, within its time and memory limits (a solution
    with a data set pasted in gets its marks); a notebook's cell that would take it past 4 MB is skipped with a
    note and does not count (review 18, R8: a skipped data cell made every later cell skipped too), so the
    functions in the other cells are graded as usual, and one defined in such a cell says why it is missing."""
    data = 'DATA = "' + "0123456789" * 440_000 + '"\n'  # 4.2 MB
    big = tmp_path / "big" / "ex5.py"
    big.parent.mkdir()
    big.write_text((ROOT / "solutions" / "ex5.py").read_text() + data)
    report, status = grade_json(big)  # imported whole by the sandbox, within its limits: a right answer
    assert (scores(report), status) == (FULL, 0), report

    cell_list = course.cells()
    cell_list.insert(5, ("code", data))  # code cell 4: before the functions
    report, status = grade_json(course.folder(tmp_path / "data", cell_list))
    assert (scores(report), status) == (FULL, 0), report
    assert ("Left out: cell 4 was not read: it holds 4.2 MB of code, and the grader reads at most 4 MB of a "
            "notebook's code (0.0 MB before it)") in note(report, "script_not_run")

    cell_list = course.cells(cost=data + course.COST)  # the function itself in the oversized cell
    report, status = grade_json(course.folder(tmp_path / "inside", cell_list))
    assert status == 1 and scores(report)["cost"] == 0 and scores(report)["sigmoid_gradient"] == 5
    feedback = next(p["feedback"] for p in report["parts"] if p["id"] == "cost")
    assert "nnCostFunction could not be read: cell 5 was not read: it holds 4.2 MB of code" in feedback, feedback


def test_code_of_too_many_statements_is_not_parsed_by_the_grader(tmp_path):
    """Review 25 (security), S6: 4 MB of `a;` (2 million statements, under the 4 MB bound) took the grader's own
    process to 4.2 GB to parse. It now reads at most 500 000 pieces of code, a line or `;` counting 2 and a `,` 1
    (review 26, R4: a bound of 200 000 lines, `;` and `,` imported whole a .py holding a pasted list of 210 000
    items; review 27, T8): a .py with more is imported whole by the sandbox (here a right one, whose extra lines do
    nothing: nothing is left out of it), a notebook's cell with more is skipped with a note. And a .py too deep to
    parse that is larger than the request's 512 KB is read by the sandbox from the file, not sent inline (S7: "the
    sandbox stopped working")."""
    filler = "a = 1;" * 100_000 + "# " + "," * 500_000 + "\n"
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    big = tmp_path / "big" / "ex5.py"
    big.parent.mkdir()
    big.write_text(solution + filler)
    report, status = grade_json(big)
    assert (scores(report), status) == (FULL, 0), report
    assert not note(report, "script_not_run"), report["notes"]  # imported whole: no top-level code left out

    cell_list = course.cells()
    cell_list.insert(5, ("code", filler))  # code cell 4: before the functions
    report, status = grade_json(course.folder(tmp_path / "data", cell_list))
    assert (scores(report), status) == (FULL, 0), report
    assert ("Left out: cell 4 was not read: it holds 700,002 pieces of code (a line or `;` counts 2, a `,` 1), and "
            "the grader reads at most 500,000 of a notebook's code") in note(report, "script_not_run"), report["notes"]
    pasted = tmp_path / "pasted" / "ex5.py"  # R4: 210 000 items of data nothing reads, beside data loading
    pasted.parent.mkdir()
    pasted.write_text(solution + "data = np.load('ex4data1.npz')\nLOOKUP = [" + "0," * 210_000 + "]\n")
    report, status = grade_json(pasted)
    assert (scores(report), status) == (FULL, 0), report

    deep = tmp_path / "deep" / "ex5.py"
    deep.parent.mkdir()
    deep.write_text(solution + "# " + "x" * (600 << 10) + "\nw = " + "-" * 200_000 + "1\n")
    report, _ = grade_json(deep)
    feedback = report["parts"][0]["feedback"]
    assert "could not be imported" in feedback and "sandbox stopped working" not in feedback, feedback


def test_a_global_set_by_script_code_is_named_with_its_cell(tmp_path):
    cost = _with_cost({"    m = y.size\n": ""})  # reads the notebook's m (cell 2) instead
    path = course.folder(tmp_path, course.cells(cost=cost))
    report, status = grade_json(path)
    assert status == 1 and scores(report) == {**{k: 0 for k in FULL}, "sigmoid_gradient": 5}
    feedback = report["parts"][0]["feedback"]
    assert "nnCostFunction raised NameError: name 'm' is not defined (exercise4.ipynb, cell 5, line 11)" in feedback
    assert "sets only in top-level code (cell 2, line 4)" in feedback
    assert "Compute m inside nnCostFunction from its own arguments" in feedback


def test_a_kept_module_level_number_is_a_note_when_the_function_fails(tmp_path):
    cells = course.cells(cost=_with_cost({"    m = y.size\n": "    m = examples\n"}))
    cells.insert(6, ("code", "# the data's size\nexamples = 16"))  # code cell 5, read instead of y.size
    report, status = grade_json(course.folder(tmp_path, cells))
    assert status == 1 and scores(report)["cost"] == 0
    assert note(report, "module_level_value").startswith(
        "nnCostFunction reads module-level examples (cell 5, line 2) instead of computing it from its arguments")


def test_a_kept_constant_is_no_note_when_the_function_passes(tmp_path):
    cells = course.cells(cost=_with_cost({"np.log(a3)": "np.log(a3 + EPSILON)"}))
    cells.insert(5, ("code", "EPSILON = 1e-300"))
    report, status = grade_json(course.folder(tmp_path, cells))
    assert status == 0 and not note(report, "module_level_value"), report


def test_a_mistake_in_a_notebook_is_named(tmp_path):
    cost = _with_cost({"    d3 = a3 - Y\n": "    d3 = (a3 - Y) * a3 * (1 - a3)\n"})
    report, status = grade_json(course.folder(tmp_path, course.cells(cost=cost)))
    assert status == 1 and scores(report) == {**FULL, "gradient": 0, "regularized_gradient": 0}
    assert [m["id"] for m in report["parts"][3]["mistakes"]] == ["extra_output_derivative"]


def test_an_exception_points_at_the_students_cell_and_line(tmp_path):
    cost = _with_cost({"    d3 = a3 - Y\n": "    d3 = a3 - Y.T\n"})  # line 19 of the cell
    report, _ = grade_json(course.folder(tmp_path, course.cells(cost=cost)))
    feedback = report["parts"][0]["feedback"]
    assert "nnCostFunction raised ValueError" in feedback and "(exercise4.ipynb, cell 5, line 19)" in feedback


def test_a_syntax_error_in_one_cell_costs_only_its_function(tmp_path):
    broken = _with_cost({"    J = 0\n": "    J = = 0\n"})  # line 7 of cell 5
    report, status = grade_json(course.folder(tmp_path, course.cells(cost=broken)))
    assert status == 1 and scores(report) == {**{k: 0 for k in FULL}, "sigmoid_gradient": 5}
    feedback = report["parts"][0]["feedback"]
    assert "nnCostFunction could not be read: SyntaxError: invalid syntax (cell 5, line 7)" in feedback


def test_an_unreadable_cell_is_told_in_words_that_agree(tmp_path):
    """Student review 4, F17: the part said the notebook "defines no function named ...: nnCostFunction could not
    be read", the note "Not read: cell 5 was not run: SyntaxError", and the JSON feedback "(case coursera)" where
    the text said "(every case)". The function is there, unreadable; the cell is left out; every case failed."""
    broken = _with_cost({"    d3 = a3 - Y\n": "    d3 = a3 - Y)\n"})  # line 19 of cell 5
    path = course.folder(tmp_path, course.cells(cost=broken))
    report, status = grade_json(path)
    assert status == 1 and scores(report) == {**{k: 0 for k in FULL}, "sigmoid_gradient": 5}
    feedback = report["parts"][0]["feedback"]
    assert feedback == "nnCostFunction could not be read: SyntaxError: unmatched ')' (cell 5, line 19) (every case).", \
        feedback
    assert note(report, "script_not_run").endswith(
        "Left out: cell 5 could not be read: SyntaxError: unmatched ')' (cell 5, line 19)."), report["notes"]
    text = run_cli(str(path)).output
    assert "nnCostFunction could not be read: SyntaxError: unmatched ')' (cell 5, line 19) (every case)" in text
    assert "defines no function" not in text and "was not run: SyntaxError" not in text


def test_a_timeout_names_the_function_as_written_and_the_running_line(tmp_path):
    cost = _with_cost({"    J = 0\n": "    J = 0\n    while J < 1:\n        J = J * 1.0\n"})  # lines 7–9
    report, _ = grade_json(course.folder(tmp_path, course.cells(cost=cost)), "--timeout", "1")
    feedback = report["parts"][0]["feedback"]
    assert feedback.startswith("nnCostFunction did not finish within 1 s (it was running nnCostFunction at "
                               "exercise4.ipynb, cell 5, line ")
    assert any(f"cell 5, line {n})" in feedback for n in (8, 9)), feedback
    assert not note(report, "prints")  # the grader's own marker is not the student's output


def test_the_gradient_part_says_when_only_the_cost_is_wrong(tmp_path):
    cost = _with_cost({"    J = -np.sum(": "    J = -0.5 * np.sum("})
    report, _ = grade_json(course.folder(tmp_path, course.cells(cost=cost)))
    gradient = report["parts"][3]
    assert gradient["score"] == 0 and gradient["feedback"].startswith(
        "Your gradient is right; this part fails because J is wrong (see part 1, ")


def test_course_module_names_are_free_and_the_folder_above_is_not_reached(tmp_path):
    # The client above raises when imported; utils.py imports it through sys.path.append('..').
    gradient = course.SIGMOID_GRADIENT.replace(
        "    return g", "    import sys, submission\n    assert __name__ != 'submission'\n"
                       "    assert sys.modules[__name__] is not submission\n    return g")
    report, status = grade_json(course.folder(tmp_path, course.cells(sigmoid_gradient=gradient)))
    assert status == 0, report


def _grade_subprocess(path, env_extra: dict) -> dict:
    env = {**os.environ, **env_extra}
    result = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--format", "json"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    return json.loads(result.stdout)


@pytest.mark.parametrize("installed", [False, True])
def test_utils_works_with_or_without_matplotlib(tmp_path, installed):
    """Without matplotlib a stand-in is offered; with it (a fake package here) the real one is used."""
    extra = {}
    if installed:
        fake = tmp_path / "site" / "matplotlib"
        fake.mkdir(parents=True)
        (fake / "__init__.py").write_text("REAL = True\n")
        (fake / "pyplot.py").write_text("def subplots(*a, **k):\n    return None, None\n")
        extra["PYTHONPATH"] = str(tmp_path / "site")
    stand_in = "('Stand-in' in (matplotlib.__doc__ or ''))"
    check = f"    import matplotlib\n    assert {stand_in} is not {installed}\n    return g"
    gradient = course.SIGMOID_GRADIENT.replace("    return g", check)
    report = _grade_subprocess(course.folder(tmp_path, course.cells(sigmoid_gradient=gradient)), extra)
    assert scores(report) == FULL, report


# ---- the course's utils.py when the student hands in the notebook alone ----------------------------

def _parts(report: dict) -> list[tuple]:
    return [(p["id"], p["score"], p["feedback"], p["mistakes"]) for p in report["parts"]]


@pytest.mark.parametrize("name,script", [("exercise4.ipynb", False), ("ex4.py", True)])
def test_the_course_notebook_alone_gets_full_marks(tmp_path, name, script):
    """Students upload exercise4.ipynb without the course's utils.py (not their work); its functions call
    utils.sigmoid. The sandbox offers the course's utils.py: the same report as with the file beside it."""
    report, status = grade_json(course.alone(tmp_path / "upload", name=name, script=script))
    assert (scores(report), status) == (FULL, 0), report
    beside, _ = grade_json(course.folder(tmp_path / "course", name=name, script=script))
    assert _parts(report) == _parts(beside) and report["notes"] == beside["notes"]


@pytest.mark.parametrize("own", ["utils.py", "utils/__init__.py"])
def test_a_students_own_utils_always_wins(tmp_path, own):
    """A utils.py (or package) handed in beside the notebook is the one used, also when its sigmoid is wrong."""
    path = course.alone(tmp_path)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report
    wrong = course.UTILS.replace("1.0 / (1.0 + np.exp(-z))", "1.0 / (1.0 + np.exp(z))")
    assert wrong != course.UTILS
    (tmp_path / own).parent.mkdir(exist_ok=True)
    (tmp_path / own).write_text(wrong)
    report, status = grade_json(path)
    # σ(−z)·(1 − σ(−z)) = σ(z)·(1 − σ(z)): only the sigmoid gradient survives the wrong sign
    assert (scores(report), status) == ({**{k: 0 for k in FULL}, "sigmoid_gradient": 5}, 1), report
    assert "J is wrong" in report["parts"][0]["feedback"]


def test_a_helper_the_course_utils_never_had_is_a_clear_import_error(tmp_path):
    """`from utils import softmax` with no utils.py handed in: the import fails, and says why."""
    imports = course.IMPORTS.replace("import utils\n", "import utils\nfrom utils import softmax\n")
    cells = course.replaced(course.cells(cost=_with_cost({"a3 = utils.sigmoid(": "a3 = softmax("})),
                            course.IMPORTS, imports)
    report, status = grade_json(course.alone(tmp_path, cells))
    assert status == 1 and scores(report) == {k: 0 for k in FULL}, report
    feedback = report["parts"][0]["feedback"]
    assert feedback.startswith("exercise4.ipynb could not be imported: ImportError: cannot import name 'softmax' "
                               "from 'utils' (<the grader's stand-in for the course's utils.py>) "
                               "(exercise4.ipynb, cell 1, line 10)"), feedback
    assert "You handed in no utils.py, so your code ran with the course's utils.py, which has no softmax" in feedback
    assert "define it in the file you hand in, or hand in your utils.py beside it" in feedback
    assert "Remove the import" not in feedback


def test_a_call_of_a_helper_the_course_utils_never_had_is_explained(tmp_path):
    cells = course.cells(cost=_with_cost({"a3 = utils.sigmoid(": "a3 = utils.softmax("}))
    report, status = grade_json(course.alone(tmp_path, cells))
    assert status == 1 and scores(report) == {**{k: 0 for k in FULL}, "sigmoid_gradient": 5}, report
    feedback = report["parts"][0]["feedback"]
    assert "nnCostFunction raised AttributeError: module 'utils' has no attribute 'softmax'" in feedback
    assert "the course's utils.py, which has no softmax (it has displayData, sigmoid, predict" in feedback
    # with their own utils.py (which lacks it too), nothing is said about the course's file
    (tmp_path / "utils.py").write_text(course.UTILS)
    report, _ = grade_json(tmp_path / "exercise4.ipynb")
    assert "module 'utils' has no attribute 'softmax'" in report["parts"][0]["feedback"]
    assert "course's utils.py" not in report["parts"][0]["feedback"]


def test_utils_is_not_a_package_and_no_one_is_told_to_remove_the_import_of_utils(tmp_path):
    imports = course.IMPORTS.replace("import utils\n", "import utils\nimport utils.helpers\n")
    cells = course.replaced(course.cells(cost=_with_cost({"a3 = utils.sigmoid(": "a3 = utils.helpers.softmax("})),
                            course.IMPORTS, imports)
    report, status = grade_json(course.alone(tmp_path, cells))
    assert status == 1 and scores(report) == {k: 0 for k in FULL}, report
    feedback = report["parts"][0]["feedback"]
    assert "No module named 'utils.helpers'; 'utils' is not a package" in feedback
    assert "so utils.helpers cannot be imported. Define what you use from utils.helpers in the file you hand in" \
        in feedback
    assert "Remove the import" not in feedback


def test_the_course_helpers_work_inside_a_students_function(tmp_path):
    """What the course's utils.py offers besides sigmoid runs too: the gradient check, predict, the Grader."""
    check = """\
    if getattr(sigmoidGradient, 'checking', False):  # called back by the gradient check below
        return g
    sigmoidGradient.checking = True
    import contextlib, io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        utils.checkNNGradients(nnCostFunction, 3.0)
    sigmoidGradient.checking = False
    difference = float(out.getvalue().rsplit('Relative difference: ', 1)[1].split()[0])
    assert difference < 1e-9, out.getvalue()
    T1, T2 = utils.debugInitializeWeights(4, 2), utils.debugInitializeWeights(3, 4)
    assert T1.shape == (4, 3) and T1[1, 0] == np.sin(2) / 10
    assert utils.predict(T1, T2, z[:, :2]).shape == (z.shape[0],) and utils.predict(T1, T2, z[0, :2]).shape == (1,)
    grader = utils.Grader()
    grader[3] = sigmoidGradient
    assert grader.grade() is None and utils.displayData(z) is None and utils.pyplot is not None
    return g"""
    gradient = course.SIGMOID_GRADIENT.replace("    return g", check)
    report, status = grade_json(course.alone(tmp_path, course.cells(sigmoid_gradient=gradient)))
    assert (scores(report), status) == (FULL, 0), report


def test_the_helpers_the_feedback_lists_are_the_ones_offered():
    """crashes.py tells a student what the course's utils.py has (UTILS_NAMES): exactly what it defines."""
    import ast
    from pathlib import Path

    from grader.sandbox import course as sandbox_course

    tree = ast.parse(Path(sandbox_course.__file__).with_name("course_utils.py").read_text(encoding="utf-8"))
    offered = tuple(node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)
                    and not node.name.startswith("_"))
    assert offered == sandbox_course.UTILS_NAMES


# ---- damaged and empty notebooks: a clear error or an honest score ----------------------------------

def test_invalid_json_is_a_clear_error(tmp_path):
    path = tmp_path / "exercise4.ipynb"
    path.write_text('{"cells": [')
    result = run_cli("check", str(path), "--format", "json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error.startswith(f"{path}: cannot be read as a Jupyter notebook") and "Traceback" not in result.output


@pytest.mark.parametrize("cell_list", [
    [],
    [("markdown", "# only words"), ("raw", "raw text")],
    [("code", "import numpy as np\n%matplotlib inline\nprint(np.pi)")],
], ids=["no cells", "non-code cells only", "no graded function"])
def test_notebooks_without_the_functions_score_zero(tmp_path, cell_list):
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert status == 1 and scores(report) == {k: 0 for k in FULL}
    assert "exercise4.ipynb defines no function named nn_cost_function or nnCostFunction" in \
        report["parts"][0]["feedback"]


def test_fifty_megabytes_of_outputs_are_ignored(tmp_path):
    image = {"output_type": "display_data", "metadata": {},
             "data": {"image/png": "iVBORw0KGgo" * (50 * 1024 * 1024 // 11), "text/plain": "<Figure>"}}
    path = course.folder(tmp_path, outputs={3: [image]})
    assert path.stat().st_size > 50 * 1024 * 1024
    report, status = grade_json(path)
    assert status == 0 and scores(report) == FULL


def test_notebook_with_explicit_exercise(tmp_path):
    path = course.folder(tmp_path, name="my work.ipynb")
    assert run_cli(str(path)).exit_code == 2  # the name says nothing
    report, status = grade_json(path, "--exercise", "ex4")
    assert status == 0 and report["exercise"] == "ex5"


def test_the_graded_source_is_only_what_the_functions_need(tmp_path):
    from grader.submission import prepare

    prepared = prepare(course.folder(tmp_path), {"nnCostFunction", "sigmoidGradient"})
    kept = [line for line in prepared.source.split("\n") if line and not line.startswith((" ", ")"))]
    assert kept == ["import numpy as np", "import utils", course.COST.split("\n")[0],
                    course.SIGMOID_GRADIENT.split("\n")[0]]
    assert prepared.origin(prepared.source.split("\n").index(kept[2]) + 1) == course_origin(5, 1)


def course_origin(cell, line):
    from grader.submission import Origin

    return Origin(cell, line)


def test_a_later_definition_that_cannot_be_read_says_the_earlier_one_was_graded(tmp_path):
    """The fix, in a later cell, has a syntax error: that cell is left out, so the earlier definition is graded,
    and the student, who may think their fix was, is told so (unread_redefinition)."""
    fix = "# my fix\n" + _with_cost({"    J = 0\n": "    J = = 0\n"})  # def on line 2, the error on line 8
    cells = [*course.cells(), ("code", fix)]  # code cell 22
    report, status = grade_json(course.folder(tmp_path, cells))
    assert status == 0 and scores(report) == FULL
    message = note(report, "unread_redefinition")
    assert message.startswith("nnCostFunction is defined again in cell 22, line 2, which could not be read "
                              "(SyntaxError: invalid syntax (cell 22, line 8)): the earlier definition, in cell 5, "
                              "line 1, was graded"), message


def test_a_later_definition_under_the_other_name_that_cannot_be_read_is_named_too(tmp_path):
    """R10: the fix is written as nn_cost_function in a later cell with a syntax error, while the course's
    nnCostFunction (cell 5) is graded: the two names are one function, so the note is given all the same."""
    fix = "# my fix\n" + _with_cost({"    J = 0\n": "    J = = 0\n", "def nnCostFunction": "def nn_cost_function"})
    report, status = grade_json(course.folder(tmp_path, [*course.cells(), ("code", fix)]))
    assert status == 0 and scores(report) == FULL
    message = note(report, "unread_redefinition")
    assert message.startswith("nn_cost_function is defined again in cell 22, line 2, which could not be read "
                              "(SyntaxError: invalid syntax (cell 22, line 8)): the earlier definition, "
                              "nnCostFunction, in cell 5, line 1, was graded"), message


def test_a_part_graded_on_the_stub_says_the_later_definition_could_not_be_read(tmp_path):
    """The course's cell 5 left as the template (J = 0, zero gradient), the work in a later cell with a syntax
    error: the parts fail as "Not written yet", and say first that the later definition could not be read."""
    stub = ("def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):\n"
            "    J = 0\n    grad = np.zeros(nn_params.shape)\n    return J, grad\n")
    fix = "# my fix\n" + _with_cost({"    J = 0\n": "    J = = 0\n", "def nnCostFunction": "def nn_cost_function"})
    report, _ = grade_json(course.folder(tmp_path, [*course.cells(cost=stub), ("code", fix)]))
    assert note(report, "unread_redefinition")
    for part in report["parts"]:
        if part["id"] != "sigmoid_gradient":
            assert part["score"] == 0 and part["evidence"][0] == (
                "Your later definition of this function could not be read (a syntax error), so an earlier one was "
                "graded: see the note below."), part["evidence"]
    assert not any("could not be read" in e for p in report["parts"] if p["id"] == "sigmoid_gradient"
                   for e in p["evidence"])


def test_an_earlier_definition_that_cannot_be_read_is_no_such_note(tmp_path):
    cells = [*course.cells(cost=_with_cost({"    J = 0\n": "    J = = 0\n"})), ("code", course.COST)]
    report, status = grade_json(course.folder(tmp_path, cells))
    assert status == 0 and not note(report, "unread_redefinition")


def test_a_future_import_in_a_later_cell_works_as_in_jupyter(tmp_path):
    """Review 24, P2: Jupyter carries a cell's `from __future__` flags to the cells run after it, so a notebook
    may import annotations in its second cell; Python wants such an import at the top of a file. Under it an
    annotation naming a type the notebook never defines is never evaluated: full marks, with the traceback
    lines still those of the student's cells."""
    cost = course.COST.replace("lambda_=0.0):", "lambda_=0.0) -> CostAndGradient:")
    cell_list = course.cells(cost=cost)
    at = cell_list.index(("code", course.IMPORTS)) + 1
    cell_list.insert(at, ("code", "# carried to every later cell\nfrom __future__ import annotations"))
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert (scores(report), status) == (FULL, 0), report
    broken = course.replaced(cell_list, cost, cost.replace("    m = y.size", "    m = y.size\n    1 / 0"))
    report, _ = grade_json(course.folder(tmp_path / "broken", broken))
    assert "ZeroDivisionError" in report["parts"][0]["feedback"], report
    assert "cell 6, line 7" in report["parts"][0]["feedback"], report


def test_execution_counts_of_two_kernel_sessions_do_not_decide_which_definition_is_graded(tmp_path):
    """Acceptance run 15, N1: a wrong sigmoidGradient (cell 10) re-run late in a first session (count 40) with its
    grader cell (count 43); the fix written in a cell before grader[4], the kernel restarted, and cells 1-4, the fix
    and the last grader cells run again (counts 1-7). Compared as one session's, the counts made the first
    session's grader cell the last one run, and the wrong definition was graded. Counts that repeat come from
    several sessions: the notebook is then read from the top, as the course's last grader cells submitted it."""
    wrong = course.SIGMOID_GRADIENT.replace("utils.sigmoid(z) * (1 - utils.sigmoid(z))", "utils.sigmoid(z)")
    cell_list = course.cells(sigmoid_gradient=wrong)
    at = next(i for i, (_, text) in enumerate(cell_list) if "grader[4] = nnCostFunction" in text)
    cell_list.insert(at, ("code", course.SIGMOID_GRADIENT))  # code cell 16; grader[4] is 17, grader[5] 19
    counts = {i: i for i in range(1, 23)} | {10: 40, 12: 43, 16: 5, 17: 6, 19: 7}
    report, status = grade_json(course.folder(tmp_path, cell_list, counts=counts))
    assert (scores(report), status) == (FULL, 0), report
    one_session = counts | {5: 35, 6: 36, 7: 37}  # no count repeats: the kernel's order still decides
    report, status = grade_json(course.folder(tmp_path / "one", cell_list, counts=one_session))
    assert status == 1 and scores(report)["sigmoid_gradient"] == 0, report
    # review 26, R5: a repeat on two cells that neither define it nor register it says nothing of those that do
    unrelated = one_session | {21: 120, 22: 120}
    report, status = grade_json(course.folder(tmp_path / "unrelated", cell_list, counts=unrelated))
    assert status == 1 and scores(report)["sigmoid_gradient"] == 0, report


def test_a_py_download_that_keeps_ipython_lines_is_read_as_its_notebook(tmp_path):
    """Acceptance run 15, N4: Colab's "Download .py" keeps `%cd ...`, `!ls Data` and `%timeit ...` as they are, so
    the file does not parse, and every part said "SyntaxError: invalid syntax (line 13)": 0/100 for right
    functions. Such lines are never Python; they are blanked, as in a notebook's cells, and the rest is graded."""
    text = (ROOT / "solutions" / "ex5.py").read_text().replace(
        "import numpy as np\n", "import numpy as np\n\n%cd /content/drive/MyDrive/ML/Exercise4\n!ls Data\n"
                                "files = !ls\n", 1) + "\n%timeit sigmoid_gradient(np.zeros((3, 3)))\nsigmoid?\n"
    path = tmp_path / "exercise4.py"
    path.write_text(text)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report
    broken = tmp_path / "broken" / "exercise4.py"  # a real syntax error still stops the import, at its line
    broken.parent.mkdir()
    broken.write_text(text.replace("    m = y.size\n", "    m = y.size +\n"))
    report, _ = grade_json(broken)
    assert "SyntaxError" in report["parts"][0]["feedback"], report


def test_a_students_utils_may_import_any_part_of_matplotlib_where_it_is_not_installed(tmp_path):
    """Acceptance run 15, N13: the student's own utils.py importing matplotlib.image (and cm, and calling
    matplotlib.use) cost the whole notebook, 0/100, where matplotlib is not installed (as on the platforms): the
    stand-in offered pyplot only. Every part of matplotlib is a stand-in there: plotting does nothing."""
    path = course.folder(tmp_path)
    (path.parent / "utils.py").write_text(
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.image as mpimg\nfrom matplotlib import cm, "
        "colors\nfrom matplotlib.animation import FuncAnimation\n" + course.UTILS)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


def test_a_notebook_saved_under_another_name_is_read_as_a_notebook(tmp_path):
    """Acceptance run 15, N8: a browser's `exercise4.ipynb.json` (or `.txt`) was read as Python, a dict literal
    that defines nothing: 0/100, "defines no function named ...". Its JSON is a notebook's: graded as one."""
    path = course.folder(tmp_path)
    for name in ("exercise4.ipynb.json", "exercise4.ipynb.txt"):
        renamed = path.with_name(name)
        renamed.write_bytes(path.read_bytes())
        report, status = grade_json(renamed)
        assert (scores(report), status) == (FULL, 0), (name, report)
        assert "cells 1–4" in note(report, "script_not_run"), report["notes"]


def test_the_grader_cells_count_whatever_the_grader_object_is_named(tmp_path):
    """Acceptance run 15, N6: `gr = utils.Grader()` and `gr[3] = sigmoidGradient` were not read as the course's
    grader cells, so an old attempt kept after them was graded (and the same notebook with `grader` was not):
    the rule of the grader cells holds for any name the notebook gives utils.Grader()."""
    cell_list = [(kind, text.replace("grader", "gr")) for kind, text in [*course.cells(), ("code", OLD_ATTEMPT)]]
    assert any(text.startswith("gr[3] = sigmoidGradient") for _, text in cell_list)
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert (scores(report), status) == (FULL, 0), report
    assert note(report, "unsubmitted_definition").startswith(
        "sigmoidGradient is defined again after the definition the course's grader uses"), report["notes"]


def test_functions_the_grader_cells_submit_under_other_names_are_graded(tmp_path):
    """Acceptance run 15, N2: the course grades the function object each `grader[k] = name` registers, whatever
    its name: `grader[3] = sigmoidgradient` and `grader[1] = nnCostFunctionVectorized` (beside the template's
    nnCostFunction stub, left in) got 95 and 0 with "defines no function named ...". They are graded as the
    parts' functions, with a note that names the grader cell."""
    stub = ("def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):\n"
            "    J = 0\n    grad = np.zeros(nn_params.shape)\n    return J, grad\n")
    work = course.COST.replace("def nnCostFunction", "def nnCostFunctionVectorized").replace(
        "sigmoidGradient(", "sigmoidgradient(")
    cell_list = course.cells(cost=stub + "\n\n" + work,
                             sigmoid_gradient=course.SIGMOID_GRADIENT.replace("def sigmoidGradient",
                                                                              "def sigmoidgradient"))
    cell_list = [(kind, text.replace("grader[3] = sigmoidGradient", "grader[3] = sigmoidgradient")
                  .replace("= nnCostFunction\n", "= nnCostFunctionVectorized\n")) for kind, text in cell_list]
    assert sum("= nnCostFunctionVectorized\n" in text for _, text in cell_list) == 4
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert (scores(report), status) == (FULL, 0), report
    message = " ".join(n["message"] for n in report["notes"] if n["id"] == "registered_other_name")
    assert "sigmoidgradient is graded as sigmoidGradient: the course's grader cell `grader[3] = sigmoidgradient` " \
           "(cell 12, line 1) submits it" in message, report["notes"]
    assert "nnCostFunctionVectorized is graded as nnCostFunction" in message, message


def test_a_part_is_graded_on_the_function_its_grader_cell_submits_where_its_own_fails(tmp_path):
    """Review 27, T6: `grader[k] = nnCostFunctionVectorized` beside a buggy nnCostFunction of the student's own:
    the course grades the function each grader cell submits (100), the grader graded nnCostFunction (5). A part
    whose own function fails it is graded on the one its grader cell submits, part by part: a part registered
    with the buggy one still fails, and a slip (`grader[3] = sigmoid`) beside a right function still passes."""
    buggy = course.COST.replace("d3 = a3 - Y", "d3 = (a3 - Y) * a3 * (1 - a3)").replace(
        "np.log(1 - a3)) / m", "np.log(1 - a3))")
    work = course.COST.replace("def nnCostFunction", "def nnCostFunctionVectorized")
    every = [(kind, text.replace("= nnCostFunction\n", "= nnCostFunctionVectorized\n"))
             for kind, text in course.cells(cost=buggy + "\n\n" + work)]
    assert sum("= nnCostFunctionVectorized\n" in text for _, text in every) == 4
    report, status = grade_json(course.folder(tmp_path / "every", every))
    assert (scores(report), status) == (FULL, 0), report
    message = note(report, "registered_other_name")
    assert message.startswith("Graded on nnCostFunctionVectorized, which the course's grader cells submit for these "
                              "parts, as the course grades them: Feedforward and Cost Function (`grader[1] = "
                              "nnCostFunctionVectorized`, cell 7, line 1); "), message
    assert message.endswith("It passes them, while your nnCostFunction does not."), message
    one = [(kind, text.replace("grader[4] = nnCostFunction\n", "grader[4] = nnCostFunctionVectorized\n"))
           for kind, text in course.cells(cost=buggy + "\n\n" + work)]
    report, status = grade_json(course.folder(tmp_path / "one", one))
    assert status == 1 and scores(report) == {**FULL, "cost": 0, "regularized_cost": 0, "regularized_gradient": 0}, \
        report
    cost = next(p for p in report["parts"] if p["id"] == "cost")
    assert [m["id"] for m in cost["mistakes"]] == ["cost_not_averaged"], cost
    assert note(report, "registered_other_name") == (
        "Graded on nnCostFunctionVectorized, which the course's grader cell submits for this part, as the course "
        "grades it: Neural Network Gradient (Backpropagation) (`grader[4] = nnCostFunctionVectorized`, cell 16, "
        "line 2). It passes it, while your nnCostFunction does not."), report["notes"]
    slip = [(kind, text.replace("grader[3] = sigmoidGradient", "grader[3] = utils_sigmoid")) for kind, text in
            course.cells(sigmoid_gradient=course.SIGMOID_GRADIENT + "\n\n\ndef utils_sigmoid(z):\n"
                         "    return utils.sigmoid(z)\n")]
    report, status = grade_json(course.folder(tmp_path / "slip", slip))
    assert (scores(report), status) == (FULL, 0), report
    assert not any(n["id"] == "registered_other_name" for n in report["notes"]), report["notes"]


@pytest.mark.parametrize("style", ["static", "instance", "alias"])
def test_a_grader_cell_submitting_a_method_or_an_alias_grades_that_function(tmp_path, style):
    """Review 28, R28-16: `grader[1] = Model.nnCostFunction`, `grader[1] = net.cost` or `cost_fn = net.cost;
    grader[1] = cost_fn`: the course grades the object each cell submits (100), the grader said "defines no
    function named nnCostFunction" (0). Followed as a function named by a def is (`registered_other_name`)."""
    indented = "\n".join("    " + line if line else line for line in course.COST.split("\n"))
    if style == "static":
        cost, submitted = "class Model:\n    @staticmethod\n" + indented, "Model.nnCostFunction"
    else:
        cost = "class Net:\n" + indented.replace("def nnCostFunction(nn_params", "def cost(self, nn_params") + \
            "\n\n\nnet = Net()\ncost_fn = net.cost\n"
        submitted = "net.cost" if style == "instance" else "cost_fn"
    cell_list = [(kind, text.replace("= nnCostFunction\n", f"= {submitted}\n"))
                 for kind, text in course.cells(cost=cost)]
    assert sum(f"] = {submitted}\n" in text for _, text in cell_list) == 4
    report, status = grade_json(course.folder(tmp_path, cell_list))
    assert (scores(report), status) == (FULL, 0), report
    assert note(report, "registered_other_name").startswith(f"{submitted} is graded as nnCostFunction: the "
                                                            f"course's grader cell `grader[5] = {submitted}`"), \
        report["notes"]
    assert not note(report, "unsubmitted_definition"), report["notes"]


WRITTEN = "%%writefile nn_helpers.py\nimport numpy as np\n\n\ndef sig(z):\n    return 1 / (1 + np.exp(-z))\n"


@pytest.mark.parametrize("script", [False, True], ids=["notebook", "export"])
def test_a_module_a_writefile_cell_writes_is_the_module_later_cells_import(tmp_path, script):
    """Review 28, R28-5: a cell `%%writefile nn_helpers.py` writes the helper that later cells import; handed in
    alone (an upload of the notebook), 0/100 and "Remove the import of nn_helpers". The cell's body is the
    module, as running the notebook from the top makes it; an error in it is placed in that module."""
    cost = course.COST.replace("utils.sigmoid(", "nn_helpers.sig(")
    cell_list = [*course.cells(cost=cost)[:3], ("code", WRITTEN), ("code", "import nn_helpers"),
                 *course.cells(cost=cost)[3:]]
    report, status = grade_json(course.alone(tmp_path / "right", cell_list, script=script,
                                             name="ex4.py" if script else "exercise4.ipynb"))
    assert (scores(report), status) == (FULL, 0), report
    assert "writefile" not in note(report, "script_not_run"), report["notes"]
    broken = [(kind, text.replace("return 1 / (1", "return 1 / (one")) for kind, text in cell_list]
    report, status = grade_json(course.alone(tmp_path / "broken", broken, script=script,
                                             name="ex4.py" if script else "exercise4.ipynb"))
    feedback = next(p for p in report["parts"] if p["id"] == "cost")["feedback"]
    called = "exercise4.ipynb, cell 7, line 14" if not script else "ex4.py, line 85"
    assert status == 1 and f"NameError: name 'one' is not defined (nn_helpers.py, line 5; called from {called})" \
        in feedback, feedback
    unused = [*course.cells()[:3], ("code", WRITTEN), *course.cells()[3:]]
    report, status = grade_json(course.alone(tmp_path / "unused", unused))
    assert (scores(report), status) == (FULL, 0), report
    assert "Left out: cell 2 is a %%writefile cell, not Python" in note(report, "script_not_run"), report["notes"]


def _vectorized_beside(own: str, extra: str = "", line: str = "") -> list[tuple[str, str]]:
    """The course's cells with `own` as nnCostFunction, a right nnCostFunctionVectorized beside it (after
    `extra`, e.g. an import it needs; with `line` run after its `m = y.size`) and every cost grader cell
    submitting nnCostFunctionVectorized."""
    work = extra + course.COST.replace("def nnCostFunction", "def nnCostFunctionVectorized").replace(
        "    m = y.size\n", f"    m = y.size\n{line}", 1)
    return [(kind, text.replace("= nnCostFunction\n", "= nnCostFunctionVectorized\n"))
            for kind, text in course.cells(cost=own + "\n\n" + work)]


BUGGY_COST = course.COST.replace("d3 = a3 - Y", "d3 = (a3 - Y) * a3 * (1 - a3)").replace(
    "np.log(1 - a3)) / m", "np.log(1 - a3))")


def test_a_part_is_graded_on_the_function_object_its_grader_cell_submitted(tmp_path):
    """Review 29, V1: a grader cell submits the function object the name holds when the cell runs; a later cell
    that redefines nnCostFunctionVectorized (an experiment after grading) changes nothing the course grades.
    The grader called the name, so graded the later function (0 for those parts)."""
    later = ("code", "def nnCostFunctionVectorized(nn_params, *args, **kwargs):\n"
                     "    return 0.0, np.zeros_like(nn_params)")
    report, status = grade_json(course.folder(tmp_path, _vectorized_beside(BUGGY_COST) + [later]))
    assert (scores(report), status) == (FULL, 0), report
    assert note(report, "registered_other_name").startswith("Graded on nnCostFunctionVectorized"), report["notes"]


def test_a_function_the_grader_cells_submit_beside_a_right_one_never_costs_the_right_one(tmp_path):
    """Review 29, V2: with a right nnCostFunction of the student's own, its parts are graded on it, and what only
    the other function a grader cell submits needs (an import the grader's sandbox lacks) is never run: the
    grader kept it, the import failed, and a right notebook scored 0."""
    cells = _vectorized_beside(course.COST, "from a_progress_bar_module import bar\n\n\n", "    bar(m)\n")
    report, status = grade_json(course.folder(tmp_path, cells))
    assert (scores(report), status) == (FULL, 0), report
    assert not note(report, "registered_other_name"), report["notes"]


def test_the_grader_cell_run_last_decides_what_a_part_is_graded_on(tmp_path):
    """Review 29, V3: of two grader cells for part 1, the one the kernel ran last (by the execution counts)
    decides what the course grades; the grader took the one placed last in the file."""
    cells = _vectorized_beside(BUGGY_COST)
    cells.insert(cells.index(("code", "grader[1] = nnCostFunctionVectorized\ngrader.grade()")) + 1,
                 ("code", "grader[1] = nnCostFunction\ngrader.grade()"))  # code cell 8, run before cell 7
    counts = {7: 40, 8: 39}
    report, status = grade_json(course.folder(tmp_path, cells, counts=counts))
    assert scores(report)["cost"] == 30, report
    assert "Feedforward and Cost Function (`grader[1] = nnCostFunctionVectorized`, cell 7, line 1)" in note(
        report, "registered_other_name"), report["notes"]
    report, _ = grade_json(course.folder(tmp_path / "top", cells, counts={7: 7, 8: 8}))
    assert scores(report)["cost"] == 0, report  # run from the top, cell 8 registers the buggy one last


@pytest.mark.parametrize("own", ["buggy", "hangs"])
def test_notes_speak_of_the_students_own_function_not_the_one_graded_in_its_place(tmp_path, own):
    """Review 29, V4: the probes for notes called the own nnCostFunction once its parts had passed on the function
    the grader cells submit: a buggy one earned a false "takes the number of classes from y" note, a hanging one
    was timed at full size ("slow_at_full_size") after timing out."""
    text = BUGGY_COST if own == "buggy" else course.COST.replace("    m = y.size\n", "    while True:\n        pass\n")
    report, status = grade_json(course.folder(tmp_path, _vectorized_beside(text)), "--timeout", "2")
    assert (scores(report), status) == (FULL, 0), report
    ids = [n["id"] for n in report["notes"]]
    assert "num_labels_from_data" not in ids and "slow_at_full_size" not in ids, report["notes"]
    assert "registered_other_name" in ids, ids


VECTORIZED = course.COST.replace("def nnCostFunction", "def nnCostFunctionVectorized")


def test_a_function_the_kernel_set_in_another_order_than_the_files_is_not_guessed(tmp_path):
    """Review 30, W1-W3: the source runs in the file's order, so where the execution counts say the kernel held
    another setting of the submitted function at its grader cell than the file's order gives, that cell is not
    read: a buggy nnCostFunctionVectorized placed last but run before the grader cells got 100 (the course 5),
    and a def placed below the grader cells but run before them made the notebook fail to import (0, even the
    right sigmoidGradient)."""
    counts = {i: i * 2 for i in range(1, 22)} | {22: 11}  # cell 22 ran after cell 5 and before the grader cells
    buggy = BUGGY_COST.replace("def nnCostFunction", "def nnCostFunctionVectorized")
    report, _ = grade_json(course.folder(tmp_path / "w1", _vectorized_beside(course.COST.replace(
        "def nnCostFunction", "def unused_cost")) + [("code", buggy)], counts=counts))
    assert scores(report) == {**FULL, "cost": 0, "regularized_cost": 0, "gradient": 0, "regularized_gradient": 0}, \
        report
    stub = course.COST.split("    # ====================== YOUR CODE HERE")[0] + \
        "    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])\n    return J, grad"
    cells = [(kind, text.replace("= nnCostFunction\n", "= nnCostFunctionVectorized\n"))
             for kind, text in course.cells(cost=stub)] + [("code", VECTORIZED)]
    report, _ = grade_json(course.folder(tmp_path / "w3", cells, counts={i: i + 10 for i in range(1, 22)} | {22: 12}))
    assert scores(report)["sigmoid_gradient"] == 5, report


@pytest.mark.parametrize("own", ["buggy", "stub"])
def test_a_later_experiment_on_the_submitted_function_is_not_run(tmp_path, own):
    """Review 30, W4: the course grades what a grader cell submitted, so a later redefinition of that function
    (after every grader cell), with an import the grader lacks, changes nothing; it was kept, failed to import,
    and the part (or, where nnCostFunction is only the template's stub, the whole notebook) scored 0."""
    text = BUGGY_COST if own == "buggy" else course.COST.split("    # ====================== YOUR CODE HERE")[0] + \
        "    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])\n    return J, grad"
    later = ("code", "from a_jit_module import jit\n\n\n@jit\n" + VECTORIZED)
    report, status = grade_json(course.folder(tmp_path, _vectorized_beside(text) + [later]))
    assert (scores(report), status) == (FULL, 0), report


STUB_COST = course.COST.split("    # ====================== YOUR CODE HERE")[0] + \
    "    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])\n    return J, grad"


@pytest.mark.parametrize("own", ["buggy", "stub"])
def test_a_later_experiment_that_sets_the_submitted_function_with_other_names_is_not_run(tmp_path, own):
    """Review 31, Y3: a last cell `from a_fast_module import nnCostFunctionVectorized, sigmoid_fast` (after every
    grader cell) was kept, as it sets another name too: its failed import cost the parts (5) or, where
    nnCostFunction is the template's stub, the whole notebook (0). The course graded what the cells submitted."""
    later = ("code", "from a_fast_module import nnCostFunctionVectorized, sigmoid_fast")
    report, status = grade_json(course.folder(tmp_path, _vectorized_beside(
        BUGGY_COST if own == "buggy" else STUB_COST) + [later]))
    assert (scores(report), status) == (FULL, 0), report


SIGMOID_DEF = "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))"


def _vectorized_reading_sigmoid(own: str, sigmoid: str = SIGMOID_DEF + "\n\n\n") -> list[tuple[str, str]]:
    """_vectorized_beside, with nnCostFunctionVectorized calling a module-level `sigmoid` (set by `sigmoid`, in
    the same cell, before it; "" for none) instead of utils.sigmoid."""
    return [(kind, text.replace("utils.sigmoid(a2", "sigmoid(a2").replace("utils.sigmoid(z2", "sigmoid(z2")
             if "def nnCostFunctionVectorized" in text else text)
            for kind, text in _vectorized_beside(own, sigmoid)]


@pytest.mark.parametrize("later", ["from a_fast_module import nnCostFunctionVectorized, sigmoid",
                                   "import a_fast_module\nnnCostFunctionVectorized = sigmoid = a_fast_module.cost"])
@pytest.mark.parametrize("own", ["buggy", "stub"])
def test_a_later_experiment_keeps_nothing_an_earlier_statement_also_binds(tmp_path, own, later):
    """Review 37b, R37-1: a last cell that sets the submitted function and `sigmoid`, which a def in cell 5 sets
    too and the graded function calls, was trimmed to `from a_fast_module import sigmoid` (or `sigmoid = ...`)
    and kept: its failed import still cost the whole notebook (0) or the parts (5), or `sigmoid` looked set only
    in top-level code. Every grade() of the course ran before that cell, with cell 5's sigmoid: 100. Beside a buggy
    nnCostFunction that calls sigmoid too, the file's own grade kept the whole statement (R37-3)."""
    cells = _vectorized_reading_sigmoid(BUGGY_COST if own == "buggy" else STUB_COST)
    assert any("def nnCostFunctionVectorized" in text and " sigmoid(z2" in text for _, text in cells)
    report, status = grade_json(course.folder(tmp_path, cells + [("code", later)]))
    assert (scores(report), status) == (FULL, 0), report


@pytest.mark.parametrize("later", [
    "try:\n    from a_fast_module import nnCostFunctionVectorized\nexcept ImportError:\n    " + SIGMOID_DEF.replace(
        "\n", "\n    "),
    "with np.errstate(over='ignore'):\n    " + SIGMOID_DEF.replace("\n", "\n    ") +
    "\n    nnCostFunctionVectorized = nnCostFunctionVectorized"])
@pytest.mark.parametrize("own", ["buggy", "stub"])
def test_a_later_experiment_keeps_a_helper_only_it_defines(tmp_path, own, later):
    """Review 37b, R37-2: a last `try:`/`with` block that sets the submitted function and defines `sigmoid`,
    which nothing else defines and the graded function calls, was left out whole: the graded function's
    NameError cost the parts (100 -> 5). The grader keeps a helper defined only in a later cell (as it keeps
    one in a plain last cell), so the block that alone defines it is run."""
    cells = _vectorized_reading_sigmoid(BUGGY_COST if own == "buggy" else STUB_COST, sigmoid="")
    report, status = grade_json(course.folder(tmp_path, cells + [("code", later)]))
    assert (scores(report), status) == (FULL, 0), report
    plain, _ = grade_json(course.folder(tmp_path / "plain", cells + [("code", SIGMOID_DEF)]))
    assert scores(plain) == FULL, plain


def test_a_later_import_keeps_only_the_helper_it_alone_imports(tmp_path):
    """Review 37b, R37-1/R37-2: of a last `from my_helpers import nnCostFunctionVectorized, sigmoid` (after every
    grader cell), sigmoid, which nothing else sets and the graded function calls, is imported, and the later
    nnCostFunctionVectorized is not: the course graded the one the cells submitted. Left out whole, the graded
    function lost its sigmoid (NameError); kept whole, a later import replaced what was graded."""
    cells = _vectorized_reading_sigmoid(STUB_COST, sigmoid="")
    path = course.folder(tmp_path, cells + [("code", "from my_helpers import nnCostFunctionVectorized, sigmoid")])
    (path.parent / "my_helpers.py").write_text("import numpy as np\n\n\n" + SIGMOID_DEF + "\n\n\n"
                                               "def nnCostFunctionVectorized(*args):\n    raise ValueError('draft')\n")
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report


def test_a_later_redefinition_of_a_submitted_helper_is_not_graded_here_either(tmp_path):
    """Review 37b, R37-3: part 3's cell submits sig_grad (the own sigmoidGradient is wrong) and nnCostFunction
    calls sig_grad; a last cell, after every grader cell, redefines sig_grad wrongly. The course graded every part
    before that cell ran (100), but the file's own grade kept it: the gradient parts failed (50), beside a note
    that said the later sig_grad was "graded neither by the course nor here"."""
    buggy = course.SIGMOID_GRADIENT.replace("(1 - utils.sigmoid(z))", "(1 + utils.sigmoid(z))")
    right = course.SIGMOID_GRADIENT.replace("def sigmoidGradient", "def sig_grad")
    cells = [(kind, text.replace("grader[3] = sigmoidGradient", "grader[3] = sig_grad"))
             for kind, text in course.cells(cost=course.COST.replace("sigmoidGradient(z2)", "sig_grad(z2)"),
                                            sigmoid_gradient=buggy + "\n\n\n" + right)]
    later = ("code", "def sig_grad(z):\n    return utils.sigmoid(z)")
    report, status = grade_json(course.folder(tmp_path, cells + [later]))
    assert (scores(report), status) == (FULL, 0), report
    assert "graded neither by the course nor here" in note(report, "unsubmitted_definition")


@pytest.mark.parametrize("later", ["from a_fast_module import nnCostFunction",
                                   "from a_fast_module import nnCostFunction, sigmoid_fast"])
def test_a_later_import_of_the_exercises_own_function_is_not_run(tmp_path, later):
    """Review 37b, R37-8: in the course's notebook, which submits nnCostFunction itself, a last cell
    `from a_fast_module import nnCostFunction` (after every grader cell) was run, as only a def or a plain
    assignment of an own name was left out there: its failed import cost the whole notebook (0/100), where the
    course graded the cell-5 function (100). It is left out, with the note that it was never submitted."""
    report, status = grade_json(course.folder(tmp_path, course.cells() + [("code", later)]))
    assert (scores(report), status) == (FULL, 0), report
    assert "(cell 22, line 1) ran after it, as the notebook's execution counts show, so it was never submitted" \
        in note(report, "unsubmitted_definition"), report["notes"]


@pytest.mark.parametrize("wrapper", ["lambda *a: nnCostFunction(*a)", "functools.partial(nnCostFunction)"])
def test_a_later_import_of_the_exercises_own_function_is_not_run_where_the_cells_submit_a_wrapper(tmp_path, wrapper):
    """Review 37d, R37D-5: the grader cells submit `lambda *a: nnCostFunction(*a)` (or a partial): the last cell's
    `from fastlib import nnCostFunction` was run, and its failed import cost the whole notebook (0/100), where the
    course, whose every grade ran before it, gave 100."""
    cells = [(kind, text.replace("= nnCostFunction\n", f"= {wrapper}\n")) for kind, text in course.cells()]
    cells[0] = (cells[0][0], "import functools\n" + cells[0][1]) if cells[0][0] == "code" else cells[0]
    report, status = grade_json(course.folder(tmp_path, cells + [("code", "from fastlib import nnCostFunction")]))
    assert (scores(report), status) == (FULL, 0), report


def test_a_later_import_of_the_exercises_own_function_keeps_only_the_helper_it_alone_imports(tmp_path):
    """Review 37b, R37-1/R37-8: of a last `from my_helpers import nnCostFunction, sigmoid`, only sigmoid (set
    nowhere else, called by the graded nnCostFunction) is run: left out whole, the graded function lost its
    sigmoid (NameError); kept whole, the draft nnCostFunction of my_helpers replaced the one the cells submitted."""
    cells = course.cells(cost=course.COST.replace("utils.sigmoid(", "sigmoid("))
    path = course.folder(tmp_path, cells + [("code", "from my_helpers import nnCostFunction, sigmoid")])
    (path.parent / "my_helpers.py").write_text("import numpy as np\n\n\n" + SIGMOID_DEF + "\n\n\n"
                                               "def nnCostFunction(*args):\n    raise ValueError('draft')\n")
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report
    # review 37d, R37D-3: the note told the student to delete the line, which loses the sigmoid their code reads
    message = note(report, "unsubmitted_definition")
    assert "Only its sigmoid is run, as your code reads it." in message and \
        message.endswith("else take nnCostFunction out of it."), message


@pytest.mark.parametrize("own", ["buggy", "stub"])
def test_a_later_loop_that_sets_the_submitted_function_is_not_run(tmp_path, own):
    """Review 37b, R37-2: a later statement is kept only for a name it alone sets that other code reads; a loop's
    own variable (`candidate`), read by nothing else, does not keep a loop over a module the grader lacks."""
    later = ("code", "import a_fast_module\n\nfor candidate in a_fast_module.costs:\n"
                     "    nnCostFunctionVectorized = candidate")
    report, status = grade_json(course.folder(tmp_path, _vectorized_beside(
        BUGGY_COST if own == "buggy" else STUB_COST) + [later]))
    assert (scores(report), status) == (FULL, 0), report


def test_a_later_class_that_holds_the_submitted_method_is_not_run(tmp_path):
    """Review 31, Y3: `grader[k] = Net.cost` with `class Net` defined again in a last cell, under a decorator from a
    module the grader lacks: the later class was kept and the whole notebook failed to import (0, the course 100)."""
    method = "class Net:\n    @staticmethod\n{}".format("\n".join(
        "    " + line for line in course.COST.replace("def nnCostFunction", "def cost").split("\n")))
    cells = [(kind, text.replace("= nnCostFunction\n", "= Net.cost\n"))
             for kind, text in course.cells(cost=STUB_COST + "\n\n\n" + method)]
    later = ("code", "from a_jit_module import jit\n\n\n" + method.replace("@staticmethod", "@staticmethod\n    @jit"))
    report, status = grade_json(course.folder(tmp_path, cells + [later]))
    assert (scores(report), status) == (FULL, 0), report


@pytest.mark.parametrize("own", ["buggy", "stub"])
def test_a_fix_of_the_submitted_function_after_every_grader_cell_is_said_not_to_be_submitted(tmp_path, own):
    """Review 31, Y11: a right nnCostFunctionVectorized in a last cell, after every grader cell, is graded as the
    course grades it (the buggy one the cells submitted: 5), but nothing said that the later one was not submitted,
    as the `unsubmitted_definition` note does for the exercise's own names."""
    buggy = BUGGY_COST.replace("def nnCostFunction", "def nnCostFunctionVectorized")
    cells = [(kind, text.replace(VECTORIZED, buggy)) for kind, text in _vectorized_beside(
        BUGGY_COST if own == "buggy" else STUB_COST)]
    report, _ = grade_json(course.folder(tmp_path, cells + [("code", VECTORIZED)]))
    assert scores(report) == {**FULL, "cost": 0, "regularized_cost": 0, "gradient": 0, "regularized_gradient": 0}
    message = note(report, "unsubmitted_definition")
    assert message.startswith("nnCostFunctionVectorized is defined again after the last of the course's grader cells "
                              "that submit it (`grader[5] = nnCostFunctionVectorized`, cell 18, line 1): the later "
                              "one (cell 22, line 1) ran after it, as the notebook's execution counts show, so it was "
                              "never submitted and is graded neither by the course nor here; those cells submitted the "
                              "one in cell 5 (line "), message


FIXED_MODULE = "import numpy as np\nimport utils\n\n\n" + course.SIGMOID_GRADIENT + "\n\n\n" + course.COST + "\n"


@pytest.mark.parametrize("later", ["from nn_fixed import nnCostFunction", course.COST])
def test_a_fix_below_the_grader_cells_run_again_counts_though_one_grader_cell_never_ran(tmp_path, later):
    """Review 37d, R37D-1: the stub in cell 5, the right nnCostFunction imported (or defined) in a last cell
    (count 30), then the grader cells run again (31-35), except part 3's, never run (count None). That cell
    submitted nothing, yet it sent the whole order back to the file's, so the fix was taken as an experiment after
    every grader cell and left out (5, with a note that the cells ran before it). The course: 100."""
    counts = {7: 31, 9: 32, 12: None, 16: 34, 18: 35, 22: 30}
    path = course.folder(tmp_path, course.cells(cost=STUB_COST) + [("code", later)], counts=counts)
    (path.parent / "nn_fixed.py").write_text(FIXED_MODULE)
    report, status = grade_json(path)
    assert (scores(report), status) == (FULL, 0), report
    assert not [n for n in report["notes"] if n["id"] == "unsubmitted_definition"], report["notes"]


def test_a_later_import_without_execution_counts_is_said_to_follow_from_running_from_the_top(tmp_path):
    """Review 37d, R37D-2: with no execution counts (outputs cleared), where a later import of the function stands
    is the file's order, a guess, as the note for a later def says ("as running the notebook from the top would
    leave it"); the note stated "never submitted" as a fact."""
    cells = course.cells(cost=STUB_COST) + [("code", "from nn_fixed import nnCostFunction")]
    path = course.folder(tmp_path, cells, counts={number: None for number in range(1, len(cells) + 1)})
    (path.parent / "nn_fixed.py").write_text(FIXED_MODULE)
    report, _ = grade_json(path)
    assert "(cell 22, line 1) comes after it, as running the notebook from the top would leave it, so it was never " \
           "submitted" in note(report, "unsubmitted_definition"), report["notes"]


def _net_cells() -> list[tuple[str, str]]:
    """The course's cells with a stub nnCostFunction and every cost grader cell submitting `net.cost`, a method
    of an object `net` made in the same cell."""
    method = "class Net:\n    def __init__(self):\n        self.epochs = 10\n\n{}\n\n\nnet = Net()".format("\n".join(
        "    " + line for line in course.COST.replace("def nnCostFunction(", "def cost(self, ").split("\n")))
    return [(kind, text.replace("= nnCostFunction\n", "= net.cost\n"))
            for kind, text in course.cells(cost=STUB_COST + "\n\n\n" + method)]


@pytest.mark.parametrize("case", ["del", "attribute", "copy", "own copy"])
def test_a_later_statement_that_sets_nothing_new_gets_no_unsubmitted_note(tmp_path, case):
    """Review 37b, R37-6: after every grader cell, `del nnCostFunctionVectorized`, `net.epochs = 50` (beside
    `grader[5] = net.cost`) or a word-for-word copy of the submitted def (a cell run again further down) were
    each said to be a later definition "never submitted", with advice to put it in place of the submitted one,
    in notebooks with full marks."""
    cells, later = {"del": (_vectorized_beside(STUB_COST), "del nnCostFunctionVectorized"),
                    "attribute": (_net_cells(), "net.epochs = 50"),
                    "copy": (_vectorized_beside(STUB_COST), VECTORIZED),
                    "own copy": (course.cells(), course.COST)}[case]
    report, status = grade_json(course.folder(tmp_path, cells + [("code", later)]))
    assert (scores(report), status) == (FULL, 0), report
    assert "unsubmitted_definition" not in [n["id"] for n in report["notes"]], report["notes"]


def test_a_later_grader_cell_that_submits_a_partial_is_the_one_that_counts(tmp_path):
    """Review 30, W5: a last cell `grader[1] = partial(nnCostFunction)` submits the student's own (buggy)
    function; it was passed over, and the earlier `grader[1] = nnCostFunctionVectorized` gave part 1 its 30."""
    cells = _vectorized_beside(BUGGY_COST)
    at = cells.index(("code", "grader[1] = nnCostFunctionVectorized\ngrader.grade()"))
    cells.insert(at + 1, ("code", "from functools import partial\ngrader[1] = partial(nnCostFunction)\ngrader.grade()"))
    report, _ = grade_json(course.folder(tmp_path, cells))
    assert scores(report) == {**FULL, "cost": 0}, report


def test_a_submitted_function_that_cannot_run_here_is_said_so(tmp_path):
    """Review 30, W6, W9: where the function the grader cells submit cannot be run here (an import the grader
    lacks, or too much code), the student was told only of their own function's mistakes."""
    cells = _vectorized_beside(BUGGY_COST, "from a_progress_bar_module import bar\n\n\n", "    bar(m)\n")
    report, status = grade_json(course.folder(tmp_path, cells))
    assert status == 1 and scores(report)["cost"] == 0, report
    message = note(report, "registered_other_failed")
    assert message.startswith("The course's grader cells submit nnCostFunctionVectorized for Feedforward and Cost "
                              "Function (`grader[1] = nnCostFunctionVectorized`, cell 7, line 1); "), message
    assert "but the grader could not grade those parts on it: it raised ModuleNotFoundError: No module named " \
        "'a_progress_bar_module'" in message and message.endswith("They were graded on your nnCostFunction."), message


def test_a_part_passed_on_the_submitted_function_says_nothing_of_the_students_own(tmp_path):
    """Review 30, W7, W10, W12: part 4 passed on costB, which its grader cell submits; part 5, graded on the own
    function, was told "your gradient is right with λ = 0 (that part passed)", which only costB's is. A failed
    part of such a function keeps its evidence, and an own function that hangs is said not to finish."""
    own = course.COST.replace("d2 = d3.dot(Theta2)[:, 1:] * sigmoidGradient(z2)",
                              "d2 = d3.dot(Theta2)[:, 1:] * sigmoidGradient(z2) + 0.01")
    assert own != course.COST
    cost_b = course.COST.replace("def nnCostFunction", "def costB")
    cells = [(kind, text.replace("grader[4] = nnCostFunction\n", "grader[4] = costB\n"))
             for kind, text in course.cells(cost=own + "\n\n" + cost_b)]
    report, _ = grade_json(course.folder(tmp_path / "twin", cells))
    assert scores(report) == {**FULL, "regularized_gradient": 0}, report
    evidence = report["parts"][4]["evidence"]
    assert not any("λ = 0" in line for line in evidence), evidence
    assert any(line.startswith("Gradient by weight matrix") for line in evidence), evidence
    hangs = course.COST.replace("    m = y.size\n", "    while True:\n        pass\n")
    report, _ = grade_json(course.folder(tmp_path / "hangs", _vectorized_beside(hangs)), "--timeout", "2")
    assert note(report, "registered_other_name").endswith(
        "It passes them, while your nnCostFunction does not finish within the time limit."), report["notes"]


def test_a_part_failed_by_both_functions_names_the_mistakes_of_the_one_the_course_grades(tmp_path):
    """Review 31, Y8: part 5 fails on the student's nnCostFunction (cost not divided by m, extra f′ in δ(L)) and on
    costA, which its grader cell submits (a right cost, δ(L) doubled): the part named only nnCostFunction's
    mistakes, and nothing said that costA, what the course grades, was tried and fails too."""
    cost_a = course.COST.replace("def nnCostFunction", "def costA").replace("d3 = a3 - Y", "d3 = (a3 - Y) * 2")
    cells = [(kind, text.replace("grader[5] = nnCostFunction\n", "grader[5] = costA\n"))
             for kind, text in course.cells(cost=BUGGY_COST + "\n\n" + cost_a)]
    report, status = grade_json(course.folder(tmp_path, cells))
    assert status == 1 and scores(report)["regularized_gradient"] == 0, report
    part = report["parts"][4]
    assert part["feedback"].startswith("grad is wrong"), part  # costA's J is right; nnCostFunction's is not
    assert "Cost not divided by m" not in json.dumps(part), part
    assert note(report, "registered_other_name").endswith(
        "(`grader[5] = costA`, cell 18, line 1). It fails it, and your nnCostFunction fails too: the part names the "
        "mistakes of costA, which the course grades, not those of your nnCostFunction."), report["notes"]


def test_a_function_fixed_between_grader_cells_is_graded_as_each_cell_submitted_it(tmp_path):
    """Review 31, Y1, Y2: a later definition of a function the grader cells submit was left out whenever it came
    after a grader cell, so later cells got the old one (5, the course 55), and a graded function that calls it
    by name got the old one too (45, the course 95). Only one after every grader cell is left out."""
    buggy = BUGGY_COST.replace("def nnCostFunction", "def nnCostFunctionVectorized")
    cells = _vectorized_beside(BUGGY_COST.replace("def nnCostFunction", "def unused_cost"))
    cells = [(kind, text.replace(VECTORIZED, buggy)) for kind, text in cells]
    cells.insert(cells.index(("code", course.RAND_INIT)), ("code", VECTORIZED))  # fixed before grader[4]
    cells = [(kind, text.replace("def unused_cost", "def nnCostFunction")) for kind, text in cells]
    report, _ = grade_json(course.folder(tmp_path / "between", cells))
    assert scores(report) == {**FULL, "cost": 0, "regularized_cost": 0}, report
    wrong = "def sg(z):\n    return utils.sigmoid(z) * (1 + utils.sigmoid(z))"
    cells = course.cells(cost=course.COST.replace("sigmoidGradient(z2)", "sg(z2)"),
                         sigmoid_gradient="def sigmoidGradient(z):\n    g = np.zeros(z.shape)\n    return g\n\n\n"
                         + wrong)
    cells = [(kind, text.replace("grader[3] = sigmoidGradient", "grader[3] = sg")) for kind, text in cells]
    cells.insert(cells.index(("code", course.RAND_INIT)), ("code", wrong.replace("(1 + ", "(1 - ")))
    report, _ = grade_json(course.folder(tmp_path / "by_name", cells))
    assert scores(report) == {**FULL, "sigmoid_gradient": 0}, report


def test_a_grader_cell_that_wraps_the_submitted_function_grades_it(tmp_path):
    """Review 31, Y5: `grader[4] = lambda *a: nnCostFunctionVectorized(*a)` (or functools.partial of it) as the last
    cell for part 4 submits that function; the student's own buggy one was graded (part 4: 0, the course 40)."""
    for wrap in ["lambda *a: nnCostFunctionVectorized(*a)", "functools.partial(nnCostFunctionVectorized)"]:
        cells = _vectorized_beside(BUGGY_COST)
        at = cells.index(("code", "!pip install scipy\ngrader[4] = nnCostFunctionVectorized\ngrader.grade()"))
        cells.insert(at + 1, ("code", f"import functools\ngrader[4] = {wrap}\ngrader.grade()"))
        report, status = grade_json(course.folder(tmp_path / wrap[:6], cells))
        assert (scores(report), status) == (FULL, 0), report
        assert f"Graded on {wrap}, which the course's grader cell submits for this part" in json.dumps(
            report["notes"], ensure_ascii=False), report["notes"]


def test_a_grader_cell_the_grader_cannot_follow_says_why(tmp_path):
    """Review 31, Y4, Y6: nothing was said where the function a grader cell submits crashes when called here, or
    where the execution counts hide which definition of it the cell submitted (re-run above the grader cells)."""
    crashes = VECTORIZED.replace("    m = y.size\n", "    m = y.size\n    m = m / undefined_scale\n", 1)
    cells = [(kind, text.replace(VECTORIZED, crashes)) for kind, text in _vectorized_beside(BUGGY_COST)]
    report, _ = grade_json(course.folder(tmp_path / "crash", cells))
    message = note(report, "registered_other_failed")
    assert "but the grader could not grade those parts on it: it raised NameError: name 'undefined_scale' is not " \
        "defined" in message and message.endswith("They were graded on your nnCostFunction."), message
    counts = {i: i * 2 for i in range(1, 22)} | {22: 11}  # the last cell ran before the grader cells
    cells = _vectorized_beside(BUGGY_COST) + [("code", VECTORIZED.replace("m = y.size", "m = len(y)"))]
    report, _ = grade_json(course.folder(tmp_path / "order", cells, counts=counts))
    assert "the execution counts show that the notebook's cells ran in another order than from the top, so which " \
        "definition of it those cells submitted cannot be told from the file" in note(
            report, "registered_other_failed"), report["notes"]


def test_a_part_graded_on_the_stub_the_grader_cells_submit_says_why(tmp_path):
    """Acceptance run 15, N7: the template's stubs left in their cells, the work written in a last cell after the
    grader cells: graded on the stubs, as the course would, but every part said only "Not written yet", while the
    student sees the work; only a note said why. The parts now say that the later definition comes after the
    grader cells, which submit the earlier one."""
    stub = ("def sigmoidGradient(z):\n    g = np.zeros(z.shape)\n    return g\n")
    cell_list = [*course.cells(sigmoid_gradient=stub), ("code", course.SIGMOID_GRADIENT)]
    report, status = grade_json(course.folder(tmp_path, cell_list))
    part = next(p for p in report["parts"] if p["id"] == "sigmoid_gradient")
    assert status == 1 and part["score"] == 0, report
    assert "Your later definition of this function comes after the course's grader cells" in part["evidence"][0]
    assert note(report, "unsubmitted_definition"), report["notes"]


def test_a_grader_cell_naming_another_function_is_read_so_only_where_nothing_else_is_meant(tmp_path):
    """Review 26, R2: reading `grader[k] = other` as `name = other` rebound the graded name for every part and every
    caller: `grader[3] = sigmoid` (a slip beside a right sigmoidGradient) made the backprop call sigmoid, 45/100;
    a slip fixed by a later grader[3] cell still scored 45; an `other` defined after its grader cell stopped the
    import (0). Read so only when the part's own function is no more than the template's stub, `other` is defined
    before the cell, and no later cell registers the part otherwise."""
    slip = [(kind, text.replace("grader[3] = sigmoidGradient", "grader[3] = sigmoid")) for kind, text in course.cells()]
    report, status = grade_json(course.folder(tmp_path / "slip", slip))
    assert (scores(report), status) == (FULL, 0), report
    wrong = course.SIGMOID_GRADIENT.replace("def sigmoidGradient", "def sigmoidGrad2").replace(
        "utils.sigmoid(z) * (1 - utils.sigmoid(z))", "utils.sigmoid(z)")
    fixed = [(kind, text.replace("grader[3] = sigmoidGradient", "grader[3] = sigmoidGrad2")) for kind, text in
             course.cells(sigmoid_gradient=course.SIGMOID_GRADIENT + "\n\n" + wrong)]
    fixed.append(("code", "grader[3] = sigmoidGradient\ngrader.grade()"))
    report, status = grade_json(course.folder(tmp_path / "fixed", fixed))
    assert (scores(report), status) == (FULL, 0), report
    late = [(kind, text.replace("grader[3] = sigmoidGradient", "grader[3] = sigmoidgradient")) for kind, text in
            course.cells(cost=course.COST.replace("sigmoidGradient(", "sigmoidgradient("), sigmoid_gradient="x = 1\n")]
    late.append(("code", course.SIGMOID_GRADIENT.replace("def sigmoidGradient", "def sigmoidgradient")))
    report, status = grade_json(course.folder(tmp_path / "late", late))
    assert status == 1 and {**scores(report), "sigmoid_gradient": 5} == FULL, report  # not a failed import
