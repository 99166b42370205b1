"""Grading for credit: `grade gradescope`, `grade coursera`, secret cases, provenance, packages, bad input.

Every grade goes through the CLI (click's CliRunner, in-process; the packaged run_autograder as a real
subprocess) and is compared with what `grade FILE --format json` gives for the same file.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import NO_LANDLOCK, NO_SYS_ADMIN, ROOT, SUBMISSIONS, grade_json, run_cli

SOLUTION = ROOT / "solutions" / "ex5.py"
SECRET = "a-course-secret-0123456789abcdef"
OTHER_SECRET = "another-secret-fedcba9876543210"


def gradescope_root(tmp_path: Path, files: dict[str, Path | str]) -> Path:
    """A folder like /autograder with these files in submission/ (no results/ folder: it must be created)."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    for name, content in files.items():
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content.read_text() if isinstance(content, Path) else content)
    return root


def run_gradescope(root: Path, *extra: str, env: dict | None = None):
    result = run_cli_env(env, "gradescope", "--root", str(root), *extra)
    return json.loads((root / "results" / "results.json").read_text()), result


def run_coursera(root: Path, *extra: str, env: dict | None = None):
    result = run_cli_env(env, "coursera", "--root", str(root), *extra)
    return json.loads((root / "feedback.json").read_text()), result


def run_cli_env(env: dict | None, *args: str):
    from click.testing import CliRunner

    from grader.cli import main

    env = {"GRADER_SECRET": None, "partId": None, **(env or {})}  # never the caller's own
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


# ---- Gradescope ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["extra_output_derivative", "missing_cost_regularization", "crashes"])
def test_gradescope_scores_each_part_as_grade_does_and_names_the_mistake(tmp_path, name):
    source = SUBMISSIONS / "ex5" / f"{name}.py"
    expected, status = grade_json(source, "--exercise", "ex5")
    results, result = run_gradescope(gradescope_root(tmp_path, {"ex5.py": source}))
    assert result.exit_code == status == 1
    assert results["score"] == expected["score"]
    assert [t["name"] for t in results["tests"]] == [p["title"] for p in expected["parts"]]
    assert [(t["score"], t["max_score"]) for t in results["tests"]] == \
        [(p["score"], p["max_score"]) for p in expected["parts"]]
    assert all(t["visibility"] == "visible" and t["status"] in ("passed", "failed") for t in results["tests"])
    assert isinstance(results["execution_time"], float) and results["execution_time"] > 0
    for test, part in zip(results["tests"], expected["parts"], strict=True):
        for mistake in part["mistakes"]:  # id, title and explanation, as the brief asks
            assert f"[{mistake['id']}]" in test["output"] and mistake["title"] in test["output"]
            assert mistake["explanation"] in test["output"]
        assert test["tags"] == [m["id"] for m in part["mistakes"]]
        if not part["passed"]:  # without its relative errors (review 25 sec, S2)
            lone = re.sub(r" \(relative error [^)]*\)", "", part["feedback"])
            assert lone.replace(f"{name}.py", "ex5.py") in test["output"]


def test_gradescope_full_marks_exit_0_and_notes_in_the_output(tmp_path):
    source = SUBMISSIONS / "ex5" / "modifies_inputs.py"  # correct, with a note
    expected, _ = grade_json(source, "--exercise", "ex5")
    assert expected["score"] == 100 and expected["notes"]
    results, result = run_gradescope(gradescope_root(tmp_path, {"ex5.py": source}))
    assert result.exit_code == 0 and results["score"] == 100.0
    assert all(note["message"] in results["output"] for note in expected["notes"])
    assert "100 / 100" in results["output"] and "visibility" not in results
    assert {t["visibility"] for t in results["tests"]} == {"visible"}


@pytest.mark.parametrize("visibility", ["hidden", "after_due_date", "after_published"])
def test_gradescope_hides_the_notes_and_the_score_line_as_the_tests_are(tmp_path, visibility):
    """Item 2: Gradescope always shows the top-level output, so with --visibility other than visible the notes
    and the score line are not there (a student saw them before the due date while the tests were hidden): the
    results set the top-level visibility, and the notes are a 0-point test with that visibility."""
    source = SUBMISSIONS / "ex5" / "modifies_inputs.py"  # correct, with a note
    expected, _ = grade_json(source, "--exercise", "ex5")
    results, result = run_gradescope(gradescope_root(tmp_path, {"ex5.py": source}), "--visibility", visibility)
    assert result.exit_code == 0 and results["score"] == 100.0
    assert results["visibility"] == visibility
    assert not any(note["message"] in results["output"] for note in expected["notes"])
    assert "100 / 100" not in results["output"] and "Notes" not in results["output"]
    assert {t["visibility"] for t in results["tests"]} == {visibility}
    notes = results["tests"][-1]
    assert notes["name"] == "Notes (no points taken)" and (notes["score"], notes["max_score"]) == (0.0, 0.0)
    assert all(note["message"] in notes["output"] for note in expected["notes"])
    assert sum(t["max_score"] for t in results["tests"]) == expected["max_score"]


def test_gradescope_grades_the_exercise_file_beside_its_helpers(tmp_path):
    """The course's folder: the student's file plus utils.py, perhaps inside a repository folder."""
    root = gradescope_root(tmp_path, {"Exercise4/ex5.py": SUBMISSIONS / "ex5" / "uses_utils.py",
                                      "Exercise4/utils.py": SUBMISSIONS / "ex5" / "utils.py",
                                      "README.md": "my work"})
    results, result = run_gradescope(root)  # the exercise comes from the file's name
    assert result.exit_code == 0, results["output"]
    assert results["score"] == 100.0


