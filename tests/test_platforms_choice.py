"""Which file the platforms grade when a student uploads several, and what a run that grades nothing says.

A notebook with its .py export, a Jupyter copy (exercise4-Copy1.ipynb) or ex5.py with ex5_v2.py is graded
by the rules `grade batch` uses for a student's folder (the newest; a copy kept aside never wins over the
file named only for the exercise), and the output names the graded file and the others. Only files that
nothing tells apart are "could not grade", with advice in the course's own names. A run that grades
nothing names the secret it was given by its fingerprint and never says "graded with".
"""

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from . import course
from .conftest import SUBMISSIONS
from .test_platforms import SECRET, SOLUTION, gradescope_root, run_cli_env, run_coursera, run_gradescope

WRONG = SUBMISSIONS / "ex5" / "extra_output_derivative.py"  # scores 50 (grade FILE), tag extra_output_derivative
WRONG_SIGMOID = "def sigmoidGradient(z):\n    return np.zeros(z.shape)\n"


def aged(folder: Path, older: str, newer: str) -> None:
    """Make `newer` the later of the two files by modification time (a minute apart: no tie)."""
    stamp = (folder / older).stat().st_mtime
    os.utime(folder / older, (stamp - 60, stamp - 60))
    os.utime(folder / newer, (stamp, stamp))


def secret_file(tmp_path: Path, text: str = SECRET) -> Path:
    path = tmp_path / "course.secret"
    path.write_text(text + "\n")
    return path


