"""Every secret separates: a secret's draw that saturates or hides a mistake is drawn again, deterministically.

The secrets below are ones whose first draw failed before re-draws existed (benchmarks/bench_secret_audit.py
names them): "nn-grader audit seed 6" let ex5_mse's cost_regularization_precedence hide
labels_off_by_one; "nn-grader audit seed 1" saturated deep_relu's random_c.
"""

import json

from grader import locate
from grader import secret as secrets
from grader.cases import build_all
from grader.separation import problem
from grader.spec import load

from .test_platforms import SECRET, run_cli_env


def secret_file(tmp_path, text: str):
    path = tmp_path / "secret"
    path.write_text(text + "\n")
    return str(path)


def test_a_secret_whose_first_draw_hid_a_mistake_passes_the_audit(tmp_path):
    result = run_cli_env(None, "audit", "ex5_mse", "--format", "json",
                         "--secret-file", secret_file(tmp_path, "nn-grader audit seed 6"))
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["ok"], [m for m in data["mistakes"] if not m["ok"]]
    precedence = next(m for m in data["mistakes"] if m["id"] == "cost_regularization_precedence")
    assert precedence["distance"] > 1e-4


def test_the_check_names_what_was_wrong_with_the_first_draw():
    exercise = load(locate.shipped()["ex5_mse"])
    first = secrets._secret_case  # draw 0, as every secret was drawn before re-draws
    cases = {name: first(case, b"nn-grader audit seed 6", exercise.id) for name, case in exercise.cases.items()}
    from dataclasses import replace
    from types import MappingProxyType

    drawn = replace(exercise, cases=MappingProxyType(cases))
    assert problem(drawn, build_all(drawn), secrets.secret_cases(exercise)) == \
        "part regularized_cost: cost_regularization_precedence looks like cost_regularization_precedence + " \
        "labels_off_by_one"
    # Pinned: a change to the check that picks another draw changes the cases of a course's secret.
    kept = secrets.with_secret(exercise, b"nn-grader audit seed 6")
    assert kept.cases["random_a"].random_seed == secrets.derive_seed(b"nn-grader audit seed 6", "ex5_mse/random_a#1")
    assert not problem(kept, build_all(kept), secrets.secret_cases(exercise))


def test_a_secret_whose_first_draw_saturated_is_gradable_and_shows_the_same_cases_every_time(tmp_path):
    path = secret_file(tmp_path, "nn-grader audit seed 1")
    shown = [run_cli_env(None, "inspect", "deep_relu", "--format", "json", "--secret-file", path) for _ in range(2)]
    assert shown[0].exit_code == 0, shown[0].output
    assert shown[0].stdout == shown[1].stdout
    by_env = run_cli_env({"GRADER_SECRET": "nn-grader audit seed 1"}, "inspect", "deep_relu", "--format", "json")
    assert by_env.stdout == shown[0].stdout
    public = json.loads(run_cli_env(None, "inspect", "deep_relu", "--format", "json").stdout)
    seeded = json.loads(shown[0].stdout)
    assert seeded["parts"][0]["cases"] != public["parts"][0]["cases"]


def test_a_secret_whose_first_draw_was_good_keeps_its_cases():
    """Courses graded before re-draws existed see the very cases they saw then."""
    exercise = load(locate.shipped()["ex5"])
    seeded = secrets.with_secret(exercise, SECRET.encode())
    assert seeded.cases["random_a"].random_seed == secrets.derive_seed(SECRET.encode(), "ex5/random_a")
    assert seeded.cases["random_z"].z.seed == secrets.derive_seed(SECRET.encode(), "ex5/random_z/z")
    assert seeded.cases["coursera"] == exercise.cases["coursera"]
