"""The `grade` command through its public face (click's CliRunner, and one real install)."""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import cli as cli_module
from grader.report import as_text

from .conftest import ROOT, grade_json, run_cli

SOLUTION = ROOT / "solutions" / "ex5.py"
SHIPPED = ["ex5", "ex5_mse", "softmax_tanh", "regression", "deep_relu"]


def test_solution_gets_full_marks_in_text():
    result = run_cli(str(SOLUTION))  # `grade FILE` is short for `grade check FILE`
    assert result.exit_code == 0, result.output
    assert "100 / 100" in result.output
    for title in ("Feedforward and Cost Function", "Regularized Cost Function", "Sigmoid Gradient",
                  "Neural Network Gradient (Backpropagation)", "Regularized Gradient"):
        assert title in result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour


def test_json_report_follows_the_contract():
    report, status = grade_json(SOLUTION)
    assert status == 0
    assert set(report) == {"exercise", "title", "score", "max_score", "notes", "parts", "provenance", "sandbox"}
    assert (report["exercise"], report["score"], report["max_score"], report["notes"]) == ("ex5", 100, 100, [])
    assert [(p["id"], p["max_score"]) for p in report["parts"]] == [
        ("cost", 30), ("regularized_cost", 15), ("sigmoid_gradient", 5), ("gradient", 40),
        ("regularized_gradient", 10)]
    for part in report["parts"]:
        assert {"id", "title", "score", "max_score", "passed", "feedback", "mistakes"} <= set(part)
        assert part["passed"] and part["score"] == part["max_score"] and part["mistakes"] == []


@pytest.mark.parametrize("exercise", SHIPPED)
def test_every_shipped_solution_gets_full_marks(exercise):
    report, status = grade_json(ROOT / "solutions" / f"{exercise}.py")
    assert (report["exercise"], report["score"], status) == (exercise, report["max_score"], 0)


def test_exercise_option_by_name_and_by_path(tmp_path):
    renamed = tmp_path / "my_homework.py"
    renamed.write_text(SOLUTION.read_text())
    assert grade_json(renamed, "--exercise", "ex5")[0]["score"] == 100
    assert grade_json(renamed, "--exercise", str(ROOT / "exercises" / "ex5.yaml"))[0]["score"] == 100


def test_file_name_with_suffix_finds_the_longest_matching_exercise(tmp_path):
    for name, exercise in (("ex5_v2.py", "ex5"), ("ex5_mse_final.py", "ex5_mse")):
        path = tmp_path / name
        path.write_text("")
        assert grade_json(path)[0]["exercise"] == exercise


def test_unknown_exercise_lists_the_available_ones(tmp_path):
    result = run_cli(str(SOLUTION), "--exercise", "ex99")
    assert result.exit_code == 2
    assert "unknown exercise 'ex99'" in result.output and "ex5" in result.output
    nameless = tmp_path / "homework.py"
    nameless.write_text("")
    result = run_cli(str(nameless))
    assert result.exit_code == 2 and "--exercise" in result.output and "ex5_mse" in result.output


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp / "missing.py", "no such file"),
    (lambda tmp: tmp, "is a folder"),
])
def test_unusable_submission_path_is_exit_2_without_traceback(tmp_path, make, words):
    result = run_cli(str(make(tmp_path)), "--exercise", "ex5")
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output
    result = run_cli(str(make(tmp_path)), "--exercise", "ex5", "--format", "json")
    assert result.exit_code == 2 and words in json.loads(result.stdout)["error"]


def test_a_folder_or_a_nameless_notebook_is_told_what_to_grade(tmp_path):
    """Acceptance run 15, N10: `grade Exercise4` said "expected the student's Python file" of a folder holding the
    notebook, and `grade Untitled.ipynb` was told to name it like ex5.py."""
    folder = tmp_path / "Exercise4"
    folder.mkdir()
    (folder / "exercise4.ipynb").write_text("{}")
    (folder / "utils.py").write_text("")
    result = run_cli(str(folder))
    assert result.exit_code == 2 and "is a folder; expected the student's file (a .py file or a notebook); it " \
        "holds exercise4.ipynb: grade that file" in " ".join(result.output.split()), result.output
    untitled = tmp_path / "Untitled.ipynb"
    untitled.write_text("{}")
    result = run_cli(str(untitled))
    assert result.exit_code == 2 and "exercise4.ipynb for a notebook" in " ".join(result.output.split())


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary\xff", "x = 'caf\u00e9'".encode("latin-1"),
                                     b"def nn_cost_function(:\n"])
