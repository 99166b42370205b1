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

Only J is checked: a gradient is a vector, and M + A's gradient differs from M's in many coordinates
(the audits of many secrets put those comparisons ≥ 100 × DISTINCT apart). The check ranks pairs by a
first-order estimate from single mistakes (J(M + A) − J(M) ≈ J(A) − J) and recomputes the close ones.
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
