"""Tests of grader.spec: exercises/ex5.yaml loads into immutable objects, and every kind of broken
spec gives a SpecError naming the file, the line and the key path — never another exception.

Broken specs are made by editing the text of exercises/ex5.yaml; the expected line is found in the
edited text, so the tests do not depend on the file's exact layout.
"""

import copy
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader import spec
from grader.cases import build_all
from grader.spec import SpecError, load

EX5 = Path(__file__).resolve().parents[1] / "exercises" / "ex5.yaml"
TEXT = EX5.read_text(encoding="utf-8")


# ---- helpers ------------------------------------------------------------------------------------

def replace_nth(text: str, old: str, new: str, n: int = 1) -> str:
    """Replace the n-th occurrence (1-based) of old, which must exist."""
    start = -1
    for _ in range(n):
        start = text.index(old, start + 1)
    return text[:start] + new + text[start + len(old):]


def line_of(text: str, marker: str, n: int = 1) -> int:
    """1-based line number of the n-th occurrence of marker."""
    start = -1
    for _ in range(n):
        start = text.index(marker, start + 1)
    return text.count("\n", 0, start) + 1


def spec_error(tmp_path: Path, text: str, name: str = "broken.yaml") -> tuple[str, Path]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        spec.load(path)
    return str(info.value), path


def assert_located(message: str, path: Path, line: int | None, key: str | None):
    assert str(path) in message, message
    if line is not None:
        assert re.search(rf"{re.escape(str(path))}:{line}(?!\d)", message), message
    if key:
        assert re.search(rf"(?<![\w.\[\]]){re.escape(key)}(?![\w.\[])", message), message
    assert "Traceback" not in message


# ---- the valid spec -----------------------------------------------------------------------------

PARTS = [("cost", 30), ("regularized_cost", 15), ("sigmoid_gradient", 5), ("gradient", 40),
         ("regularized_gradient", 10)]


@pytest.fixture(scope="module")
def ex5():
    return spec.load(EX5)


def test_ex5_parts(ex5):
    assert [(p.id, p.points) for p in ex5.parts] == PARTS
    assert ex5.max_score == 100
    assert ex5.id == "ex5"
    assert ex5.path == str(EX5)
    by_id = {p.id: p for p in ex5.parts}
    assert by_id["cost"].lambda_ == 0.0 and by_id["regularized_cost"].lambda_ == 1.5
    assert by_id["gradient"].lambda_ == 0.0 and by_id["regularized_gradient"].lambda_ == 1.5
    assert by_id["cost"].check == "cost" and by_id["gradient"].check == "gradient"
    assert by_id["sigmoid_gradient"].check == "activation_gradient"
    assert by_id["sigmoid_gradient"].activation == "sigmoid"
    assert by_id["sigmoid_gradient"].function == "sigmoid_gradient"
    assert all(p.function == "nn_cost_function" for p in ex5.parts if p.id != "sigmoid_gradient")
    assert all("coursera" in p.cases for p in ex5.parts if p.id != "sigmoid_gradient")
    assert "coursera_z" in by_id["sigmoid_gradient"].cases


def test_ex5_conventions(ex5):
    net = ex5.network
    assert net.activations == ("sigmoid", "sigmoid")
    assert net.loss == "cross_entropy"
    assert (net.order, net.targets, net.label_base) == ("C", "labels", 0)
    assert ex5.tolerance == 1e-4
    nn = ex5.functions["nn_cost_function"]
    assert nn.arguments == ("nn_params", "input_layer_size", "hidden_layer_size", "num_labels", "X", "y",
                            "lambda_")
    assert nn.returns == ("J", "grad")
    assert nn.names == ("nn_cost_function", "nnCostFunction")
    assert ex5.functions["sigmoid_gradient"].names == ("sigmoid_gradient", "sigmoidGradient")
    assert ex5.cases["coursera"].sizes == (2, 4, 4) and ex5.cases["coursera"].examples == 16
    assert ex5.full_size is not None and ex5.full_size.sizes == (400, 25, 10)


