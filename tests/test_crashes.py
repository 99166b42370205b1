"""Crashes explained from the student's own code: through the CLI on student-style files, and the pure rules."""

import json

import numpy as np
import pytest

from grader.crashes import Context, closest_name, course_shapes, explain
from grader.sandbox.protocol import stopped_by_budget

from . import course
from .conftest import ROOT, SUBMISSIONS, grade_json, run_cli


def _crashed_part(name: str, *extra: str) -> dict:
    report, status = grade_json(SUBMISSIONS / "ex5" / f"{name}.py", "--exercise", "ex5", *extra)
    assert status == 1
    return next(p for p in report["parts"] if p["id"] == "cost")


@pytest.mark.parametrize("name, exception, explanation", [
    ("crash_capitals", "NameError: name 'theta1' is not defined",
     "theta1 is not defined, but Theta1 is (line 18): Python names are case-sensitive"),
    ("crash_name_typo", "NameError: name 'Detla2' is not defined", "did you mean Delta2 (line 39)?"),
    ("crash_attribute_typo", "AttributeError: 'numpy.ndarray' object has no attribute 'sihze'",
     "y.sihze looks like a typo for y.size"),
    ("crash_numpy_removed", "AttributeError: module 'numpy' has no attribute 'asscalar'",
     "np.asscalar was removed in NumPy 1.23 (the grader runs a current NumPy); use a.item() instead"),
    ("crash_comparison_dtype", "ufunc equal", "Compare first, then convert: np.equal(a, b).astype(float)"),
    ("crash_per_example_form", "ValueError: shapes (5,4) and (16,4) not aligned",
     "Theta2.T is 5×4 and d3 is 16×4, so their product fails: the inner sizes 4 and 16 differ. δ3 is m×K (16×4), "
     "one row per example; Theta2.T·δ3 is the per-example column form"),
    ("crash_delta_keeps_bias", "operands could not be broadcast together with shapes (16,5) (16,4)",
     "d3 @ Theta2 is 16×5 and sigmoid_gradient(z2) is 16×4, so they cannot be combined elementwise. Their "
     "columns differ by one, the bias column"),
    ("import_pandas", "ModuleNotFoundError: No module named 'pandas'",
     "pandas is not available where your code is graded: the graded functions must run with numpy and scipy only."),
    ("import_own_helper", "ModuleNotFoundError: No module named 'nn_helpers'",
     "nn_helpers is not available where your code is graded. If nn_helpers.py is a file of your own, hand it in "
     "beside your file (that folder is importable when graded), or copy what the graded functions use from it "
     "into your file. If it is a library, the graded functions must run with numpy and scipy only."),
    ("crash_loads_data", "FileNotFoundError: [Errno 2] No such file or directory: 'Data/ex4data1.mat'",
     "Your code uses the path 'Data/ex4data1.mat', which does not exist where your code is graded: the grader runs "
     "it in an empty folder of its own and passes every input (X, y, the weights) as an argument."),
])
def test_crash_is_explained_and_the_exception_kept(name, exception, explanation):
    part = _crashed_part(name)
    assert exception in part["feedback"]  # the exact exception stays, as evidence
    assert explanation in part["feedback"] and explanation in part["evidence"][0]
    assert part["mistakes"] == []


def test_a_broadcast_crash_reads_as_sentences():
    """numpy's message ends in a space: no doubled space before the line, and the explanation that follows
    the case starts a sentence with a capital even when it cannot name the operands."""
    feedback = _crashed_part("crash_broadcast_two_thetas")["feedback"]
    assert "shapes (4,2) (4,4) (crash_broadcast_two_thetas.py, line 29) (case coursera). One operand is 4×2 and " \
           "the other is 4×4, so they cannot be combined elementwise." in feedback
    assert "  " not in feedback


def test_the_text_report_shows_the_explanation_under_the_exception():
    result = run_cli("check", str(SUBMISSIONS / "ex5" / "crash_capitals.py"), "--exercise", "ex5")
    text = result.stdout
    assert text.index("NameError: name 'theta1' is not defined") < text.index("Python names are case-sensitive")


def test_allowed_modules_are_named_and_a_missing_allowed_module_is_the_machines_problem(tmp_path):
    spec = tmp_path / "ex5_pandas.yaml"
    spec.write_text((ROOT / "exercises" / "ex5.yaml").read_text(encoding="utf-8") + "allowed_modules: [pandas]\n",
                    encoding="utf-8")
    part = _crashed_part("import_pandas", "--exercise", str(spec))
    assert "This exercise allows pandas, but it is not installed where your code is graded" in part["feedback"]
    spec.write_text((ROOT / "exercises" / "ex5.yaml").read_text(encoding="utf-8") + "allowed_modules: [scikit]\n",
                    encoding="utf-8")
    part = _crashed_part("import_pandas", "--exercise", str(spec))
    assert "numpy and scipy only, plus scikit for this exercise" in part["feedback"]


