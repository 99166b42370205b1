"""Training parts: train the network with the student's own cost and gradient, as the course's last step.

scipy.optimize.minimize drives the student's function, each evaluation one call in the sandbox
(bounded by --timeout, and all of them together by TRAINING_BUDGET timeouts); the learned
parameters are then scored with the reference forward pass: training-set accuracy for labels,
the data loss for real-valued targets. The reference trains the same way from the same start on
the same data, and the part passes when the student's figure is within the spec's `within` of
the reference's. scipy.optimize is imported only here, when a training part runs.

`iterations` is scipy's maxiter, except for TNC (the course's method), whose option is maxfun, the
number of function evaluations: recent scipy ignores maxiter for TNC.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from . import calling, datasets
from .cases import CaseData
from .checks import CaseCheck
from .engine.network import cost_and_gradient, forward, reshape
from .grading import Budget, PartResult, describe_failure
from .sandbox import Call, Sandbox
from .spec import Exercise, Part, Training

TRAINING_BUDGET = 12.0  # a training part's calls share this many --timeout of wall time


class Stopped(Exception):
    """The student's function gave nothing usable; str() says why, for the report."""


@dataclass(frozen=True)
class Trained:
    params: np.ndarray
    evaluations: int


def minimize(objective, x0: np.ndarray, training: Training) -> Trained:
    """Minimize objective(params) -> (J, grad) from x0 with the spec's method and iteration count."""
    from scipy import optimize

    count = [0]

    def counted(params):
        count[0] += 1
        return objective(params)

    option = "maxfun" if training.method == "TNC" else "maxiter"
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # scipy's convergence warnings say nothing to a student
        result = optimize.minimize(counted, np.array(x0, dtype=np.float64), jac=True, method=training.method,
                                   options={option: training.iterations})
    return Trained(np.asarray(result.x, dtype=np.float64), count[0])


def figure(exercise: Exercise, data: datasets.TrainingSet, params: np.ndarray) -> float:
    """Training-set accuracy (labels) or data loss (values) of params, by the reference forward pass."""
    network = exercise.network.with_sizes(data.sizes)
    if network.targets == "values":
        return float(cost_and_gradient(network, params, data.X, data.y, 0.0)[0])
    with np.errstate(all="ignore"):
        outputs = forward(reshape(params, network.theta_shapes, network.order), data.X, network.activations)[1][-1]
    return float(np.mean(np.argmax(outputs, axis=1) + network.label_base == data.y))


def passes(exercise: Exercise, training: Training, student: float, reference: float) -> tuple[bool, float]:
    """Whether the student's figure is good enough, and the bound it was held to."""
    if exercise.network.targets == "values":
        bound = reference * (1 + training.within)
        return bool(np.isfinite(student) and student <= bound + 1e-12), bound
    bound = reference - training.within
    return bool(student >= bound - 1e-12), bound


def describe(exercise: Exercise, student: float | None, reference: float, bound: float) -> str:
    if exercise.network.targets == "values":
        own = "no loss" if student is None else f"{student:.4g}"
        return f"training loss {own} (the reference reaches {reference:.4g} on the same data and start; " \
               f"passes at ≤ {bound:.4g})"
    own = "no accuracy" if student is None else f"{100 * student:.1f}%"
    return f"training set accuracy {own} (the reference reaches {100 * reference:.1f}% on the same data and " \
           f"start; passes at ≥ {100 * bound:.1f}%)"


def student_objective(exercise: Exercise, part: Part, data: datasets.TrainingSet, budget: Budget,
                      submission: str, timeout: float):
    """objective(params) -> (J, grad) by one sandboxed call of the student's function; Stopped on trouble."""
    function = exercise.functions[part.function]
    n_params = exercise.network.with_sizes(data.sizes).n_params
    J_at, grad_at = function.returns.index("J"), function.returns.index("grad")

    def objective(params):
        case = CaseData("training", data.sizes, data.X, data.y, (), np.array(params, dtype=np.float64))
        outcomes = budget.run([Call(function.names, calling.arguments(function, case, part.lambda_),
                                    function.arguments, len(function.returns), function.returns)])
        if outcomes is None:
            raise Stopped(f"training was stopped: the calls used up their time ({TRAINING_BUDGET:g} × --timeout)")
        outcome = outcomes[0]
        if outcome.status != "ok":
            raise Stopped(describe_failure(outcome, function, submission, timeout))
        J, grad = np.asarray(outcome.values[J_at]), np.asarray(outcome.values[grad_at])
        if J.size != 1 or grad.size != n_params:
            raise Stopped(f"{function.name} returned J of shape {J.shape} and grad of shape {grad.shape} during "
                          f"training; expected one number and {n_params} values")
        J, grad = float(J.reshape(())), grad.astype(np.float64).ravel()
        if not (np.isfinite(J) and np.all(np.isfinite(grad))):
            raise Stopped(f"{function.name} returned nan or inf during training")
        return J, grad

    return objective


