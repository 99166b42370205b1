"""The course's names for the exercise (ex4, exercise4) and LMS-style file names (issue 8, item 5)."""

import json

import pytest

from grader import locate
from grader.spec import SpecError, parse

from .conftest import ROOT, run_cli

NAMES = {"ex5": "ex5", "ex4": "ex5", "exercise4": "ex5", "ex5_mse": "ex5_mse", "regression": "regression"}


@pytest.mark.parametrize("filename,exercise,rest", [
    ("exercise4.ipynb", "ex5", ""),
    ("Exercise4.ipynb", "ex5", ""),
    ("ex4.py", "ex5", ""),
    ("jsmith_ex4.py", "ex5", "jsmith"),
    ("ex4_jsmith.py", "ex5", "jsmith"),
    ("ex5 (1).py", "ex5", ""),
    ("lastfirst_12345_67890_ex4.py", "ex5", "lastfirst_12345_67890"),
    ("EX5_v2.py", "ex5", "v2"),
    ("jsmith_ex5_mse.py", "ex5_mse", "jsmith"),  # the longer name wins over the ex5 inside it
])
def test_file_names_name_the_exercise_and_the_rest(filename, exercise, rest):
    found = locate.match_name(filename, NAMES)
    assert (found.exercise, found.rest) == (exercise, rest)


@pytest.mark.parametrize("filename", ["ex5v2.py", "homework.py", "ex45.py", "nex4.py"])
def test_names_must_be_whole_tokens(filename):
    assert locate.match_name(filename, NAMES) is None


def test_two_exercises_in_one_name_are_ambiguous():
    with pytest.raises(locate.AmbiguousName) as error:
        locate.match_name("regression_ex4.py", NAMES)
    assert str(error.value) == ("the file name 'regression_ex4.py' names more than one exercise: "
                                "regression (from 'regression'), ex5 (from 'ex4')")


def test_ambiguity_is_a_clear_cli_error(tmp_path):
    path = tmp_path / "regression_ex4.py"
    path.write_text("x = 1\n")
    result = run_cli("check", str(path), "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"].startswith("the file name 'regression_ex4.py' names more than one "
                                                         "exercise: regression (from 'regression'), ex5")


def test_canvas_named_py_file_is_graded_as_ex5(tmp_path):
    path = tmp_path / "lastfirst_12345_67890_ex4.py"
    path.write_text((ROOT / "solutions" / "ex5.py").read_text())
    result = run_cli("check", str(path), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["exercise"] == "ex5"


def test_inspect_lists_the_aliases_and_accepts_them():
    data = json.loads(run_cli("inspect", "ex4", "--format", "json").stdout)
    assert data["exercise"] == "ex5" and data["aliases"] == ["ex4", "exercise4"]
    assert "(ex5, also named ex4, exercise4)" in run_cli("inspect", "exercise4").stdout


def _spec_with(line: str) -> str:
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    return "\n".join(line if raw.startswith("aliases:") else raw for raw in text.split("\n"))


def test_spec_aliases_are_stored():
    assert parse(_spec_with("aliases: [ex4, exercise4]")).aliases == ("ex4", "exercise4")
    assert parse(_spec_with("")).aliases == ()


@pytest.mark.parametrize("line,message", [
    ("aliases: [ex5]", "aliases[0]: expected a name of letters, digits, _ and - other than the id, got 'ex5'"),
    ("aliases: ['ex 4']", "aliases[0]: expected a name of letters, digits, _ and - other than the id"),
    ("aliases: [ex4, ex4]", "aliases[1]: 'ex4' appears twice"),
    ("aliases: ex4", "aliases: expected a list"),
])
def test_bad_aliases_are_spec_errors(line, message):
    with pytest.raises(SpecError) as error:
        parse(_spec_with(line), "ex5.yaml")
    assert message in str(error.value) and str(error.value).startswith("ex5.yaml:")


@pytest.mark.parametrize("text", [
    "title: x\naliases: [hw4]\n",
    "# a comment\n---\ntitle: x\n'aliases' : [hw4]\n",
    "  title: x\n  aliases: [hw4]\n",  # a top-level mapping indented as a whole
    "{title: x, aliases: [hw4]}\n",
    "--- {title: x, aliases: [hw4]}\n",
])
def test_exercise_aliases_are_found_in_every_layout(tmp_path, text):
    (tmp_path / "tanh_net.yaml").write_text(text)
    assert locate.aliases(locate.available((tmp_path,)))["hw4"] == "tanh_net"


def test_only_the_functions_aliases_name_no_exercise(tmp_path):
    """Every spec names its functions' aliases; those (indented) are not names of the exercise."""
    (tmp_path / "tanh_net.yaml").write_text("title: x\nfunctions:\n  f:\n    aliases: [hw4]\n")
    assert "hw4" not in locate.aliases(locate.available((tmp_path,)))
