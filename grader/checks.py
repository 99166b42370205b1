"""One check per part kind: the expected outputs for a case, and the comparison with the student's.

Values are compared by relative error ‖observed − expected‖ / ‖expected‖ (2-norm; a tiny floor
keeps zeros meaningful) against the exercise's tolerance. Shapes are compared first, because a
wrong shape is the more useful message: "grad has shape (31,), expected (32,)".
"""


from typing import NamedTuple

import numpy as np

from .cases import CaseData
from .engine.network import Network, activation_gradient, cost_and_gradient, forward, reshape
from .spec import CHECKS, Exercise, Part, SpecError

_FLOOR = 1e-12
_FLOOR_SQUARED = _FLOOR * _FLOOR  # below it, relative_error divides by the floor, not by ‖expected‖


class CaseCheck(NamedTuple):
    case: str
    passed: bool
    message: str  # what is wrong, without the case's name; empty when passed
    # The student's compared values (return name -> array shaped like expected), when all could be read.
    observed: dict[str, np.ndarray] | None = None
    wrong: tuple[str, ...] = ()  # the return names whose values are wrong
    detail: str = ""  # the numbers behind a wrong value, for the "What went wrong" section
    failure: str = ""  # the call's outcome status when it returned nothing usable (timeout, error, crash, ...)


def expected_outputs(exercise: Exercise, part: Part, case: CaseData) -> dict[str, np.ndarray]:
    """The reference values of what the part's function returns, by return name (J, grad, g).

    Callers that compare pick the part's `checked_returns`; `grade inspect` shows them all.
    """
    if part.check == "activation_gradient":
        return {"g": activation_gradient(part.activation, case.z)}
    network = exercise.network.with_sizes(case.sizes)
    J, grad = cost_and_gradient(network, case.params, case.X, case.y, part.lambda_)
    return {"J": np.float64(J), "grad": grad}


def relative_error(observed: np.ndarray, expected: np.ndarray) -> float:
    """‖observed − expected‖ / ‖expected‖, computed without overflow for any finite inputs (1e200 included)."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(float(np.abs(observed).max(initial=0.0)), float(np.abs(expected).max(initial=0.0)), _FLOOR)
    with np.errstate(over="ignore"):  # an error too large for a float is inf, which is what it means
        difference = norm(observed / scale - expected / scale)
        return float(difference / max(norm(expected / scale), _FLOOR / scale))


def within(observed: np.ndarray, expected: np.ndarray, tolerance: float) -> bool:
    """relative_error(observed, expected) <= tolerance for two finite float64 arrays of one shape.

    A grader asks this of every value it checks, nearly always of values far inside or far outside the
    tolerance. Plain dot products (‖o − e‖² against tolerance² · ‖e‖², a few numpy calls) settle those
    cases: where their ratio is within a factor 2 of the tolerance, or the numbers are too large for
    unscaled squares, or ‖e‖ is below relative_error's floor, relative_error decides, so the answer is
    always relative_error's."""
    if tolerance > 1e-50:
        with np.errstate(all="ignore"):
            difference = (observed - expected).ravel()
            flat = expected.ravel()
            squared, size = float(difference.dot(difference)), float(flat.dot(flat))
        if squared < 1e200 and _FLOOR_SQUARED < size < 1e200:
            bound = tolerance * tolerance * size
            if squared <= 0.25 * bound:
                return True
            if squared >= 4.0 * bound:
                return False
    return relative_error(observed, expected) <= tolerance


def norm(values: np.ndarray) -> np.float64:
    """np.linalg.norm(values) of a float64 array, the same number by the same steps (ravel, dot, sqrt)
    without its dispatch, which costs more than the arithmetic on a grader's small arrays."""
    values = values.ravel(order="K")
    return np.sqrt(values.dot(values))