def test_the_course_notebook_is_graded_on_gradescope(tmp_path):
    """A student uploads exercise4.ipynb with the course's utils.py: graded from its code cells, by its alias."""
    from . import course

    notebook = course.folder(tmp_path / "course")
    root = gradescope_root(tmp_path, {"exercise4.ipynb": notebook, "utils.py": notebook.parent / "utils.py"})
    results, result = run_gradescope(root)
    assert result.exit_code == 0 and results["score"] == 100.0, results.get("output")


def test_a_file_that_defines_the_functions_is_chosen_over_helpers(tmp_path):
    root = gradescope_root(tmp_path, {"mywork.py": SOLUTION, "helpers.py": "def sigmoid(z):\n    return z\n"})
    results, result = run_gradescope(root, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0


@pytest.mark.parametrize("files, reason", [
    ({}, "no Python file (.py) or notebook (.ipynb) was submitted"),
    ({"notes.txt": "hello"}, "it holds: notes.txt"),
    ({"a.py": SOLUTION, "b.py": SOLUTION}, "several files could be the submission (a.py, b.py)"),
    ({"ex5.ipynb": "{not json"}, "ex5.ipynb: cannot be read as a Jupyter notebook"),
])
def test_gradescope_bad_submissions_get_a_results_file_with_the_reason(tmp_path, files, reason):
    results, result = run_gradescope(gradescope_root(tmp_path, files), "--exercise", "ex5")
    assert result.exit_code == 2
    assert results["score"] == 0.0 and reason in results["output"]
    assert [t["score"] for t in results["tests"]] == [0.0] * 5 and all(reason in t["output"] for t in results["tests"])
    assert reason in result.stderr and "Traceback" not in result.output + result.stderr


def test_a_large_hidden_folder_hides_neither_the_reason_nor_the_files(tmp_path, monkeypatch):
    """Review 31, X21: a `.venv/` of more files than are looked at, beside ex5.pdf, used up the budget before the
    PDF was reached: "no Python file ... it holds: .venv/d0/0.txt, ..." instead of the PDF's reason, on Gradescope
    and Coursera alike. Hidden folders are not entered (as for the .py files), so not named either."""
    monkeypatch.setattr("grader.platforms.common.MAX_FILES", 50)
    for run, name in ((run_gradescope, "output"), (run_coursera, "feedback")):
        root = gradescope_root(tmp_path / run.__name__, {f".venv/lib/m{i:03}.txt": "x" for i in range(80)})
        (root / "submission" / "ex5.pdf").write_bytes(b"%PDF-1.4\n")
        data, result = run(root, "--exercise", "ex5")
        assert result.exit_code == 2 and "ex5.pdf: is a PDF" in data[name], data[name]
        (root / "submission" / "ex5.pdf").rename(root / "submission" / "notes.txt")
        data, result = run(root, "--exercise", "ex5")
        assert result.exit_code == 2 and "it holds: notes.txt" in data[name] and ".venv" not in data[name], data[name]
    hidden = gradescope_root(tmp_path / "hidden", {".ipynb_checkpoints/exercise4-checkpoint.txt": "x"})
    data, result = run_gradescope(hidden, "--exercise", "ex5")
    assert result.exit_code == 2 and "it holds only .ipynb_checkpoints/ (hidden" in data["output"], data["output"]


def test_gradescope_refuses_where_the_student_code_could_read_any_file(tmp_path):
    """A platform's grade is for credit: with neither Landlock nor a private view (root without CAP_SYS_ADMIN,
    Landlock's calls answered ENOSYS) results.json says why with score 0 and the exit status is 2; with
    --allow-weak-isolation it grades."""
    root = gradescope_root(tmp_path, {"ex5.py": SOLUTION})
    command = [*NO_SYS_ADMIN, *NO_LANDLOCK, str(Path(sys.executable).with_name("grade")), "gradescope", "--root",
               str(root), "--exercise", "ex5"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    results = json.loads((root / "results" / "results.json").read_text())
    assert done.returncode == 2 and results["score"] == 0.0, done.stderr
    assert "private reads" in results["output"] and "--allow-weak-isolation" in done.stderr
    done = subprocess.run([*command, "--allow-weak-isolation"], capture_output=True, text=True, timeout=120)
    results = json.loads((root / "results" / "results.json").read_text())
    assert done.returncode == 0 and results["score"] == 100.0, done.stderr


def test_gradescope_without_a_submission_folder_or_exercise(tmp_path):
    root = tmp_path / "autograder"
    results, result = run_gradescope(root)
    assert result.exit_code == 2 and "there is no submission folder" in results["output"]
    (root / "submission").mkdir()
    (root / "submission" / "homework.py").write_text(SOLUTION.read_text())
    results, result = run_gradescope(root)
    assert result.exit_code == 2 and "--exercise" in results["output"] and results["tests"] == []


def test_gradescope_with_an_unwritable_root_says_why_and_exits_3(tmp_path):
    root = tmp_path / "not-a-folder"
    root.write_text("a file where the folder should be")
    result = run_cli_env(None, "gradescope", "--root", str(root), "--exercise", "ex5")
    assert result.exit_code == 3
    assert "cannot create the output folder" in result.stderr and "no results.json was written" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_gradescope_with_an_unknown_exercise_still_writes_results(tmp_path):
    results, result = run_gradescope(gradescope_root(tmp_path, {"ex5.py": SOLUTION}), "--exercise", "ex99")
    assert result.exit_code == 2 and "unknown exercise 'ex99'" in results["output"]


# ---- Coursera --------------------------------------------------------------------------------------

def coursera_root(tmp_path: Path, source: Path) -> Path:
    root = tmp_path / "shared"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "ex5.py").write_text(source.read_text())
    return root


def test_coursera_whole_exercise_and_each_part_as_grade_does(tmp_path):
    source = SUBMISSIONS / "ex5" / "missing_cost_regularization.py"
    expected, _ = grade_json(source, "--exercise", "ex5")
    root = coursera_root(tmp_path, source)
    feedback, result = run_coursera(root, "--exercise", "ex5")
    assert result.exit_code == 1
    assert feedback["fractionalScore"] == pytest.approx(expected["score"] / expected["max_score"], rel=1e-9)
    assert json.loads(result.stdout) == feedback  # also on stdout, as Coursera's older graders read it
    assert "missing_cost_regularization" in feedback["feedback"]
    for part in expected["parts"]:
        feedback, result = run_coursera(root, "--exercise", "ex5", env={"partId": part["id"]})
        assert feedback["fractionalScore"] == (1.0 if part["passed"] else 0.0), part["id"]
        assert result.exit_code == (0 if part["passed"] else 1)
        assert part["title"] in feedback["feedback"]
        assert all(p["title"] not in feedback["feedback"] for p in expected["parts"] if p["id"] != part["id"])


def test_coursera_part_ids_from_the_spec(tmp_path):
    text = (ROOT / "exercises" / "ex5.yaml").read_text().replace(
        "  - id: sigmoid_gradient\n", "  - id: sigmoid_gradient\n    coursera_part_id: Zb6wb\n")
    spec = tmp_path / "ex5.yaml"
    spec.write_text(text)
    root = coursera_root(tmp_path, SUBMISSIONS / "ex5" / "only_sigmoid_gradient.py")
    feedback, result = run_coursera(root, "--exercise", str(spec), env={"partId": "Zb6wb"})
    assert result.exit_code == 0 and feedback["fractionalScore"] == 1.0 and "Sigmoid Gradient" in feedback["feedback"]
    feedback, result = run_coursera(root, "--exercise", str(spec), env={"partId": "cost"})
    assert result.exit_code == 1 and feedback["fractionalScore"] == 0.0


def test_coursera_rejects_a_duplicate_coursera_part_id(tmp_path):
    text = (ROOT / "exercises" / "ex5.yaml").read_text().replace(
        "  - id: sigmoid_gradient\n", "  - id: sigmoid_gradient\n    coursera_part_id: cost\n")
    spec = tmp_path / "ex5.yaml"
    spec.write_text(text)
    result = run_cli("validate", str(spec))
    assert result.exit_code == 2
    assert "coursera_part_id" in result.output and "already names another part" in result.output


def test_coursera_wrong_part_id_and_empty_folder(tmp_path):
    root = coursera_root(tmp_path, SOLUTION)
    feedback, result = run_coursera(root, "--exercise", "ex5", env={"partId": "nope"})
    assert result.exit_code == 2 and feedback["fractionalScore"] == 0.0
    assert "partId 'nope' is not a part of ex5" in feedback["feedback"] and "partId 'nope'" in result.stderr
    feedback, _ = run_coursera(root, env={"partId": "nope"})  # the exercise from the file's name (accept15, N12)
    assert "partId 'nope' is not a part of ex5" in feedback["feedback"], feedback
    assert "exercise spec sha256 unknown" not in feedback["feedback"], feedback["feedback"]
    (root / "submission" / "ex5.py").unlink()
    feedback, result = run_coursera(root, "--exercise", "ex5")
    assert result.exit_code == 2 and "no Python file" in feedback["feedback"]
    assert "Traceback" not in result.output + result.stderr
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    result = run_cli_env(None, "coursera", "--root", str(blocked / "shared"), "--exercise", "ex5")
    assert result.exit_code == 3 and "no feedback.json was written" in result.stderr
    assert "Traceback" not in result.output + result.stderr


# ---- secret cases ----------------------------------------------------------------------------------

def hard_coder(inspected: dict) -> str:
    """A submission that returns the expected values `grade inspect` showed, by the inputs' shapes."""
    table, gradients = {}, {}
    for part in inspected["parts"]:
        for case in part["cases"]:
            inputs = case["inputs"]
            if "z" in inputs:
                gradients[tuple(inputs["z"]["shape"])] = case["expected"]["g"]
            else:
                key = (inputs["input_layer_size"]["value"], inputs["hidden_layer_size"]["value"],
                       inputs["num_labels"]["value"], inputs["X"]["shape"][0], inputs["lambda_"]["value"])
                table[key] = (case["expected"]["J"], case["expected"]["grad"])
    return f"""import numpy as np
TABLE = {table!r}
GRADIENTS = {gradients!r}


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    J, grad = TABLE[(input_layer_size, hidden_layer_size, num_labels, X.shape[0], lambda_)]
    return J, np.array(grad)


def sigmoid_gradient(z):
    return np.array(GRADIENTS[z.shape])
"""


def inspect_json(*extra: str, env: dict | None = None) -> dict:
    result = run_cli_env(env, "inspect", "ex5", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_hard_coded_public_values_pass_without_the_secret_and_fail_with_it(tmp_path):
    path = tmp_path / "ex5.py"
    path.write_text(hard_coder(inspect_json()))
    report, status = grade_json(path)
    assert status == 0 and report["score"] == 100
    result = run_cli_env({"GRADER_SECRET": SECRET}, "check", str(path), "--format", "json")
    assert result.exit_code == 1 and json.loads(result.stdout)["score"] == 0
    root = gradescope_root(tmp_path, {"ex5.py": path})
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    results, result = run_gradescope(root, "--exercise", "ex5", "--secret-file", str(secret_file))
    assert results["score"] == 0.0 and result.exit_code == 1


def test_a_correct_solution_gets_full_marks_with_any_secret(tmp_path):
    root = gradescope_root(tmp_path, {"ex5.py": SOLUTION})
    for secret in (SECRET, OTHER_SECRET):
        results, result = run_gradescope(root, env={"GRADER_SECRET": secret})
        assert results["score"] == 100.0 and result.exit_code == 0
        root_c = coursera_root(tmp_path / secret, SOLUTION)
        feedback, result = run_coursera(root_c, env={"GRADER_SECRET": secret})
        assert feedback["fractionalScore"] == 1.0


def _by_case(data: dict) -> dict:
    return {(p["id"], c["name"]): c["expected"] for p in data["parts"] for c in p["cases"]}


def test_inspect_shows_public_cases_without_the_secret_and_secret_cases_with_it(tmp_path):
    public = inspect_json()
    assert public["secret"] == {"fingerprint": None, "seeded_cases": ["random_a", "random_b", "random_z"]}
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)
    with_file = inspect_json("--secret-file", str(secret_file))
    with_env = inspect_json(env={"GRADER_SECRET": SECRET})
    assert with_file == with_env and with_file["secret"]["fingerprint"]
    assert SECRET not in json.dumps(with_file)
    public_cases, secret_cases = _by_case(public), _by_case(with_file)
    for key, expected in secret_cases.items():
        if key[1] in ("coursera", "coursera_z"):  # the course's own case stays as it is
            assert expected == public_cases[key]
        else:
            assert expected != public_cases[key]
    public_values = {round(v, 9) for e in public_cases.values() for x in e.values()
                     for v in (x if isinstance(x, list) else [x]) if not isinstance(v, list)}
    secret_only = [e["J"] for k, e in secret_cases.items() if "J" in e and k[1].startswith("random")]
    assert secret_only and not {round(j, 9) for j in secret_only} & public_values
    text = run_cli_env({"GRADER_SECRET": SECRET}, "inspect", "ex5").output
    assert f"seeded by the secret with fingerprint {with_file['secret']['fingerprint']}" in text


def test_a_bad_secret_is_a_clear_error(tmp_path):
    short = tmp_path / "short"
    short.write_text("abc")
    result = run_cli_env(None, "inspect", "ex5", "--secret-file", str(short))
    assert result.exit_code == 2 and "16 to 4096 characters" in result.stderr and "token_hex" in result.stderr
    result = run_cli_env(None, "inspect", "ex5", "--secret-file", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "cannot be read" in result.stderr
    root = gradescope_root(tmp_path, {"ex5.py": SOLUTION})
    results, result = run_gradescope(root, "--secret-file", str(short))
    assert result.exit_code == 2 and "secret" in results["output"] and results["score"] == 0.0


def test_audit_checks_the_secret_cases_and_other_secrets():
    """On a cheap exercise; benchmarks/bench_secret_audit.py audits many secrets of every exercise."""
    result = run_cli_env({"GRADER_SECRET": SECRET}, "audit", "regression", "--format", "json", "--secret-seeds", "1")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["ok"], data
    assert data["secret_fingerprint"] and [s["ok"] for s in data["secret_seeds"]] == [True]
    assert data["secret_seeds"][0]["fingerprint"] != data["secret_fingerprint"]


def test_cases_that_cannot_tell_mistakes_apart_fail_for_other_secrets_and_block_a_package(tmp_path):
    weak = (ROOT / "exercises" / "ex5.yaml").read_text().replace("lambda: 1.5", "lambda: 0") \
        .replace("weight_scale: 1.5", "weight_scale: 0.01").replace("weight_scale: 2.0", "weight_scale: 0.01")
    path = tmp_path / "weak.yaml"
    path.write_text(weak)
    result = run_cli_env(None, "audit", str(path), "--secret-seeds", "1")
    assert result.exit_code == 1
    assert "The same audit with 1 other secrets:" in result.output
    assert "'nn-grader audit seed 0'" in result.output and "FAIL: " in result.output.split("other secrets:")[1]
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)
    wheel = tmp_path / "nn_grader-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not reached")
    output = tmp_path / "autograder.zip"
    result = run_cli_env(None, "package", "gradescope", str(path), "-o", str(output), "--secret-file", str(secret_file),
                         "--wheel", str(wheel))
    assert result.exit_code == 2 and "fail the audit" in result.stderr and "choose another secret" in result.stderr
    assert not output.exists()


