"""A submission cannot borrow the reference (issue 10, item 4; the sandbox keeps it out, issue 11).

Each is graded by the real `grade` program and through `grade gradescope` with the course's secret; both
must score 0: the worker cannot import the grader, read its package files, or find solutions/.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"


@pytest.mark.parametrize("attack", ["borrow_engine", "borrow_solution"])
def test_a_submission_cannot_borrow_the_reference(tmp_path, attack):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex5.py").write_text((HOSTILE / f"{attack}.py").read_text())
    run = subprocess.run([sys.executable, "-m", "grader", str(folder / "ex5.py"), "--format", "json",
                          "--timeout", "5"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    report = json.loads(run.stdout)
    assert report["score"] == 0, [p["feedback"] for p in report["parts"]]
    run = subprocess.run([sys.executable, "-m", "grader", "gradescope", "--root", str(tmp_path), "--exercise", "ex5",
                          "--timeout", "5"], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "GRADER_SECRET": "a-course-secret-0123456789abcdef"})
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == 0.0, results["output"]