def fit_shape(name: str, value: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The student's value in the expected shape, or None and a message saying what is wrong.

    A scalar may come back as any one-element array (J as a 1×1 matrix is a common Octave habit)
    and a vector as a row or column; anything else must match exactly.
    """
    if expected.ndim == 0:
        if value.size == 1:
            return value.reshape(()), ""
        return None, f"{name} has shape {value.shape}, expected a single number"
    if expected.ndim == 1 and value.size == expected.size and sorted(value.shape)[:-1] in ([], [1]):
        return value.reshape(expected.shape), ""
    if value.shape != expected.shape:
        return None, f"{name} has shape {value.shape}, expected {expected.shape}"
    return value, ""


PREVIEW = 4  # entries of a wrong array shown beside the expected ones


def _short(value: np.ndarray, digits: int, start: int = 0) -> str:
    if value.ndim == 0:
        return f"{float(value):.{digits}g}"
    shown = ", ".join(f"{x:.{digits}g}" for x in value.ravel()[start:start + PREVIEW])
    return f"[{'…, ' if start else ''}{shown}{', …' if value.size > start + PREVIEW else ''}]"


def first_difference(value: np.ndarray, expected: np.ndarray, tolerance: float) -> int:
    """The first entry off by more than tolerance·‖expected‖/√n; values that fail `within` have one (their
    squared differences add up to more than tolerance²·‖expected‖²)."""
    flat, want = value.ravel(), expected.ravel()
    with np.errstate(all="ignore"):
        off = np.abs(flat - want) > tolerance * norm(want) / np.sqrt(max(want.size, 1))
    return int(np.argmax(off)) if off.any() else 0


def gradient_entry(network: Network, index: int) -> str:
    """Which Θ's gradient, and which of its entries, grad[index] is ("Theta2's gradient [0, 3]")."""
    for number, shape in enumerate(network.theta_shapes, 1):
        size = shape[0] * shape[1]
        if index < size:
            row, column = np.unravel_index(index, shape, order=network.order)
            return f"Theta{number}'s gradient [{row}, {column}]"
        index -= size
    return ""


def _describe_wrong(name: str, value: np.ndarray, expected: np.ndarray, error: float, tolerance: float,
                    network: Network | None = None) -> str:
    """The numbers, with enough digits to show where they differ, from the first entry that does when the
    first few agree (only Theta2's block of a gradient wrong: Theta1's entries come first)."""
    digits = min(15, max(4, int(np.ceil(-np.log10(min(max(error, 1e-15), 1.0)))) + 3))
    start = first_difference(value, expected, tolerance) if value.ndim else 0
    start = start if start >= PREVIEW else 0
    text = (f"{name} is {_short(value, digits, start)}, expected {_short(expected, digits, start)} "
            f"(relative error {error:.2g})")
    if start:
        entry = gradient_entry(network, start) if network is not None and name == "grad" else ""
        index = ", ".join(str(i) for i in np.unravel_index(start, value.shape))  # g[1, 0] of a matrix, not g[10]
        text += f"; the first {start} entries agree; {name}[{index}]{', ' + entry + ',' if entry else ''} is the " \
                f"first that differs"
    if error < 1e-3 and name == "J":
        text += "; this close, look for a small tweak such as an ε added inside log()"
    return text


def compare(values: dict[str, np.ndarray], expected: dict[str, np.ndarray], tolerance: float,
            case: str, network: Network | None = None) -> CaseCheck:
    """Compare every value a part checks (J and grad for a gradient part, as the course does); `network`
    (the case's) lets a wrong gradient's preview say which Θ its entries belong to. A nan or inf value is
    wrong without stopping the others' comparison: a nan J (log(0) at a saturated output) beside a grad
    that is right or wrong on its own."""
    shaped, wrong, messages, details = {}, [], [], []
    for name, want in expected.items():
        value, problem = fit_shape(name, np.asarray(values[name], dtype=np.float64), want)
        if value is None:
            return CaseCheck(case, False, problem, wrong=(name,))
        shaped[name] = value
        if not np.isfinite(value).all():
            bad = "nan" if np.any(np.isnan(value)) else "inf"
            wrong.append(name)
            messages.append(f"{name} is {bad}" if value.ndim == 0 else f"{name} contains {bad}")
            continue
        if within(value, want, tolerance):
            continue
        error = relative_error(value, want)
        if error > tolerance:
            wrong.append(name)
            messages.append(f"{name} is wrong (relative error {error:.2g})")
            details.append(_describe_wrong(name, value, want, error, tolerance, network))
    return CaseCheck(case, not wrong, "; ".join(messages), shaped, tuple(wrong), "; ".join(details))


def checked_returns(part: Part) -> tuple[str, ...]:
    """The return names a part's check compares (J; J and grad; g)."""
    return CHECKS[part.check][0]


SATURATION = 1e-9  # outputs this close to 0 or 1 make a student's plain log(a), log(1 − a) inf or nan


def verify_expected(exercise: Exercise, cases: dict[str, CaseData], reference=None) -> None:
    """Reject a spec whose cases only the reference can handle: every student would fail them.

    The reference's values must be finite, and for the log losses no output may saturate: the
    reference treats 0·log 0 as 0, but a student's (1 − y)·log(1 − a) with a = 1.0 is nan.
    `reference(part, case name)`, when given, supplies the values already computed (`Variants.reference`).
    """
    log_loss = exercise.network.loss in ("cross_entropy", "categorical_cross_entropy")
    for part in exercise.parts:
        for name in part.cases:
            case = cases[name]
            with np.errstate(all="ignore"):
                values = reference(part, name) if reference is not None else expected_outputs(exercise, part, case)
                if log_loss and case.sizes:
                    network = exercise.network.with_sizes(case.sizes)
                    outputs = forward(reshape(case.params, network.theta_shapes, network.order), case.X,
                                      network.activations)[1][-1]
                    saturated = np.any((outputs < SATURATION) | (outputs > 1 - SATURATION))
                else:
                    saturated = False
            if saturated or not all(np.all(np.isfinite(v)) for v in values.values()):
                raise SpecError(exercise.path, exercise.cases[name].line, f"cases.{name}",
                                f"the network's outputs saturate on this case (an output within "
                                f"{SATURATION:g} of 0 or 1, so log(a) or log(1 − a) is infinite for a student's "
                                f"plain formula). Use smaller weights (weight_scale) or inputs.")
