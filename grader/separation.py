"""A cheap check of a secret's draw: are its seeded cases gradable, and do they keep mistakes apart?

`grade audit` proves separation but costs seconds (every mistake and pair of mistakes on every case),
far too much for every graded submission. The secret draws of the shipped exercises failed it in two
ways only, and both are checked here on the seeded network cases alone, in milliseconds:

- saturation: with a log loss, an output within checks.SATURATION of 0 or 1 (a student's plain
  log(1 − a) is then infinite), or a reference cost that is not finite;
- a mistake lost inside a larger one: a mistake M that inflates J (cost_regularization_precedence
  multiplies the λ term by m², cost_not_averaged the data term by m) next to a mistake A that changes J
  little (labels_off_by_one under a squared error moves J by the mean of a(k+1) − a(k)). A student with
  M and A then looks like one with M alone unless |J(M + A) − J(M)| > DISTINCT·|J(M + A)| on some case.

A third check keeps a right answer right: where the public cases let a "safe log" pass (log(a + ε) and
log(1 − a + ε) with ε = HABIT_EPSILON, a habit the course's grader accepts), `harsh_to_habits` finds a
seeded case on which that ε moves the reference J by more than HABIT_SHARE of the tolerance. Such a
draw is drawn again too (secret.with_secret), but only as long as another draw that separates can be
found: a correct student must not pass or fail by the secret, and separation comes first. Only J is
compared: a safe log changes no gradient (δ(L) = a(L) − y is written out, not derived from the log), and
a gradient part fails such a student through its J alone, at its own λ, which the check covers.

Only J is checked for lost mistakes: a gradient is a vector, and M + A's gradient differs from M's in
many coordinates (the audits of many secrets put those comparisons ≥ 100 × DISTINCT apart). The check
ranks pairs by a first-order estimate from single mistakes (J(M + A) − J(M) ≈ J(A) − J) and recomputes
the close ones.
"""

from itertools import combinations

import numpy as np

from .cases import CaseData
from .checks import SATURATION
from .diagnosis import DISTINCT, SEPARATION, applicable
from .engine import network as nn
from .mistakes import Mistake, overlapping, steps_for
from .spec import Exercise

COST_STEPS = frozenset({"reshape", "targets", "data_cost", "cost_penalty"})  # the steps J depends on
SCREEN = 10.0  # pairs the estimate puts within SCREEN × DISTINCT are recomputed exactly
HABIT_EPSILON = 1e-5  # the ε of the commonest "safe log": np.log(a + 1e-5), np.log(1 - a + 1e-5)
# A seeded case may let that ε move J by this share of the tolerance: 0.6 keeps every ε ≤ 1.7e-5 within it,
# about what ex5's public cases allow (their largest move is 0.62 of the tolerance, on random_a).
HABIT_SHARE = 0.6


def problem(exercise: Exercise, cases: dict[str, CaseData], seeded: tuple[str, ...]) -> str:
    """What is wrong with the seeded cases (one sentence), or "" when they pass the check."""
    network_cases = [name for name in seeded if cases[name].sizes]
    log_loss = exercise.network.loss in ("cross_entropy", "categorical_cross_entropy")
    for name in network_cases:
        case = cases[name]
        network = exercise.network.with_sizes(case.sizes)
        with np.errstate(all="ignore"):
            outputs = nn.forward(nn.reshape(case.params, network.theta_shapes, network.order), case.X,
                                 network.activations)[1][-1]
        if not np.all(np.isfinite(outputs)) or (log_loss and np.any((outputs < SATURATION) |
                                                                      (outputs > 1 - SATURATION))):
            return f"case {name}: the network's outputs saturate"
    mistakes = [m for m in applicable(exercise, cases) if set(m.steps) & COST_STEPS]
    costs = _Costs(exercise, cases)
    for part in exercise.parts:
        if part.check != "cost" or not set(part.cases) & set(network_cases):
            continue
        names = list(part.cases)  # the literal ones too: as in the audit, a pair apart on one case is apart
        found = _lost_mistake(costs, names, part.lambda_, mistakes)
        if found:
            return f"part {part.id}: {found}"
    return ""


class _Costs:
    """J of the reference or of mistake variants, each forward pass and target matrix made once."""

    def __init__(self, exercise: Exercise, cases: dict[str, CaseData]):
        self.exercise, self.cases = exercise, cases
        self._made: dict[tuple, object] = {}

    def _once(self, key: tuple, make):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def J(self, name: str, lambda_: float, chosen: tuple[Mistake, ...]) -> float:
        case = self.cases[name]
        network = self._once(("network", name), lambda: self.exercise.network.with_sizes(case.sizes))
        steps = steps_for(chosen, network)
        with np.errstate(all="ignore"):
            thetas = self._once(("thetas", name, steps.reshape), lambda: steps.reshape(
                np.asarray(case.params, dtype=np.float64), network.theta_shapes, network.order))
            a = self._once(("outputs", name, steps.reshape),
                           lambda: nn.forward(thetas, case.X, network.activations)[1][-1])
            t = self._once(("targets", name, steps.targets), lambda: steps.targets(network, case.y))
            return float(nn.cost_of_outputs(network, thetas, a, t, lambda_, steps))


