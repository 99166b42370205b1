"""`grade starter`: the student's notebook and .py, from the spec alone, for every shipped exercise.

Graded as it is, a starter scores 0 on every part without crashing; its notebook is valid nbformat
and runs; its gradient check tells a right gradient from a wrong one.
"""

import importlib.util
import inspect
import json

import nbformat
import numpy as np
import pytest

from grader import locate
from grader.spec import load
from grader.starter import END_MARKER, MARKER

from .conftest import ROOT, grade_json, run_cli

SHIPPED = sorted(locate.shipped())


@pytest.fixture(scope="module")
def starters(tmp_path_factory):
    folder = tmp_path_factory.mktemp("starters")
    for name in SHIPPED:
        result = run_cli("starter", name, "-o", str(folder))
        assert result.exit_code == 0, result.output
        assert f"{folder / name}.ipynb" in result.output and f"{folder / name}.py" in result.output
    return folder


def _module(path, name="starter_under_test"):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # importing runs nothing but definitions (cells are under __main__)
    return module


@pytest.mark.parametrize("name", SHIPPED)
def test_a_starter_graded_as_it_is_scores_zero_without_crashing(starters, name):
    report, status = grade_json(starters / f"{name}.py")
    assert status == 1 and report["exercise"] == name and report["score"] == 0
    exercise = load(ROOT / "exercises" / f"{name}.yaml")
    assert [p["id"] for p in report["parts"]] == [p.id for p in exercise.parts]
    for part in report["parts"]:
        assert part["score"] == 0 and not part["passed"]
        # It ran and returned zeros: no crash, no import failure, no missing function, no shape error.
        for words in ("raised", "could not be imported", "defines no function", "has shape", "stopped", "nan"):
            assert words not in part["feedback"], part
        # the template's zeros are named as what they are: not written yet
        assert [m["id"] for m in part["mistakes"]] == ["not_implemented"], part


@pytest.mark.parametrize("name", SHIPPED)
def test_each_graded_function_has_signature_docstring_and_zero_body(starters, name):
    exercise = load(ROOT / "exercises" / f"{name}.yaml")
    text = (starters / f"{name}.py").read_text()
    module = _module(starters / f"{name}.py", f"starter_{name}")
    for function in exercise.functions.values():
        code = getattr(module, function.name)
        assert list(code.__code__.co_varnames[:code.__code__.co_argcount]) == list(function.arguments)
        doc = inspect.cleandoc(code.__doc__)  # as Python 3.13 keeps it: without the body's indentation
        for argument in function.arguments:
            assert f"\n{argument}\n" in doc
        for returned in function.returns:
            assert f"\n{returned}\n" in doc
        if "nn_params" in function.arguments:
            order = "row by row" if exercise.network.order == "C" else "column by column"
            assert order in doc and "bias weights in column 0" in doc
        if "y" in function.arguments and exercise.network.targets == "labels":
            assert "labels 0..K−1" in doc
    assert text.count(MARKER) == len(exercise.functions) == text.count(END_MARKER)


def test_starter_returns_zeros_of_the_right_shapes(starters):
    module = _module(starters / "ex5.py", "starter_ex5_shapes")
    params = np.ones(4 * 3 + 3 * 5)
    J, grad = module.nn_cost_function(params, 2, 4, 3, np.ones((5, 2)), np.arange(5) % 3, 1.0)
    assert J == 0 and grad.shape == params.shape and not grad.any()
    g = module.sigmoid_gradient(np.ones((3, 10)))
    assert g.shape == (3, 10) and not g.any()


def test_the_gradient_check_tells_right_from_wrong(starters, tmp_path, capsys):
    starter = _module(starters / "ex5.py", "starter_ex5_check")
    # untouched, both columns are zeros: that is not a pass (student review 4, F16; it printed "Relative
    # difference: 0")
    assert starter.check_gradients(0.0) == 1.0
    assert "all zeros: the cost and the gradient are not written yet" in capsys.readouterr().out
    solution = _module(ROOT / "solutions" / "ex5.py", "solution_ex5")
    starter.nn_cost_function = solution.nn_cost_function  # what a student who finished would have
    assert starter.check_gradients(0.0) < 1e-9 and starter.check_gradients(3.0) < 1e-9
    assert "Relative difference" in capsys.readouterr().out

    def sign_flipped(*args):
        J, grad = solution.nn_cost_function(*args)
        return J, -grad

    starter.nn_cost_function = sign_flipped
    assert starter.check_gradients(0.0) > 0.5


