"""How student functions are called: the one place that turns a case into arguments.

Real students' code is written against exactly what the course's notebook passes and breaks on
anything else (design notes, "Call students' functions the way the course's notebook does"):
y is a 1-D int64 array, sizes are Python ints, λ is a Python float, arrays are fresh float64
copies (the sandbox copies them again for every call), activation gradients get 2-D arrays.
"""

import numpy as np

from .cases import CaseData
from .spec import Function


def argument(name: str, case: CaseData, lambda_: float):
    """The value of one argument of the vocabulary in spec.ARGUMENTS, for this case."""
    if name == "nn_params":
        return np.array(case.params, dtype=np.float64)
    if name == "input_layer_size":
        return int(case.sizes[0])
    if name == "hidden_layer_size":
        return int(case.sizes[1])
    if name in ("num_labels", "num_outputs"):
        return int(case.sizes[-1])
    if name == "layer_sizes":
        return [int(s) for s in case.sizes]
    if name == "X":
        return np.array(case.X, dtype=np.float64)
    if name == "y":
        return np.array(case.y, dtype=case.y.dtype)
    if name == "lambda_":
        return float(lambda_)
    if name == "z":
        return np.array(case.z, dtype=np.float64)
    raise ValueError(f"unknown argument {name!r}")  # spec.py validates names; never reached


def arguments(function: Function, case: CaseData, lambda_: float) -> tuple:
    return tuple(argument(name, case, lambda_) for name in function.arguments)