def test_load_and_parse_agree(ex5):
    parsed = spec.parse(TEXT, str(EX5))
    assert parsed.parts == ex5.parts
    assert dict(parsed.cases) == dict(ex5.cases)
    assert dict(parsed.functions) == dict(ex5.functions)
    assert parsed.network == ex5.network


def test_ex5_is_immutable(ex5):
    with pytest.raises(AttributeError):
        ex5.id = "other"
    with pytest.raises(AttributeError):
        ex5.parts[0].points = 100
    with pytest.raises(AttributeError):
        ex5.network.loss = "squared_error"
    with pytest.raises(AttributeError):
        ex5.cases["coursera"].examples = 3
    with pytest.raises(AttributeError):
        ex5.functions["nn_cost_function"].returns = ("J",)
    with pytest.raises(TypeError):
        ex5.functions["extra"] = ex5.functions["sigmoid_gradient"]
    with pytest.raises(TypeError):
        ex5.cases["coursera"] = None
    with pytest.raises(TypeError):
        ex5.parts[0] = None  # a tuple
    with pytest.raises(AttributeError):
        ex5.parts[0].cases.append("x")
    assert isinstance(ex5.cases["coursera"].y.literal, tuple)


def test_loaded_twice_gives_equal_objects(ex5):
    again = spec.load(EX5)
    assert again.parts == ex5.parts and again is not ex5


# ---- broken specs: file, line and key path -------------------------------------------------------

def _unknown_key(t):
    t = replace_nth(t, "    points: 15\n", "    points: 15\n    weight: 3\n")
    return t, line_of(t, "weight: 3"), "parts[1].weight", ["unknown key"]


def _unknown_top_key(t):
    t = t + "extra: 1\n"
    return t, line_of(t, "extra: 1"), "extra", ["unknown key"]


def _missing_key(t):
    t = t.replace("    title: Regularized Cost Function\n", "")
    return t, line_of(t, "id: regularized_cost"), "parts[1]", ["missing", "title"]


def _missing_top_key(t):
    t = t.replace("title: Neural Network Learning\n", "")
    return t, line_of(t, "id: ex5"), None, ["missing", "title"]


def _wrong_type_points(t):
    t = t.replace("points: 15", "points: fifteen")
    return t, line_of(t, "points: fifteen"), "parts[1].points", ["whole number"]


def _float_points(t):
    t = t.replace("points: 15", "points: 15.5")
    return t, line_of(t, "points: 15.5"), "parts[1].points", ["whole number"]


def _wrong_type_scalar_for_list(t):
    t = t.replace("activations: [sigmoid, sigmoid]", "activations: sigmoid")
    return t, line_of(t, "activations: sigmoid"), "network.activations", ["list"]


def _wrong_type_sizes(t):
    t = t.replace("sizes: [2, 4, 4]", "sizes: two-four-four")
    return t, line_of(t, "sizes: two-four-four"), "cases.coursera.sizes", ["list"]


def _wrong_type_lambda(t):
    t = t.replace("lambda: 1.5", "lambda: [1.5]", 1)
    return t, line_of(t, "lambda: [1.5]"), "parts[1].lambda", ["number"]


def _wrong_type_list_for_mapping(t):
    start, end = t.index("conventions:\n"), t.index("functions:\n")
    t = t[:start] + "conventions:\n  - row\n  - labels\n" + t[end:]
    return t, line_of(t, "  - row"), "conventions", ["mapping"]


def _unknown_activation(t):
    t = t.replace("activations: [sigmoid, sigmoid]", "activations: [sigmoid, sigmoidal]")
    return t, line_of(t, "activations:"), "network.activations[1]", ["sigmoidal"]


def _unknown_loss(t):
    t = t.replace("loss: cross_entropy", "loss: hinge")
    return t, line_of(t, "loss: hinge"), "network.loss", ["hinge"]


