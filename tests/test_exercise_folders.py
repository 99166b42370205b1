"""An instructor's own folder of exercises (GRADER_EXERCISES, --exercises-dir), found without a reinstall."""

import json
import os
import shutil

import pytest

from .conftest import ROOT, grade_json, run_cli


@pytest.fixture
def folder(tmp_path):
    """An instructor's folder with one exercise, `mynet` (the regression exercise under another name)."""
    mine = tmp_path / "course"
    mine.mkdir()
    text = (ROOT / "exercises" / "regression.yaml").read_text().replace("id: regression", "id: mynet")
    (mine / "mynet.yaml").write_text(text)
    return mine


@pytest.fixture
def solution(tmp_path):
    path = tmp_path / "mynet.py"
    shutil.copy(ROOT / "solutions" / "regression.py", path)
    return path


def test_environment_folder_is_found_by_grade_inspect_audit(folder, solution, monkeypatch):
    assert run_cli("inspect", "mynet").exit_code == 2  # not found before the folder is listed
    monkeypatch.setenv("GRADER_EXERCISES", os.pathsep.join(["", str(folder)]))  # empty entries are skipped
    report, status = grade_json(solution)  # found from the file name mynet.py
    assert (report["exercise"], report["score"], status) == ("mynet", 100, 0)
    inspected = run_cli("inspect", "mynet", "--format", "json")
    assert inspected.exit_code == 0 and json.loads(inspected.output)["exercise"] == "mynet"
    audited = run_cli("audit", "mynet", "--format", "json")
    assert audited.exit_code == 0 and json.loads(audited.output)["exercise"] == "mynet"


def test_exercises_dir_option(folder, solution, tmp_path):
    other = tmp_path / "homework.py"
    shutil.copy(solution, other)
    report, status = grade_json(other, "--exercise", "mynet", "--exercises-dir", str(folder))
    assert (report["exercise"], status) == ("mynet", 0)
    result = run_cli("inspect", "mynet", "--exercises-dir", str(folder))
    assert result.exit_code == 0 and "mynet" in result.output


def test_a_name_defined_twice_names_both_files(folder, tmp_path, monkeypatch):
    second = tmp_path / "second"
    second.mkdir()
    shutil.copy(folder / "mynet.yaml", second / "mynet.yaml")
    monkeypatch.setenv("GRADER_EXERCISES", str(folder))
    result = run_cli("inspect", "mynet", "--exercises-dir", str(second))
    assert result.exit_code == 2
    assert "defined twice" in result.output
    assert str(folder / "mynet.yaml") in result.output and str(second / "mynet.yaml") in result.output
    # a shipped name counts too
    shutil.copy(ROOT / "exercises" / "ex5.yaml", second / "ex5.yaml")
    result = run_cli("audit", "ex5", "--exercises-dir", str(second))
    assert result.exit_code == 2 and "'ex5' is defined twice" in result.output
    assert str(second / "ex5.yaml") in result.output and "ex5.yaml and" in result.output


def test_an_alias_another_exercise_has_names_both_files(folder, solution, tmp_path):
    """Author review 4, E9: an instructor's `aliases: [ex5]` lost silently to the shipped ex5, so a student's
    ex5.py was graded on the shipped cases. An alias is a name like a file's: claimed twice, by an id or by
    another alias, it is an error naming both files."""
    spec = folder / "mynet.yaml"
    for alias, clash in (("ex5", ROOT / "exercises" / "ex5.yaml"), ("exercise4", ROOT / "exercises" / "ex5.yaml")):
        spec.write_text(f"aliases: [{alias}]\n" + spec.read_text().split("\n", 1)[1] if spec.read_text().startswith(
            "aliases") else f"aliases: [{alias}]\n" + spec.read_text())
        result = run_cli("check", str(solution), "--exercise", alias, "--exercises-dir", str(folder))
        assert result.exit_code == 2, result.output
        assert f"the exercise name '{alias}' is defined twice: {clash} and {spec} (as an alias)" in result.output
    spec.write_text("aliases: [mine]\n" + spec.read_text().split("\n", 1)[1])  # a name of its own: found by it
    report, status = grade_json(solution, "--exercise", "mine", "--exercises-dir", str(folder))
    assert (report["exercise"], status) == ("mynet", 0)


def test_a_listed_folder_that_is_not_one_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_EXERCISES", str(tmp_path / "nowhere"))
    result = run_cli("inspect", "ex5")
    assert result.exit_code == 2 and "GRADER_EXERCISES" in result.output and "nowhere" in result.output
    assert "Traceback" not in result.output
    result = run_cli("inspect", "ex5", "--exercises-dir", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "does not exist" in result.output