def test_allowed_modules_must_be_module_names(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text((ROOT / "exercises" / "ex5.yaml").read_text(encoding="utf-8")
                    + "allowed_modules: [pandas, scikit-learn]\n", encoding="utf-8")
    result = run_cli("validate", str(spec))
    assert result.exit_code == 2
    assert "allowed_modules[1]: expected a module name such as pandas, got 'scikit-learn'" in result.stderr


# ---- the pure rules --------------------------------------------------------------------------

SOURCE = """import numpy as np


def nn_cost_function(nn_params, X, y):
    Theta1 = nn_params
    delta1 = 0
    d3 = a3 - Y
    z2 = X @ Theta1
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1
    d2 = Theta2.T @ d3
    total = np.float_(0)
    a2 = np.concatenate([np.ones(m), X], axis=1)
"""
CASE = Context(SOURCE, (2, 4, 4), 16)


def test_closest_name_prefers_capitals_then_one_or_two_characters():
    assert closest_name("delta1", ["Delta1", "delta2"]) == "Delta1"
    assert closest_name("Thetta1", ["Theta1", "X"]) == "Theta1"
    assert closest_name("m", ["M", "m2"]) is None  # one or two characters: a notebook global more likely
    assert closest_name("Y", ["y"]) is None
    assert closest_name("Dlt1", ["Delta1"]) is None  # short names: at most one character apart
    assert closest_name("alpha", ["Theta1", "delta1"]) is None


def test_an_unknown_name_without_a_near_one_is_left_to_the_exception():
    assert explain("NameError: name 'num_examples' is not defined (ex5.py, line 7)", CASE) == ""
    assert "import numpy as np" in explain("NameError: name 'np' is not defined (ex5.py, line 7)", Context("x = 1"))


def test_matmul_shapes_come_from_the_course_when_numpy_does_not_give_them():
    matmul = ("ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
              "(n?,k),(k,m?)->(n?,m?) (size {} is different from {}) (ex5.py, line {})")
    text = explain(matmul.format(16, 4, 11), CASE)
    assert text.startswith("Theta2.T is 5×4 and d3 is 16×4") and "use δ3·Theta2" in text
    text = explain(matmul.format(4, 3, 10), CASE)
    assert text.startswith("a1 is 16×3 and Theta1 is 4×3") and "With the second transposed (Theta1.T, 3×4)" in text


def test_numpy_2_removals_and_joined_1d_columns():
    text = explain("AttributeError: `np.float_` was removed in the NumPy 2.0 release. Use `np.float64` instead. "
                   "(ex5.py, line 12)", CASE)
    assert "np.float_ was removed in NumPy 2.0" in text and "np.float64" in text
    text = explain("AxisError: axis 1 is out of bounds for array of dimension 1 (ex5.py, line 13)", CASE)
    assert "np.ones((m, 1)), not the 1-D np.ones(m)" in text


def test_labels_as_a_1d_column_against_the_outputs():
    text = explain("ValueError: operands could not be broadcast together with shapes (16,4) (16,)  "
                   "(ex5.py, line 7)", Context("d3 = a3 - y\n" * 7, (2, 4, 4), 16))
    assert text.startswith("a3 is 16×4 and y is a 1-D array of 16") and "np.eye(num_labels)[y]" in text


def test_course_shapes_of_a_deeper_network():
    table = course_shapes((3, 5, 4, 2), 7)
    assert table["Theta2"] == ((4, 6), "s3×(s2+1)") and table["δ4"] == ((7, 2), "m×K")
    assert table["a3"] == ((7, 5), "m×(s3+1)") and table["a4"] == ((7, 2), "m×K")


def test_malformed_messages_and_sources_explain_nothing():
    assert explain("", CASE) == ""
    assert explain("ValueError: shapes (5,4) and (16,4) not aligned (ex5.py, line 99)", Context("def (")) != "x"
    assert explain("NameError: name 'x' is not defined (ex5.py, line 1)", Context("def (:")) == ""


def test_float_sizes_and_off_by_one_indices():
    assert "wrap it in int(...)" in explain(
        "TypeError: 'float' object cannot be interpreted as an integer (ex5.py, line 3)", CASE)
    text = explain("IndexError: index 4 is out of bounds for axis 1 with size 4 (ex5.py, line 3)", CASE)
    assert "the last index is 3" in text
    text = explain("UnboundLocalError: cannot access local variable 'J' where it is not associated with a value "
                   "(ex5.py, line 9)", CASE)
    assert text.startswith("J is assigned somewhere in this function") and "line 9" in text


def test_only_the_submission_and_plain_files_beside_it_are_read(tmp_path):
    from grader.grading import read_source

    submission = tmp_path / "ex5.py"
    submission.write_text("Theta1 = 1\n")
    (tmp_path / "utils.py").write_text("def sigmoid(z): pass\n")
    outside = tmp_path.parent / f"{tmp_path.name}_secret.py"
    outside.write_text("secret_name = 1\n")
    (tmp_path / "link.py").symlink_to(outside)
    assert read_source(submission, "ex5.py") == "Theta1 = 1\n"
    assert read_source(submission, "utils.py").startswith("def sigmoid")
    assert read_source(submission, "link.py") == ""
    assert read_source(submission, f"../{outside.name}") == ""
    assert read_source(submission, None) == "" and read_source(submission, "missing.py") == ""


def test_a_file_saved_as_utf16_is_told_to_save_it_as_utf8(tmp_path):
    """Python refuses a UTF-16 source ("cannot contain null bytes"): the report says what the student did
    (Windows Notepad's "Unicode") and what to do, beside Python's own message."""
    path = tmp_path / "ex5.py"
    path.write_text((ROOT / "solutions" / "ex5.py").read_text(), encoding="utf-16")
    report, status = grade_json(path)
    feedback = report["parts"][0]["feedback"]
    assert status == 1 and "null bytes" in feedback and "saved as UTF-16" in feedback and "as UTF-8" in feedback


def test_utils_is_never_a_module_to_remove():
    """The sandbox always offers a utils (the student's own, else the course's): "remove the import" is only
    for libraries that are not installed, and what the course's file lacks is named as such."""
    assert explain("ModuleNotFoundError: No module named 'utils' (ex5.py, line 2)", CASE) == ""
    assert explain("ModuleNotFoundError: No module named 'utils.helpers' (ex5.py, line 2)", CASE) == ""
    text = explain("ModuleNotFoundError: No module named 'utils.helpers'; 'utils' is not a package (ex5.py, line 2)",
                   CASE)
    assert text.startswith("utils is one module where your code is graded") and "Remove the import" not in text
    assert "Remove the import of torch" in explain("ModuleNotFoundError: No module named 'torch.nn' (ex5.py, line 2)",
                                                   CASE)
    stand_in = "(<the grader's stand-in for the course's utils.py>)"
    for message in (f"ImportError: cannot import name 'relu' from 'utils' {stand_in} (ex5.py, line 3)",
                    f"AttributeError: module 'utils' has no attribute 'relu' {stand_in} (ex5.py, line 9)"):
        assert explain(message, CASE).startswith(
            "You handed in no utils.py, so your code ran with the course's utils.py, which has no relu (it has "
            "displayData, sigmoid,"), message
    # the student's own utils.py lacking a name: the exception says it all
    assert explain("ImportError: cannot import name 'relu' from 'utils' (/x/utils.py) (ex5.py, line 3)", CASE) == ""
    assert explain("AttributeError: module 'utils' has no attribute 'relu' (ex5.py, line 9)", CASE) == ""


def test_a_function_that_runs_out_of_memory_is_not_called_again(tmp_path):
    """A memory bomb's every call filled the whole --memory first (about 0.4 s of CPU each at 2 GB, ten calls in
    a grade): now its first MemoryError stops its calls with arguments as large (λ > 0 on the same case), as a
    timeout does, and the parts say why."""
    path = tmp_path / "ex5.py"
    path.write_text((SUBMISSIONS / "ex5" / "gradient_blocks_swapped.py").read_text().replace(
        "    m = y.size\n", "    m = y.size\n    np.ones(1 << 40)  # 8 TB: MemoryError\n", 1))
    report, status = grade_json(path, "--exercise", "ex5")
    parts = {p["id"]: p for p in report["parts"]}
    assert status == 1 and report["score"] == 5 and parts["sigmoid_gradient"]["passed"]
    assert "nn_cost_function raised MemoryError" in parts["cost"]["feedback"]
    skipped = "nn_cost_function was not called: a call with arguments as large ran out of memory"
    for part in ("regularized_cost", "regularized_gradient"):
        assert skipped in parts[part]["feedback"]


def test_a_print_loop_that_times_out_still_names_its_running_line(tmp_path):
    """The line a call was running when its time ran out comes from a mark written at the end of the output;
    a loop that printed until then had filled the kept output, so the mark was dropped. The worker's prints now
    leave room for it (sandbox/course.py prints_limit)."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    header = solution[solution.index("def nn_cost_function("):]
    header = header[:header.index(":\n", header.index(")")) + 2]
    path = tmp_path / "ex5.py"
    path.write_text(solution.replace(header, header + "    while True:\n        print('x' * 99)\n", 1))
    line = path.read_text().splitlines().index("        print('x' * 99)") + 1
    report, status = grade_json(path, "--exercise", "ex5", "--timeout", "3")  # the mark lands in its last 10 %
    feedback = report["parts"][0]["feedback"]
    assert status == 1 and report["score"] == 5
    assert feedback.startswith("nn_cost_function did not finish within 3 s (it was running nn_cost_function at "
                               "ex5.py, line ")
    assert any(f"ex5.py, line {n})" in feedback for n in (line - 1, line)), feedback  # the while or the print


def test_a_later_function_stopped_by_the_first_runs_budget_gets_a_run_of_its_own(tmp_path, sandbox_runs):
    """The other side of acceptance run 5's D2 (review 8, L4): in a grade's first run every function shares
    one budget (2 × --timeout). A later function whose call was stopped because that shared time ran out, not
    its own --timeout, has not had its chance: it runs again on its own, as a lone run of it would, and passes.
    Here nn_cost_function's six graded calls take 0.6 s each (3.6 s of the 6 s budget), so sigmoid_gradient's
    2.6 s call on the course's case cannot finish in what is left (at most 2.4 s), yet is well within --timeout 3.
    Every margin here is a second or more except that one, which only the machine's own delays can widen."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    slow = [("def nn_cost_function(", "    time.sleep(0.6)\n"),
            ("def sigmoid_gradient(z):\n", "    if np.shape(z) == (3, 10):  # the course's case\n        "
                                          "time.sleep(2.6)\n")]
    for header, body in slow:
        start = solution.index(header)
        end = solution.index(":\n", start) + 2  # past the signature (it may span lines)
        solution = solution[:end] + body + solution[end:]
    path = tmp_path / "ex5.py"
    path.write_text("import time\n" + solution)
    report, status = grade_json(path, "--exercise", "ex5", "--timeout", "3")
    assert status == 0 and report["score"] == 100, [(p["id"], p["feedback"]) for p in report["parts"]]
    course_case = [outcome for call, outcome in sandbox_runs
                   if call.names[0] == "sigmoid_gradient" and np.shape(call.args[0]) == (3, 10)]
    assert [o.status for o in course_case[:2]] == ["timeout", "ok"], [o and o.status for o in course_case]
    assert stopped_by_budget(course_case[0]) and "took longer" not in course_case[0].message


