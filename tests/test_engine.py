"""Tests of the reference engine (grader.engine): activations, losses and the network.

The expected values are computed here, independently of the engine: central finite differences of
the engine's own cost (for the gradients), and a per-example, per-class loop written from the
course's formulas (for the cost). scipy.special.expit is the independent sigmoid.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.special import expit

from grader.engine import activations, losses, network
from grader.engine.network import Network

OUTPUTS = ("sigmoid", "tanh", "relu", "linear", "softmax")
HIDDEN = ("sigmoid", "tanh", "relu", "linear")
LOSS_NAMES = ("cross_entropy", "categorical_cross_entropy", "squared_error")
PAIRS = [(act, loss) for loss in LOSS_NAMES for act in OUTPUTS if losses.supported(act, loss)]
PAIR_IDS = [f"{act}+{loss}" for act, loss in PAIRS]
RELU_MARGIN = 1e-3  # finite differences are invalid this close to relu's kink
# Where a log loss sees outputs within 1e-4 of 0 or 1, log(a) and log(1 − a) lose digits to rounding
# (1 − a cancels) and finite differences of the cost turn into noise; such draws are rejected. (The
# engine's sigmoid also loses relative precision below z ≈ −10; that is tested on its own below.)
LOG_MARGIN = 1e-4
H = 1e-5

FAST = settings(max_examples=5, deadline=None)


# ---- independent helpers ------------------------------------------------------------------------

def act_value(name: str, z: np.ndarray) -> np.ndarray:
    """The activation of one example's pre-activations (1-D), written without the engine."""
    if name == "sigmoid":
        return expit(z)
    if name == "tanh":
        return np.array([math.tanh(v) for v in z])
    if name == "relu":
        return np.array([v if v > 0 else 0.0 for v in z])
    if name == "linear":
        return np.array(z, dtype=np.float64)
    if name == "softmax":
        e = np.array([math.exp(v - max(z)) for v in z])
        return e / e.sum()
    raise AssertionError(name)