def _lost_mistake(costs: _Costs, names: list[str], lambda_: float, mistakes: list[Mistake]) -> str:
    """The first pair M, M + A that the cases `names` do not tell apart by DISTINCT, as text, or "".

    The pairs are those the audit and diagnosis consider: two mistakes that each move J by SEPARATION on
    some case and do not replace the same step.
    """
    def J(name: str, chosen: tuple[Mistake, ...]) -> float:
        return costs.J(name, lambda_, chosen)

    reference = np.array([J(name, ()) for name in names])
    if not np.all(np.isfinite(reference)):
        return "the reference cost is not finite"
    singles = {m: np.array([J(name, (m,)) for name in names]) for m in mistakes}
    with np.errstate(all="ignore"):
        moving = [m for m, values in singles.items()  # as diagnosis.Variants.changes
                  if np.all(np.isfinite(values)) and np.any(np.abs(values - reference) >
                                                            SEPARATION * np.abs(reference))]
    for first, second in combinations(moving, 2):
        if overlapping(first, second) or first.id == second.id:
            continue
        for big, small in ((first, second), (second, first)):
            estimate = singles[big] + singles[small] - reference
            with np.errstate(all="ignore"):
                if np.max(np.abs(estimate - singles[big]) / np.abs(estimate)) > SCREEN * DISTINCT:
                    continue
                both = np.array([J(name, (big, small)) for name in names])
                if not np.all(np.isfinite(both)) or np.max(np.abs(both - singles[big]) / np.abs(both)) > DISTINCT:
                    continue
            return f"{big.key} looks like {big.key} + {small.key}"
    return ""


def habit_shift(exercise: Exercise, cases: dict[str, CaseData], names: tuple[str, ...]) -> tuple[float, str]:
    """The largest relative change of the reference J that a safe log (HABIT_EPSILON) makes on the network
    cases `names`, over the parts that compare J, each at its λ; with that case's name. (0.0, "") for a loss
    without a log."""
    safe_log = exercise.network.loss_function.safe_log
    worst, where = 0.0, ""
    if safe_log is None:
        return worst, where
    for name in names:
        case = cases[name]
        lambdas = {part.lambda_ for part in exercise.parts if part.check in ("cost", "gradient") and name in part.cases}
        if not case.sizes or not lambdas:
            continue
        network = exercise.network.with_sizes(case.sizes)
        with np.errstate(all="ignore"):
            thetas = nn.reshape(np.asarray(case.params, dtype=np.float64), network.theta_shapes, network.order)
            a = nn.forward(thetas, case.X, network.activations)[1][-1]
            t = nn.targets(network, case.y)
            data_cost = nn.data_cost(network, a, t)
            habit_cost = float(np.sum(safe_log(a, t, HABIT_EPSILON)) / a.shape[0])
            for lambda_ in lambdas:
                penalty = nn.cost_penalty(thetas, lambda_, a.shape[0])
                shift = abs(habit_cost - data_cost) / max(abs(data_cost + penalty), 1e-300)
                if not shift <= worst:  # a nan (saturated outputs) counts as the worst
                    worst, where = shift, name
    return worst, where


def kind_to_habits(exercise: Exercise, cases: dict[str, CaseData]) -> bool:
    """Whether the public cases let a safe log pass (within the tolerance): then the secret's must too.

    Where they do not (an exercise whose recipe saturates its outputs more), the student sees the
    failure when grading on the public cases, and re-drawing the secret's cases would not spare it.
    """
    shift, _ = habit_shift(exercise, cases, tuple(cases))
    return exercise.network.loss_function.safe_log is not None and shift <= exercise.tolerance


def harsh_to_habits(exercise: Exercise, cases: dict[str, CaseData], seeded: tuple[str, ...]) -> str:
    """One sentence when a safe log moves J by more than HABIT_SHARE of the tolerance on a seeded case, else ""."""
    shift, name = habit_shift(exercise, cases, seeded)
    if not shift <= HABIT_SHARE * exercise.tolerance:
        return (f"case {name}: a safe log (ε = {HABIT_EPSILON:g}) moves J by {shift:.2g}, more than "
                f"{HABIT_SHARE:g} of the tolerance")
    return ""