def test_broken_submission_files_are_graded_zero_with_a_message(tmp_path, content):
    path = tmp_path / "ex5.py"
    path.write_bytes(content)
    report, status = grade_json(path)
    assert status == 1 and report["score"] == 0
    assert all(p["feedback"] for p in report["parts"])
    assert all(p["mistakes"] == [] for p in report["parts"])


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli_module._use_colour()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli_module._use_colour()


def test_text_report_colours_scores_when_asked():
    from grader.grading import grade
    from grader.sandbox import Sandbox
    from grader.spec import load

    exercise = load(ROOT / "exercises" / "ex5.yaml")
    with Sandbox() as sandbox:
        report = grade(exercise, SOLUTION, sandbox)
    assert "\x1b[32m" in as_text(report, colour=True)
    assert "\x1b[" not in as_text(report, colour=False)


def test_validate_accepts_the_shipped_specs_and_rejects_a_broken_one(tmp_path):
    result = run_cli("validate", *(str(ROOT / "exercises" / f"{e}.yaml") for e in SHIPPED))
    assert result.exit_code == 0 and result.output.count("ok:") == len(SHIPPED)
    broken = tmp_path / "broken.yaml"
    broken.write_text((ROOT / "exercises" / "ex5.yaml").read_text().replace("points: 40", "points: -40"))
    result = run_cli("validate", str(broken))
    line = next(i for i, text in enumerate(broken.read_text().splitlines(), 1) if "points: -40" in text)
    assert result.exit_code == 2
    assert f"{broken}:{line}: parts[3].points" in result.output and "Traceback" not in result.output