# ---- provenance ------------------------------------------------------------------------------------

def test_reports_for_credit_carry_versions_hashes_and_the_secret_fingerprint(tmp_path):
    import grader

    spec_sha = hashlib.sha256((ROOT / "exercises" / "ex5.yaml").read_bytes()).hexdigest()
    submission_sha = hashlib.sha256(SOLUTION.read_bytes()).hexdigest()
    report, _ = grade_json(SOLUTION)
    assert report["provenance"] == {"grader_version": grader.__version__, "spec_sha256": spec_sha,
                                    "submission_sha256": submission_sha, "secret_fingerprint": None}
    root = gradescope_root(tmp_path, {"ex5.py": SOLUTION})
    results, _ = run_gradescope(root, env={"GRADER_SECRET": SECRET})
    fingerprint = results["extra_data"]["provenance"]["secret_fingerprint"]
    assert fingerprint and results["extra_data"]["provenance"]["submission_sha256"] == submission_sha
    assert spec_sha in results["output"] and fingerprint in results["output"]
    assert f"nn-grader {grader.__version__}" in results["output"]
    feedback, _ = run_coursera(coursera_root(tmp_path, SOLUTION), env={"GRADER_SECRET": SECRET})
    assert fingerprint in feedback["feedback"] and submission_sha in feedback["feedback"]
    other, _ = run_gradescope(root, env={"GRADER_SECRET": OTHER_SECRET})
    assert other["extra_data"]["provenance"]["secret_fingerprint"] != fingerprint
    everything = json.dumps(results) + json.dumps(feedback) + json.dumps(other)
    assert SECRET not in everything and OTHER_SECRET not in everything


