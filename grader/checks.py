"""One check per part kind: the expected outputs for a case, and the comparison with the student's.

Values are compared by relative error ‖observed − expected‖ / ‖expected‖ (2-norm; a tiny floor
keeps zeros meaningful) against the exercise's tolerance. Shapes are compared first, because a
wrong shape is the more useful message: "grad has shape (31,), expected (32,)".
"""

from dataclasses import dataclass

import numpy as np

from .cases import CaseData
from .engine.network import activation_gradient, cost_and_gradient
from .spec import CHECKS, Exercise, Part, SpecError

_FLOOR = 1e-12


@dataclass(frozen=True)
class CaseCheck:
    case: str
    passed: bool
    message: str  # what is wrong, without the case's name; empty when passed
    observed: np.ndarray | None = None  # the student's value, shaped like expected, when it could be read
    relative_error: float | None = None
    detail: str = ""  # the numbers behind a wrong value, for the "What went wrong" section


def expected_outputs(exercise: Exercise, part: Part, case: CaseData) -> dict[str, np.ndarray]:
    """The reference values of what the part's function returns, by return name (J, grad, g)."""
    if part.check == "activation_gradient":
        return {"g": activation_gradient(part.activation, case.z)}
    network = exercise.network.with_sizes(case.sizes)
    J, grad = cost_and_gradient(network, case.params, case.X, case.y, part.lambda_)
    return {"J": np.float64(J), "grad": grad}


def relative_error(observed: np.ndarray, expected: np.ndarray) -> float:
    return float(np.linalg.norm(observed - expected) / max(np.linalg.norm(expected), _FLOOR))


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


def _short(value: np.ndarray) -> str:
    if value.ndim == 0:
        return f"{float(value):.6g}"
    return np.array2string(value.ravel()[:4], precision=4, separator=", ").rstrip("]") + \
        (", …]" if value.size > 4 else "]")


def compare(name: str, value: np.ndarray, expected: np.ndarray, tolerance: float, case: str) -> CaseCheck:
    shaped, problem = fit_shape(name, value, expected)
    if shaped is None:
        return CaseCheck(case, False, problem)
    if not np.all(np.isfinite(shaped)):
        bad = "nan" if np.any(np.isnan(shaped)) else "inf"
        return CaseCheck(case, False, f"{name} contains {bad}", shaped)
    error = relative_error(shaped, expected)
    if error <= tolerance:
        return CaseCheck(case, True, "", shaped, error)
    return CaseCheck(case, False, f"{name} is wrong (relative error {error:.2g})", shaped, error,
                     f"{name} is {_short(shaped)}, expected {_short(expected)} (relative error {error:.2g})")


def checked_return(part: Part) -> str:
    """The return name a part's check reads (J, grad or g)."""
    return CHECKS[part.check][0]


def verify_expected(exercise: Exercise, cases: dict[str, CaseData]) -> None:
    """Reject a spec whose reference values are not finite: every student would fail that case."""
    for part in exercise.parts:
        for name in part.cases:
            with np.errstate(all="ignore"):
                values = expected_outputs(exercise, part, cases[name])
            for returned, value in values.items():
                if not np.all(np.isfinite(value)):
                    raise SpecError(exercise.path, exercise.cases[name].line, f"cases.{name}",
                                    f"the expected {returned} of part {part.id} is not finite: the network's "
                                    f"outputs saturate (a log of 0). Use smaller weights (weight_scale) or inputs.")