def _relu_output_with_cross_entropy(t):
    t = t.replace("activations: [sigmoid, sigmoid]", "activations: [sigmoid, relu]")
    return t, line_of(t, "loss: cross_entropy"), "network.loss", ["relu"]


def _tanh_output_with_categorical(t):
    t = t.replace("activations: [sigmoid, sigmoid]", "activations: [sigmoid, tanh]")
    t = t.replace("loss: cross_entropy", "loss: categorical_cross_entropy")
    return t, line_of(t, "loss: categorical_cross_entropy"), "network.loss", ["tanh"]


def _softmax_hidden(t):
    t = t.replace("activations: [sigmoid, sigmoid]", "activations: [softmax, sigmoid]")
    return t, line_of(t, "activations:"), "network.activations[0]", ["softmax"]


def _unknown_convention_value(t):
    t = t.replace("unroll_order: row", "unroll_order: diagonal")
    return t, line_of(t, "unroll_order: diagonal"), "conventions.unroll_order", ["diagonal"]


def _label_base_two(t):
    t = t.replace("label_base: 0", "label_base: 2")
    return t, line_of(t, "label_base: 2"), "conventions.label_base", []


def _duplicate_part_id(t):
    t = t.replace("id: regularized_cost", "id: cost")
    return t, line_of(t, "- id: cost", 2), "parts[1].id", ["cost"]


def _negative_points(t):
    t = t.replace("points: 15", "points: -15")
    return t, line_of(t, "points: -15"), "parts[1].points", ["-15"]


def _argument_outside_vocabulary(t):
    t = t.replace("arguments: [z]", "arguments: [x]")
    return t, line_of(t, "arguments: [x]"), "functions.sigmoid_gradient.arguments[0]", ["'x'"]


def _return_outside_vocabulary(t):
    t = t.replace("returns: [g]", "returns: [gprime]")
    return t, line_of(t, "returns: [gprime]"), "functions.sigmoid_gradient.returns[0]", ["gprime"]


def _duplicate_argument(t):
    t = t.replace("arguments: [z]", "arguments: [z, z]")
    return t, line_of(t, "arguments: [z, z]"), "functions.sigmoid_gradient.arguments[1]", ["twice"]


def _function_not_identifier(t):
    t = t.replace("  sigmoid_gradient:\n", "  sigmoid-gradient:\n")
    return t, line_of(t, "sigmoid-gradient:"), "functions.sigmoid-gradient", ["identifier"]


def _function_named_like_a_keyword(t):
    """Author review 4, E6: `def lambda(z):` is a SyntaxError, the starter file's too."""
    t = t.replace("  sigmoid_gradient:\n", "  lambda:\n")
    return t, line_of(t, "lambda:"), "functions.lambda", ["keyword"]


def _alias_like_a_keyword(t):
    t = t.replace("aliases: [sigmoidGradient]", "aliases: [sigmoidGradient, def]")
    return t, line_of(t, "aliases: [sigmoidGradient, def]"), "functions.sigmoid_gradient.aliases[1]", ["keyword"]


def _exponent_without_a_dot(t):
    """Author review 4, E13: YAML 1.1 reads 1e-4 as text; the error says to write 1.0e-4."""
    t = t.replace("tolerance: 1.0e-4", "tolerance: 1e-4")
    return t, line_of(t, "tolerance: 1e-4"), "tolerance", ["YAML reads 1e-4 as text: write it as 1.0e-4"]


def _tab_indent(t):
    """Author review 4, E14: a tab in the indentation; the error now says it is one."""
    t = t.replace("\n  activations: [sigmoid, sigmoid]", "\n\tactivations: [sigmoid, sigmoid]")
    return t, line_of(t, "\tactivations:"), "", ["a tab: YAML indents with spaces only"]