def test_grading_with_an_invalid_spec_is_exit_2(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed")
    result = run_cli(str(SOLUTION), "--exercise", str(broken))
    assert result.exit_code == 2 and "not valid YAML" in result.output


def test_inspect_shows_cases_shapes_and_expected_values():
    result = run_cli("inspect", "ex5", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    cost = next(p for p in data["parts"] if p["id"] == "cost")
    coursera = next(c for c in cost["cases"] if c["name"] == "coursera")
    assert coursera["inputs"]["X"] == {"shape": [16, 2], "dtype": "float64"}
    assert coursera["inputs"]["y"] == {"shape": [16], "dtype": "int64"}
    assert coursera["inputs"]["num_labels"] == {"value": 4}
    assert set(coursera["expected"]) == {"J", "grad"} and len(coursera["expected"]["grad"]) == 32
    sg = next(p for p in data["parts"] if p["id"] == "sigmoid_gradient")
    assert sg["cases"][0]["inputs"]["z"]["shape"] == [3, 10] and set(sg["cases"][0]["expected"]) == {"g"}
    text = run_cli("inspect", "ex5").output
    assert "case coursera" in text and "expected J" in text


@pytest.mark.parametrize("exercise", SHIPPED)
def test_every_shipped_exercise_passes_its_audit(exercise):
    result = run_cli("audit", exercise)
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output


def test_audit_fails_on_weak_cases_with_a_hint(tmp_path):
    """One tiny case with small weights and no λ > 0: regularization mistakes slip through."""
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    weak = text.replace("lambda: 1.5", "lambda: 0").replace("weight_scale: 1.5", "weight_scale: 0.01") \
        .replace("weight_scale: 2.0", "weight_scale: 0.01")
    path = tmp_path / "weak.yaml"
    path.write_text(weak)
    result = run_cli("audit", str(path))
    assert result.exit_code == 1
    assert "FAIL: not detected by any part" in result.output and "λ > 0" in result.output


SIGMOID_MSE = """\
id: sig_mse
title: Sigmoid and squared error
network: {activations: [sigmoid, sigmoid], loss: squared_error}
functions:
  nn_cost_function:
    arguments: [nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_]
    returns: [J, grad]
  sigmoid_gradient: {arguments: [z], returns: [g]}
cases:
  ra: {random: {seed: 3, examples: 7, sizes: [3, 5, 4], weight_scale: SCALE}}
  rb: {random: {seed: 13, examples: 9, sizes: [4, 3, 5], weight_scale: SCALE}}
  rc: {random: {seed: 37, examples: 11, sizes: [2, 6, 3], weight_scale: SCALE}}
  z_a: {z: {sequence: sin, start: 1, step: 1, scale: 3, order: column, shape: [3, 10]}}
parts:
  - {id: cost, title: Cost, points: 25, function: nn_cost_function, check: cost, lambda: 0, cases: [ra, rb, rc]}
  - {id: regularized_cost, title: Reg Cost, points: 13, function: nn_cost_function, check: cost, lambda: 1.5,
     cases: [ra, rb, rc]}
  - {id: act_grad, title: Activation Gradient, points: 7, function: sigmoid_gradient, check: activation_gradient,
     activation: sigmoid, cases: [z_a]}
  - {id: gradient, title: Gradient, points: 45, function: nn_cost_function, check: gradient, lambda: 0,
     cases: [ra, rb, rc]}
  - {id: regularized_gradient, title: Reg Gradient, points: 10, function: nn_cost_function, check: gradient,
     lambda: 0.7, cases: [ra, rb, rc]}
"""


def test_the_audits_hint_on_weights_follows_their_cause(tmp_path):
    """Author review 4, E15: with every weight_scale 40 the audit failed and hinted "larger weights", backwards.
    The weight hint now says which way and why (the z the cases give), and neither the weight hint nor the λ hint
    is given where the cases' weights and the parts' λ are not the cause."""
    hints = {}
    for scale in ("40", "0.001"):
        path = tmp_path / f"scale_{scale}.yaml"
        path.write_text(SIGMOID_MSE.replace("SCALE", scale))
        result = run_cli("audit", str(path))
        assert result.exit_code == 1 and "FAIL" in result.output, result.output
        hints[scale] = [line for line in result.output.splitlines() if line.startswith("  - ")]
    assert any(h.startswith("  - smaller weights (weight_scale") for h in hints["40"]), hints
    assert not any("larger weights" in h for h in hints["40"]), hints
    assert any(h.startswith("  - larger weights (weight_scale") for h in hints["0.001"]), hints
    assert not any("smaller weights" in h for h in hints["0.001"]), hints
    assert not any("λ > 0" in h for h in hints["40"] + hints["0.001"]), hints  # both kinds of part are there


def test_audit_refuses_a_case_too_large_to_audit(tmp_path):
    """Author review 4, E2: a spec that validates, with a case of 700-700-700 units, made `grade audit` take all of
    a 24 GB machine (it keeps every mistake's and pair's values of every case) and be killed with nothing said. It
    is refused in one line naming the file and the case; grading the same spec still works."""
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    big = text.replace("random: {seed: 5, examples: 7, sizes: [3, 5, 4]", "random: {seed: 5, examples: 7, sizes: "
                       "[200, 150, 4], weight_scale: 0.05, input_scale: 1.0} #")
    assert big != text
    path = tmp_path / "big.yaml"
    path.write_text(big)
    result = run_cli("audit", str(path))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: cases.random_a holds 30,754 weights" in lines[0]
    assert "grade audit handles" in lines[0]
    report, status = grade_json(ROOT / "solutions" / "ex5.py", "--exercise", str(path))
    assert (report["score"], status) == (100, 0)
    # review 21, R4: the course's own 400-25-10 with m = 30 (10,285 weights) is audited, as before the limit
    course = tmp_path / "course.yaml"
    course.write_text(text.replace("random: {seed: 5, examples: 7, sizes: [3, 5, 4]", "random: {seed: 5, examples: "
                                   "30, sizes: [400, 25, 10], weight_scale: 0.05, input_scale: 1.0} #"))
    assert "grade audit handles" not in run_cli("audit", str(course)).output


def test_validate_warns_of_an_id_that_is_not_the_files_name_and_counts_training(tmp_path):
    """Author review 4, E10 and E17: an id other than the file's name validated silently, and then named nothing
    (exercises are found by their file's name); a training part graded on every grade was left out of the summary,
    though every report counted it."""
    path = tmp_path / "mismatch.yaml"
    path.write_text((ROOT / "exercises" / "ex5.yaml").read_text().replace("id: ex5\n", "id: other_name\n"))
    result = run_cli("validate", str(path))
    assert result.exit_code == 0, result.output
    assert (f"warning: {path}: id 'other_name' differs from the file's name 'mismatch'") in result.stderr
    assert "warning" not in run_cli("validate", str(ROOT / "exercises" / "ex5.yaml")).output
    # review 21, R5: a copy keeping ex5's aliases would stop every grade beside it: validate says so
    copy = tmp_path / "ex5_v2.yaml"
    copy.write_text((ROOT / "exercises" / "ex5.yaml").read_text().replace("id: ex5\n", "id: ex5_v2\n"))
    clash = run_cli("validate", str(copy))
    assert clash.exit_code == 0 and f"warning: {copy}: the alias 'ex4' is already a name of ex5" in clash.stderr
    trained = tmp_path / "ex5.yaml"
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    assert "    points: 0\n" in text and "    on_request: true\n" in text
    trained.write_text(text.replace("    points: 0\n", "    points: 5\n").replace("    on_request: true\n",
                                                                              "    on_request: false\n"))
    assert "ex5: 5 parts, 100 points, plus 5 of training graded every time (1 part)" in \
        run_cli("validate", str(trained)).stdout


def test_validate_warns_of_an_exercise_whose_parts_are_all_worth_0_points(tmp_path):
    """Author review 4, E16: with every part at 0 points a failing submission scores 0/0 and exits 0 ("full
    marks"), and `grade validate` said only "0 points". It now warns (a warning: still valid, exit status 0); an
    exercise with points, or with one 0-point part among others (ex5's training), gets no such warning."""
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    path = tmp_path / "ex5.yaml"
    path.write_text(re.sub(r"points: \d+", "points: 0", text))
    result = run_cli("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "ex5: 5 parts, 0 points" in result.stdout
    assert f"warning: {path}: every part is worth 0 points" in result.stderr, result.stderr
    assert "warning" not in run_cli("validate", str(ROOT / "exercises" / "ex5.yaml")).output


def test_docs_mistakes_is_in_step_with_the_catalogue():
    assert run_cli("mistakes", "--exercise", "ex5").output == (ROOT / "docs" / "mistakes.md").read_text()


def test_the_catalogue_numbers_theta_as_the_course_does():
    """Student review 4, F6: Θ(l) maps layer l to l+1 (Theta1 is Θ(1)), so δ(l) = (Θ(l)ᵀ δ(l+1)) ⊙ g′(z(l)); two
    explanations wrote Θ(l+1), a Θ(3) this network does not have, against the others' Θ(l)."""
    text = run_cli("mistakes", "--exercise", "ex5").output
    assert "Θ(l+1)" not in text and "(Θ(l)ᵀ δ(l+1)) ⊙ g′(z(l))" in text and "(δ(l+1) @ Θ(l))[:, 1:]" in text


def test_every_command_documents_its_options():
    for command in ("check", "validate", "inspect", "audit", "mistakes"):
        result = run_cli(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    assert "--timeout" in run_cli("check", "--help").output


def test_plain_install_grades_from_any_folder(tmp_path):
    """A non-editable install carries the exercises: build the wheel, install it, grade elsewhere."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(ROOT)], check=True, cwd=tmp_path)
    wheel = next(wheels.glob("*.whl"))
    assert "grader/exercises/ex5.yaml" in zipfile.ZipFile(wheel).namelist()
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ex5.py").write_text(SOLUTION.read_text())
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-m", "grader", "ex5.py", "--format", "json"], cwd=elsewhere,
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["score"] == 100
    where = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True)
    assert Path(where.stdout.strip()).is_relative_to(site)
    sandbox = subprocess.run([sys.executable, "-c", "import grader.sandbox.spawned as m; print(m.__file__)"],
                             cwd=elsewhere, env=env, capture_output=True, text=True)
    assert Path(sandbox.stdout.strip()).is_relative_to(site), sandbox.stderr  # the package ships its sandbox


def test_validate_rejects_cases_whose_expected_values_are_not_finite(tmp_path):
    """Saturating weights make the reference cost log(0): every student would fail that case."""
    text = (ROOT / "exercises" / "deep_relu.yaml").read_text().replace("weight_scale: 0.8", "weight_scale: 3")
    path = tmp_path / "saturated.yaml"
    path.write_text(text)
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert "cases.random_a" in result.output and "saturate" in result.output


def test_validate_rejects_cases_where_outputs_reach_exactly_one(tmp_path):
    """The reference treats 0·log 0 as 0, but a correct student's (1 − y)·log(1 − a) is nan at a = 1.0."""
    text = (ROOT / "exercises" / "ex5.yaml").read_text().replace(
        "random: {seed: 17, examples: 9, sizes: [4, 3, 5], weight_scale: 2.0",
        "random: {seed: 29, examples: 9, sizes: [4, 3, 5], weight_scale: 8.0")
    path = tmp_path / "saturated.yaml"
    path.write_text(text)
    result = run_cli("validate", str(path))
    assert result.exit_code == 2 and "cases.random_b" in result.output and "saturate" in result.output


def test_grading_against_cases_that_saturate_is_a_clear_error(tmp_path):
    """A lone grade checks the spec's cases while the student's code runs: the same one-paragraph error as
    `validate`, exit 2 and no score, whether the submission is right or does not even import."""
    text = (ROOT / "exercises" / "ex5.yaml").read_text().replace(
        "random: {seed: 17, examples: 9, sizes: [4, 3, 5], weight_scale: 2.0",
        "random: {seed: 29, examples: 9, sizes: [4, 3, 5], weight_scale: 8.0")
    path = tmp_path / "saturated.yaml"
    path.write_text(text)
    broken = tmp_path / "broken.py"
    broken.write_text("def nn_cost_function(:\n")
    for submission in (ROOT / "solutions" / "ex5.py", broken):
        result = run_cli(str(submission), "--exercise", str(path), "--format", "json")
        assert result.exit_code == 2, result.output
        error = json.loads(result.stdout)["error"]
        assert "saturated.yaml" in error and "cases.random_b" in error and "saturate" in error, error


def test_a_function_that_timed_out_is_not_called_again(tmp_path, sandbox_runs):
    """Hangs only when λ > 0: the λ = 0 parts still score, and the run costs one timeout: the first λ > 0
    call times out and no λ > 0 call runs after it. Counted from the sandbox runs, not timed (a bound of
    3.5 s on the grade's wall time failed on a busy machine)."""
    from .conftest import argument

    report, status = grade_json(ROOT / "tests" / "timeouts" / "hangs_when_regularized.py", "--exercise", "ex5",
                                "--timeout", "2")  # 2: the λ = 0 calls before it may take 1 s on a busy machine
    scores = {p["id"]: p["score"] for p in report["parts"]}
    assert scores == {"cost": 30, "regularized_cost": 0, "sigmoid_gradient": 5, "gradient": 40,
                      "regularized_gradient": 0}
    assert status == 1
    with_lambda = [outcome.status if outcome else "not sent" for call, outcome in sandbox_runs
                   if argument(call, "lambda_", 0.0) > 0]
    assert with_lambda[0] == "timeout" and set(with_lambda[1:]) <= {"skipped", "not sent"}, with_lambda
    assert [o.status for _, o in sandbox_runs if o is not None].count("timeout") == 1
    regularized = next(p for p in report["parts"] if p["id"] == "regularized_cost")
    assert "did not finish within 2 s" in regularized["feedback"]


def test_failure_messages_name_function_case_and_expected_versus_received():
    report, _ = grade_json(ROOT / "tests" / "submissions" / "ex5" / "wrong_grad_shape.py", "--exercise", "ex5")
    gradient = next(p for p in report["parts"] if p["id"] == "gradient")
    assert gradient["feedback"] == "grad has shape (31,), expected (32,) (case coursera)."
    report, _ = grade_json(ROOT / "tests" / "submissions" / "ex5" / "crashes.py", "--exercise", "ex5")
    cost = next(p for p in report["parts"] if p["id"] == "cost")
    assert cost["feedback"].startswith("nn_cost_function raised AxisError") and "crashes.py, line" in cost["feedback"]
    report, _ = grade_json(ROOT / "tests" / "submissions" / "ex5" / "missing_function.py", "--exercise", "ex5")
    cost = next(p for p in report["parts"] if p["id"] == "cost")
    assert "defines no function named nn_cost_function or nnCostFunction" in cost["feedback"]


def test_a_def_whose_default_reads_script_values_is_told_so_not_that_it_is_no_def(tmp_path):
    """Accept14, A6: a def left out because its default value reads a name that only script code sets was told
    it "is set only by top-level script code ...; define it with def", though it is a def: the message names
    the default's name and says to give the parameter a constant."""
    path = tmp_path / "ex5.py"
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    path.write_text(solution.replace("X, y, lambda_=0.0):", "X, y, lambda_=settings['lambda']):")
                    + "\nsettings = json.load(open('settings.json'))\n")
    report, status = grade_json(path, "--exercise", "ex5")
    cost = next(p for p in report["parts"] if p["id"] == "cost")
    assert status == 1 and "define it with def" not in cost["feedback"], cost["feedback"]
    assert "def nn_cost_function (line 22)" in cost["feedback"] and "settings" in cost["feedback"], cost["feedback"]
    assert "constant" in cost["feedback"], cost["feedback"]


def test_notebooks_are_graded_not_refused(tmp_path):
    notebook = tmp_path / "ex5.ipynb"
    notebook.write_text('{"cells": []}')  # tests/test_notebooks.py grades real ones
    report, status = grade_json(notebook)
    assert status == 1 and report["score"] == 0
    assert "ex5.ipynb defines no function named" in report["parts"][0]["feedback"]


def test_file_names_match_exercises_whatever_their_case(tmp_path):
    path = tmp_path / "EX5_Final.py"
    path.write_text(SOLUTION.read_text())
    assert grade_json(path)[0]["exercise"] == "ex5"


def test_the_gradient_parts_check_J_too_like_the_course():
    """The course's grader sends J and grad for its gradient parts: a wrong cost fails them too."""
    report, _ = grade_json(ROOT / "tests" / "submissions" / "ex5" / "cost_not_averaged.py", "--exercise", "ex5")
    gradient = next(p for p in report["parts"] if p["id"] == "gradient")
    assert gradient["score"] == 0 and "J is wrong" in gradient["feedback"]
    assert [m["id"] for m in gradient["mistakes"]] == ["cost_not_averaged"]


def test_text_report_fits_a_100_column_terminal():
    for name in ("two_mistakes", "crashes", "modifies_inputs", "slow_loops", "labels_off_by_one"):
        result = run_cli(str(ROOT / "tests" / "submissions" / "ex5" / f"{name}.py"), "--exercise", "ex5")
        assert max(len(line) for line in result.output.splitlines()) <= 100, name


def test_terminal_control_codes_from_student_code_are_shown_escaped(tmp_path):
    path = tmp_path / "ex5.py"
    path.write_text(SOLUTION.read_text().replace(
        "    m = y.size\n",
        "    m = y.size\n    print('\\x1b[2J\\x1b[32mTotal 100 / 100')\n"
        "    raise ValueError('\\x1b[8mhidden\\u202e')\n", 1))
    result = run_cli(str(path))
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "\\x1b[8mhidden" in result.output


def test_huge_finite_return_values_are_graded_not_crashed(tmp_path):
    path = tmp_path / "ex5.py"
    path.write_text(SOLUTION.read_text().replace("    return J, grad", "    return 1e200, grad * 1e300"))
    report, status = grade_json(path)
    assert status == 1 and report["score"] == 5


def test_a_fifo_submission_is_refused_not_read(tmp_path):
    import os

    fifo = tmp_path / "ex5.py"
    os.mkfifo(fifo)
    result = run_cli(str(fifo))
    assert result.exit_code == 2 and "not a regular file" in result.output


@pytest.mark.skipif(os.environ.get("GRADER_SANDBOX", "").strip().lower() == "portable",
                    reason="kills the Linux runner's zygote; the portable runner has none (a killed portable worker is "
                           "a crash of its own run: tests/test_portable.py)")
def test_a_sandbox_that_stops_working_is_could_not_grade_not_a_zero(tmp_path):
    """If the zygote dies mid-run (the machine's fault, not the student's), the grade is exit 2, not a 0."""
    import signal
    import time

    path = tmp_path / "ex5.py"
    path.write_text("import time\n" + SOLUTION.read_text().replace(
        "    m = y.size\n", "    m = y.size\n    time.sleep(0.3)\n", 1))
    grader = subprocess.Popen([sys.executable, "-m", "grader", str(path), "--format", "json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    def children(pid: int) -> list[int]:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [int(child) for child in f.read().split()]
        except OSError:
            return []

    try:
        deadline = time.monotonic() + 30
        zygote = workers = []
        while not workers and time.monotonic() < deadline:  # mid-run: the zygote has forked a worker
            time.sleep(0.05)
            zygote = children(grader.pid)
            workers = children(zygote[0]) if zygote else []
        assert workers, "the zygote never forked a worker"
        os.kill(zygote[0], signal.SIGKILL)
        out, _ = grader.communicate(timeout=60)
    finally:
        grader.kill()
    assert grader.returncode == 2
    assert "could not grade" in json.loads(out)["error"]


@pytest.mark.parametrize("command", [["check", "solutions/ex5.py"], ["batch", "solutions", "-e", "ex5"],
                                     ["gradescope"], ["coursera"]])
def test_a_memory_limit_too_small_for_numpy_is_a_usage_error(command, tmp_path):
    """Below about 112 MB even the shipped solution fails to import in the sandbox (MemoryError): such a
    --memory would give every student 0 for a limit that is not theirs, so it is refused before anything runs."""
    result = run_cli(*command, "--memory", "128", *(["--db", str(tmp_path / "g.sqlite")] if "batch" in command else []))
    assert result.exit_code == 2 and "x>=256" in result.output, result.output
    assert not (tmp_path / "g.sqlite").exists()


def test_the_table_names_mistakes_by_their_whole_titles():
    """Student review 4, F14: the Feedback column cut the mistakes' ids mid-word ("Likely:
    regularization_of_accumulated_gr…"). It gives their titles, wrapped onto lines of the table's own, whole."""
    from .conftest import SUBMISSIONS

    output = run_cli(str(SUBMISSIONS / "ex5" / "regularization_of_accumulated_gradient.py"), "--exercise", "ex5").output
    table = output.split("\n\n")[0].splitlines()[1:]  # below the header line, which holds the file's path
    assert not any("…" in line for line in table), table
    row = next(i for i, line in enumerate(table) if "Regularized Gradient |" in line)
    cell = " ".join(line.split(" | ")[-1].strip() for line in table[row:row + 2])
    assert cell == "Likely: λ term built from the gradient Δ instead of Θ", table
    assert table[row + 1].startswith("==") and table[row + 1].split(" | ")[1].strip() == ""
    assert all(len(line) <= 100 for line in table)


def test_a_part_title_too_long_for_the_table_leaves_the_feedback_a_column_of_its_own(tmp_path):
    """Review 22, R2: a part title of 82 characters or more left the Feedback column no width, and a part that
    named a mistake crashed the report ("internal error (ValueError: invalid width -4)"), in `grade`, a batch
    and `grade coursera` alike. The column keeps a least width; the table is then wider."""
    from .conftest import SUBMISSIONS

    title = "Neural Network Gradient computed by Backpropagation through both layers of the network"
    spec = tmp_path / "long_title.yaml"
    spec.write_text((ROOT / "exercises" / "ex5.yaml").read_text().replace(
        "title: Neural Network Gradient (Backpropagation)", f"title: {title}", 1))
    result = run_cli(str(SUBMISSIONS / "ex5" / "extra_output_derivative.py"), "--exercise", str(spec))
    assert result.exit_code == 1, result.output
    row = next(line for line in result.output.splitlines() if f"{title} |" in line)
    assert row.split(" | ")[-1].startswith("Likely: ") and "internal error" not in result.output


def test_a_call_of_the_files_own_code_runs_at_import_unless_it_reads_data(tmp_path):
    """Review 25, F1 and F2: `sigmoid = Sigmoid()`, `f = count_calls(_f)` run, as a plain import runs them
    (tests/submissions/ex5/set_by_calls.py and module_objects.py get full marks). Not a call whose function reads
    a data file, or a name only the data sets: left out, it costs only the function that reads what it sets,
    where run it would have stopped the whole file's import."""
    solution = SOLUTION.read_text()
    cases = {
        "loads": "class Net:\n    def __init__(self):\n        self.data = loadmat('ex4data1.mat')\n\n\n"
                 "net = Net()\n",
        "reads_data": "data = loadmat('ex4data1.mat')\n\n\ndef make():\n    return data['X'].shape\n\n\n"
                      "net = make()\n",
    }
    for name, setup in cases.items():
        path = tmp_path / name / "ex5.py"
        path.parent.mkdir()
        path.write_text(solution.replace("import numpy as np\n", "import numpy as np\nfrom scipy.io import loadmat\n\n"
                                         + setup, 1).replace("    m = y.size\n", "    m = y.size\n    net\n"))
        report, status = grade_json(path, "--exercise", "ex5")
        scores = {p["id"]: p["score"] for p in report["parts"]}
        assert status == 1 and scores["sigmoid_gradient"] == 5 and scores["cost"] == 0, report
        cost = next(p for p in report["parts"] if p["id"] == "cost")
        assert "NameError: name 'net' is not defined" in cost["feedback"], cost["feedback"]


def test_what_the_files_own_code_runs_at_import_is_judged_by_what_it_calls(tmp_path):
    """Review 26: the fixes of review 25's F1-F4 cost right files their marks.
    R1: `except FileNotFoundError as e` was taken for a binding of the module's `e` (numpy's, here): 0, not 100.
    R6: a call of the file's own function ran at import though it wrote a log file (logging.FileHandler), which a
    list of file-reading names missed: the import failed, 0. What such a call runs must now be pure (numpy, a few
    builtins and standard modules, the file's own pure code).
    R8: `net = Network()` was left out for a method named `run` or `load_data` that its __init__ never calls.
    R7: a handler that prints and exits hid the import that failed behind "SystemExit: 1" and a `prints` note."""
    solution = SOLUTION.read_text()
    cases = {
        "r1": solution.replace("import numpy as np\n", "import numpy as np\nfrom numpy import e\n\ntry:\n"
                               "    data = np.load('ex4data1.npz')\nexcept FileNotFoundError as e:\n    print(e)\n", 1)
        .replace("return 1.0 / (1.0 + np.exp(-z))", "return 1.0 / (1.0 + e ** -z)"),
        "r6": solution.replace("import numpy as np\n", "import logging\n\nimport numpy as np\n\nDEBUG = False\n\n\n"
                               "def make_logger():\n    logger = logging.getLogger('ex5')\n"
                               "    logger.addHandler(logging.FileHandler('logs/ex5.log'))\n    return logger\n\n\n"
                               "log = make_logger()\n", 1)
        .replace("    m = y.size\n", "    m = y.size\n    if DEBUG:\n        log.info('m = %d', m)\n"),
        "r8": solution.replace("import numpy as np\n", "import numpy as np\n\n\nclass Helper:\n"
                               "    def __init__(self):\n        self.one = np.ones(1)\n\n"
                               "    def run(self):\n        return open('weights.txt').read()\n\n"
                               "    def load_data(self):\n        return np.load('ex4data1.npz')\n\n\n"
                               "helper = Helper()\n", 1)
        .replace("    m = y.size\n", "    m = y.size * int(helper.one[0])\n"),
    }
    for name, text in cases.items():
        path = tmp_path / name / "ex5.py"
        path.parent.mkdir()
        path.write_text(text)
        report, status = grade_json(path, "--exercise", "ex5")
        assert (report["score"], status) == (100, 0), (name, report)
    path = tmp_path / "r7" / "ex5.py"
    path.parent.mkdir()
    path.write_text(solution.replace("import numpy as np\n", "import sys\n\ntry:\n    import numpy as np\n"
                                     "    import pandas_is_not_here as pd\nexcept ImportError:\n"
                                     "    print('pip install -r requirements.txt')\n    sys.exit(1)\n", 1))
    report, _ = grade_json(path, "--exercise", "ex5")
    cost = next(p for p in report["parts"] if p["id"] == "cost")
    assert "No module named 'pandas_is_not_here'" in cost["feedback"], cost["feedback"]
    assert "SystemExit" not in cost["feedback"] and not any(n["id"] == "prints" for n in report["notes"])


def test_fallbacks_constructors_and_loggers_at_import_run_as_python_runs_them(tmp_path):
    """Review 27 on the fixes of review 26:
    T1: a handler that prints and falls back (`def njit(f): return f`) was rewritten to re-raise: 100 -> 0; and
    what it printed while the file was imported was the first call's `prints` note.
    T2: constructors calling super().__init__(), raising, appending to their own lists, using their own rng were
    taken for impure: `net = Net()` never ran, 0.
    T3: a dataclass's __post_init__ (or __new__) that loads a file ran at import and failed it: 0 for all parts.
    T4: `from logging import getLogger` was no logger's call."""
    solution = SOLUTION.read_text()
    cases = {
        "t1": solution.replace("import numpy as np\n", "import numpy as np\n\ntry:\n    from numba_is_not_here import "
                               "njit\nexcept ImportError:\n    print('numba not installed: no JIT')\n\n"
                               "    def njit(f):\n        return f\n", 1)
        .replace("def sigmoid(z):", "@njit\ndef sigmoid(z):"),
        "t2": solution.replace("import numpy as np\n", "import numpy as np\n\n\nclass Base:\n    def __init__(self):\n"
                               "        self.parts = []\n\n\nclass Net(Base):\n    def __init__(self, size):\n"
                               "        super().__init__()\n        if not isinstance(size, int):\n"
                               "            raise ValueError('size')\n        rng = np.random.default_rng(0)\n"
                               "        self.parts.append(rng.standard_normal(size))\n\n\nnet = Net(3)\n", 1)
        .replace("    m = y.size\n", "    m = y.size * len(net.parts)\n"),
        "t3": solution.replace("import numpy as np\n", "import dataclasses\n\nimport numpy as np\n\n\n"
                               "@dataclasses.dataclass\nclass Data:\n    path: str = 'ex4data1.npz'\n\n"
                               "    def __post_init__(self):\n        self.X = np.load(self.path)\n\n\ndata = Data()\n"
                               "DEBUG = False\n", 1).replace("    m = y.size\n", "    m = y.size\n    if DEBUG:\n"
                                                             "        print(data.X)\n"),
        "t4": solution.replace("import numpy as np\n", "from logging import getLogger\n\nimport numpy as np\n\n"
                               "log = getLogger(__name__)\n", 1)
        .replace("    m = y.size\n", "    m = y.size\n    log.debug('m = %d', m)\n"),
    }
    for name, text in cases.items():
        path = tmp_path / name / "ex5.py"
        path.parent.mkdir()
        path.write_text(text)
        report, status = grade_json(path, "--exercise", "ex5")
        assert (report["score"], status) == (100, 0), (name, report)
        assert not any(n["id"] == "prints" for n in report["notes"]), (name, report["notes"])