def act_derivative(name: str, z: np.ndarray) -> np.ndarray:
    """f'(z) elementwise, from the textbook formulas."""
    if name == "sigmoid":
        s = expit(z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 / np.cosh(z) ** 2
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "linear":
        return np.ones_like(z)
    raise AssertionError(name)


def example_loss(loss: str, a: np.ndarray, t: np.ndarray) -> float:
    """One example's loss, summed over the K outputs with an explicit loop."""
    total = 0.0
    for k in range(len(a)):
        if loss == "cross_entropy":
            total -= t[k] * math.log(a[k]) + (1.0 - t[k]) * math.log(1.0 - a[k])
        elif loss == "categorical_cross_entropy":
            total -= t[k] * math.log(a[k])
        elif loss == "squared_error":
            total += 0.5 * (a[k] - t[k]) ** 2
        else:
            raise AssertionError(loss)
    return total


def one_hot_loop(y, K: int, base: int) -> np.ndarray:
    T = np.zeros((len(y), K))
    for i, label in enumerate(y):
        for k in range(K):
            T[i, k] = 1.0 if label - base == k else 0.0
    return T


def forward_example(thetas, x, acts):
    """z and a of every layer for one example, with explicit sums."""
    a, zs = np.asarray(x, dtype=np.float64), []
    for theta, name in zip(thetas, acts, strict=True):
        z = np.array([theta[j, 0] + sum(theta[j, k + 1] * a[k] for k in range(len(a)))
                      for j in range(theta.shape[0])])
        zs.append(z)
        a = act_value(name, z)
    return zs, a


def reference_cost(thetas, X, T, acts, loss: str, lambda_: float) -> float:
    """The course's J for any loss: mean per-example loss + λ/(2m)·Σ non-bias θ²."""
    m = X.shape[0]
    total = 0.0
    for i in range(m):
        _, a = forward_example(thetas, X[i], acts)
        total += example_loss(loss, a, T[i])
    penalty = 0.0
    for theta in thetas:
        for j in range(theta.shape[0]):
            for k in range(1, theta.shape[1]):
                penalty += theta[j, k] ** 2
    return total / m + lambda_ / (2.0 * m) * penalty


def numeric_gradient(f, params: np.ndarray, h: float = H) -> np.ndarray:
    grad = np.zeros_like(params)
    for i in range(params.size):
        plus, minus = params.copy(), params.copy()
        plus[i] += h
        minus[i] -= h
        grad[i] = (f(plus) - f(minus)) / (2.0 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def _softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


VECTORIZED = {"sigmoid": expit, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
              "linear": lambda z: z, "softmax": _softmax_rows}


def forward_all(thetas, X, acts):
    """Pre-activations of every layer for all examples (vectorized, for the validity checks)."""
    a, zs = X, []
    for theta, name in zip(thetas, acts, strict=True):
        z = np.hstack([np.ones((a.shape[0], 1)), a]) @ theta.T
        zs.append(z)
        a = VECTORIZED[name](z)
    return zs


def split(params, shapes, order):
    """params cut into matrices, each filled in `order` (independent of network.reshape)."""
    out, start = [], 0
    for rows, cols in shapes:
        out.append(np.reshape(params[start:start + rows * cols], (rows, cols), order=order))
        start += rows * cols
    return out


def relu_pattern(thetas, X, acts):
    return [z > 0 for z, name in zip(forward_all(thetas, X, acts), acts, strict=True) if name == "relu"]


def log_loss_well_conditioned(net, thetas, X) -> bool:
    """For the log losses, every output lies in (LOG_MARGIN, 1 − LOG_MARGIN)."""
    if net.loss == "squared_error":
        return True
    a = VECTORIZED[net.activations[-1]](forward_all(thetas, X, net.activations)[-1])
    return bool(np.min(a) > LOG_MARGIN and np.max(a) < 1 - LOG_MARGIN)


def finite_differences_valid(net, thetas, X) -> bool:
    """No relu pre-activation near the kink, no output where the log loss is imprecise."""
    zs = forward_all(thetas, X, net.activations)
    for z, name in zip(zs, net.activations, strict=True):
        if name == "relu" and np.min(np.abs(z)) <= RELU_MARGIN:
            return False
    return log_loss_well_conditioned(net, thetas, X)


# ---- random problems ----------------------------------------------------------------------------

@st.composite
def problems(draw, output: str, loss: str, hidden, depth: int):
    """A network and data: sizes 1-5 per layer (K >= 2), m, seed, λ, order, label base, targets."""
    if isinstance(hidden, str):
        hidden_acts = (hidden,) * depth
    else:
        hidden_acts = tuple(draw(st.lists(st.sampled_from(HIDDEN), min_size=depth, max_size=depth)))
    sizes = (draw(st.integers(1, 5)), *(draw(st.integers(1, 5)) for _ in range(depth)), draw(st.integers(2, 5)))
    m = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    lambda_ = draw(st.sampled_from([0.0, 0.7, 2.5]))
    order = draw(st.sampled_from(["C", "F"]))
    base = draw(st.sampled_from([0, 1]))
    targets = draw(st.sampled_from(["labels", "values"])) if loss == "squared_error" else "labels"
    rng = np.random.default_rng(seed)
    net = Network(sizes, (*hidden_acts, output), loss, order, targets, base)
    # weights scaled by fan-in so that pre-activations stay in a few units at any depth
    thetas = [rng.standard_normal(shape) * 1.5 / math.sqrt(shape[1]) for shape in net.theta_shapes]
    X = rng.standard_normal((m, sizes[0]))
    K = sizes[-1]
    if targets == "labels":
        y = base + rng.integers(0, K, m)
        T = one_hot_loop(y, K, base)
    else:
        y = rng.standard_normal((m, K))
        T = y
    params = np.concatenate([t.ravel(order=order) for t in thetas])
    return net, thetas, params, X, y, T, lambda_


def check_gradient(problem):
    net, thetas, params, X, y, _, lambda_ = problem
    assume(finite_differences_valid(net, thetas, X))
    J, grad = network.cost_and_gradient(net, params, X, y, lambda_)
    numeric = numeric_gradient(lambda p: network.cost(net, p, X, y, lambda_), params)
    if "relu" in net.activations:  # no step of the finite differences may cross a kink
        pattern = relu_pattern(thetas, X, net.activations)
        for i in range(params.size):
            for sign in (1.0, -1.0):
                shifted = params.copy()
                shifted[i] += sign * H
                moved = split(shifted, net.theta_shapes, net.order)
                for p, q in zip(pattern, relu_pattern(moved, X, net.activations), strict=True):
                    assume(np.array_equal(p, q))
    # Rounding in the cost leaves about 1e-16·|J|/H of noise in each difference quotient; a gradient
    # that small next to J (saturated softmax + squared error, dead relu networks) cannot be checked.
    assume(np.linalg.norm(numeric) > 3e-3 * max(1.0, abs(J)))
    assert grad.shape == params.shape
    assert grad.dtype == np.float64
    assert relative_error(grad, numeric) < 1e-7, (grad, numeric)
    # per element, with a floor for the elements that are (nearly) zero
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8 * max(1.0, np.abs(numeric).max()))


# ---- the gradient agrees with finite differences -------------------------------------------------

def test_supported_pairs_are_the_ones_whose_range_fits_the_loss():
    logs_need_unit_interval = {"sigmoid", "softmax"}
    expected = {(a, "squared_error") for a in OUTPUTS}
    expected |= {(a, loss) for a in logs_need_unit_interval for loss in ("cross_entropy", "categorical_cross_entropy")}
    assert set(PAIRS) == expected


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss"), PAIRS, ids=PAIR_IDS)
def test_gradient_matches_finite_differences(output, loss, hidden, depth):
    @FAST
    @given(problem=problems(output, loss, hidden, depth))
    def run(problem):
        check_gradient(problem)

    run()


@pytest.mark.parametrize(("output", "loss"), PAIRS, ids=PAIR_IDS)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_gradient_with_mixed_hidden_activations(output, loss, data):
    depth = data.draw(st.integers(1, 3))
    check_gradient(data.draw(problems(output, loss, None, depth)))


# ---- the cost agrees with the course's formula ---------------------------------------------------

@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss"), PAIRS, ids=PAIR_IDS)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_cost_matches_explicit_formula(output, loss, hidden, data):
    depth = data.draw(st.integers(1, 3))
    net, thetas, params, X, y, T, lambda_ = data.draw(problems(output, loss, hidden, depth))
    assume(log_loss_well_conditioned(net, thetas, X))
    J = network.cost(net, params, X, y, lambda_)
    expected = reference_cost(thetas, X, T, net.activations, loss, lambda_)
    assert isinstance(J, float)
    assert J == pytest.approx(expected, rel=1e-10, abs=1e-12)
    J2, _ = network.cost_and_gradient(net, params, X, y, lambda_)
    assert J2 == J


def test_cost_of_a_hand_computed_network():
    """One input, one hidden sigmoid unit, two sigmoid outputs: J written out by hand."""
    net = Network((1, 1, 2), ("sigmoid", "sigmoid"), "cross_entropy")
    # Theta1 = [[0.5, -1.0]], Theta2 = [[0.1, 2.0], [-0.3, 0.4]]
    X, y = np.array([[2.0]]), np.array([1])
    s = lambda v: 1.0 / (1.0 + math.exp(-v))  # noqa: E731
    a1 = s(0.5 - 2.0)
    h = [s(0.1 + 2.0 * a1), s(-0.3 + 0.4 * a1)]
    J = -(math.log(1 - h[0]) + math.log(h[1]))
    lambda_ = 3.0
    penalty = lambda_ / 2.0 * (1.0 + 4.0 + 0.16)
    params = np.array([0.5, -1.0, 0.1, 2.0, -0.3, 0.4])
    assert network.cost(net, params, X, y) == pytest.approx(J, rel=1e-13)
    assert network.cost(net, params, X, y, lambda_) == pytest.approx(J + penalty, rel=1e-13)


def test_regularization_leaves_bias_weights_alone():
    net = Network((3, 4, 3), ("sigmoid", "sigmoid"), "cross_entropy")
    rng = np.random.default_rng(0)
    params = rng.standard_normal(net.n_params)
    X, y = rng.standard_normal((5, 3)), np.array([0, 1, 2, 0, 1])
    _, g0 = network.cost_and_gradient(net, params, X, y, 0.0)
    _, g1 = network.cost_and_gradient(net, params, X, y, 2.0)
    thetas = network.reshape(params, net.theta_shapes, "C")
    diff = network.reshape(g1 - g0, net.theta_shapes, "C")
    for theta, d in zip(thetas, diff, strict=True):
        np.testing.assert_array_equal(d[:, 0], 0.0)
        np.testing.assert_allclose(d[:, 1:], 2.0 / 5 * theta[:, 1:], rtol=1e-12)


# ---- the output delta: where activation and loss cancel ------------------------------------------

@pytest.mark.parametrize(("output", "loss"), PAIRS, ids=PAIR_IDS)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 4), K=st.integers(2, 5))
def test_output_delta_is_the_derivative_of_the_loss(output, loss, seed, m, K):
    """output_delta is ∂loss_i/∂z (finite differences of the loss written here), and it equals
    a − y exactly for the pairs `cancels` names and for no other pair."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-3, 3, (m, K))
    labels = rng.integers(0, K, m)
    if output == "relu":  # a dead unit whose target is 1: there relu + squared error is not a − y
        z[0, labels[0]] = -abs(z[0, labels[0]]) - 0.1
    assume(output != "relu" or np.min(np.abs(z)) > RELU_MARGIN)
    t = one_hot_loop(labels, K, 0)
    net = Network((1, K), (output,), loss)
    a = activations.ACTIVATIONS[output].forward(z)
    delta = network.output_delta(net, z, a, t)
    numeric = np.zeros_like(z)
    h = 1e-6
    for i in range(m):
        for k in range(K):
            zp, zm = z[i].copy(), z[i].copy()
            zp[k] += h
            zm[k] -= h
            numeric[i, k] = (example_loss(loss, act_value(output, zp), t[i])
                             - example_loss(loss, act_value(output, zm), t[i])) / (2 * h)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-8)
    matches_a_minus_y = np.allclose(numeric, a - t, rtol=1e-6, atol=1e-8)
    assert losses.cancels(output, loss) == matches_a_minus_y


@pytest.mark.parametrize("loss", ["cross_entropy", "categorical_cross_entropy"])
def test_safe_log_is_the_loss_with_epsilon_inside_every_log(loss):
    """What separation.habit_shift uses: ε = 0 gives the loss itself; ε shifts every log's argument."""
    rng = np.random.default_rng(2)
    a = rng.uniform(0.05, 0.95, (6, 4))
    t = np.eye(4)[rng.permutation(np.arange(6) % 4)]
    table = losses.LOSSES[loss]
    np.testing.assert_allclose(table.safe_log(a, t, 0.0), table.per_example(a, t), rtol=1e-14)
    if loss == "cross_entropy":
        by_hand = -np.sum(t * np.log(a + 1e-5) + (1 - t) * np.log(1 - a + 1e-5), axis=-1)
    else:
        by_hand = -np.sum(t * np.log(a + 1e-5), axis=-1)
    np.testing.assert_allclose(table.safe_log(a, t, 1e-5), by_hand, rtol=1e-14)
    assert losses.LOSSES["squared_error"].safe_log is None