@pytest.mark.parametrize("helper", ["pause", "wait_budget"])
def test_a_hang_in_the_second_function_costs_one_timeout(tmp_path, sandbox_runs, helper):
    """A grade's first run calls every function; a later function's call that ran out of its own --timeout
    there was run again on its own and timed out again (acceptance run 5, D2: 2 × --timeout). Its outcome is
    kept now, as it would be in its own run: sigmoid_gradient is called (and times out) once. A helper whose
    name says "budget" is not taken for the run's shared time running out (review 8, L1)."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    header = "def sigmoid_gradient(z):\n"
    hang = f"    if np.shape(z) == (3, 10):  # the course's case; nn_cost_function's calls go on\n        {helper}()\n"
    path = tmp_path / "ex5.py"
    path.write_text(f"import time\n\n\ndef {helper}():\n    time.sleep(3600)\n\n\n"
                    + solution.replace(header, header + hang, 1))
    report, status = grade_json(path, "--exercise", "ex5", "--timeout", "2")
    parts = {p["id"]: p for p in report["parts"]}
    assert status == 1 and report["score"] == 95 and not parts["sigmoid_gradient"]["passed"]
    assert parts["sigmoid_gradient"]["feedback"].startswith("sigmoid_gradient did not finish within 2 s")
    timed_out = [call for call, outcome in sandbox_runs
                 if call.names[0] == "sigmoid_gradient" and outcome is not None and outcome.status == "timeout"]
    assert len(timed_out) == 1, [(c.names[0], o and o.status) for c, o in sandbox_runs]


@pytest.mark.parametrize("names", ["snake", "camel"])
def test_a_module_that_hangs_at_import_costs_one_timeout(tmp_path, sandbox_runs, names):
    """Every function's own run imports the same source, so an import that ran out of --timeout in a grade's
    first run would run out again in each: it was run again for sigmoid_gradient (acceptance run 8: an import
    hang cost 2 × --timeout, the longest wait of a class). Now the first run's import timeout is every call's
    outcome, and nothing runs again; each part says that the file could not be imported, not that a function it
    never called did not finish (review 32, Z8)."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    if names == "camel":
        solution = solution.replace("sigmoid_gradient", "sigmoidGradient").replace("nn_cost_function", "nnCostFunction")
    path = tmp_path / "ex5.py"
    path.write_text("import time\n\n\ndef _at_import(function):\n    time.sleep(3600)\n    return function\n\n\n"
                    + solution.replace("def sigmoid(z):", "@_at_import\ndef sigmoid(z):", 1))
    report, status = grade_json(path, "--exercise", "ex5", "--timeout", "1")
    assert status == 1 and report["score"] == 0
    for part in report["parts"]:
        assert part["feedback"].startswith("ex5.py could not be imported: its import did not finish within 1 s (it "
                                           "was running _at_import at ex5.py, line 5) (every case)"), part
    timed_out = [call for call, outcome in sandbox_runs if outcome is not None and outcome.status == "timeout"]
    assert len(timed_out) == 1, [(c.names[0], o and o.status) for c, o in sandbox_runs]