def _exponent_without_a_sign(t):
    """Review 21, R6: 1.0e2 (no sign) is text to YAML 1.1 as well; the hint says 1.0e+2."""
    t = t.replace("tolerance: 1.0e-4", "tolerance: 1.0e2")
    return t, line_of(t, "tolerance: 1.0e2"), "tolerance", ["YAML reads 1.0e2 as text: write it as 1.0e+2"]


def _duplicate_yaml_key(t):
    t = t + "id: again\n"
    return t, line_of(t, "id: again"), "id", ["twice"]


def _duplicate_nested_yaml_key(t):
    t = t.replace("    points: 5\n", "    points: 5\n    points: 6\n")
    return t, line_of(t, "points: 6"), "parts[2].points", ["twice"]


def _labels_miss_one(t):
    t = t.replace("y: [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]",
                  "y: [1, 2, 3, 1, 1, 2, 3, 1, 1, 2, 3, 1, 1, 2, 3, 1]")
    return t, line_of(t, "y: [1, 2, 3, 1"), "cases.coursera.y", ["missing", "[0]"]


def _label_out_of_range(t):
    t = t.replace("y: [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]",
                  "y: [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4]")
    return t, line_of(t, "y: [1, 2, 3, 0"), "cases.coursera.y", ["[4]"]


def _float_labels(t):
    t = t.replace("y: [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]",
                  "y: [1.0, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]")
    return t, line_of(t, "y: [1.0"), "cases.coursera.y", ["whole numbers"]


def _too_few_labels(t):
    t = t.replace("y: [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]", "y: [1, 2, 3, 0]")
    return t, line_of(t, "y: [1, 2, 3, 0]"), "cases.coursera.y", ["[16]", "[4]"]


def _sizes_do_not_match_depth(t):
    t = t.replace("sizes: [2, 4, 4]", "sizes: [2, 4]")
    return t, line_of(t, "sizes: [2, 4]"), "cases.coursera.sizes", ["3 layer sizes"]


def _zero_units(t):
    t = t.replace("sizes: [2, 4, 4]", "sizes: [2, 0, 4]")
    return t, line_of(t, "sizes: [2, 0, 4]"), "cases.coursera.sizes[1]", []


def _theta_shape_mismatch(t):
    t = t.replace("- {sequence: cos, start: 1, step: 2, order: column}",
                  "- {sequence: cos, start: 1, step: 2, order: column, shape: [5, 4]}")
    return t, line_of(t, "shape: [5, 4]"), "cases.coursera.thetas[1].shape", ["[4, 5]"]


def _unknown_sequence(t):
    t = t.replace("X: {sequence: sin,", "X: {sequence: tan,")
    return t, line_of(t, "X: {sequence: tan"), "cases.coursera.X.sequence", ["tan"]


def _random_case_too_few_examples(t):
    t = t.replace("random: {seed: 5, examples: 7,", "random: {seed: 5, examples: 2,")
    return t, line_of(t, "examples: 2,"), "cases.random_a.random.examples", ["every label"]


def _z_without_shape(t):
    t = t.replace("z: {random: normal, seed: 3, scale: 2.5, shape: [4, 6]}", "z: {random: normal, seed: 3}")
    return t, line_of(t, "z: {random: normal, seed: 3}"), "cases.random_z.z", ["shape"]


def _unknown_case(t):
    t = replace_nth(t, "cases: [coursera, random_a, random_b]", "cases: [coursera, random_a, random_c]")
    return t, line_of(t, "random_c"), "parts[0].cases[2]", ["random_c"]


def _case_of_the_wrong_kind(t):
    t = t.replace("cases: [coursera_z, random_z]", "cases: [coursera_z, random_a]")
    return t, line_of(t, "cases: [coursera_z, random_a]"), "parts[2].cases[1]", ["random_a"]


def _unknown_function(t):
    t = replace_nth(t, "function: nn_cost_function", "function: nn_cost", 3)
    return t, line_of(t, "function: nn_cost\n"), "parts[3].function", ["nn_cost"]


