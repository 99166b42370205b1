"""What a function's return shows beside its values: values in another order, a gradient not unrolled.

The course's grader reads results by position: J = f(...)[0] for the cost parts, `J, grad = f(...)` for the
gradient parts, which unpacks exactly two values. So a cost part is judged on J alone, even when the gradient
beside it is not numbers (a list of the Θ's gradient matrices, not yet unrolled) or a tuple returns more values
than two (`return J, grad, cache`); the gradient parts of the latter fail with the count. `return grad, J`
fails every part, which the student is told in those words rather than by the shapes the swap produces.
"""

from itertools import permutations

import numpy as np

from .checks import fit_shape, within
from .engine import network as nn
from .sandbox import Outcome
from .spec import Function


def readable(outcome: Outcome, function: Function, names: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """The values named `names`, by return name, when the call returned them as numbers: an "ok" call's, or,
    for a part that reads fewer values than the function returns (the course's f(...)[0]), those a
    "bad_return" kept as numbers beside a bad one or beside too many; None otherwise."""
    if outcome.status == "ok":
        found = dict(enumerate(outcome.values))
    elif outcome.status == "bad_return" and len(names) < len(function.returns):
        found = outcome.partial_values
    else:
        return None
    positions = [function.returns.index(name) for name in names]
    if not all(position in found for position in positions):
        return None
    return {name: found[position] for name, position in zip(names, positions, strict=True)}


def gradient_unreadable(outcome: Outcome, function: Function) -> bool:
    """True when the call returned J as numbers and grad as something else (e.g. a list of matrices)."""
    if outcome.status != "bad_return" or "grad" not in function.returns:
        return False
    return function.returns.index("grad") not in outcome.partial_values and bool(outcome.partial_values)


def unroll_hint(network: nn.Network) -> str:
    """How to turn the Θ's gradient matrices into the one vector the course's functions return."""
    ravel = nn.ORDER_WORDS[network.order][2]
    blocks = ", ".join(f"Theta{i + 1}_grad.{ravel}" for i in range(len(network.theta_shapes)))
    return (f"grad must be one vector of numbers, each Theta's gradient unrolled the way nn_params is: "
            f"grad = np.concatenate([{blocks}]).")


def swapped(outcome: Outcome, function: Function, expected: dict[str, np.ndarray],
            tolerance: float) -> tuple[str, dict[str, np.ndarray] | None]:
    """When the values came back in another order than the function's returns (their shapes fit the expected
    ones in that order only): one sentence, and the values read back in the right order (by return name), so
    that a wrong one can still be diagnosed. Else ("", None)."""
    names = function.returns
    if outcome.status != "ok" or len(names) < 2 or _fitted(outcome.values, names, expected) is not None:
        return "", None
    for order in permutations(names):
        fitted = _fitted(outcome.values, order, expected) if order != names else None
        if fitted is None:
            continue
        right = all(within(fitted[name], expected[name], tolerance) for name in names)
        values = "both values" if len(names) == 2 else "the values"
        return (f"{outcome.function or function.name} returned ({', '.join(order)}); the course's functions return "
                f"{', '.join(names)}" + (f"; swapped back, {values} are right" if right else "")), fitted
    return "", None


def _fitted(values, order: tuple[str, ...], expected: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """The values read as `order`, each in its expected shape, or None when one does not fit."""
    fitted = {}
    for name, value in zip(order, values, strict=True):
        fitted[name], _ = fit_shape(name, np.asarray(value, dtype=np.float64), expected[name])
        if fitted[name] is None:
            return None
    return fitted