OCTAVE_LABELS = """\
id: octave_labels
title: Octave's labels
network:
  activations: [sigmoid, sigmoid]
  loss: cross_entropy
conventions: {targets: labels, label_base: 1}
functions:
  nn_cost_function:
    arguments: [nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_]
    returns: [J, grad]
cases:
  ra:
    random: {seed: 3, examples: 7, sizes: [3, 5, 4], weight_scale: 1.5}
parts:
  - {id: cost, title: Cost, points: 100, function: nn_cost_function, check: cost, cases: [ra]}
"""


def test_the_index_advice_follows_the_exercises_labels(tmp_path):
    """Author review 4, E8: with labels 1..K (label_base: 1), np.eye(K)[y] runs one past the end, and the advice
    said "labels here are 0..K−1, with no −1 or +1 needed": the opposite of the fix. It now says to subtract 1."""
    spec = tmp_path / "octave_labels.yaml"
    spec.write_text(OCTAVE_LABELS)
    path = tmp_path / "ex.py"
    path.write_text("import numpy as np\n\n\ndef nn_cost_function(nn_params, input_layer_size, hidden_layer_size, "
                    "num_labels, X, y, lambda_=0.0):\n    Y = np.eye(num_labels)[y]\n    return 0.0, nn_params * 0\n")
    report, status = grade_json(path, "--exercise", str(spec))
    feedback = report["parts"][0]["feedback"]
    assert status == 1 and "one past the end" in feedback, feedback
    assert "0..K−1" not in feedback and "labels here are 1..K: subtract 1 before indexing with them, as in " \
        "np.eye(num_labels)[y - 1]" in feedback, feedback