def _check_function_without_needed_return(t):
    t = t.replace("returns: [J, grad]", "returns: [J]")
    return t, line_of(t, "check: gradient"), "parts[3].check", ["grad"]


def _check_reads_what_function_cannot_return(t):
    t = t.replace("check: activation_gradient", "check: cost")
    return t, line_of(t, "check: cost", 3), "parts[2].check", ["J"]


def _check_function_without_needed_argument(t):
    t = t.replace("hidden_layer_size, num_labels, X, y, lambda_]", "hidden_layer_size, num_labels, y, lambda_]")
    return t, line_of(t, "function: nn_cost_function"), "parts[0].function", ["'X'"]


def _unknown_check(t):
    t = t.replace("check: gradient", "check: hessian", 1)
    return t, line_of(t, "check: hessian"), "parts[3].check", ["hessian"]


def _activation_without_elementwise_gradient(t):
    t = t.replace("activation: sigmoid", "activation: softmax")
    return t, line_of(t, "activation: softmax"), "parts[2].activation", ["softmax"]


def _lambda_without_lambda_argument(t):
    t = t.replace("    activation: sigmoid\n", "    activation: sigmoid\n    lambda: 1\n")
    return t, line_of(t, "lambda: 1\n"), "parts[2].lambda", ["lambda_"]


def _negative_lambda(t):
    t = t.replace("lambda: 1.5", "lambda: -1.5", 1)
    return t, line_of(t, "lambda: -1.5"), "parts[1].lambda", []


def _no_parts(t):
    t = t[:t.index("parts:")] + "parts: []\ntolerance: 1.0e-6\n"
    return t, line_of(t, "parts: []"), "parts", []


def _tolerance_too_big(t):
    t = t.replace("tolerance: 1.0e-4", "tolerance: 2")
    return t, line_of(t, "tolerance: 2"), "tolerance", []


def _hidden_layer_size_with_two_hidden_layers(t):
    t = t.replace("activations: [sigmoid, sigmoid]", "activations: [sigmoid, sigmoid, sigmoid]")
    t = t.replace("sizes: [400, 25, 10]", "sizes: [400, 25, 25, 10]")
    return t, line_of(t, "arguments: [nn_params"), "functions.nn_cost_function.arguments", ["hidden_layer_size"]


BROKEN = [
    _unknown_key, _unknown_top_key, _missing_key, _missing_top_key, _wrong_type_points, _float_points,
    _wrong_type_scalar_for_list, _wrong_type_sizes, _wrong_type_lambda, _wrong_type_list_for_mapping,
    _unknown_activation, _unknown_loss, _relu_output_with_cross_entropy, _tanh_output_with_categorical,
    _softmax_hidden, _unknown_convention_value, _label_base_two, _duplicate_part_id, _negative_points,
    _argument_outside_vocabulary, _return_outside_vocabulary, _duplicate_argument, _function_not_identifier,
    _function_named_like_a_keyword, _alias_like_a_keyword, _exponent_without_a_dot, _tab_indent,
    _exponent_without_a_sign,
    _duplicate_yaml_key, _duplicate_nested_yaml_key, _labels_miss_one, _label_out_of_range, _float_labels,
    _too_few_labels, _sizes_do_not_match_depth, _zero_units, _theta_shape_mismatch, _unknown_sequence,
    _random_case_too_few_examples, _z_without_shape, _unknown_case, _case_of_the_wrong_kind, _unknown_function,
    _check_function_without_needed_return, _check_reads_what_function_cannot_return,
    _check_function_without_needed_argument, _unknown_check, _activation_without_elementwise_gradient,
    _lambda_without_lambda_argument, _negative_lambda, _no_parts, _tolerance_too_big,
    _hidden_layer_size_with_two_hidden_layers,
]


