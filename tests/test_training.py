"""Training parts: the grader trains the network with the student's own cost and gradient.

A correct solution reaches the reference's figure; a sign-flipped gradient does not; a crash during
training fails the part with a message and nothing else; scipy.optimize is loaded only when a
training part runs; an instructor's .mat file is read with scipy.io.loadmat.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from .conftest import ROOT, grade_json, run_cli

EX5_SOLUTION = ROOT / "solutions" / "ex5.py"
SPECS = ROOT / "tests" / "specs"
FLIP = ("    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])\n",
        "    grad = -np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])\n")


def variant(tmp_path, source, name: str, old: str, new: str):
    text = source.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new))
    return path


def training_part(report: dict) -> dict:
    return next(p for p in report["parts"] if p["id"] == "training")


def accuracies(feedback: str) -> list[float]:
    import re

    return [float(x) for x in re.findall(r"(\d+\.\d)%", feedback)]


def test_ex5_training_runs_only_on_request_and_a_correct_solution_passes():
    report, status = grade_json(EX5_SOLUTION)
    assert status == 0 and "training" not in [p["id"] for p in report["parts"]]
    report, status = grade_json(EX5_SOLUTION, "--train")
    part = training_part(report)
    assert status == 0 and report["score"] == report["max_score"] == 100
    assert part["passed"] and (part["score"], part["max_score"]) == (0, 0)
    student, reference = accuracies(part["feedback"])
    assert "reference" in part["feedback"] and abs(student - reference) <= 1.0
    assert reference > 85  # the digits are learnable, as the course's ~95 %


def test_ex5_training_text_shows_both_figures():
    result = run_cli(str(EX5_SOLUTION), "--train")
    line = next(line for line in result.output.splitlines() if "Training Set Accuracy" in line)
    assert "0 /   0" in line and "Accuracy" in line and "reference" in line


def test_a_sign_flipped_gradient_fails_the_training_part(tmp_path):
    flipped = variant(tmp_path, EX5_SOLUTION, "ex5.py", *FLIP)
    report, status = grade_json(flipped, "--train")
    part = training_part(report)
    assert not part["passed"] and status == 1
    student, reference, bound = accuracies(part["feedback"])
    assert student < bound < reference and "gradient check" in part["feedback"]


def test_a_crash_during_training_fails_only_that_part(tmp_path):
    # Correct on the hidden cases (m ≤ 16), raises on the training set (m = 500).
    crashing = variant(tmp_path, EX5_SOLUTION, "ex5.py", "    m = ",
                       "    if X.shape[0] > 100:\n        raise RuntimeError('too big')\n    m = ")
    report, status = grade_json(crashing, "--train")
    part = training_part(report)
    assert report["score"] == 100 and status == 0  # full marks: the failed part is worth 0 points
    assert not part["passed"] and "RuntimeError" in part["feedback"] and "too big" in part["feedback"]


def test_regression_training_part_with_points(tmp_path):
    spec = str(SPECS / "regression_training.yaml")
    solution = ROOT / "solutions" / "regression.py"
    report, status = grade_json(solution, "--exercise", spec, "--train")
    assert (report["score"], report["max_score"], status) == (110, 110, 0)
    assert training_part(report)["feedback"].startswith("Loss ")
    flipped = variant(tmp_path, solution, "regression.py", "    grad = np.concatenate(", "    grad = -np.concatenate(")
    report, status = grade_json(flipped, "--exercise", spec, "--train")
    part = training_part(report)
    assert not part["passed"] and part["score"] == 0 and "Training loss" in part["feedback"]
    report, _ = grade_json(solution, "--exercise", spec)  # not requested: not run, not counted
    assert report["max_score"] == 100 and "training" not in [p["id"] for p in report["parts"]]


def test_a_training_part_not_on_request_always_runs():
    report, status = grade_json(ROOT / "solutions" / "softmax_tanh.py", "--exercise",
                                str(SPECS / "softmax_training.yaml"))
    assert status == 0 and training_part(report)["passed"]


def test_scipy_optimize_is_imported_only_when_training():
    code = ("import sys, json\nfrom click.testing import CliRunner\nfrom grader.cli import main\n"
            "result = CliRunner().invoke(main, sys.argv[1:])\n"
            "print(json.dumps([result.exit_code, 'scipy.optimize' in sys.modules, 'scipy' in sys.modules]))\n")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    runs = {}
    for flags in ((), ("--train",)):
        out = subprocess.run([sys.executable, "-c", code, str(EX5_SOLUTION), *flags], capture_output=True,
                             text=True, env=env, cwd=ROOT, timeout=600)
        runs[flags] = json.loads(out.stdout.splitlines()[-1])
    assert runs[()] == [0, False, False]
    assert runs[("--train",)][:2] == [0, True]


def _mat_spec(tmp_path, data_line: str) -> str:
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    start = text.index("      data: {generated: digits")
    end = text.index("\n", start)
    spec = tmp_path / "ex5_mat.yaml"
    spec.write_text(text[:start] + data_line + text[end:])
    return str(spec)


def test_training_on_a_mat_file_like_the_courses(tmp_path):
    from scipy.io import savemat

    from grader.datasets import digits

    X, y = digits(11, 200, 0.6)
    folder = tmp_path / "Data"
    folder.mkdir()
    savemat(folder / "ex4data1.mat", {"X": X, "y": np.where(y == 0, 10, y).reshape(-1, 1).astype(np.uint8)})
    spec = _mat_spec(tmp_path, "      data: {mat: Data/ex4data1.mat, hidden: [10], wrap_labels: true}")
    assert run_cli("validate", spec).exit_code == 0
    report, status = grade_json(EX5_SOLUTION, "--exercise", spec, "--train")
    part = training_part(report)
    assert status == 0 and part["passed"], part
    student, reference = accuracies(part["feedback"])
    assert reference > 80


@pytest.mark.parametrize("setup, words", [
    (lambda folder: None, "no such file"),
    (lambda folder: (folder / "ex4data1.mat").write_text("not a mat file"), "cannot be read as a .mat file"),
    (lambda folder: __import__("scipy.io").io.savemat(folder / "ex4data1.mat", {"Z": np.zeros((3, 3))}),
     "has no variable 'X'"),
    # author review 4, E7: text labels stopped validate with an internal TypeError, a NaN in X was told as shapes
    (lambda folder: __import__("scipy.io").io.savemat(folder / "ex4data1.mat", {
        "X": np.ones((6, 2)), "y": np.array(["a"] * 6)}), "'y' does not hold numbers"),
    (lambda folder: __import__("scipy.io").io.savemat(folder / "ex4data1.mat", {
        "X": np.where(np.eye(6, 2) == 1, np.nan, 1.0), "y": np.arange(6).reshape(-1, 1)}),
     "'X' holds 2 NaN or infinite values"),
])
def test_an_unusable_mat_file_is_a_clear_spec_error(tmp_path, setup, words):
    folder = tmp_path / "Data"
    folder.mkdir()
    setup(folder)
    spec = _mat_spec(tmp_path, "      data: {mat: Data/ex4data1.mat, hidden: [10], wrap_labels: true}")
    result = run_cli("validate", spec)
    assert result.exit_code == 2 and words in result.output
    assert "parts[5].training.data.mat" in result.output and str(folder / "ex4data1.mat") in result.output
    result = run_cli(str(EX5_SOLUTION), "--exercise", spec, "--train")
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("old, new, key, words", [
    ("sizes: [15, 10, 10], noise: 0.6", "sizes: [16, 10, 10], noise: 0.6", "parts[5].training.data.sizes",
     "must start with 15 and end with 10"),
    ("generated: digits", "generated: smooth", "parts[5].training.data.generated", "real-valued targets"),
    ("      method: TNC", "      method: Newton-CG", "parts[5].training.method", "Newton-CG"),
    ("      within: 0.03", "      within: -1", "parts[5].training.within", "≥ 0"),
    ("    check: training\n", "    check: training\n    cases: [coursera]\n", "parts[5].cases", "takes no cases"),
    ("    on_request: true\n", "    on_request: yes please\n", "parts[5].on_request", "true or false"),
    ("    check: training\n    lambda: 1\n", "    check: training\n    lambda: 1\n    activation: sigmoid\n",
     "parts[5].activation", "takes no activation"),
])
def test_training_spec_errors_name_the_key(tmp_path, old, new, key, words):
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    assert old in text
    path = tmp_path / "ex5.yaml"
    path.write_text(text.replace(old, new, 1))
    result = run_cli("validate", str(path))
    assert result.exit_code == 2 and f"{key}:" in result.output and words in result.output, result.output


def test_inspect_shows_a_training_part_with_the_reference_figure():
    data = json.loads(run_cli("inspect", "ex5", "--format", "json").output)
    (part,) = data["training_parts"]
    assert (part["id"], part["points"], part["on_request"], part["method"]) == ("training", 0, True, "TNC")
    assert part["data"] == {"source": "digits", "examples": 500, "sizes": [15, 10, 10]}
    assert part["measure"] == "accuracy" and 0.85 < part["reference"] <= 1
    text = run_cli("inspect", "ex5").output
    assert "the reference reaches accuracy" in text and "with grade --train" in text


def test_a_batch_runs_training_parts_with_train_computing_the_reference_once(tmp_path, monkeypatch):
    """`grade batch --train` runs the training parts marked on_request, as `grade --train` does, with the
    reference trained once for the whole class; a gradebook graded without it is graded again."""
    from grader import training

    spec = str(SPECS / "regression_training.yaml")
    solution = ROOT / "solutions" / "regression.py"
    for student in ("ann", "ben"):
        (tmp_path / "class" / student).mkdir(parents=True)
    (tmp_path / "class" / "ann" / "regression.py").write_text(solution.read_text())
    variant(tmp_path / "class" / "ben", solution, "regression.py", "    grad = np.concatenate(",
            "    grad = -np.concatenate(")
    db = str(tmp_path / "g.sqlite")

    def scores() -> dict[str, tuple]:
        rows = json.loads(run_cli("gradebook", "--db", db, "--format", "json").stdout)
        return {r["student"]: (r["score"], r["max_score"], [p["id"] for p in r["report"]["parts"]][-1]) for r in rows}

    assert run_cli("batch", str(tmp_path / "class"), "-e", spec, "--db", db).exit_code == 0
    assert scores() == {"ann": (100, 100, "regularized_gradient"), "ben": (50, 100, "regularized_gradient")}
    trained = []
    monkeypatch.setattr(training, "reference_figure",
                        lambda *args, real=training.reference_figure: trained.append(1) or real(*args))
    result = run_cli("batch", str(tmp_path / "class"), "-e", spec, "--db", db, "--train")
    assert result.exit_code == 0 and "2 graded, 0 skipped" in result.stderr, result.output
    assert scores() == {"ann": (110, 110, "training"), "ben": (50, 110, "training")}
    assert len(trained) == 1  # the reference's training, once for the class
    again = run_cli("batch", str(tmp_path / "class"), "-e", spec, "--db", db, "--train")
    assert "0 graded, 2 skipped" in again.stderr


def test_audit_fails_a_within_smaller_than_the_drift_of_a_correct_solution(tmp_path):
    """Author review 4, E5: ex5's training part, trained again with round-off-sized changes to the reference's
    gradient (what a correct solution's own arithmetic gives), reaches figures up to a point or more apart, so a
    `within` of a few tenths of a point fails correct solutions: the audit says so and suggests a bound."""
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    path = tmp_path / "tight.yaml"
    path.write_text(text.replace("      within: 0.03", "      within: 0.001", 1))
    result = run_cli("audit", str(path))
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("  training:"))
    data = json.loads(run_cli("audit", str(path), "--format", "json").output)
    (row,) = data["training"]
    # the figures depend on the CPU's round-off (92.8% on one machine, 93.4% on another): read, not fixed
    bound = f"{(row['reference'] - 0.001) * 100:.1f}"
    assert f"within 0.001 passes at ≥ {bound}%: FAIL: a correct solution may end" in line, line
    assert not data["ok"] and not row["ok"] and row["within"] == 0.001 and len(row["round_off"]) == 8
    low = min(row["round_off"])
    assert low < row["reference"] - 0.001  # the drift the audit found: a correct figure below the bound
    assert row["suggested_within"] >= 2 * (row["reference"] - low)
    assert f"use within: {row['suggested_within']:g}" in line


def test_the_audit_of_a_training_part_whose_within_covers_the_drift_passes():
    data = json.loads(run_cli("audit", "ex5", "--format", "json").output)
    (row,) = data["training"]
    assert data["ok"] and row["ok"] and row["suggested_within"] is None
    assert row["reference"] - min(row["round_off"]) <= row["within"] / 2
