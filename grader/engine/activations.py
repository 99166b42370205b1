"""Activation functions as a table: value f(z), derivative f'(z), and the backward rule.

Each elementwise activation also knows its derivative written in terms of its output a = f(z)
(sigmoid: a(1 - a)), because that is how students write it and how two catalogue mistakes arise
(applying the derivative to a instead of z, or to z as if it were a). Softmax is not elementwise:
its backward rule is the vector-Jacobian product, and it is only allowed as an output layer.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


def sigmoid(z):
    """Logistic function, accurate to the last digit in both tails and free of overflow warnings."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))  # never overflows; underflows to 0 only where σ is 0 or 1 to the last digit
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z):
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _softmax_backward(z, a, grad_a):
    """Vector-Jacobian product of softmax, row by row: a ⊙ (g − Σ g⊙a)."""
    return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


class Activation(NamedTuple):
    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    # f'(z) elementwise, computed from a = f(z); None for softmax, whose Jacobian is not diagonal.
    derivative_from_output: Callable[[np.ndarray], np.ndarray] | None
    # The diagonal of the Jacobian, from a: what a student multiplies by when writing "f'(z)" for softmax.
    diagonal_from_output: Callable[[np.ndarray], np.ndarray]
    hidden_allowed: bool = True

    def derivative(self, z):
        """f'(z), elementwise (the diagonal of the Jacobian for softmax)."""
        return self.diagonal_from_output(self.forward(z))

    def backward(self, z, a, grad_a):
        """∂J/∂z given ∂J/∂a: the chain rule through this activation."""
        if self.derivative_from_output is None:
            return _softmax_backward(z, a, grad_a)
        return grad_a * self.derivative_from_output(a)


def _sigmoid_from_output(a):
    return a * (1.0 - a)


def _tanh_from_output(a):
    return 1.0 - a * a


def _relu_from_output(a):
    return (a > 0).astype(np.float64)


def _linear_from_output(a):
    return np.ones_like(a, dtype=np.float64)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, _sigmoid_from_output, _sigmoid_from_output),
        Activation("tanh", np.tanh, _tanh_from_output, _tanh_from_output),
        Activation("relu", lambda z: np.maximum(z, 0.0), _relu_from_output, _relu_from_output),
        Activation("linear", lambda z: np.array(z, dtype=np.float64), _linear_from_output, _linear_from_output),
        Activation("softmax", softmax, None, _sigmoid_from_output, hidden_allowed=False),
    )
}