@pytest.mark.parametrize("breaker", BROKEN, ids=[b.__name__.strip("_") for b in BROKEN])
def test_broken_spec_names_file_line_and_key(tmp_path, breaker):
    text, line, key, words = breaker(TEXT)
    assert text != TEXT  # the edit happened
    message, path = spec_error(tmp_path, text)
    assert_located(message, path, line, key)
    for word in words:
        assert word in message, message


def test_parse_names_the_given_file():
    with pytest.raises(SpecError) as info:
        spec.parse(TEXT.replace("points: 15", "points: -15"), "somewhere/ex9.yaml")
    assert str(info.value).startswith(f"somewhere/ex9.yaml:{line_of(TEXT, 'points: 15')}:")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path, text):
    message, path = spec_error(tmp_path, text, "empty.yaml")
    assert_located(message, path, None, None)
    assert "empty" in message


def test_not_yaml(tmp_path):
    text = TEXT.replace("title: Neural Network Learning", "title: Neural: Network: Learning")
    message, path = spec_error(tmp_path, text, "bad.yaml")
    assert_located(message, path, line_of(text, "title: Neural:"), None)
    assert "YAML" in message


def test_unclosed_bracket(tmp_path):
    text = TEXT.replace("activations: [sigmoid, sigmoid]", "activations: [sigmoid, sigmoid")
    message, path = spec_error(tmp_path, text, "bad.yaml")
    assert_located(message, path, None, None)
    assert re.search(rf"{re.escape(str(path))}:\d+", message)
    assert "YAML" in message


@pytest.mark.parametrize("top", [[1, 2], "just a sentence", 42])
def test_wrong_shape_at_top_level(tmp_path, top):
    value = [yaml.safe_load(TEXT)] if top == [1, 2] else top
    message, path = spec_error(tmp_path, yaml.safe_dump(value), "shape.yaml")
    assert_located(message, path, 1, None)
    assert "expected a mapping" in message


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(TEXT.replace("Learning", "Lérning").encode("latin-1"))
    with pytest.raises(SpecError) as info:
        spec.load(path)
    assert str(path) in str(info.value) and "UTF-8" in str(info.value)


def test_missing_file_and_folder(tmp_path):
    for path in (tmp_path / "nope.yaml", tmp_path):
        with pytest.raises(SpecError) as info:
            spec.load(path)
        assert str(path) in str(info.value)


# ---- values YAML itself can produce (tags, timestamps, huge numbers) ------------------------------

TRICKY_SCALARS = [
    "2001-13-45",  # looks like a date, is not one
    "2001-02-30 10:00:00",
    "!!int abc",
    "!!float abc",
    "!!bool maybe",
    "!!timestamp x",
    "1" + "0" * 400,  # an int too large for a float
    "-1" + "0" * 400,
    "1e400",
    ".nan",
    "~",
    "&a [*a]",
    "*undefined",
    '!!binary "@@"',
    "!!python/name:os.system",
    "!!set {a}",
    "[" * 500 + "]" * 500,
    "{a: 1, a: 2}",
    "2001-01-01",
    "yes",
]
PLACES = ["title: Neural Network Learning", "points: 15", "lambda: 1.5", "seed: 5", "step: 2", "scale: 0.2"]


@pytest.mark.parametrize("scalar", TRICKY_SCALARS, ids=lambda s: s[:20])
def test_tricky_yaml_values_give_spec_errors(scalar):
    """Wherever a value is read (text, whole number, number), YAML's own constructors may fail with
    ValueError, KeyError, AttributeError or OverflowError; parse must turn each into a SpecError."""
    other = {}
    for place in PLACES:
        key = place.split(":")[0]
        text = TEXT.replace(place, f"{key}: {scalar}", 1)
        try:
            spec.parse(text, "tricky.yaml")
        except SpecError as error:
            assert str(error).startswith(f"tricky.yaml:{line_of(TEXT, place)}:")
        except Exception as error:  # the point of the test: nothing but SpecError
            other[key] = f"{type(error).__name__}: {error}"
    assert not other, other


# ---- literal arrays: what parse accepts, cases must be able to build -----------------------------

