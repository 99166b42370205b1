"""The course's own submit case, computed here from scratch (loops, no grader.engine), against the
cases the grader builds from exercises/ex5.yaml and the reference values it expects.

Octave, from the course's submit.m (labels minus 1 for the 0-based Python version):
    X = reshape(sin(1:32), 16, 2) / 5;  y = 1 + mod(1:16, 4)';
    Theta1 = sin(reshape(1:2:24, 4, 3));  Theta2 = cos(reshape(1:2:40, 4, 5));
    z = reshape(3 * sin(1:1:30), 3, 10);
Octave's reshape fills column by column: element (i, j) (0-based) of an r-row reshape of v is v[i + r·j].
"""

import math
from pathlib import Path

import numpy as np
import pytest

from grader import spec
from grader.cases import build_all
from grader.checks import expected_outputs

EX5 = Path(__file__).resolve().parents[1] / "exercises" / "ex5.yaml"
M, N_IN, N_HIDDEN, K = 16, 2, 4, 4


def octave_reshape(values, rows: int, cols: int) -> np.ndarray:
    out = np.zeros((rows, cols))
    for j in range(cols):
        for i in range(rows):
            out[i, j] = values[i + rows * j]
    return out


def course_inputs():
    X = octave_reshape([math.sin(v) for v in range(1, 33)], 16, 2) / 5
    y = np.array([(1 + v % 4) - 1 for v in range(1, 17)], dtype=np.int64)
    theta1 = octave_reshape([math.sin(v) for v in range(1, 24, 2)], 4, 3)
    theta2 = octave_reshape([math.cos(v) for v in range(1, 40, 2)], 4, 5)
    return X, y, theta1, theta2


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def course_cost_and_gradient(X, y, theta1, theta2, lambda_: float):
    """nnCostFunction, one example at a time, as ex5.pdf describes it."""
    m = X.shape[0]
    J = 0.0
    D1, D2 = np.zeros_like(theta1), np.zeros_like(theta2)
    for t in range(m):
        a1 = [1.0, *X[t]]
        z2 = [sum(theta1[j, k] * a1[k] for k in range(len(a1))) for j in range(N_HIDDEN)]
        a2 = [1.0, *(sigmoid(v) for v in z2)]
        z3 = [sum(theta2[j, k] * a2[k] for k in range(len(a2))) for j in range(K)]
        h = [sigmoid(v) for v in z3]
        yk = [1.0 if y[t] == k else 0.0 for k in range(K)]
        for k in range(K):
            J += -yk[k] * math.log(h[k]) - (1.0 - yk[k]) * math.log(1.0 - h[k])
        d3 = [h[k] - yk[k] for k in range(K)]
        d2 = [sum(theta2[k, j + 1] * d3[k] for k in range(K)) * sigmoid(z2[j]) * (1 - sigmoid(z2[j]))
              for j in range(N_HIDDEN)]
        for k in range(K):
            for j in range(len(a2)):
                D2[k, j] += d3[k] * a2[j]
        for j in range(N_HIDDEN):
            for i in range(len(a1)):
                D1[j, i] += d2[j] * a1[i]
    J /= m
    penalty = sum(theta1[j, i] ** 2 for j in range(theta1.shape[0]) for i in range(1, theta1.shape[1]))
    penalty += sum(theta2[j, i] ** 2 for j in range(theta2.shape[0]) for i in range(1, theta2.shape[1]))
    J += lambda_ / (2 * m) * penalty
    grads = []
    for D, theta in ((D1, theta1), (D2, theta2)):
        G = D / m
        for j in range(theta.shape[0]):
            for i in range(1, theta.shape[1]):
                G[j, i] += lambda_ / m * theta[j, i]
        grads.append(G)
    # nn_params and grad: Theta1 then Theta2, each row by row
    grad = [G[j, i] for G in grads for j in range(G.shape[0]) for i in range(G.shape[1])]
    return J, np.array(grad)


def course_z() -> np.ndarray:
    return octave_reshape([3 * math.sin(v) for v in range(1, 31)], 3, 10)


@pytest.fixture(scope="module")
def exercise():
    return spec.load(EX5)


@pytest.fixture(scope="module")
def built(exercise):
    return build_all(exercise)


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def test_course_case_inputs(built):
    X, y, theta1, theta2 = course_inputs()
    case = built["coursera"]
    assert case.sizes == (N_IN, N_HIDDEN, K)
    assert case.X.shape == (M, N_IN) and case.X.dtype == np.float64
    np.testing.assert_allclose(case.X, X, rtol=1e-15, atol=0)
    assert case.y.shape == (M,) and case.y.dtype == np.int64
    np.testing.assert_array_equal(case.y, y)
    assert len(case.thetas) == 2
    np.testing.assert_allclose(case.thetas[0], theta1, rtol=1e-15, atol=0)
    np.testing.assert_allclose(case.thetas[1], theta2, rtol=1e-15, atol=0)
    params = [t[j, i] for t in (theta1, theta2) for j in range(t.shape[0]) for i in range(t.shape[1])]
    assert case.params.shape == (4 * 3 + 4 * 5,) and case.params.dtype == np.float64
    np.testing.assert_allclose(case.params, params, rtol=1e-15, atol=0)


def test_course_z_input(built):
    case = built["coursera_z"]
    assert case.z.shape == (3, 10) and case.z.dtype == np.float64
    np.testing.assert_allclose(case.z, course_z(), rtol=1e-14, atol=0)


def test_every_label_appears_in_the_course_case():
    _, y, _, _ = course_inputs()
    assert sorted(set(y.tolist())) == list(range(K))


@pytest.mark.parametrize(("part_id", "lambda_", "returned"), [
    ("cost", 0.0, "J"),
    ("regularized_cost", 1.5, "J"),
    ("gradient", 0.0, "grad"),
    ("regularized_gradient", 1.5, "grad"),
])
def test_expected_outputs_of_the_course_case(exercise, built, part_id, lambda_, returned):
    part = exercise.part(part_id)
    assert "coursera" in part.cases
    assert part.lambda_ == lambda_
    J, grad = course_cost_and_gradient(*course_inputs(), lambda_)
    expected = expected_outputs(exercise, part, built["coursera"])
    assert returned in expected
    assert rel(expected["J"], J) < 1e-12
    assert np.asarray(expected["grad"]).shape == grad.shape
    assert rel(expected["grad"], grad) < 1e-12
    np.testing.assert_allclose(expected["grad"], grad, rtol=1e-10, atol=1e-15)


def test_regularization_changes_the_course_case():
    """Guards the test itself: λ = 1.5 really moves J and grad, so the parts above are distinct."""
    J0, g0 = course_cost_and_gradient(*course_inputs(), 0.0)
    J1, g1 = course_cost_and_gradient(*course_inputs(), 1.5)
    assert J1 > J0 + 0.1
    assert rel(g1, g0) > 0.1


def test_expected_sigmoid_gradient_of_the_course_z(exercise, built):
    part = exercise.part("sigmoid_gradient")
    assert "coursera_z" in part.cases
    expected = expected_outputs(exercise, part, built["coursera_z"])
    z = course_z()
    g = np.array([[sigmoid(z[i, j]) * (1 - sigmoid(z[i, j])) for j in range(10)] for i in range(3)])
    assert np.asarray(expected["g"]).shape == (3, 10)
    assert rel(expected["g"], g) < 1e-12
    np.testing.assert_allclose(expected["g"], g, rtol=1e-12, atol=0)