def test_a_notebook_and_its_export_grade_the_newer_and_name_both(tmp_path):
    """Main said "several files could be the submission ... submit one file named ex5.py" and scored 0."""
    right = course.notebook(course.cells())
    root = gradescope_root(tmp_path, {"exercise4.ipynb": right, "exercise4.py": WRONG, "utils.py": course.UTILS})
    submission = root / "submission"
    aged(submission, older="exercise4.py", newer="exercise4.ipynb")
    results, result = run_gradescope(root, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0, results["output"]
    assert "Graded exercise4.ipynb; also found, not graded: exercise4.py" in results["output"]
    assert "also found, not graded: exercise4.py" in result.stdout
    aged(submission, older="exercise4.ipynb", newer="exercise4.py")  # the export edited after: the latest work
    results, result = run_gradescope(root, "--exercise", "ex5")
    assert result.exit_code == 1 and results["score"] == 50.0
    assert "Graded exercise4.py; also found, not graded: exercise4.ipynb" in results["output"]
    assert any("extra_output_derivative" in t["tags"] for t in results["tests"])


def test_the_platform_grades_the_file_grade_batch_grades(tmp_path):
    """The same files in a student's folder of `grade batch` and on Gradescope: the same file, the same score."""
    files = {"ex5.py": WRONG, "ex5_v2.py": SOLUTION}
    root = gradescope_root(tmp_path, files)
    aged(root / "submission", older="ex5.py", newer="ex5_v2.py")
    alice = tmp_path / "class" / "alice"
    alice.mkdir(parents=True)
    for name in files:
        (alice / name).write_bytes((root / "submission" / name).read_bytes())
    aged(alice, older="ex5.py", newer="ex5_v2.py")
    results, result = run_gradescope(root)  # the exercise from the files' names, as before
    assert result.exit_code == 0 and results["score"] == 100.0
    assert "Graded ex5_v2.py; also found, not graded: ex5.py" in results["output"]
    db = tmp_path / "g.sqlite"
    batch = run_cli_env(None, "batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(db), "-j", "1")
    assert batch.exit_code == 0, batch.output
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("select student, score, submission from grades").fetchall()
    assert [(student, score, Path(file).name) for student, score, file in rows] == [("alice", 100, "ex5_v2.py")]


def test_another_exercises_file_beside_the_submission_is_not_graded_on_gradescope(tmp_path):
    """ex5_mse.py (the student's work for ex5_mse, saved later) beside ex5.py, graded for ex5: the platform
    grades ex5.py, as `grade batch` does; it graded the newer ex5_mse.py as an ex5 version, 5/100 (review 20, R1)."""
    mse = SOLUTION.parent / "ex5_mse.py"
    root = gradescope_root(tmp_path, {"ex5.py": SOLUTION, "ex5_mse.py": mse})
    aged(root / "submission", older="ex5.py", newer="ex5_mse.py")
    results, result = run_gradescope(root, "-e", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0, results
    assert "ex5_mse.py" not in results["output"].split("Graded ")[1].split(";")[0]


def test_a_jupyter_copy_never_wins_over_the_course_notebook_on_coursera(tmp_path):
    root = tmp_path / "shared"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "exercise4.ipynb").write_text(course.notebook(course.cells()))
    (root / "submission" / "exercise4-Copy1.ipynb").write_text(
        course.notebook(course.cells(sigmoid_gradient=WRONG_SIGMOID)))
    aged(root / "submission", older="exercise4.ipynb", newer="exercise4-Copy1.ipynb")  # the copy is newer
    feedback, result = run_coursera(root, "--exercise", "ex5")
    assert result.exit_code == 0 and feedback["fractionalScore"] == 1.0, feedback["feedback"]
    assert "Graded exercise4.ipynb; also found, not graded: exercise4-Copy1.ipynb" in feedback["feedback"]
    assert json.loads(result.stdout) == feedback


def test_files_nothing_tells_apart_are_not_graded_and_the_advice_names_the_course_notebook(tmp_path):
    root = gradescope_root(tmp_path, {"a.py": SOLUTION, "b.py": SOLUTION})
    results, result = run_gradescope(root, "--exercise", "ex5")
    assert result.exit_code == 2 and results["score"] == 0.0
    assert "several files could be the submission (a.py, b.py)" in results["output"]
    assert "exercise4.ipynb" in results["output"] and "exercise4.ipynb" in result.stderr


def test_a_run_that_grades_nothing_names_the_secret_it_was_given(tmp_path):
    """Main said "Graded by ... with the public hidden cases (no secret)" and a null fingerprint."""
    secret = secret_file(tmp_path)
    inspected = json.loads(run_cli_env(None, "inspect", "ex5", "--format", "json", "--secret-file", str(secret)).stdout)
    fingerprint = inspected["secret"]["fingerprint"]
    assert fingerprint
    root = gradescope_root(tmp_path, {"a.py": SOLUTION, "b.py": SOLUTION})
    results, result = run_gradescope(root, "--exercise", "ex5", "--secret-file", str(secret))
    assert result.exit_code == 2 and results["extra_data"]["graded"] is False
    assert results["extra_data"]["provenance"]["secret_fingerprint"] == fingerprint
    assert f"fingerprint {fingerprint}" in results["output"]
    assert "Graded by" not in results["output"] and "no secret" not in results["output"]
    assert "Not graded" in results["output"]
    coursera = tmp_path / "shared"
    (coursera / "submission").mkdir(parents=True)
    (coursera / "submission" / "ex5.py").write_text(SOLUTION.read_text())
    feedback, result = run_coursera(coursera, "--exercise", "ex5", "--secret-file", str(secret),
                                    env={"partId": "Zb6wb"})
    assert result.exit_code == 2 and f"fingerprint {fingerprint}" in feedback["feedback"]
    assert "Graded by" not in feedback["feedback"] and "no secret" not in feedback["feedback"]
    everything = json.dumps(results) + json.dumps(feedback) + result.output + result.stderr
    assert SECRET not in everything


def test_a_run_that_grades_nothing_without_a_secret_or_with_a_bad_one_says_which(tmp_path):
    root = gradescope_root(tmp_path, {"a.py": SOLUTION, "b.py": SOLUTION})
    results, _ = run_gradescope(root, "--exercise", "ex5")
    assert "no course secret was given" in results["output"] and "Graded by" not in results["output"]
    assert results["extra_data"]["provenance"]["secret_fingerprint"] is None
    short = secret_file(tmp_path, "abc")
    results, _ = run_gradescope(root, "--exercise", "ex5", "--secret-file", str(short))
    assert "the course's secret was given but could not be used" in results["output"]
    assert "no course secret was given" not in results["output"]
    root = gradescope_root(tmp_path / "good", {"ex5.py": SOLUTION})  # gradable: the secret's own reason
    results, result = run_gradescope(root, "--secret-file", str(short))
    assert result.exit_code == 2 and "secret cannot be used" in results["output"]
    assert "could not be used" in results["output"] and "Graded by" not in results["output"]


def test_an_untouched_starter_at_the_top_does_not_hide_the_notebook_in_exercise4(tmp_path):
    """Acceptance run 15, N3: the starter notebook left at the top of the upload, the finished one in Exercise4/:
    Gradescope graded the starter, 0/100, and said a copy kept aside never wins. The work is graded; the starter
    is named as also found."""
    starter = tmp_path / "starter"
    assert run_cli_env(None, "starter", "ex5", "-o", str(starter)).exit_code == 0
    root = gradescope_root(tmp_path, {"exercise4.ipynb": starter / "ex5.ipynb",
                                      "Exercise4/exercise4.ipynb": course.notebook(course.cells()),
                                      "Exercise4/utils.py": course.UTILS})
    aged(root / "submission", older="Exercise4/exercise4.ipynb", newer="exercise4.ipynb")
    results, result = run_gradescope(root, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0, results["output"]
    assert "Graded Exercise4/exercise4.ipynb; also found, not graded: exercise4.ipynb" in results["output"], \
        results["output"]