def _literal(values):
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def test_flat_literal_accepted_for_a_matrix_builds_that_matrix():
    """_check_literal accepts a flat list of rows·cols numbers where a matrix is expected; then the
    built array must have the matrix's shape (row-major), not stay flat."""
    X = np.sin(np.arange(1, 33)).reshape(16, 2, order="F") / 5
    text = TEXT.replace("X: {sequence: sin, start: 1, step: 1, scale: 0.2, order: column}",
                        "X: " + _literal(X.ravel()))
    exercise = spec.parse(text, "flat.yaml")
    case = build_all(exercise)["coursera"]
    assert case.X.shape == (16, 2)
    np.testing.assert_array_equal(case.X, X)


def test_ragged_literal_is_rejected():
    """Like [[1, 2], [3, [4]]]: as many numbers as a 16×2 matrix holds, but one row is [0.5, [0.25]],
    so numpy cannot build it; parse must say so rather than accept it."""
    text = TEXT.replace("X: {sequence: sin, start: 1, step: 1, scale: 0.2, order: column}",
                        "X: [" + ", ".join(["[0.5, 0.25]"] * 15) + ", [0.5, [0.25]]]")
    with pytest.raises(SpecError) as info:
        spec.parse(text, "ragged.yaml")
    assert_located(str(info.value), Path("ragged.yaml"), line_of(text, "X: [["), "cases.coursera.X")


def test_literal_matrix_builds_row_major():
    rows = [[0.1 * (2 * i + j) for j in range(2)] for i in range(16)]
    text = TEXT.replace("X: {sequence: sin, start: 1, step: 1, scale: 0.2, order: column}",
                        "X: " + str(rows))
    case = build_all(spec.parse(text, "rows.yaml"))["coursera"]
    np.testing.assert_array_equal(case.X, np.array(rows))


# ---- hypothesis: any wrong-typed leaf or subtree gives a SpecError or a valid exercise ------------

BASE = yaml.safe_load(TEXT)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _get(node, path):
    for step in path:
        node = node[step]
    return node


PATHS = list(_paths(BASE))
SUBTREES = [copy.deepcopy(_get(BASE, p)) for p in PATHS]
LEAVES = [p for p in PATHS if not isinstance(_get(BASE, p), dict | list)]
WORDS = ["sigmoid", "softmax", "relu", "cost", "coursera", "random_z", "J", "z", "row", "seed", "sizes"]
SCALARS = [st.none(), st.booleans(), st.integers(), st.integers(-3, 20), st.just(10**400), st.just(-(10**400)),
           st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12), st.sampled_from(WORDS)]
containers = st.recursive(st.one_of(*SCALARS), lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=8) | st.sampled_from(WORDS), inner, max_size=4),
                          max_leaves=10)
# every kind of value equally likely: each scalar type, random containers, and pieces of the valid spec
values = st.one_of(*SCALARS, containers, st.sampled_from(SUBTREES))


def _mutated(path, value):
    data = copy.deepcopy(BASE)
    if not path:
        return value
    parent = _get(data, path[:-1])
    parent[path[-1]] = value
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(LEAVES) | st.sampled_from(PATHS), value=values)
def test_any_replaced_value_gives_spec_error_or_exercise(path, value):
    text = yaml.safe_dump(_mutated(path, value), sort_keys=False, allow_unicode=True)
    try:
        result = spec.parse(text, "mutated.yaml")
    except SpecError as error:
        assert str(error).startswith("mutated.yaml")
    else:
        assert isinstance(result, spec.Exercise)


@settings(max_examples=60, deadline=None)
@given(path=st.sampled_from([p for p in PATHS if p and isinstance(_get(BASE, p[:-1]), dict)]),
       extra=st.booleans())