def test_cancelling_pairs():
    assert losses.cancels("sigmoid", "cross_entropy")
    assert losses.cancels("softmax", "categorical_cross_entropy")
    assert losses.cancels("linear", "squared_error")
    assert not losses.cancels("sigmoid", "squared_error")
    assert not losses.cancels("softmax", "cross_entropy")
    assert not losses.cancels("sigmoid", "categorical_cross_entropy")


@pytest.mark.parametrize(("output", "loss"), sorted(losses.CANCELLING_PAIRS))
def test_cancelling_pair_delta_is_a_minus_y(output, loss):
    rng = np.random.default_rng(1)
    z = rng.uniform(-4, 4, (6, 3))
    t = one_hot_loop([0, 1, 2, 2, 1, 0], 3, 0)
    a = activations.ACTIVATIONS[output].forward(z)
    delta = network.output_delta(Network((1, 3), (output,), loss), z, a, t)
    np.testing.assert_allclose(delta, a - t, rtol=1e-12, atol=1e-15)


def test_sigmoid_squared_error_delta_keeps_the_derivative():
    rng = np.random.default_rng(2)
    z = rng.uniform(-4, 4, (6, 3))
    t = one_hot_loop([0, 1, 2, 2, 1, 0], 3, 0)
    a = expit(z)
    delta = network.output_delta(Network((1, 3), ("sigmoid",), "squared_error"), z, a, t)
    np.testing.assert_allclose(delta, (a - t) * a * (1 - a), rtol=1e-12, atol=1e-15)
    assert not np.allclose(delta, a - t)


