"""`grade schema`: the JSON Schema made from spec.py's key tables accepts every shipped and test spec,
and never accepts a spec that `grade validate` rejects for its structure; `grade validate` reports
every error of a file."""

import copy
import json
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader import spec

from .conftest import ROOT, run_cli
from .test_spec import TEXT

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")  # installed by .[test]

SHIPPED = sorted((ROOT / "exercises").glob("*.yaml"))
TEST_SPECS = sorted([*(ROOT / "tests" / "specs").glob("*.yaml"), *(ROOT / "docs" / "example").glob("*.yaml")])


@pytest.fixture(scope="module")
def validator():
    result = run_cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(validator, text: str) -> list[str]:
    return [e.message for e in validator.iter_errors(yaml.safe_load(text))]


def test_the_shipped_schema_file_is_what_grade_schema_prints(tmp_path):
    written = tmp_path / "exercise.schema.json"
    assert run_cli("schema", "-o", str(written)).exit_code == 0
    assert written.read_text() == (ROOT / "exercises" / "exercise.schema.json").read_text() == run_cli("schema").output


@pytest.mark.parametrize("path", SHIPPED + TEST_SPECS, ids=lambda p: p.name)
def test_every_shipped_and_test_spec_is_valid_and_names_the_schema(validator, path):
    text = path.read_text()
    assert schema_errors(validator, text) == []
    assert text.splitlines()[0] == "# yaml-language-server: $schema=" + \
        ("exercise.schema.json" if path.parent.name == "exercises" else "../../exercises/exercise.schema.json")
    spec.load(path)  # and spec.py agrees


def test_there_are_test_specs():
    assert len(TEST_SPECS) >= 2


STRUCTURAL = [  # both must reject these: keys, kinds, bounds and vocabularies
    ("    points: 15\n", "    points: 15\n    weight: 3\n"),
    ("points: 15", "points: fifteen"),
    ("points: 15", "points: -15"),
    ("loss: cross_entropy", "loss: hinge"),
    ("unroll_order: row", "unroll_order: diagonal"),
    ("label_base: 0", "label_base: 2"),
    ("arguments: [z]", "arguments: [x]"),
    ("returns: [g]", "returns: [gprime]"),
    ("arguments: [z]", "arguments: [z, z]"),
    ("  sigmoid_gradient:\n", "  sigmoid-gradient:\n"),
    ("check: gradient", "check: hessian"),
    ("lambda: 1.5", "lambda: -1.5"),
    ("tolerance: 1.0e-4", "tolerance: 2"),
    ("id: ex5", "id: ex 5"),
    ("sizes: [2, 4, 4]", "sizes: [2, 0, 4]"),
    ("X: {sequence: sin,", "X: {sequence: tan,"),
    ("    title: Regularized Cost Function\n", ""),
    ("    activation: sigmoid\n", ""),
    ("    cases: [coursera_z, random_z]\n", ""),
    ("title: Neural Network Learning\n", "title: Neural Network Learning\naliases: ex4\n"),
    ("    points: 5\n", "    points: 5\n    coursera_part_id: 7\n"),
    ("    points: 5\n", "    points: 5\n    on_request: true\n"),
]


@pytest.mark.parametrize("old, new", STRUCTURAL)
def test_schema_and_validate_both_reject_structural_mistakes(validator, old, new):
    text = TEXT.replace(old, new, 1)
    assert text != TEXT
    assert schema_errors(validator, text), new
    with pytest.raises(spec.SpecError):
        spec.parse(text, "broken.yaml")


def test_new_keys_are_read_and_stored():
    text = re.sub(r"^aliases: .*\n", "", TEXT, flags=re.M)  # the shipped ex5 names its aliases already
    text = text.replace("title: Neural Network Learning\n",
                        "title: Neural Network Learning\naliases: [ex4]\nallowed_modules: [utils, scipy]\n")
    text = text.replace("    points: 5\n", "    points: 5\n    coursera_part_id: aAiP2\n")
    exercise = spec.parse(text, "x.yaml")
    assert exercise.aliases == ("ex4",) and exercise.allowed_modules == ("utils", "scipy")
    assert exercise.part("sigmoid_gradient").coursera_part_id == "aAiP2"
    assert exercise.part("cost").coursera_part_id is None
    plain = re.sub(r"^aliases: .*\n", "", TEXT, flags=re.M)
    assert spec.parse(plain, "y.yaml").aliases == () == spec.parse(plain, "y.yaml").allowed_modules


# Any mutation of ex5 that the schema rejects, spec.py rejects too (the schema never says "ok" wrongly
# is checked by the shipped and test specs above; this is the other direction).
BASE = yaml.safe_load(TEXT)
LEAVES = []


def _collect(node, prefix=()):
    LEAVES.append(prefix)
    if isinstance(node, dict):
        for key, value in node.items():
            _collect(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _collect(value, (*prefix, i))


_collect(BASE)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 20), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=6), st.sampled_from(["sigmoid", "row", "cost", "J", "z", "random_a"]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from([p for p in LEAVES if p]), value=SCALARS | st.lists(SCALARS, max_size=3))
def test_schema_rejection_implies_spec_rejection(validator, path, value):
    data = copy.deepcopy(BASE)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    text = yaml.safe_dump(data, sort_keys=False)
    if list(validator.iter_errors(data)):
        with pytest.raises(spec.SpecError):
            spec.parse(text, "mutated.yaml")


def test_validate_reports_every_error_of_a_file(tmp_path):
    text = TEXT.replace("loss: cross_entropy", "loss: hinge")
    text = text.replace("arguments: [z]", "arguments: [x]")
    text = text.replace("random: {seed: 17, examples: 9,", "random: {seed: 17, examples: nine,")
    text = text.replace("points: 40", "points: -40")
    text = text.replace("tolerance: 1.0e-4", "tolerance: 3")
    path = tmp_path / "many.yaml"
    path.write_text(text)
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("invalid:")]
    keys = ["network.loss", "functions.sigmoid_gradient.arguments[0]", "tolerance"]
    for key in keys:
        assert any(re.search(rf"{re.escape(str(path))}:\d+: {re.escape(key)}:", line) for line in lines), result.output
    # the cases and parts depend on the broken network, so they are not reported as a cascade
    assert len(lines) == 3, result.output
    numbers = [int(re.search(r"yaml:(\d+):", line).group(1)) for line in lines]
    assert numbers == sorted(numbers)


def test_validate_reports_errors_of_several_parts_and_cases(tmp_path):
    text = TEXT.replace("random: {seed: 17, examples: 9,", "random: {seed: 17, examples: nine,")
    text = text.replace("seed: 3, scale: 2.5", "seed: 3, scale: big")
    text = text.replace("points: 40", "points: -40").replace("points: 10", "points: ten")
    path = tmp_path / "many.yaml"
    path.write_text(text)
    result = run_cli("validate", str(path))
    lines = [line for line in result.output.splitlines() if line.startswith("invalid:")]
    assert result.exit_code == 2
    # the two cases are broken; parts cannot be checked against broken cases, so they wait
    assert [k for k in ("cases.random_b", "cases.random_z") if any(k in line for line in lines)] == \
        ["cases.random_b", "cases.random_z"], result.output
    fixed = text.replace("examples: nine,", "examples: 9,").replace("scale: big", "scale: 2.5")
    path.write_text(fixed)
    lines = [line for line in run_cli("validate", str(path)).output.splitlines() if line.startswith("invalid:")]
    assert len(lines) == 2 and "parts[3].points" in lines[0] and "parts[4].points" in lines[1], lines
