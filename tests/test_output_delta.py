"""The output delta of pairs whose loss does not cancel f′(z(L)), through `grade FILE -e spec.yaml` (author review
4, E3): the course's δ(L) = a(L) − y, ∂J/∂a alone, softmax's derivative taken elementwise and the wrong sign are
each named, with an explanation written for the exercise's own activation and loss; a right solution is not."""

import pytest

from .conftest import grade_json, run_cli

SPEC = """\
id: {name}
title: Output delta
network:
  activations: [{hidden}, {output}]
  loss: {loss}
functions:
  nn_cost_function:
    arguments: [nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_]
    returns: [J, grad]
cases:
  ra: {{random: {{seed: 3, examples: 7, sizes: [3, 5, 4], weight_scale: 0.7}}}}
  rb: {{random: {{seed: 13, examples: 9, sizes: [4, 3, 5], weight_scale: 0.7}}}}
  rc: {{random: {{seed: 37, examples: 11, sizes: [2, 6, 3], weight_scale: 0.7}}}}
parts:
  - {{id: cost, title: Cost, points: 20, function: nn_cost_function, check: cost, lambda: 0, cases: [ra, rb, rc]}}
  - {{id: regularized_cost, title: Reg Cost, points: 10, function: nn_cost_function, check: cost, lambda: 1.5,
     cases: [ra, rb, rc]}}
  - {{id: gradient, title: Gradient, points: 50, function: nn_cost_function, check: gradient, lambda: 0,
     cases: [ra, rb, rc]}}
  - {{id: regularized_gradient, title: Reg Gradient, points: 20, function: nn_cost_function, check: gradient,
     lambda: 0.7, cases: [ra, rb, rc]}}
tolerance: 1.0e-4
"""

# A student's backpropagation for any of the pairs, with the output delta written as `{delta}`.
STUDENT = """\
import numpy as np

F = {{"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}}
DF = {{"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a * a, "relu": lambda a: (a > 0) * 1.0}}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = np.eye(num_labels)[y]
    a1 = np.hstack([np.ones((m, 1)), X])
    a2 = np.hstack([np.ones((m, 1)), F["{hidden}"](a1 @ Theta1.T)])
    a = softmax(a2 @ Theta2.T) if "{output}" == "softmax" else F["{output}"](a2 @ Theta2.T)
    if "{loss}" == "cross_entropy":
        J, dJda = -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / m, (a - Y) / (a * (1 - a))
    elif "{loss}" == "categorical_cross_entropy":
        J, dJda = -np.sum(Y * np.log(a)) / m, -Y / a
    else:
        J, dJda = 0.5 * np.sum((a - Y) ** 2) / m, a - Y
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    if "{output}" == "softmax":
        right = a * (dJda - np.sum(dJda * a, axis=1, keepdims=True))
    else:
        right = dJda * DF["{output}"](a)
    delta3 = {delta}
    delta2 = (delta3 @ Theta2)[:, 1:] * DF["{hidden}"](a2[:, 1:])
    grad1 = delta2.T @ a1 / m
    grad2 = delta3.T @ a2 / m
    grad1[:, 1:] += lambda_ / m * Theta1[:, 1:]
    grad2[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([grad1.ravel(), grad2.ravel()])
"""

PAIRS = {  # name: (hidden, output, loss)
    "relu_sigmoid_cce": ("relu", "sigmoid", "categorical_cross_entropy"),
    "tanh_softmax_bce": ("tanh", "softmax", "cross_entropy"),
    "sigmoid_softmax_mse": ("sigmoid", "softmax", "squared_error"),
}
DELTAS = {  # what the student wrote for δ(L)
    "right": "right",
    "cancelled": "a - Y",  # the course's δ(L), right only where the loss cancels f′
    "dJda": "dJda",  # ∂J/∂a, the chain rule stopped at the output a
    "diagonal": "dJda * a * (1 - a)",  # softmax's Jacobian as its diagonal, as if softmax were a sigmoid
    "sign": "-right",
}


def _grade(tmp_path, pair: str, delta: str) -> tuple[dict, int]:
    hidden, output, loss = PAIRS[pair]
    spec = tmp_path / f"{pair}.yaml"
    spec.write_text(SPEC.format(name=pair, hidden=hidden, output=output, loss=loss))
    student = tmp_path / f"{pair}_{delta}.py"
    student.write_text(STUDENT.format(hidden=hidden, output=output, loss=loss, delta=DELTAS[delta]))
    return grade_json(student, "-e", str(spec))


def _gradient_mistakes(report: dict) -> list[dict]:
    """The gradient part's mistakes, which the regularized gradient's name too."""
    parts = {p["id"]: p for p in report["parts"]}
    gradient, regularized = parts["gradient"], parts["regularized_gradient"]
    assert [m["id"] for m in gradient["mistakes"]] == [m["id"] for m in regularized["mistakes"]], report
    return gradient["mistakes"]