# ---- unroll, reshape, one_hot --------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(shapes=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=4),
       order=st.sampled_from(["C", "F"]), seed=st.integers(0, 2**32 - 1))
def test_unroll_and_reshape_round_trip(shapes, order, seed):
    rng = np.random.default_rng(seed)
    matrices = [rng.standard_normal(s) for s in shapes]
    flat = network.unroll(matrices, order)
    # the layout, written out: row by row ("C") or column by column ("F"), matrix after matrix
    expected = []
    for mat in matrices:
        rows, cols = mat.shape
        if order == "C":
            expected += [mat[i, j] for i in range(rows) for j in range(cols)]
        else:
            expected += [mat[i, j] for j in range(cols) for i in range(rows)]
    np.testing.assert_array_equal(flat, expected)
    assert flat.dtype == np.float64
    back = network.reshape(flat, shapes, order)
    assert len(back) == len(matrices)
    for b, mat in zip(back, matrices, strict=True):
        np.testing.assert_array_equal(b, mat)
    np.testing.assert_array_equal(network.unroll(network.reshape(flat, shapes, order), order), flat)


@pytest.mark.parametrize("base", [0, 1])
def test_one_hot(base):
    y = np.array([2, 0, 1, 3, 3, 0]) + base
    T = network.one_hot(y, 4, base)
    assert T.shape == (6, 4)
    np.testing.assert_array_equal(T, one_hot_loop(y, 4, base))
    np.testing.assert_array_equal(T.sum(axis=1), 1.0)


