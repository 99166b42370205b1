"""A fully connected feed-forward network in the course's layout, and its cost and gradient.

Layout: Theta(l) has shape (units of layer l+1, units of layer l + 1); column 0 holds the bias
weights. The parameter vector is Theta(1), Theta(2), ... each unrolled row-major ("C", numpy's
ravel) or column-major ("F", Octave's `(:)`), and the gradient is unrolled the same way.

`cost_and_gradient` is written as a sequence of named steps (`Steps`); the reference is
`REFERENCE`, and a catalogue mistake is `REFERENCE` with one step replaced (`REFERENCE._replace`).
Deltas are per example (∂loss_i/∂z); the 1/m happens in `weight_gradient`, as in the course.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS, Activation
from .losses import LOSSES, Loss, cancels

# How each unroll order is named to a student: its major, what uses it, and the numpy call that unrolls in it.
ORDER_WORDS = {"C": ("row", "numpy's ravel() default", "ravel()"),
               "F": ("column", "Octave's (:)", "ravel(order='F')")}


def other_order(order: str) -> str:
    """The unroll order a student mixes up with this one."""
    return "F" if order == "C" else "C"


class Network(NamedTuple):
    """Shape and conventions of one exercise's network."""

    sizes: tuple[int, ...]  # input units, hidden units..., output units
    activations: tuple[str, ...]  # one per non-input layer
    loss: str
    order: str = "C"  # "C" row-major (numpy) or "F" column-major (Octave)
    targets: str = "labels"  # "labels": y holds class labels; "values": y is an (m, K) array
    label_base: int = 0  # the smallest label: 0 (numpy) or 1 (Octave)

    @property
    def theta_shapes(self) -> list[tuple[int, int]]:
        return [(n_out, n_in + 1) for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True)]

    @property
    def n_params(self) -> int:
        return sum(r * c for r, c in self.theta_shapes)

    @property
    def output_activation(self) -> Activation:
        return ACTIVATIONS[self.activations[-1]]

    @property
    def loss_function(self) -> Loss:
        return LOSSES[self.loss]

    def with_sizes(self, sizes: Sequence[int]) -> "Network":
        return Network(tuple(int(s) for s in sizes), self.activations, self.loss, self.order,
                       self.targets, self.label_base)


def unroll(matrices: Sequence[np.ndarray], order: str) -> np.ndarray:
    return np.concatenate([np.asarray(m, dtype=np.float64).ravel(order=order) for m in matrices])


def reshape(params: np.ndarray, shapes: Sequence[tuple[int, int]], order: str) -> list[np.ndarray]:
    thetas, start = [], 0
    for rows, cols in shapes:
        thetas.append(params[start:start + rows * cols].reshape((rows, cols), order=order))
        start += rows * cols
    return thetas


def add_bias(a: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((a.shape[0], 1)), a])


def one_hot(y: np.ndarray, num_labels: int, label_base: int) -> np.ndarray:
    return np.eye(num_labels)[np.asarray(y, dtype=np.int64) - label_base]


def forward(thetas: Sequence[np.ndarray], X: np.ndarray, activations: Sequence[str]):
    """Return (zs, activations): zs[l] is z of layer l+1, outs[0] is X and outs[l] = f(zs[l-1])."""
    zs, outs = [], [np.asarray(X, dtype=np.float64)]
    for theta, name in zip(thetas, activations, strict=True):
        z = add_bias(outs[-1]) @ theta.T
        zs.append(z)
        outs.append(ACTIVATIONS[name].forward(z))
    return zs, outs


# ---- the steps of the reference computation -------------------------------------------------

def targets(network: Network, y: np.ndarray) -> np.ndarray:
    if network.targets == "values":
        return np.asarray(y, dtype=np.float64).reshape(-1, network.sizes[-1])
    return one_hot(y, network.sizes[-1], network.label_base)


def data_cost(network: Network, a: np.ndarray, t: np.ndarray) -> float:
    return float(np.sum(network.loss_function.per_example(a, t)) / a.shape[0])


def penalty_terms(thetas: Sequence[np.ndarray]) -> float:
    return float(sum(np.sum(theta[:, 1:] ** 2) for theta in thetas))


def cost_penalty(thetas: Sequence[np.ndarray], lambda_: float, m: int) -> float:
    return lambda_ / (2.0 * m) * penalty_terms(thetas)