def test_removed_or_added_key_gives_spec_error_or_exercise(path, extra):
    data = copy.deepcopy(BASE)
    parent = _get(data, path[:-1])
    if extra:
        parent[f"{path[-1]}_extra"] = parent[path[-1]]
    else:
        del parent[path[-1]]
    try:
        spec.parse(yaml.safe_dump(data, sort_keys=False), "mutated.yaml")
    except SpecError as error:
        assert str(error).startswith("mutated.yaml")
    if extra and path[:-1] not in (("functions",), ("cases",)):  # only names take any suffix
        with pytest.raises(SpecError, match="unknown key"):
            spec.parse(yaml.safe_dump(data, sort_keys=False), "mutated.yaml")


def test_alias_clash_weird_id_and_huge_sizes_are_rejected(tmp_path):
    text = EX5.read_text()
    cases = [
        (text.replace("aliases: [sigmoidGradient]", "aliases: [nnCostFunction]"),
         "functions.sigmoid_gradient.aliases[0]", "already a name of nn_cost_function"),
        (text.replace("id: ex5", "id: ex 5/../x"), "id", "letters, digits"),
        (text.replace("sizes: [3, 5, 4]", "sizes: [30000, 50000, 4]"), "cases.random_a.random.sizes", "weights"),
    ]
    for broken, key, words in cases:
        path = tmp_path / "broken.yaml"
        path.write_text(broken)
        with pytest.raises(SpecError) as error:
            load(path)
        assert key in str(error.value) and words in str(error.value)


def test_alias_bombs_z_shapes_and_unfit_arguments_are_rejected_quickly(tmp_path):
    import time

    text = EX5.read_text()
    bomb = "&a0 [" + ", ".join(["0.5"] * 10) + "]"
    for i in range(1, 9):  # 10^9 numbers from a few hundred bytes of anchors and aliases
        bomb = f"&a{i} [{bomb}" + f", *a{i - 1}" * 9 + "]"
    cases = [
        (text.replace("z: {sequence: sin, start: 1, step: 1, scale: 3, order: column, shape: [3, 10]}",
                      f"z: {bomb}"), "has more than"),
        (text.replace("z: {random: normal, seed: 3, scale: 2.5, shape: [4, 6]}", "z: [0.5, 1.0]"),
         "non-empty 2-D array"),
        (text.replace("    arguments: [z]", "    arguments: [z, num_labels]"), "also takes num_labels"),
    ]
    for broken, words in cases:
        path = tmp_path / "broken.yaml"
        path.write_text(broken)
        start = time.monotonic()
        with pytest.raises(SpecError) as error:
            load(path)
        assert words in str(error.value) and time.monotonic() - start < 5


def test_a_fifo_is_refused_not_read(tmp_path):
    import os

    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="cannot be read"):
        load(fifo)


@pytest.mark.parametrize("column", ["score", "student"])
def test_a_part_id_that_is_a_column_of_the_gradebook_export_is_refused(tmp_path, column):
    """Staff review 2, S13: a part called `score` or `student` gave the gradebook's CSV two columns of one name;
    `grade validate` accepted it. Now it names the key and the line."""
    from .conftest import ROOT, run_cli

    text = (ROOT / "exercises" / "ex5.yaml").read_text().replace("- id: cost\n", f"- id: {column}\n", 1)
    path = tmp_path / "ex5_cols.yaml"
    path.write_text(text)
    result = run_cli("validate", str(path))
    assert result.exit_code == 2
    assert f"parts[0].id: '{column}' is a column of the gradebook's CSV export already" in result.output
    assert_located(result.output, path, line_of(text, f"- id: {column}"), "parts[0].id")


def test_the_tab_hint_is_only_for_a_tab_in_the_indentation(tmp_path):
    """Review 21, R11: a tab inside a value (the error elsewhere on its line) got "a tab: YAML indents with spaces
    only"."""
    text = TEXT.replace("title: Neural Network Learning", "title: Neural\tNetwork: Learning", 1)
    assert text != TEXT
    message, _ = spec_error(tmp_path, text)
    assert "is not valid YAML" in message and "a tab" not in message, message