def test_network_shapes():
    net = Network((400, 25, 10), ("sigmoid", "sigmoid"), "cross_entropy")
    assert net.theta_shapes == [(25, 401), (10, 26)]
    assert net.n_params == 25 * 401 + 10 * 26


# ---- activation derivatives ----------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 5), cols=st.integers(1, 12),
       scale=st.sampled_from([0.1, 1.0, 5.0, 15.0]))
def test_sigmoid_gradient_matches_expit(seed, rows, cols, scale):
    z = np.random.default_rng(seed).standard_normal((rows, cols)) * scale
    z = np.clip(z, -15, 15)
    s = expit(z)
    g = network.activation_gradient("sigmoid", z)
    assert g.shape == z.shape
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, s * (1 - s), rtol=1e-9, atol=0)


def test_sigmoid_gradient_of_extreme_inputs_is_finite():
    z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    with np.errstate(all="raise"):
        g = network.activation_gradient("sigmoid", z)
    assert np.all(np.isfinite(g))
    assert g[0, 2] == 0.25
    assert np.all(g[0, [0, 4]] == 0.0)


@pytest.mark.parametrize("name", HIDDEN)
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_activation_derivative_matches_finite_differences(name, seed):
    z = np.random.default_rng(seed).uniform(-4, 4, (3, 7))
    assume(name != "relu" or np.min(np.abs(z)) > RELU_MARGIN)
    h = 1e-6
    f = activations.ACTIVATIONS[name].forward
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    g = network.activation_gradient(name, z)
    np.testing.assert_allclose(g, numeric, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(g, act_derivative(name, z), rtol=1e-12, atol=1e-15)
    # the derivative written from the output, as students write it, is the same function
    deriv = activations.ACTIVATIONS[name].derivative_from_output(f(z))
    np.testing.assert_allclose(deriv, act_derivative(name, z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", OUTPUTS)
def test_activation_forward_matches_textbook(name):
    z = np.random.default_rng(4).uniform(-6, 6, (5, 4))
    out = activations.ACTIVATIONS[name].forward(z)
    assert out.dtype == np.float64
    for i in range(5):
        np.testing.assert_allclose(out[i], act_value(name, z[i]), rtol=1e-13, atol=1e-300)


def test_softmax_gradient_is_the_jacobian_diagonal():
    z = np.random.default_rng(5).uniform(-3, 3, (4, 5))
    h = 1e-6
    numeric = np.zeros_like(z)
    for i in range(4):
        for k in range(5):
            zp, zm = z[i].copy(), z[i].copy()
            zp[k] += h
            zm[k] -= h
            numeric[i, k] = (act_value("softmax", zp)[k] - act_value("softmax", zm)[k]) / (2 * h)
    np.testing.assert_allclose(network.activation_gradient("softmax", z), numeric, rtol=1e-7, atol=1e-10)
    assert not activations.ACTIVATIONS["softmax"].hidden_allowed
    assert all(activations.ACTIVATIONS[name].hidden_allowed for name in HIDDEN)


# ---- dtypes and inputs ---------------------------------------------------------------------------

def test_float64_throughout_and_inputs_untouched():
    net = Network((3, 4, 3), ("sigmoid", "sigmoid"), "cross_entropy")
    rng = np.random.default_rng(6)
    params = rng.standard_normal(net.n_params)
    X = rng.standard_normal((5, 3))
    y = np.array([0, 1, 2, 0, 1], dtype=np.int64)
    for array in (params, X, y):
        array.flags.writeable = False  # cases hands the engine read-only arrays
    J, grad = network.cost_and_gradient(net, params, X, y, 1.5)
    assert isinstance(J, float | np.float64)
    assert grad.dtype == np.float64
    # lower-precision or integer inputs still give float64 results equal to the float64 ones
    J32, grad32 = network.cost_and_gradient(net, params.astype(np.float32).astype(np.float64),
                                            X.astype(np.float32), y.astype(np.int32), 1.5)
    assert isinstance(J32, float | np.float64)
    assert grad32.dtype == np.float64
    J64, grad64 = network.cost_and_gradient(net, params.astype(np.float32).astype(np.float64),
                                            X.astype(np.float32).astype(np.float64), y, 1.5)
    assert J32 == J64
    np.testing.assert_array_equal(grad32, grad64)


def test_softmax_categorical_values_targets_gradient_or_rejected(tmp_path):
    """With targets "values", y need not sum to 1 per example, and then ∂J/∂z(L) = a·Σy − y ≠ a − y.
    The spec allows `targets: values` with softmax + categorical_cross_entropy and its random cases
    draw y from a normal distribution; either the spec rejects that combination or the engine's
    gradient must still be the gradient of its cost."""
    from grader import spec
    from grader.cases import build_all

    text = """
id: t
title: t
network: {activations: [sigmoid, softmax], loss: categorical_cross_entropy}
conventions: {targets: values}
functions:
  f: {arguments: [nn_params, layer_sizes, X, y], returns: [J, grad]}
cases:
  r: {random: {seed: 3, examples: 5, sizes: [3, 4, 3]}}
parts:
  - {id: g, title: g, points: 1, function: f, check: gradient, cases: [r]}
"""
    try:
        exercise = spec.parse(text, "values.yaml")
    except spec.SpecError:
        return
    case = build_all(exercise)["r"]
    net = exercise.network.with_sizes(case.sizes)
    _, grad = network.cost_and_gradient(net, case.params, case.X, case.y)
    numeric = numeric_gradient(lambda p: network.cost(net, p, case.X, case.y), np.array(case.params))
    assert relative_error(grad, numeric) < 1e-7


# ---- precision in the sigmoid's tail ---------------------------------------------------------------

def test_sigmoid_keeps_relative_precision_in_the_left_tail():
    """1/(1 + exp(−z)), as students and the course write it, is accurate to a few ulps down to
    z ≈ −745; the reference must be at least as accurate, or log(a) in the cost drifts."""
    z = -np.linspace(0.0, 700.0, 141)
    np.testing.assert_allclose(activations.sigmoid(z), expit(z), rtol=1e-12, atol=0)


def test_cross_entropy_of_a_confident_correct_output_is_finite():
    """Output 0 has z = −40 and target 0, output 1 has z = 0 and target 1: the course's formula gives
    J = −log(1 − σ(−40)) − log(σ(0)) = log 2 (to 1e-17), a finite number."""
    net = Network((1, 2), ("sigmoid",), "cross_entropy")
    params = np.array([-40.0, 0.0, 0.0, 0.0])  # Theta1 = [[-40, 0], [0, 0]]
    X, y = np.array([[1.0]]), np.array([1])
    expected = -math.log(1.0 - expit(-40.0)) - math.log(expit(0.0))
    J, grad = network.cost_and_gradient(net, params, X, y)
    assert J == pytest.approx(expected, rel=1e-12)
    assert np.all(np.isfinite(grad))