def test_did_you_mean_offers_no_other_layers_array_and_no_later_name(tmp_path):
    """Student review 4, F8: "Theta1 is not defined; did you mean Theta2?" for a student who named it T1 (another
    layer's array, not a typo), and "delta2 is not defined, but Delta2 is", a name set only on the next line,
    where delta_2 was set before it."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    renamed = solution.replace("    Theta1 = np.reshape(", "    T1 = np.reshape(", 1)
    late = solution.replace("    Theta1_grad = (delta_2.T @ a1) / m\n",
                            "    Theta1_grad = (delta2.T @ a1) / m\n    Delta2 = Theta1_grad\n")
    assert renamed != solution and late != solution
    for name, text, said, unsaid in (("renamed", renamed, "name 'Theta1' is not defined", "did you mean Theta2"),
                                     ("late", late, "delta2 is not defined; did you mean delta_2 (line ", "Delta2")):
        path = tmp_path / f"{name}.py"
        path.write_text(text)
        report, _ = grade_json(path, "--exercise", "ex5")
        feedback = next(p["feedback"] for p in report["parts"] if p["id"] == "gradient")
        assert said in feedback and unsaid not in feedback, feedback


def test_a_scalar_function_given_an_array_says_to_use_numpys(tmp_path):
    """Student review 4, F17: math.exp(-z) on an array raised "only 0-dimensional arrays can be converted to Python
    scalars", with nothing more: the explanation now names math.exp and np.exp."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    assert "np.exp(-z)" in solution
    path = tmp_path / "ex5.py"
    path.write_text("import math\n" + solution.replace("np.exp(-z)", "math.exp(-z)"))
    report, _ = grade_json(path, "--exercise", "ex5")
    feedback = next(p["feedback"] for p in report["parts"] if p["id"] == "sigmoid_gradient")
    assert "math.exp(...) takes one number, and it was given an array (line " in feedback, feedback
    assert "(np.exp for math.exp)" in feedback


def _solution_variant(tmp_path, name: str, old: str, new: str) -> tuple[dict, str]:
    text = (ROOT / "solutions" / "ex5.py").read_text()
    assert old in text
    path = tmp_path / f"{name}.py"
    path.write_text(text.replace(old, new))
    report, status = grade_json(path, "--exercise", "ex5")
    assert status == 1
    cost = next(p for p in report["parts"] if p["id"] == "cost")
    return cost, run_cli(str(path), "--exercise", "ex5").output


def test_hints_fit_the_code_that_crashed(tmp_path):
    """Student review 4, F17: m = X.shape[1] makes a 2-D bias column of too few rows, and was told to make it 2-D;
    y[:, k] on the 1-D labels was told to make y a column with [:, None], which fails again for k ≥ 1."""
    cost, text = _solution_variant(tmp_path, "wrong_m", "    m = y.size\n", "    m = X.shape[1]\n")
    assert "The arrays joined on this line have 2 and 16 rows: each needs one row per example" in " ".join(
        cost["evidence"]), cost
    assert "m = X.shape[0] (or y.size), not X.shape[1]" in " ".join(text.split())
    assert "np.ones(m)" not in text
    cost, text = _solution_variant(
        tmp_path, "one_hot_index", "    y_matrix = np.eye(num_labels)[y]\n",
        "    y_matrix = np.zeros((m, num_labels))\n    for k in range(num_labels):\n        y_matrix[:, k] = y[:, k]\n")
    told = " ".join(cost["evidence"])
    assert "[:, None]" not in told and "Y = np.eye(num_labels)[y], and index Y[:, k]" in told, cost
    assert "were indexed (one_hot_index.py, line 40) (every case). " in cost["feedback"], cost  # as in the text
    assert "(every case)" in text


def test_a_transposed_piece_beside_a_right_bias_column_is_named_not_m(tmp_path):
    """Review 22, R4: z2 = Theta1 @ a1.T makes sigmoid(z2) 4×16 beside the right 16×1 bias column; the student was
    told to take m from X.shape[0], which they did. The hint now names the piece with too few rows and the product
    that transposes it; the m advice stays for a bias column of too few rows (test_hints_fit_the_code_that_crashed)."""
    cost, text = _solution_variant(tmp_path, "transposed", "    z2 = a1 @ Theta1.T\n", "    z2 = Theta1 @ a1.T\n")
    told = " ".join(" ".join(cost["evidence"]).split())
    assert "The arrays joined on this line have 16 and 4 rows: each needs one row per example" in told, cost
    assert "X.shape[0]" not in told and "X.shape[0]" not in text, told
    assert "sigmoid(z2) has 4 rows, not one per example (16)" in told, told
    assert "Theta1 @ a1.T" in told and "a1 @ Theta1.T" in told, told


