"""Every student-style submission in tests/submissions/<exercise>/ graded through the CLI.

Each file's header says what the grader must report:
    # expect-scores: cost=30 regularized_cost=15 ...
    # expect-mistakes: gradient=extra_output_derivative,gradient_not_averaged ...
    # expect-notes: inputs_modified
    # maybe-notes: slow_at_full_size (why)
Parts not named in expect-mistakes must have no mistakes; the notes must be exactly those listed, except
the ones a `maybe-notes` line names: a timing note on a solution near its bar depends on the machine's load,
and tests/test_notes.py checks that note on a submission far from the bar.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SUBMISSIONS, grade_json


def _header(path: Path) -> dict[str, str]:
    fields = {}
    for line in path.read_text(encoding="utf-8").splitlines()[:6]:
        match = re.match(r"# (expect-scores|expect-mistakes|expect-notes|maybe-notes):(.*)", line)
        if match:
            fields[match.group(1).removeprefix("expect-")] = match.group(2).strip()
    return fields


def _submissions():
    for path in sorted(SUBMISSIONS.glob("*/*.py")):
        header = _header(path)
        if "scores" in header:
            yield pytest.param(path, header, id=f"{path.parent.name}/{path.stem}")


def _pairs(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split())


@pytest.mark.parametrize("path, header", list(_submissions()))
def test_submission_report(path: Path, header: dict[str, str]):
    report, status = grade_json(path, "--exercise", path.parent.name, "--timeout", "20")
    assert "parts" in report, report  # a grade that could not be made: its error object says why
    scores = {p["id"]: p["score"] for p in report["parts"]}
    assert scores == {k: int(v) for k, v in _pairs(header["scores"]).items()}

    expected_mistakes = {k: v.split(",") for k, v in _pairs(header.get("mistakes", "")).items()}
    for part in report["parts"]:
        assert sorted(m["id"] for m in part["mistakes"]) == sorted(expected_mistakes.get(part["id"], [])), part
        if part["passed"]:
            assert part["mistakes"] == [] and part["score"] == part["max_score"]

    optional = set(header.get("maybe-notes", "").split()[:1])
    found = sorted(n["id"] for n in report["notes"] if n["id"] not in optional)
    assert found == sorted(header.get("notes", "").split())
    assert status == (0 if report["score"] == report["max_score"] else 1)


def test_every_header_names_existing_parts():
    """Guards the test data itself: a typo in a header would silently expect nothing."""
    for path in SUBMISSIONS.glob("ex5/*.py"):
        header = _header(path)
        if "scores" in header:
            assert set(_pairs(header["scores"])) == {
                "cost", "regularized_cost", "sigmoid_gradient", "gradient", "regularized_gradient"}, path


@pytest.mark.parametrize("name, gradient_says", [
    ("cost_nan", "Your gradient is right"),
    ("cost_nan_extra_output_derivative", "grad is wrong"),
    ("cost_nan_labels_off_by_one", "One-hot rows shifted by one label"),  # a mistake that changes J too (R4)
])
def test_a_nan_cost_leaves_the_gradient_graded_on_its_own(name: str, gradient_says: str):
    """A nan J fails the cost parts, saying so, and does not stop grad from being compared: a wrong gradient
    beside it is called wrong and its mistake named, never "right" (the nan once ended the comparison)."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / f"{name}.py", "--exercise", "ex5", "--timeout", "20")
    parts = {p["id"]: p for p in report["parts"]}
    for part in ("cost", "regularized_cost"):
        assert "J is nan" in parts[part]["feedback"]
    for part in ("gradient", "regularized_gradient"):
        assert gradient_says in parts[part]["feedback"]
        assert ("right" in parts[part]["feedback"]) == (name == "cost_nan"), parts[part]["feedback"]


def test_an_infinite_cost_beside_a_scaled_gradient_gets_the_gradients_evidence_quietly(tmp_path):
    """J is inf, grad is twice the right one: the gradient's evidence (its factor) is given, and the values that
    are not finite raise no numpy warning on the grader's stderr."""
    path = tmp_path / "ex5.py"
    path.write_text((SUBMISSIONS / "ex5" / "camel_case.py").read_text().replace(
        "    return J, grad", "    return J + np.inf, grad * 2"))
    result = subprocess.run([sys.executable, "-m", "grader", str(path), "--exercise", "ex5"], capture_output=True,
                            text=True, cwd=path.parent, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1 and result.stderr == "", result.stderr
    assert "J is inf" in result.stdout and "Your grad is exactly 2 × the expected grad" in result.stdout