def start(exercise: Exercise, part: Part, data: datasets.TrainingSet) -> np.ndarray:
    network = exercise.network.with_sizes(data.sizes)
    return datasets.initial_params(network.n_params, part.training.init_seed, part.training.epsilon)


def reference_figure(exercise: Exercise, part: Part, data: datasets.TrainingSet) -> float:
    """What the reference reaches: trained the same way, from the same start, on the same data."""
    network = exercise.network.with_sizes(data.sizes)
    return figure(exercise, data, minimize(lambda p: cost_and_gradient(network, p, data.X, data.y, part.lambda_),
                                           start(exercise, part, data), part.training).params)


ROUND_OFF = 1e-14  # relative size of the changes `round_off_figures` makes: a few ulps, as another order of sums
ROUND_OFF_RUNS = 8


def round_off_figures(exercise: Exercise, part: Part, runs: int = ROUND_OFF_RUNS) -> tuple[float, list[float]]:
    """The reference's figure, and the figures it reaches when every gradient it returns is changed by
    round-off (relative ROUND_OFF, seeded 0 .. runs-1). A correct solution's own arithmetic (another order of
    sums, a loop instead of a product) changes the gradient that much, and an optimizer over many iterations of
    a non-convex cost can turn that into points of accuracy; `grade audit` checks that `within` covers it."""
    data = datasets.build(exercise, part)
    network = exercise.network.with_sizes(data.sizes)
    x0 = start(exercise, part, data)

    def trained(seed: int) -> float:
        noise = np.random.default_rng(seed)

        def objective(params):
            J, grad = cost_and_gradient(network, params, data.X, data.y, part.lambda_)
            return J, grad * (1 + ROUND_OFF * noise.standard_normal(grad.shape))

        return figure(exercise, data, minimize(objective, x0, part.training).params)

    return reference_figure(exercise, part, data), [trained(seed) for seed in range(runs)]


def check_training(exercise: Exercise, part: Part, sandbox: Sandbox, submission, shown: str,
                   prepared=None, reference: float | None = None) -> PartResult:
    """Train with the student's function and with the reference; compare the two figures. `reference`: the
    reference's figure when already known (a batch computes it once, grading.Shared)."""
    training = part.training
    data = datasets.build(exercise, part)
    x0 = start(exercise, part, data)
    if reference is None:
        reference = reference_figure(exercise, part, data)
    budget = Budget(sandbox, submission, TRAINING_BUDGET * sandbox.limits.timeout, prepared)
    objective = student_objective(exercise, part, data, budget, shown, sandbox.limits.timeout)
    try:
        learned = minimize(objective, x0, training)
    except Stopped as stop:
        _, bound = passes(exercise, training, np.inf, reference)
        message = f"{stop} ({describe(exercise, None, reference, bound)})"
        return PartResult(part, [CaseCheck("training", False, message)], message + ".")
    student = figure(exercise, data, learned.params)
    ok, bound = passes(exercise, training, student, reference)
    if ok:  # short enough for the report's table
        short = f"Loss {student:.4g} (reference {reference:.4g})" if exercise.network.targets == "values" \
            else f"Accuracy {100 * student:.1f}% (reference {100 * reference:.1f}%)"
        return PartResult(part, [CaseCheck("training", True, "")], short)
    text = describe(exercise, student, reference, bound)
    text = f"{text[0].upper()}{text[1:]} after {learned.evaluations} calls of {exercise.functions[part.function].name}"
    return PartResult(part, [CaseCheck("training", False, text)],
                      f"{text}; run the gradient check on your gradient.")