@pytest.mark.parametrize("source, m, told", [
    ("a2 = np.hstack((bias,\n", 16, "the one with 4 rows is wrong: if it is a bias column"),  # the pieces unseen
    ("a2 = np.hstack([np.ones((m, 1)), a])\n", 0, "If one is a bias column, make it with the number"),  # m unknown
])
def test_a_joined_piece_of_unknown_kind_is_told_both_causes(source, m, told):
    message = ("ValueError: all the input array dimensions except for the concatenation axis must match exactly, but "
               "along dimension 0, the array at index 0 has size 16 and the array at index 1 has size 4 (ex5.py, "
               "line 1)")
    text = explain(message, Context(source, (2, 4, 4), m))
    assert told in text and "X.shape[0]" in text and "a1 @ Theta1.T" in text, text


def test_a_1d_index_hint_speaks_of_y_only_when_the_line_indexes_y(tmp_path):
    """Review 22, R10: nn_params[:, 1:] (Theta1 forgotten) was told about y and one-hot rows, which the line does not
    touch; it is now told that nn_params is 1-D and to reshape it into Theta1 and Theta2 first. (y[:, k] keeps the
    one-hot advice: test_hints_fit_the_code_that_crashed.)"""
    cost, text = _solution_variant(tmp_path, "params_index", "(np.sum(np.square(Theta1[:, 1:]))\n",
                                   "(np.sum(np.square(nn_params[:, 1:]))\n")
    told = " ".join(cost["evidence"])
    assert "too many indices for array" in cost["feedback"] and "too many indices" in text, cost
    assert "one-hot" not in told and "y ==" not in told, told
    assert "nn_params is 1-D" in told and "reshape it into Theta1 and Theta2 first" in told, told


def test_a_bias_column_of_another_name_and_a_transposed_x_get_their_own_advice(tmp_path):
    """Review 23, Q2: a bias column not named ones/bias (`col = np.ones((X.shape[1], 1))`) was told it may be
    transposed, and X.T joined beside a right bias column to copy a1 @ Theta1.T. A piece with as many rows as X has
    columns gets the m advice; a piece written with .T is told to drop it."""
    cost, _ = _solution_variant(tmp_path, "named_col", "    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)\n",
                                "    col = np.ones((X.shape[1], 1))\n    a1 = np.concatenate([col, X], axis=1)\n")
    told = " ".join(" ".join(cost["evidence"]).split())
    assert "col has 2 rows, not one per example (16): if it is a bias column, make it with the number of examples, " \
           "m = X.shape[0]" in told, told
    cost, _ = _solution_variant(tmp_path, "x_transpose", "    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)\n",
                                "    a1 = np.concatenate([np.ones((m, 1)), np.transpose(X)], axis=1)\n")
    told = " ".join(" ".join(cost["evidence"]).split())  # review 24, P4: it was told only to fix its m
    assert "np.transpose(X) has 2 rows, not one per example (16): if it is a bias column" in told, told
    assert "if it is transposed, build it with one row per example" in told, told
    cost, _ = _solution_variant(tmp_path, "x_transposed", "    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)\n",
                                "    a1 = np.concatenate([np.ones((m, 1)), X.T], axis=1)\n")
    told = " ".join(" ".join(cost["evidence"]).split())
    assert "X.T has 2 rows, not one per example (16): it is transposed; join X without the .T." in told, told


def test_the_labels_under_another_name_are_not_told_to_reshape(tmp_path):
    """Review 23, Q3: a copy of y indexed as one-hot rows (`yy = y.copy(); yy[:, k]`) was told to reshape it to 2-D,
    which fails again for k ≥ 1; it is told to index with one index, or to build one-hot rows from the labels."""
    cost, _ = _solution_variant(
        tmp_path, "labels_copy", "    y_matrix = np.eye(num_labels)[y]\n",
        "    yy = y.copy()\n    y_matrix = np.zeros((m, num_labels))\n    for k in range(num_labels):\n"
        "        y_matrix[:, k] = yy[:, k]\n")
    told = " ".join(" ".join(cost["evidence"]).split())
    assert "is 1-D: index it with one index. If it holds the labels" in told, told  # the line indexes two arrays
    assert "np.eye(num_labels)[yy]" not in told and "np.eye(num_labels)[y]" in told and "reshape" not in told, told


def test_the_one_hot_example_names_the_labels_array_the_line_indexes(tmp_path):
    """Review 24, P5: the labels under another name (`labels[:, k]`) were told to build np.eye(num_labels)[y], a y
    the student's function may not have; the example now indexes the array the line indexes."""
    cost, _ = _solution_variant(
        tmp_path, "labels_named", "    y_matrix = np.eye(num_labels)[y]\n",
        "    labels = y\n    y_matrix = np.stack([labels[:, k] for k in range(num_labels)], axis=1)\n")
    told = " ".join(" ".join(cost["evidence"]).split())
    assert "labels is 1-D: index it with one index." in told, told
    assert "np.eye(num_labels)[labels]" in told and "np.eye(num_labels)[y]" not in told, told