def test_platform_output_never_shows_expected_values(tmp_path):
    """`grade FILE` prints the numbers; a platform's feedback must not (they are what the secret hides)."""
    source = SUBMISSIONS / "ex5" / "cost_not_averaged.py"
    text = run_cli("check", str(source), "--exercise", "ex5").output
    assert "expected" in text  # the local report shows "J is …, expected …"
    root = gradescope_root(tmp_path, {"ex5.py": source})
    results, _ = run_gradescope(root)
    feedback, _ = run_coursera(coursera_root(tmp_path, source))
    assert ", expected" not in json.dumps(results) and ", expected" not in feedback["feedback"]


def test_platform_output_never_gives_a_relative_error(tmp_path):
    """Review 25 (security), S2: "J is wrong (relative error 0.68)" of a J of 1 gives the expected J, 1 / (1 - r):
    in five submissions a file with no cost code learnt every secret case's J and got the cost parts. The
    platforms' feedback says what is wrong, without the number; `grade FILE` keeps it."""
    path = tmp_path / "ex5.py"
    path.write_text(SOLUTION.read_text().replace("    return J, grad", "    return 1.0, grad"))
    assert "relative error" in run_cli("check", str(path), "--exercise", "ex5").output
    results, _ = run_gradescope(gradescope_root(tmp_path / "gs", {"ex5.py": path}), env={"GRADER_SECRET": SECRET})
    feedback, _ = run_coursera(coursera_root(tmp_path / "cs", path), env={"GRADER_SECRET": SECRET})
    assert results["score"] == 5.0 and "J is wrong" in json.dumps(results), results
    assert "relative error" not in json.dumps(results) and "relative error" not in feedback["feedback"], feedback