@pytest.mark.parametrize("name", SHIPPED)
def test_the_notebook_is_valid_and_ordered_like_the_course(starters, name):
    exercise = load(ROOT / "exercises" / f"{name}.yaml")
    notebook = nbformat.read(str(starters / f"{name}.ipynb"), as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.language == "python"
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith(f"# {exercise.title}")
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    definitions = [next(i for i, s in enumerate(code) if s.startswith(f"def {f}(")) for f in exercise.functions]
    check = next(i for i, s in enumerate(code) if "check_gradients(lambda_=0.0)" in s)
    assert max(definitions) < check < len(code) - 1  # functions, then the gradient check, then the grader
    assert f"'-m', 'grader', '{name}.ipynb'" in code[-1]
    # The .py holds the same cells.
    text = (starters / f"{name}.py").read_text()
    for source in code[:-1]:
        assert source.splitlines()[0].strip() in text


@pytest.mark.parametrize("name", SHIPPED)
def test_the_notebook_runs_top_to_bottom_but_the_last_cell(starters, name, capsys):
    notebook = nbformat.read(str(starters / f"{name}.ipynb"), as_version=4)
    namespace: dict = {}
    for cell in [c for c in notebook.cells if c.cell_type == "code"][:-1]:
        exec(compile(cell.source, f"{name}.ipynb", "exec"), namespace)
    assert "Both columns are all zeros: the cost and the gradient are not written yet." in capsys.readouterr().out


def test_ex5_reads_like_the_courses_notebook(starters):
    notebook = nbformat.read(str(starters / "ex5.ipynb"), as_version=4)
    text = "\n".join(c.source for c in notebook.cells)
    for words in ("Feedforward and Cost Function", "Regularized Gradient", "YOUR CODE HERE", "lambda_=0.0",
                  "Theta1 = np.reshape", "m = X.shape[0]", "def sigmoid(z)", "Gradient check", "central differences",
                  "--train", "Training Set Accuracy"):
        assert words in text, words


def test_starter_refuses_to_overwrite_and_names_bad_exercises(tmp_path):
    assert run_cli("starter", "ex5", "-o", str(tmp_path)).exit_code == 0
    (tmp_path / "ex5.py").write_text("# my work")
    result = run_cli("starter", "ex5", "-o", str(tmp_path))
    assert result.exit_code == 2 and "already exist" in result.output and "--force" in result.output
    assert (tmp_path / "ex5.py").read_text() == "# my work"
    assert run_cli("starter", "ex5", "-o", str(tmp_path), "--force").exit_code == 0
    assert "YOUR CODE HERE" in (tmp_path / "ex5.py").read_text()
    result = run_cli("starter", "ex99", "-o", str(tmp_path))
    assert result.exit_code == 2 and "unknown exercise" in result.output


def test_starter_from_an_instructors_folder(tmp_path, monkeypatch):
    mine = tmp_path / "course"
    mine.mkdir()
    (mine / "mynet.yaml").write_text((ROOT / "exercises" / "regression.yaml").read_text()
                                     .replace("id: regression", "id: mynet"))
    monkeypatch.setenv("GRADER_EXERCISES", str(mine))
    out = tmp_path / "out"
    assert run_cli("starter", "mynet", "-o", str(out)).exit_code == 0
    report, status = grade_json(out / "mynet.py")
    assert (report["exercise"], report["score"], status) == ("mynet", 0, 1)
    assert json.loads(json.dumps(report))["max_score"] == 100


def test_the_courses_name_is_listed_taken_in_any_case_and_names_the_starter(tmp_path):
    """Student review 4, F15: the course calls the assignment ex4, but the list of exercises left it out, `--exercise
    EX4` was unknown, and `grade starter ex4` wrote ex5.ipynb and ex5.py. Now the list names each exercise's other
    names, an exercise's name is found in any case, and the starter is named as asked (and grades as ex5)."""
    unknown = run_cli(str(ROOT / "solutions" / "ex5.py"), "--exercise", "nope")
    assert unknown.exit_code == 2 and "ex5 (also ex4, exercise4)" in unknown.output, unknown.output
    report, status = grade_json(ROOT / "solutions" / "ex5.py", "--exercise", "EX4")
    assert (report["exercise"], report["score"], status) == ("ex5", 100, 0)
    result = run_cli("starter", "ex4", "-o", str(tmp_path))
    assert result.exit_code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["ex4.ipynb", "ex4.py"]
    report, _ = grade_json(tmp_path / "ex4.py")
    assert report["exercise"] == "ex5" and report["score"] == 0
    assert "already exists" not in run_cli("starter", "ex4", "-o", str(tmp_path)).output  # two files: "exist"


def test_an_instructors_starter_finds_its_exercise_beside_it(tmp_path):
    """Author review 4, E12: the starter's last cell ran `grade tanh_net.py`, which cannot find an exercise that is
    not shipped unless the student sets GRADER_EXERCISES. It now passes --exercise with the spec kept beside the
    file, as the instructor hands them out together."""
    import os
    import shutil
    import subprocess
    import sys

    spec = tmp_path / "tanh_net.yaml"
    shutil.copy(ROOT / "docs" / "example" / "tanh_net.yaml", spec)
    student = tmp_path / "student"
    assert run_cli("starter", str(spec), "-o", str(student)).exit_code == 0
    shutil.copy(spec, student / "tanh_net.yaml")
    env = {k: v for k, v in os.environ.items() if k != "GRADER_EXERCISES"}
    done = subprocess.run([sys.executable, "tanh_net.py"], cwd=student, capture_output=True, text=True, env=env,
                          timeout=300)
    assert "A tanh Hidden Layer (tanh_net)" in done.stdout and "cannot tell the exercise" not in done.stdout, \
        done.stdout + done.stderr


def test_a_starter_asked_in_another_case_is_named_as_the_spec_writes_it(tmp_path):
    """Review 21, R15: `grade starter Ex5` wrote Ex5.ipynb, `EX4` EX4.ipynb: the names are the spec's."""
    for asked, stem in (("Ex5", "ex5"), ("EX4", "ex4")):
        folder = tmp_path / asked
        assert run_cli("starter", asked, "-o", str(folder)).exit_code == 0
        assert sorted(p.name for p in folder.iterdir()) == [f"{stem}.ipynb", f"{stem}.py"]