def test_an_error_in_the_students_own_helper_at_import_names_the_helper_and_its_line(tmp_path):
    """fix28, F5: the student's utils.py raising at its top level (a NameError, or one in a function its top level
    calls) was placed at ex5.py's `import utils` line, so the student looked in the wrong file. Now the helper and
    its line are named. A SyntaxError there already named them; an error in ex5.py's own top level stays there."""
    source = (ROOT / "solutions" / "ex5.py").read_text().replace("import numpy as np\n", "import numpy as np\n\n"
                                                                   "import utils\n", 1)
    source = source.replace("return 1.0 / (1.0 + np.exp(-z))", "return utils.sigmoid(z)", 1)
    (tmp_path / "ex5.py").write_text(source)
    helpers = {
        "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n\n\nONES = np.ones(3)\n":
            "NameError: name 'np' is not defined (utils.py, line 5)",
        "import numpy as np\n\n\ndef ones():\n    return ONE\n\n\nsigmoid = np.vectorize(lambda z: 1 / (1 + "
        "np.exp(-z)))\nones()\n": "NameError: name 'ONE' is not defined (utils.py, line 5)",
        "import numpy as np\n\n\ndef sigmoid(z)\n    return 1.0 / (1.0 + np.exp(-z))\n":
            "SyntaxError: expected ':' (utils.py, line 4)",
    }
    for helper, message in helpers.items():
        (tmp_path / "utils.py").write_text(helper)
        report, status = grade_json(tmp_path / "ex5.py")
        assert status == 1 and report["score"] == 0, report
        feedback = report["parts"][0]["feedback"]
        assert feedback.startswith(f"ex5.py could not be imported: {message} (every case)."), feedback
    (tmp_path / "utils.py").write_text("def sigmoid(z):\n    return 1.0 / (1.0 + __import__('numpy').exp(-z))\n")
    scaled = source.replace("import utils\n", "import utils\n\nSCALE = 1 / 0\n", 1).replace(
        "return g * (1 - g)", "return SCALE * g * (1 - g)", 1)
    (tmp_path / "ex5.py").write_text(scaled)
    report, _ = grade_json(tmp_path / "ex5.py")
    feedback = report["parts"][0]["feedback"]
    assert feedback.startswith("ex5.py could not be imported: ZeroDivisionError: division by zero (ex5.py, line 12)"), \
        feedback


@pytest.mark.parametrize("helper, imported, call", [
    ("nn_helpers.py", "import nn_helpers", "nn_helpers.sig(z)"),
    ("mylib/tools.py", "from mylib import tools", "tools.sig(z)"),
    ("my-lib/tools.py", "import loader", "loader.sig(z)"),  # a folder of no package's name, on sys.path (Y10)
])
def test_an_error_inside_the_students_own_helper_names_the_helper_and_the_line_that_called_it(tmp_path, helper,
                                                                                               imported, call):
    """Review 28, R28-8: a NameError inside the student's nn_helpers.py (`import numpy`, then `np.exp`) was placed
    at ex5.py's line that called the helper: the student looked in a file that does import numpy as np. The
    helper's line comes first, then the line of theirs that called it; the same in a package of theirs
    (mylib/tools.py: review 29, V8)."""
    source = (ROOT / "solutions" / "ex5.py").read_text()
    source = source.replace("import numpy as np\n", f"import numpy as np\n\n{imported}\n", 1)
    source = source.replace("return 1.0 / (1.0 + np.exp(-z))", f"return {call}", 1)
    (tmp_path / "ex5.py").write_text(source)
    path = tmp_path / helper
    if path.parent != tmp_path:  # a package of the student's
        path.parent.mkdir()
        (path.parent / "__init__.py").touch()
    path.write_text("import numpy\n\n\ndef sig(z):\n    return 1 / (1 + np.exp(-z))\n")
    if imported == "import loader":  # the student's module that puts their folder on sys.path
        (tmp_path / "loader.py").write_text(f"import os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path."
                                            f"dirname(os.path.abspath(__file__)), {path.parent.name!r}))\n"
                                            f"from tools import sig\n")
    line = source.splitlines().index(f"    return {call}") + 1
    report, status = grade_json(tmp_path / "ex5.py")
    feedback = report["parts"][0]["feedback"]
    assert status == 1 and f"raised NameError: name 'np' is not defined ({helper}, line 5; called from " \
        f"ex5.py, line {line})" in feedback, feedback
    assert "import numpy as np" in feedback, feedback  # the explanation reads the helper, which lacks it


def test_an_error_inside_a_virtual_environment_under_the_folder_is_placed_in_the_students_file(tmp_path):
    """A library installed in a venv handed in beside the file (its site-packages, or lib/python3.11) is not the
    student's: the error is placed at the student's line that called it, as for any installed library, while any
    other folder of theirs is theirs, dash or not (review 31, Y10)."""
    source = (ROOT / "solutions" / "ex5.py").read_text()
    source = source.replace("import numpy as np\n", "import numpy as np\n\nimport loader\n", 1)
    source = source.replace("return 1.0 / (1.0 + np.exp(-z))", "return loader.sig(z)", 1)
    line = source.splitlines().index("    return loader.sig(z)") + 1
    helper = "import numpy\n\n\ndef sig(z):\n    return 1 / (1 + np.exp(-z))\n"
    for name, library in (("site", "lib/site-packages"), ("lib", "lib/python3.11")):
        folder = tmp_path / name
        (folder / library).mkdir(parents=True)
        (folder / library / "fancy.py").write_text(helper)
        (folder / "ex5.py").write_text(source)
        (folder / "loader.py").write_text(f"import os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path.dirname("
                                          f"os.path.abspath(__file__)), {library!r}))\nfrom fancy import sig\n")
        report, status = grade_json(folder / "ex5.py")
        feedback = report["parts"][0]["feedback"]
        assert status == 1 and f"NameError: name 'np' is not defined (ex5.py, line {line})" in feedback, feedback
        assert "fancy.py" not in feedback, feedback


