"""Loss functions as a table: per-example loss and its derivative ∂loss/∂a.

The cost J is the mean of the per-example losses over the m examples. `CANCELLING_PAIRS` lists the
output activation / loss pairs for which ∂J/∂a and f'(z) cancel, so that ∂loss/∂z = a − y exactly;
for every other pair the output delta needs the full chain rule. The log losses also give their "safe log"
form, ε inside every log, the habit secret cases are drawn to be kind to (grader/separation.py).
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


def _xlogy(x, y):
    """x·log(y) with 0·log(0) = 0, as the cost's limit (and scipy.special.xlogy) has it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(y))


def _cross_entropy(a, t):
    """The course's cost: binary cross-entropy summed over the K outputs."""
    return -np.sum(_xlogy(t, a) + _xlogy(1.0 - t, 1.0 - a), axis=-1)


def _cross_entropy_safe_log(a, t, epsilon):
    """The course's cost as a student's "safe log" computes it: log(a + ε) and log(1 − a + ε)."""
    return -np.sum(t * np.log(a + epsilon) + (1.0 - t) * np.log(1.0 - a + epsilon), axis=-1)


def _cross_entropy_derivative(a, t):
    return (a - t) / (a * (1.0 - a))


def _categorical_cross_entropy(a, t):
    return -np.sum(_xlogy(t, a), axis=-1)


def _categorical_cross_entropy_safe_log(a, t, epsilon):
    return -np.sum(t * np.log(a + epsilon), axis=-1)


def _categorical_cross_entropy_derivative(a, t):
    return -t / a


def _squared_error(a, t):
    return 0.5 * np.sum((a - t) ** 2, axis=-1)


def _squared_error_derivative(a, t):
    return a - t


class Loss(NamedTuple):
    name: str
    per_example: Callable[[np.ndarray, np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str  # the per-example loss, for explanations
    # Output activations whose range the loss accepts (logs need outputs in (0, 1)).
    outputs: frozenset[str]
    # Whether targets may be arbitrary values; the cross-entropies need one-hot label rows.
    takes_values: bool = False
    # The per-example loss with ε added inside every log, as many students write it (safe_log(a, t, ε)):
    # a habit the course's grader accepts. None for a loss without a log.
    safe_log: Callable[[np.ndarray, np.ndarray, float], np.ndarray] | None = None


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("cross_entropy", _cross_entropy, _cross_entropy_derivative,
             "−Σₖ [yₖ·log aₖ + (1 − yₖ)·log(1 − aₖ)]", frozenset({"sigmoid", "softmax"}),
             safe_log=_cross_entropy_safe_log),
        Loss("categorical_cross_entropy", _categorical_cross_entropy, _categorical_cross_entropy_derivative,
             "−Σₖ yₖ·log aₖ", frozenset({"sigmoid", "softmax"}),
             safe_log=_categorical_cross_entropy_safe_log),
        Loss("squared_error", _squared_error, _squared_error_derivative,
             "½·Σₖ (aₖ − yₖ)²", frozenset({"sigmoid", "tanh", "relu", "linear", "softmax"}), takes_values=True),
    )
}

CANCELLING_PAIRS = frozenset({
    ("sigmoid", "cross_entropy"),
    ("softmax", "categorical_cross_entropy"),
    ("linear", "squared_error"),
})


def cancels(activation: str, loss: str) -> bool:
    """True when ∂loss/∂z(L) = a(L) − y for this output activation and loss."""
    return (activation, loss) in CANCELLING_PAIRS


def supported(activation: str, loss: str) -> bool:
    return activation in LOSSES[loss].outputs