def output_delta(network: Network, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """∂loss_i/∂z(L): a − y where activation and loss cancel, the full chain rule elsewhere.

    Softmax and categorical cross-entropy cancel only for target rows that sum to 1 (one-hot labels).
    """
    one_hot_rows = network.targets == "labels" or network.loss != "categorical_cross_entropy"
    if cancels(network.activations[-1], network.loss) and one_hot_rows:
        return a - t
    return network.output_activation.backward(z, a, network.loss_function.derivative(a, t))


def hidden_delta(theta_next: np.ndarray, delta_next: np.ndarray, z: np.ndarray, a: np.ndarray,
                 activation: Activation) -> np.ndarray:
    """δ(l) = (δ(l+1)·Θ(l)) without its bias column, times g'(z(l))."""
    return activation.backward(z, a, (delta_next @ theta_next)[:, 1:])


def weight_gradient(delta: np.ndarray, a_prev: np.ndarray, m: int) -> np.ndarray:
    return delta.T @ add_bias(a_prev) / m


def penalized_weights(theta: np.ndarray, data_gradient: np.ndarray, m: int) -> np.ndarray:
    """What the gradient's λ term is computed from: Θ itself (a mistake uses the data gradient Δ instead)."""
    return theta


def gradient_penalty(theta: np.ndarray, lambda_: float, m: int) -> np.ndarray:
    term = lambda_ / m * theta
    term[:, 0] = 0.0
    return term


class Steps(NamedTuple):
    """The named steps of cost_and_gradient; a mistake variant replaces one or two of them."""

    reshape: Callable = lambda params, shapes, order: reshape(params, shapes, order)
    unroll: Callable = lambda grads, order: unroll(grads, order)
    targets: Callable = targets
    data_cost: Callable = data_cost
    cost_penalty: Callable = cost_penalty
    output_delta: Callable = output_delta
    hidden_delta: Callable = hidden_delta
    weight_gradient: Callable = weight_gradient
    gradient_penalty: Callable = gradient_penalty
    penalized_weights: Callable = penalized_weights


REFERENCE = Steps()


def cost_and_gradient(network: Network, params: np.ndarray, X: np.ndarray, y: np.ndarray,
                      lambda_: float = 0.0, steps: Steps = REFERENCE) -> tuple[float, np.ndarray]:
    """J and its gradient, unrolled like params: the course's nnCostFunction for any depth."""
    thetas, zs, outs, t, J = _feedforward_cost(network, params, X, y, lambda_, steps)
    m = X.shape[0]
    delta = steps.output_delta(network, zs[-1], outs[-1], t)
    grads = [None] * len(thetas)
    for layer in range(len(thetas) - 1, -1, -1):
        data_gradient = steps.weight_gradient(delta, outs[layer], m)
        penalized = steps.penalized_weights(thetas[layer], data_gradient, m)
        grads[layer] = data_gradient + steps.gradient_penalty(np.array(penalized, dtype=np.float64), lambda_, m)
        if layer > 0:
            activation = ACTIVATIONS[network.activations[layer - 1]]
            delta = steps.hidden_delta(thetas[layer], delta, zs[layer - 1], outs[layer], activation)
    return J, steps.unroll(grads, network.order)


def _feedforward_cost(network: Network, params, X, y, lambda_: float, steps: Steps):
    """The first half of cost_and_gradient: (thetas, zs, outs, targets, J)."""
    thetas = steps.reshape(np.asarray(params, dtype=np.float64), network.theta_shapes, network.order)
    zs, outs = forward(thetas, X, network.activations)
    t = steps.targets(network, y)
    return thetas, zs, outs, t, cost_of_outputs(network, thetas, outs[-1], t, lambda_, steps)


def cost_of_outputs(network: Network, thetas, a: np.ndarray, t: np.ndarray, lambda_: float,
                    steps: Steps = REFERENCE) -> float:
    """J from the output layer's activations a and the targets t (what cost_and_gradient adds up)."""
    return steps.data_cost(network, a, t) + steps.cost_penalty(thetas, lambda_, a.shape[0])


def cost(network: Network, params: np.ndarray, X: np.ndarray, y: np.ndarray, lambda_: float = 0.0,
         steps: Steps = REFERENCE) -> float:
    """J alone (no backpropagation): the same number as cost_and_gradient's, at a third of the work."""
    return _feedforward_cost(network, params, X, y, lambda_, steps)[4]


def activation_gradient(activation: str, z: np.ndarray) -> np.ndarray:
    """g'(z) elementwise: what the course's sigmoidGradient returns."""
    return ACTIVATIONS[activation].derivative(np.asarray(z, dtype=np.float64))