def test_a_graded_function_that_saves_into_a_folder_of_its_own_is_told_it_saves(tmp_path):
    """Review 30, W13: np.save('debug/...') in a graded function was told "your code reads the file", with advice
    on loading data."""
    source = (ROOT / "solutions" / "ex5.py").read_text()
    source = source.replace("    return g * (1 - g)", "    np.save('debug/g.npy', g)\n    return g * (1 - g)", 1)
    (tmp_path / "ex5.py").write_text(source)
    report, status = grade_json(tmp_path / "ex5.py")
    part = next(p for p in report["parts"] if p["id"] == "sigmoid_gradient")
    assert status == 1 and "Your code saves to 'debug/g.npy', in a folder that does not exist where your code is " \
        "graded" in part["feedback"] and "save files in your notebook's own cells" in part["feedback"], part


def test_a_helper_whose_import_never_ends_is_told_so_not_as_a_print(tmp_path):
    """Review 31, X7: a helper that trains at its top level (here: never ends) made every part time out, and the
    grader's own mark of where the code was, "[grader: running <module> line 14]", came back as a note that the
    student's function prints."""
    source = (ROOT / "solutions" / "ex5.py").read_text().replace("import numpy as np\n",
                                                                  "import numpy as np\n\nfrom trains import *\n", 1)
    (tmp_path / "ex5.py").write_text(source)
    (tmp_path / "trains.py").write_text("while True:\n    pass\n")
    report, status = grade_json(tmp_path / "ex5.py", "--timeout", "1")
    line = source.splitlines().index("from trains import *") + 1
    assert status == 1 and all(n["id"] != "prints" for n in report["notes"]), report["notes"]
    assert "grader: running" not in json.dumps(report), report
    feedback = report["parts"][0]["feedback"]
    assert feedback.startswith(f"ex5.py could not be imported: the import of trains.py (ex5.py, line {line}) did not "
                               "finish within 1 s; it was running trains.py, line 1"), feedback


def test_a_helper_whose_import_never_ends_is_named_with_its_line_and_costs_one_timeout(tmp_path, sandbox_runs):
    """Review 32, Z8: a notebook does `import helpers`, whose top level loops (line 8). Every part said that
    nnCostFunction (or sigmoidGradient) did not finish, "running the file's top level" at the notebook's import
    line: neither function was ever called, and the loop is in helpers.py."""
    helpers = "import numpy as np\n\ndef sig(z):\n    return 1.0 / (1.0 + np.exp(-z))\n\nimport time\nwhile True:\n" \
              "    time.sleep(0.2)\n"
    cells = course.cells(cost=course.COST.replace("utils.sigmoid(", "helpers.sig("))
    cells[1] = ("code", "import helpers\n" + cells[1][1])
    path = course.folder(tmp_path, cells)
    (path.parent / "helpers.py").write_text(helpers)
    report, status = grade_json(path, "--timeout", "1")
    assert status == 1 and report["score"] == 0, report
    for part in report["parts"]:
        assert part["feedback"] == (
            "exercise4.ipynb could not be imported: the import of helpers.py (exercise4.ipynb, cell 1, line 1) did "
            "not finish within 1 s; it was running helpers.py, line 8 (every case). The top level of helpers.py runs "
            "whenever it is imported: put the long-running code there under `if __name__ == \"__main__\":`, or in a "
            "function that a cell calls."), part
    timed_out = [call for call, outcome in sandbox_runs if outcome is not None and outcome.status == "timeout"]
    assert len(timed_out) == 1, [(c.names[0], o and o.status) for c, o in sandbox_runs]


def test_a_written_helper_whose_import_never_ends_is_named_at_the_line_that_imports_it(tmp_path):
    """Review 37b, R37-7: helpers.py written by a `%%writefile` cell (cell 1) and imported in cell 2: the hang was
    said to be "the import of helpers.py, at exercise4.ipynb, cell 1, line 1", the %%writefile cell, which imports
    nothing."""
    helpers = "import numpy as np\n\ndef sig(z):\n    return 1.0 / (1.0 + np.exp(-z))\n\nimport time\nwhile True:\n" \
              "    time.sleep(0.2)\n"
    cells = course.cells(cost=course.COST.replace("utils.sigmoid(", "helpers.sig("))
    cells[1] = ("code", "import helpers\n" + cells[1][1])
    cells.insert(1, ("code", "%%writefile helpers.py\n" + helpers))
    report, status = grade_json(course.folder(tmp_path, cells), "--timeout", "1")
    assert status == 1 and report["score"] == 0, report
    feedback = report["parts"][0]["feedback"]
    assert feedback.startswith("exercise4.ipynb could not be imported: the import of helpers.py (exercise4.ipynb, "
                               "cell 2, line 1) did not finish within 1 s; it was running helpers.py, line 8"), feedback