# ---- packages --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gradescope_zip(tmp_path_factory):
    """The zip, built once (its wheel is built from this source tree), with the secret in it."""
    folder = tmp_path_factory.mktemp("package")
    secret_file = folder / "secret"
    secret_file.write_text(SECRET)
    output = folder / "autograder.zip"
    result = run_cli_env(None, "package", "gradescope", "ex5", "-o", str(output), "--secret-file", str(secret_file),
                         "--timeout", "5")
    assert result.exit_code == 0, result.output
    return output


def test_the_gradescope_zip_runs_like_gradescope_does(tmp_path, gradescope_zip):
    names = zipfile.ZipFile(gradescope_zip).namelist()
    assert {"setup.sh", "run_autograder", "exercise.yaml", "secret"} <= set(names)
    wheel = next(n for n in names if n.endswith(".whl"))
    autograder = tmp_path / "autograder"
    source = autograder / "source"
    zipfile.ZipFile(gradescope_zip).extractall(source)
    assert oct((zipfile.ZipFile(gradescope_zip).getinfo("secret").external_attr >> 16) & 0o777) == "0o600"
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(source / script)]).returncode == 0
    # setup.sh's install, with this interpreter (its numpy) instead of a new venv: the wheel, no deps.
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    str(source / wheel)], check=True)
    # Python without its site hooks (-S): no .pth file runs, so this checkout's editable install cannot supply
    # a module the wheel lacks; numpy and the other dependencies come from this interpreter's site-packages.
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    python.chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(autograder), "GRADER_PYTHON": str(python),
           "PYTHONPATH": os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]])}
    env.pop("GRADER_SECRET", None)
    for name, score in (("hard_coded", 0.0), ("solution", 100.0)):
        submission = autograder / "submission"
        submission.mkdir(exist_ok=True)
        if name == "solution":
            (submission / "ex5.py").write_text(SOLUTION.read_text())
        else:
            (submission / "ex5.py").write_text(hard_coder(inspect_json()))
        run = subprocess.run(["bash", str(source / "run_autograder")], env=env, cwd=autograder,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        results = json.loads((autograder / "results" / "results.json").read_text())
        assert results["score"] == score, results["output"]
        provenance = results["extra_data"]["provenance"]
        assert provenance["secret_fingerprint"] and Path(site, "grader").is_dir()
    # review 25 (security), S13: run from the submission's own folder, `python -m grader` imported a student's
    # grader/ package, which wrote a score of 100; run_autograder's `python -P` never looks there
    planted = autograder / "submission" / "grader"
    planted.mkdir()
    (planted / "__init__.py").write_text("")
    (planted / "__main__.py").write_text(
        f"import json, pathlib\npathlib.Path({str(autograder / 'results' / 'results.json')!r}).write_text("
        f"json.dumps({{'score': 100.0, 'output': 'planted'}}))\n")
    (autograder / "submission" / "ex5.py").write_text(hard_coder(inspect_json()))
    run = subprocess.run(["bash", str(source / "run_autograder")], env=env, cwd=autograder / "submission",
                         capture_output=True, text=True, timeout=300)
    results = json.loads((autograder / "results" / "results.json").read_text())
    assert run.returncode == 0 and results["score"] == 0.0 and "planted" not in results["output"], results
    shutil.rmtree(planted)
    broken = subprocess.run(["bash", str(source / "run_autograder")], env={**env, "GRADER_PYTHON": "/bin/false"},
                            cwd=autograder, capture_output=True, text=True, timeout=60)
    results = json.loads((autograder / "results" / "results.json").read_text())  # not the previous run's
    assert broken.returncode == 1 and results["score"] == 0 and "could not grade" in results["output"]
    graded_by = subprocess.run([str(python), "-c", "import grader.sandbox as s, grader.platforms as p; "
                                "print(s.__file__); print(p.__file__)"], env=env, capture_output=True, text=True,
                               cwd=tmp_path).stdout.split()
    assert len(graded_by) == 2 and all(Path(f).is_relative_to(site) for f in graded_by), graded_by


def test_the_coursera_folder_has_a_dockerfile_whose_entrypoint_grades(tmp_path, gradescope_zip):
    wheel_name = next(n for n in zipfile.ZipFile(gradescope_zip).namelist() if n.endswith(".whl"))
    wheel = tmp_path / wheel_name
    wheel.write_bytes(zipfile.ZipFile(gradescope_zip).read(wheel_name))
    folder = tmp_path / "coursera"
    result = run_cli_env(None, "package", "coursera", "ex5", "-o", str(folder), "--wheel", str(wheel))
    assert result.exit_code == 0, result.output
    assert "public cases" in result.stderr  # no secret: the instructor is told
    assert {"Dockerfile", "exercise.yaml", "README.txt", wheel_name} == {p.name for p in folder.iterdir()}
    dockerfile = (folder / "Dockerfile").read_text()
    entrypoint = json.loads(next(line for line in dockerfile.splitlines()
                                 if line.startswith("ENTRYPOINT")).removeprefix("ENTRYPOINT "))
    assert entrypoint[:4] == ["/grader/venv/bin/grade", "coursera", "--root", "/shared"]
    assert not any(line.startswith("ENV") for line in dockerfile.splitlines())  # Coursera drops them
    # Run the entrypoint's arguments against a folder like /shared, with this folder as /grader.
    shared = coursera_root(tmp_path, SOLUTION)
    arguments = [a.replace("/grader", str(folder)).replace("/shared", str(shared)) for a in entrypoint[1:]]
    feedback, result = run_coursera(shared, *arguments[3:], env={"partId": "sigmoid_gradient"})
    assert result.exit_code == 0 and feedback["fractionalScore"] == 1.0
    again = run_cli_env(None, "package", "coursera", "ex5", "-o", str(folder), "--wheel", str(wheel))
    assert again.exit_code == 2 and "expected a new or empty folder" in again.stderr


def fresh_venv(folder: Path, wheel: Path) -> Path:
    """A new venv with only this wheel installed in it (no dependencies, no network); returns its bin/.

    numpy and the other dependencies come from this interpreter's site-packages, listed in a .pth file: a path
    that a .pth file adds is not a site folder, so the .pth files there (this checkout's editable install) do
    not run, and the venv's own site-packages, first on sys.path, holds the only `grader`."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--no-index", "-q", str(wheel)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    Path(site, "dependencies.pth").write_text("".join(f"{path}\n" for path in paths))
    return folder / "bin"


def verified_record(wheel: zipfile.ZipFile) -> list[str]:
    """The wheel's names, once its RECORD lists each of them with its sha256 and size (and itself without)."""
    import base64
    import csv
    import io

    record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(wheel.read(record).decode()))}
    assert rows.pop(record) == ["", ""]
    assert set(rows) == set(wheel.namelist()) - {record}
    for name, (digest, size) in rows.items():
        data = wheel.read(name)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, size) == (f"sha256={expected}", str(len(data))), name
    return wheel.namelist()