@pytest.mark.parametrize("pair", PAIRS)
def test_a_right_output_delta_gets_full_marks_and_no_mistake(tmp_path, pair):
    report, code = _grade(tmp_path, pair, "right")
    assert (report["score"], code) == (100, 0), report
    assert all(p["mistakes"] == [] for p in report["parts"])


def test_the_cancelled_delta_with_sigmoid_and_categorical_cross_entropy_is_named(tmp_path):
    report, code = _grade(tmp_path, "relu_sigmoid_cce", "cancelled")
    [mistake] = _gradient_mistakes(report)
    assert (mistake["id"], report["score"], code) == ("cancelled_output_delta", 30, 1), report
    text = mistake["explanation"]
    assert "a sigmoid output and the categorical cross-entropy cost" in text, text
    assert "∂J/∂a = −y / a" in text and "δ(L) = ∂J/∂a ⊙ f′(z(L)) = (−y / a) ⊙ a·(1 − a) = −y ⊙ (1 − a)" in text, text
    assert "sigmoid with the cross-entropy" in text, text  # where a − y would be right


def test_the_cancelled_delta_with_softmax_and_binary_cross_entropy_is_named(tmp_path):
    report, _ = _grade(tmp_path, "tanh_softmax_bce", "cancelled")
    [mistake] = _gradient_mistakes(report)
    assert mistake["id"] == "cancelled_output_delta", report
    text = mistake["explanation"]
    assert "a softmax output and the (binary) cross-entropy cost" in text, text
    assert "δ(L) = a ⊙ (g − Σₖ aₖ·gₖ) with g = ∂J/∂a = (a − y) / (a·(1 − a))" in text, text
    assert "softmax with the categorical cross-entropy" in text, text


def test_the_cancelled_delta_is_the_missing_derivative_for_squared_error(tmp_path):
    """With squared error ∂J/∂a = a − y: the same values, named as they always were."""
    report, _ = _grade(tmp_path, "sigmoid_softmax_mse", "cancelled")
    assert [m["id"] for m in _gradient_mistakes(report)] == ["missing_output_derivative"], report


@pytest.mark.parametrize("pair, derivative", [("relu_sigmoid_cce", "−y / a"),
                                              ("tanh_softmax_bce", "(a − y) / (a·(1 − a))")])
def test_the_loss_derivative_alone_is_explained_as_what_the_student_wrote(tmp_path, pair, derivative):
    report, _ = _grade(tmp_path, pair, "dJda")
    [mistake] = _gradient_mistakes(report)
    assert mistake["id"] == "missing_output_derivative", report
    text = mistake["explanation"]
    assert f"Your output-layer delta is ∂J/∂a = {derivative}" in text, text
    assert "δ(L) = a(L) − y is right only" not in text and "⊙ the softmax Jacobian" not in text, text


@pytest.mark.parametrize("pair, named, derivative", [
    ("sigmoid_softmax_mse", "softmax_derivative_elementwise", "a − y"),
    # (a − y)/(a·(1 − a)) ⊙ a·(1 − a) is a − y: the cancelled delta's values, and its text says why
    ("tanh_softmax_bce", "cancelled_output_delta", "(a − y) / (a·(1 − a))"),
])
def test_the_softmax_jacobian_diagonal_is_named(tmp_path, pair, named, derivative):
    report, _ = _grade(tmp_path, pair, "diagonal")
    [mistake] = _gradient_mistakes(report)
    assert mistake["id"] == named, report
    text = mistake["explanation"]
    assert "∂J/∂a ⊙ a·(1 − a)" in text and "only the diagonal of softmax's Jacobian" in text, text
    assert f"g = ∂J/∂a = {derivative}" in text, text


@pytest.mark.parametrize("pair", ["relu_sigmoid_cce", "tanh_softmax_bce"])
def test_the_wrong_sign_does_not_call_a_minus_y_right_where_it_is_not(tmp_path, pair):
    report, _ = _grade(tmp_path, pair, "sign")
    [mistake] = _gradient_mistakes(report)
    assert mistake["id"] == "output_delta_sign", report
    text = mistake["explanation"]
    assert "instead of a − y" not in text and "⊙ the softmax Jacobian" not in text, text
    assert "−y ⊙ (1 − a)" in text or "a ⊙ (g − Σₖ aₖ·gₖ)" in text, text


@pytest.mark.parametrize("pair", PAIRS)
def test_the_audit_of_each_pair_passes(tmp_path, pair):
    hidden, output, loss = PAIRS[pair]
    spec = tmp_path / f"{pair}.yaml"
    spec.write_text(SPEC.format(name=pair, hidden=hidden, output=output, loss=loss))
    result = run_cli("audit", str(spec))
    assert result.exit_code == 0 and "FAIL" not in result.output, result.output
    assert ("softmax_derivative_elementwise" in result.output) == (output == "softmax" and loss == "squared_error")
    assert ("cancelled_output_delta" in result.output) == (loss != "squared_error")