def test_a_plain_install_packages_with_a_wheel_made_from_its_installed_files(tmp_path):
    """README's install is `pip install .` (not editable): no source tree beside the grader, yet `grade package`
    needs no --wheel. The wheel it ships holds what pip's own wheel of this source holds, and installs and runs.

    About 5 s: one `pip wheel` of this source, two venvs without pip, three packages and a grade."""
    built = tmp_path / "built"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(built), str(ROOT)], check=True, cwd=tmp_path)
    original = next(built.glob("nn_grader-*.whl"))
    installed = fresh_venv(tmp_path / "installed", original)  # what `pip install .` leaves
    elsewhere = tmp_path / "course"
    elsewhere.mkdir()
    (elsewhere / "course.secret").write_text(SECRET)
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_SECRET", "PYTHONPATH")}
    run = subprocess.run([str(installed / "grade"), "package", "gradescope", "ex5", "-o", "autograder.zip",
                          "--secret-file", "course.secret"], cwd=elsewhere, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    archive = zipfile.ZipFile(elsewhere / "autograder.zip")
    wheel_name = next(n for n in archive.namelist() if n.endswith(".whl"))
    assert wheel_name == original.name
    shipped = elsewhere / "wheel" / wheel_name
    shipped.parent.mkdir()
    shipped.write_bytes(archive.read(wheel_name))
    names = verified_record(zipfile.ZipFile(shipped))
    assert sorted(names) == sorted(zipfile.ZipFile(original).namelist())  # nothing compiled, nothing missing
    for name in names:
        if not name.endswith("/RECORD"):
            assert zipfile.ZipFile(shipped).read(name) == zipfile.ZipFile(original).read(name), name
    coursera = subprocess.run([str(installed / "grade"), "package", "coursera", "ex5", "-o", "coursera-ex5"],
                              cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert coursera.returncode == 0, coursera.stderr
    assert (elsewhere / "coursera-ex5" / wheel_name).read_bytes() == shipped.read_bytes()
    edited = next((tmp_path / "installed" / "lib").glob("python3*/site-packages/grader/audit.py"))
    edited.write_text(edited.read_text() + "# edited after the install\n")  # not the version its RECORD names
    refused = subprocess.run([str(installed / "grade"), "package", "gradescope", "ex5", "-o", "edited.zip"],
                             cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "audit.py is not the file it was installed with" in refused.stderr, \
        refused.stderr
    assert not (elsewhere / "edited.zip").exists()

    student = fresh_venv(tmp_path / "student", shipped)
    version = subprocess.run([str(student / "grade"), "--version"], cwd=elsewhere, env=env, capture_output=True,
                             text=True, timeout=60)
    assert version.returncode == 0 and "0.1.0" in version.stdout, version.stderr
    (elsewhere / "ex5.py").write_text(SOLUTION.read_text())
    graded = subprocess.run([str(student / "grade"), "ex5.py", "--format", "json"], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=120)
    assert graded.returncode == 0 and json.loads(graded.stdout)["score"] == 100, graded.stderr
    where = subprocess.run([str(student / "python"), "-c", "import grader; print(grader.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "student"), where


def test_without_a_source_tree_or_an_install_the_error_names_a_command_that_works(tmp_path, monkeypatch):
    """This checkout's install is editable: its RECORD holds no grader file to rebuild the wheel from."""
    from grader.platforms import wheels

    monkeypatch.setattr(wheels, "SOURCE_TREE", tmp_path)  # as if the package ran from elsewhere
    result = run_cli_env(None, "package", "gradescope", "ex5", "-o", str(tmp_path / "autograder.zip"))
    assert result.exit_code == 2
    assert "pip wheel --no-deps /path/to/nn-grader -w dist" in result.stderr
    assert "--wheel dist/nn_grader-0.1.0-py3-none-any.whl" in result.stderr
    assert not (tmp_path / "autograder.zip").exists()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "another-project"\n')  # not nn-grader's tree
    again = run_cli_env(None, "package", "coursera", "ex5", "-o", str(tmp_path / "coursera"))
    assert again.exit_code == 2 and "/path/to/nn-grader" in again.stderr


def test_the_gradescope_package_writes_only_a_zip_and_replaces_only_its_own(tmp_path):
    """Item 3: -o must end in .zip, and an existing file is replaced only when it is an autograder zip this
    command wrote: a staff member's notes.zip, or any other file, is never overwritten (one line, exit 2)."""
    wheel = tmp_path / "nn_grader-0.1.0-py3-none-any.whl"  # what the zip carries; this test never installs it
    wheel.write_bytes(b"a wheel")

    def package(output: Path):
        return run_cli_env(None, "package", "gradescope", "ex5", "-o", str(output), "--wheel", str(wheel))

    for name in ("autograder", "autograder.tar.gz", "grades.sqlite"):
        result = package(tmp_path / name)
        assert result.exit_code == 2 and not (tmp_path / name).exists()
        assert result.stderr.splitlines() == [f"grade: --output {tmp_path / name}: expected a file name ending in "
                                              f".zip (Gradescope takes a zip); nothing written"]
    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as archive:
        archive.writestr("notes.txt", "week 5 grading notes")
    text = tmp_path / "gradebook.zip"
    text.write_text("not a zip at all")
    for output in (notes, text):
        before = output.read_bytes()
        result = package(output)
        assert result.exit_code == 2 and output.read_bytes() == before
        assert len(result.stderr.splitlines()) == 1 and f"--output {output}: exists and is not an autograder zip" \
            in result.stderr
    ours = tmp_path / "autograder.zip"
    assert package(ours).exit_code == 0 and package(ours).exit_code == 0  # its own zip, written again
    assert {"setup.sh", "run_autograder", "exercise.yaml", wheel.name} <= set(zipfile.ZipFile(ours).namelist())


def test_a_failed_coursera_package_leaves_no_folder_behind(tmp_path):
    not_a_wheel = tmp_path / "grader.txt"
    not_a_wheel.write_text("not a wheel")
    folder = tmp_path / "coursera-ex5"
    result = run_cli_env(None, "package", "coursera", "ex5", "-o", str(folder), "--wheel", str(not_a_wheel))
    assert result.exit_code == 2 and "expected a wheel file" in result.stderr
    assert not folder.exists()
    folder.mkdir()  # an empty folder the instructor made stays
    again = run_cli_env(None, "package", "coursera", "ex5", "-o", str(folder), "--wheel", str(not_a_wheel))
    assert again.exit_code == 2 and folder.is_dir() and not any(folder.iterdir())


def test_setup_sh_updates_apt_and_the_docs_name_every_dependency():
    import tomllib

    from grader.platforms.package import SETUP_SH

    lines = SETUP_SH.splitlines()
    install = next(i for i, line in enumerate(lines) if "apt-get install" in line)
    assert any(line.strip().startswith("apt-get update") for line in lines[:install])
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [dependency.split(">")[0].split("=")[0].split("<")[0].strip().lower() for dependency in dependencies]
    docs = " ".join((ROOT / "docs" / "platforms.md").read_text().split())
    said = docs[docs.index("installs the wheel"):][:200].lower()
    for name in names:
        assert name in SETUP_SH.lower() and name in said, name


# ---- the secret never reaches a process that runs student code -------------------------------------

SECRET_SCANNER = '''
import ctypes

TARGET = bytes({target})  # the secret, each byte + 1: neither this file nor the scan ever holds the secret


def _count():
    shift = bytes((i + 1) % 256 for i in range(256))
    found = 0
    for line in open("/proc/self/maps"):
        parts = line.split()
        if not parts[1].startswith("r") or (len(parts) > 5 and parts[5].startswith("[v")):
            continue
        low, high = (int(x, 16) for x in parts[0].split("-"))
        if high - low <= 512 << 20:
            found += ctypes.string_at(low, high - low).translate(shift).count(TARGET)
    return found


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    raise RuntimeError(f"FOUND {{_count()}} COPIES")


def sigmoid_gradient(z):
    raise RuntimeError(f"FOUND {{_count()}} COPIES")
'''


@pytest.mark.parametrize("how", ["environment", "secret-file", "gradescope"])
def test_the_worker_memory_never_holds_the_secret(tmp_path, how):
    """$GRADER_SECRET is handed over in a pipe after the zygote is forked; a secret file is read after it too."""
    secret = "S3cret-that-must-stay-in-the-grader-" + how
    folder = tmp_path / "submission"
    folder.mkdir()
    path = folder / "ex5.py"
    path.write_text(SECRET_SCANNER.format(target=[(b + 1) % 256 for b in secret.encode()]))
    secret_file = tmp_path / "secret"
    secret_file.write_text(secret)
    env = {k: v for k, v in os.environ.items() if k != "GRADER_SECRET"}
    command = [sys.executable, "-m", "grader"]
    if how == "environment":
        command += [str(path), "--format", "json"]
        env["GRADER_SECRET"] = secret
    elif how == "secret-file":
        command += [str(path), "--format", "json", "--secret-file", str(secret_file)]
    else:
        command += ["gradescope", "--root", str(tmp_path), "--exercise", "ex5"]
        env["GRADER_SECRET"] = secret
    run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    if how == "gradescope":
        results = json.loads((tmp_path / "results" / "results.json").read_text())
        outputs = [t["output"] for t in results["tests"]]
        assert results["extra_data"]["provenance"]["secret_fingerprint"]
    else:
        report = json.loads(run.stdout)
        outputs = [p["feedback"] for p in report["parts"]]
        assert report["provenance"]["secret_fingerprint"]
    assert all("FOUND 0 COPIES" in output for output in outputs), outputs


def test_the_platform_commands_document_their_options():
    for command, options in ((["gradescope"], ["--root", "--exercise", "--secret-file", "--visibility", "--timeout"]),
                             (["coursera"], ["--root", "--part-id", "partId", "--secret-file", "plain text"]),
                             (["package", "gradescope"], ["--output", "--secret-file", "--wheel", "--visibility"]),
                             (["package", "coursera"], ["--output", "--secret-file", "--wheel"]),
                             (["audit"], ["--secret-file", "--secret-seeds"]), (["inspect"], ["--secret-file"]),
                             (["check"], ["--secret-file"])):
        result = run_cli(*command, "--help")
        assert result.exit_code == 0 and all(option in result.output for option in options), (command, result.output)
    for command in ("gradescope", "coursera"):
        text = " ".join(run_cli(command, "--help").output.split())
        assert "Exit status: 0 full marks" in text and "could not be written" in text



@pytest.mark.parametrize("command", [["gradescope"], ["coursera"], ["package", "gradescope"], ["package", "coursera"]])
def test_the_docs_synopsis_of_each_platform_command_names_all_its_options(command):
    from grader.cli import main

    click_command = main
    for name in command:
        click_command = click_command.commands[name]
    options = [p.opts for p in click_command.params if p.opts[0].startswith("-") and p.name != "help"]
    docs = (ROOT / "docs" / "platforms.md").read_text()
    start = docs.index(f"\n`grade {' '.join(command)} ") + 1  # the synopsis that starts a paragraph
    synopsis = " ".join(docs[start:docs.index("`", start + 1) + 1].split())
    missing = [opts for opts in options if not any(f"[{o}" in synopsis or f" {o} " in synopsis for o in opts)]
    assert options and not missing, (missing, synopsis)
