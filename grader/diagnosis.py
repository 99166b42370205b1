"""Naming the mistake: match a wrong part against the catalogue's variants, and gather evidence.

A failed part is compared with every applicable mistake that changes that part's values, then (when no
single mistake explains them) with every pair of mistakes that do not touch the same step (or where one only
scales what the other put there: mistakes.Mistake.factor). A candidate matches when it reproduces the
student's values on ALL of the part's cases within MATCH_TOLERANCE (tighter than the grading tolerance).
When nothing matches that closely, a candidate still matches within the exercise's own grading tolerance,
provided it is the only one that does: a student's harmless numerical habit (a `log(a + 1e-5)` the grader
would accept in a right answer) must not hide the mistake made beside it. Last, a mistake in a step made
once per Θ (its gradient, its λ term in the cost) is tried for some Θs only (`in_some_layers`), alone or
beside another mistake made in every Θ, and named so when that alone explains the values. Only parts that
failed are diagnosed, so a correct submission is never given a mistake. Evidence for a wrong gradient: which
weight matrices' gradients are right, and whether the gradient agrees with central differences of the
student's own cost (computed in the sandbox by grading.py; the arithmetic is here).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from itertools import combinations

import numpy as np

from .cases import CaseData
from .checks import _FLOOR_SQUARED, checked_returns, relative_error, within
from .engine import network as nn
from .mistakes import BY_KEY, CATALOGUE, Mistake, overlapping, steps_for
from .spec import CHECKS, Exercise, Part

Values = dict[str, np.ndarray]  # return name -> value, for the names a part compares

MATCH_TOLERANCE = 1e-5  # a candidate matches the student's values within this relative error...
SEPARATION = 1e-3  # a mistake must move a part's values by this much (well above the grading tolerance)
DISTINCT = 1e-4  # and two candidates must differ by this much (10 × MATCH_TOLERANCE) to be told apart
FD_STEP = 1e-4  # the course's checkNNGradients step
FD_AGREEMENT = 1e-5  # relative difference below which a gradient agrees with the slope of its cost


class Variants:
    """Outputs of the reference and of mistake variants on an exercise's cases, computed once each."""

    def __init__(self, exercise: Exercise, cases: dict[str, CaseData]):
        self.exercise = exercise
        self.cases = cases
        self._cache = lru_cache(maxsize=None)(self._compute)
        self._finite = lru_cache(maxsize=None)(self._all_finite)
        self._candidates: dict[tuple, tuple[list, list]] = {}  # a batch asks for the same part's again and again
        self._first_cases: dict[tuple, tuple[list, _FirstCase]] = {}
        self.ignored: frozenset[str] = frozenset()  # return names left out of every comparison (`ignoring`)

    def ignoring(self, names) -> Variants:
        """These variants with `names` left out of every comparison, sharing the outputs computed: a gradient
        part whose J the student made nan is matched on grad alone (`diagnose`)."""
        view = copy.copy(self)
        view.ignored = frozenset(names)
        view._candidates, view._first_cases = {}, {}
        return view

    def network(self, case: str) -> nn.Network:
        return self.exercise.network.with_sizes(self.cases[case].sizes)

    def output(self, part: Part, case: str, mistakes: tuple[Mistake, ...] = ()) -> Values:
        """What a student with these mistakes returns for the values the part compares."""
        everything = self._cache(part.check == "activation_gradient", part.activation, part.lambda_, case,
                                 tuple(m.key for m in mistakes))
        return {name: everything[name] for name in self.compared(part)}

    def compared(self, part: Part) -> tuple[str, ...]:
        """The return names the diagnosis compares for the part: its check's, less the ignored ones."""
        return tuple(name for name in checked_returns(part) if name not in self.ignored)

    def reference(self, part: Part, case: str) -> Values:
        """Everything the reference returns for the part's function on this case (J and grad, or g), as
        `checks.expected_outputs` gives it, from the same cache as `output`."""
        return dict(self._cache(part.check == "activation_gradient", part.activation, part.lambda_, case, ()))

    def _compute(self, activation_part, activation, lambda_, case_name, ids) -> Values:
        mistakes = [BY_KEY[k] for k in ids]
        case = self.cases[case_name]
        if activation_part:
            wrong = next((m.activation_gradient for m in mistakes if m.activation_gradient), None)
            g = nn.activation_gradient(activation, case.z) if wrong is None else wrong(activation, case.z)
            return {"g": g}
        network = self.network(case_name)
        with np.errstate(all="ignore"):
            J, grad = nn.cost_and_gradient(network, case.params, case.X, case.y, lambda_,
                                           steps_for(mistakes, network))
        return {"J": np.float64(J), "grad": grad}

    def finite(self, part: Part, case: str, mistakes: tuple[Mistake, ...] = ()) -> bool:
        """True when every value `output` gives for these arguments is finite."""
        return self._finite(part.check, part.activation, part.lambda_, case, tuple(m.key for m in mistakes),
                            self.ignored)

    def _all_finite(self, check, activation, lambda_, case, ids, ignored) -> bool:
        values = self._cache(check == "activation_gradient", activation, lambda_, case, ids)
        return all(bool(np.isfinite(values[name]).all()) for name in CHECKS[check][0] if name not in ignored)

    def candidates(self, part: Part, mistakes: list[Mistake]) -> tuple[list, list]:
        """`candidates(self, part, mistakes)`, computed once per part and list of mistakes."""
        key = (part.check, part.activation, part.lambda_, tuple(part.cases), tuple(m.key for m in mistakes))
        found = self._candidates.get(key)
        if found is None:
            found = self._candidates[key] = candidates(self, part, mistakes)
        return found

    def first_case(self, part: Part, candidates: list) -> _FirstCase:
        """The candidates' values on the part's first case, stacked (once per part and list of candidates)."""
        key = (part.check, part.activation, part.lambda_, tuple(part.cases), id(candidates))
        found = self._first_cases.get(key)  # the list `candidates` returns, kept here: its id stays its own
        if found is None or found[0] is not candidates:
            found = self._first_cases[key] = (candidates, _FirstCase(self, part, candidates))
        return found[1]

    def changes(self, part: Part, mistakes: tuple[Mistake, ...]) -> bool:
        """True when these mistakes move the part's values on some case by more than SEPARATION."""
        return any(self.distance(part, c, mistakes, ()) > SEPARATION for c in part.cases)

    def apart(self, part: Part, first: tuple[Mistake, ...], second: tuple[Mistake, ...]) -> bool:
        """True when the two candidates' values differ on some case by more than SEPARATION."""
        return any(self.distance(part, c, first, second) > SEPARATION for c in part.cases)

    def distance(self, part: Part, case: str, first: tuple[Mistake, ...], second: tuple[Mistake, ...]) -> float:
        """The largest relative difference between the two candidates' values on a case."""
        a, b = self.output(part, case, first), self.output(part, case, second)
        return max(_distance(a[name], b[name]) for name in a)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return 0.0 if np.array_equal(a, b, equal_nan=True) else np.inf
    return relative_error(a, b)


_last_applicable: tuple = (None, None, [])  # (exercise, cases, mistakes): a batch asks again for every submission


def applicable(exercise: Exercise, cases: dict[str, CaseData]) -> list[Mistake]:
    """The catalogue's mistakes that can be made in this exercise."""
    global _last_applicable
    last_exercise, last_cases, found = _last_applicable
    if last_exercise is exercise and last_cases is cases:
        return list(found)
    found = _applicable(exercise, cases)
    _last_applicable = (exercise, cases, found)
    return list(found)


def _applicable(exercise: Exercise, cases: dict[str, CaseData]) -> list[Mistake]:
    sizes = next((c.sizes for c in cases.values() if c.sizes), ())
    network = exercise.network.with_sizes(sizes)
    functions = {p.check for p in exercise.parts}
    result = []
    for mistake in CATALOGUE:
        if not mistake.applies(network):
            continue
        network_part = bool(mistake.steps) and functions & {"cost", "gradient"}
        activation_part = mistake.activation_gradient is not None and "activation_gradient" in functions
        if network_part or activation_part:
            result.append(mistake)
    return result


def candidates(variants: Variants, part: Part, mistakes: list[Mistake]) -> tuple[list, list]:
    """Singles and pairs that change this part (each member of a pair must change it on its own)."""
    singles = [(m,) for m in mistakes if variants.changes(part, (m,))]
    pairs = [(a, b) for (a,), (b,) in combinations(singles, 2) if not overlapping(a, b)]
    return singles, pairs


def distinct(variants: Variants, part: Part, pairs: list) -> list:
    """The pairs that differ from each of their members alone: a wrong factor of a λ term that is missing
    changes nothing, so that pair is its member. Applied to the few pairs found, not to every candidate:
    each pair's values on every case would cost more than all the rest of a diagnosis."""
    return [pair for pair in pairs if all(variants.apart(part, pair, (single,)) for single in pair)]


class _FirstCase:
    """Candidates' values on a part's first case, one row per candidate, so that one student's values are
    measured against all of them in a few numpy calls (`matching`) instead of one `matches` each."""

    def __init__(self, variants: Variants, part: Part, candidates: list):
        case = part.cases[0]
        self.finite = np.array([variants.finite(part, case, c) for c in candidates], dtype=bool)
        outputs = [variants.output(part, case, c) for c in candidates]
        self.rows: dict[str, np.ndarray] | None = {}
        self.squares: dict[str, np.ndarray] = {}
        for name in variants.compared(part):
            rows = [np.asarray(output[name], dtype=np.float64).ravel() for output in outputs]
            if len({row.size for row in rows}) > 1:
                self.rows = None  # values of different sizes: `matching` leaves every candidate to `matches`
                return
            matrix = np.stack(rows) if rows else np.empty((0, 0))
            with np.errstate(all="ignore"):
                self.rows[name], self.squares[name] = matrix, np.einsum("ij,ij->i", matrix, matrix)

    def far(self, observed: Values, tolerance: float = MATCH_TOLERANCE) -> np.ndarray:
        """Per candidate: True when it certainly does not match `observed` on this case (a value that is not
        finite, or ‖value − observed‖² ≥ 4 × tolerance² × ‖value‖², twice the tolerance, in numbers
        neither too large for plain squares nor below relative_error's floor: there `matches` says no too)."""
        far = ~self.finite
        if self.rows is None:
            return np.zeros_like(far)
        for name, matrix in self.rows.items():
            value = np.asarray(observed[name], dtype=np.float64).ravel()
            if value.size != matrix.shape[1]:
                return np.zeros_like(far)
            size = self.squares[name]
            with np.errstate(all="ignore"):
                difference = matrix - value
                squared = np.einsum("ij,ij->i", difference, difference)
                far |= (squared < 1e200) & (size > _FLOOR_SQUARED) & (size < 1e200) & \
                    (squared >= 4.0 * tolerance * tolerance * size)
        return far


def matching(variants: Variants, part: Part, observed: dict[str, Values], candidates: list,
             tolerance: float = MATCH_TOLERANCE) -> list:
    """The candidates that reproduce every compared value on every case: [c for c in candidates if
    matches(...)], with those far off on the first case set aside at once (_FirstCase.far)."""
    if not candidates:
        return []
    far = variants.first_case(part, candidates).far(observed[part.cases[0]], tolerance)
    return [c for c, off in zip(candidates, far, strict=True)
            if not off and matches(variants, part, observed, c, tolerance)]


def matches(variants: Variants, part: Part, observed: dict[str, Values], candidate,
            tolerance: float = MATCH_TOLERANCE) -> bool:
    """True when the candidate reproduces every compared value on every case of the part (within tolerance)."""
    for case in part.cases:
        if not (variants.finite(part, case, candidate) and
                all(np.isfinite(value).all() for value in observed[case].values())):
            return False
        for name, value in variants.output(part, case, candidate).items():
            if not within(observed[case][name], value, tolerance):
                return False
    return True


def all_finite(observed: dict[str, Values], name: str) -> bool:
    """Is the student's `name` (J) a finite number on every case? A nan J is named by what it is
    (cost_not_finite, grading.explain), and a gradient beside it is matched on grad alone (`diagnose`)."""
    return all(bool(np.isfinite(np.asarray(values[name], dtype=np.float64)).all()) for values in observed.values())


def diagnose(variants: Variants, part: Part, observed: dict[str, Values], mistakes: list[Mistake]) -> list[Mistake]:
    """The mistakes that explain a failed part's values (observed: case -> values), or [] when none does."""
    if set(observed) != set(part.cases):
        return []
    if part.check == "gradient" and not all_finite(observed, "J"):
        # a nan or inf J (its cost part says so) must not hide the gradient's own mistake, which may change J
        # too (labels off by one): match on grad alone, never on an invented J
        variants = variants.ignoring({"J"})
        observed = {case: {"grad": values["grad"]} for case, values in observed.items()}
    singles, pairs = variants.candidates(part, mistakes)
    found = matching(variants, part, observed, singles) or distinct(variants, part,
                                                                    matching(variants, part, observed, pairs))
    loose = variants.exercise.tolerance
    if not found and loose > MATCH_TOLERANCE:
        # Within the grading tolerance only: the values a right answer may differ by (a log(a + ε)) may
        # separate a student from their mistake's variant too. Named only when it is the one candidate left.
        for group in (singles, pairs):
            near = matching(variants, part, observed, group, loose)
            near = distinct(variants, part, near) if group is pairs else near
            if near:
                found = near if len({_ids(c) for c in near}) == 1 else []
                break
    if not found:
        return in_some_layers(variants, part, observed, singles)
    named = {}  # one entry per id: the forms of one mistake (cost and gradient...) are named once
    for candidate in found:
        for mistake in candidate:
            named.setdefault(mistake.id, mistake)
    return list(named.values())


# ---- a mistake made in some of the weight matrices only ------------------------------------

# Steps a student can get wrong for one Θ and right for another without the error reaching the others: each
# Θ's gradient is computed from its own δ and weights (network.cost_and_gradient's loop), and the cost's λ
# term adds one term per Θ. (A wrong δ reaches every earlier layer, so output_delta and the like are not here.)
LAYER_STEPS = {"gradient": frozenset({"weight_gradient", "penalized_weights", "gradient_penalty"}),
               "cost": frozenset({"cost_penalty"})}


def in_some_layers(variants: Variants, part: Part, observed: dict[str, Values], singles: list) -> list[Mistake]:
    """A catalogue mistake whose step is per Θ, made for some Θ only (Theta1's bias gradient left at zero,
    Theta2's right; the λ term forgotten for Theta2 alone): the student's values are the reference's with
    those Θs' share taken from the mistake's variant, on every case. A gradient part compares J too (unless
    left out: `diagnose`): it must be right, or be explained as well, by a mistake of the cost alone (made for
    all Θs or for some), as a mistake in every Θ would have to be. Named, with the Θs in the titles, only when
    one explanation fits (tight tolerance first, then the grading tolerance)."""
    steps = LAYER_STEPS.get(part.check)
    if steps is None:
        return []
    count = len(variants.network(part.cases[0]).theta_shapes)
    subsets = [s for size in range(1, count) for s in combinations(range(count), size)]
    cost_only = [m for (m,) in singles if m.steps and set(m.steps) <= {"data_cost", "cost_penalty"}
                 and m.activation_gradient is None]
    local = [m for (m,) in singles if m.steps and set(m.steps) <= steps and m.activation_gradient is None]
    for tolerance in dict.fromkeys((MATCH_TOLERANCE, max(MATCH_TOLERANCE, variants.exercise.tolerance))):
        if part.check == "cost":  # for all Θs it is an ordinary match, tried before this
            found = _cost_explanations(variants, part, observed, cost_only, subsets, tolerance)
        else:
            found = _gradient_explanations(variants, part, observed, local, cost_only, subsets, tolerance) or \
                _beside_another(variants, part, observed, singles, local, subsets, tolerance)
        explanations = {tuple((m.id, layers) for m, layers in combination): combination for combination in found}
        if len(explanations) == 1:
            [combination] = explanations.values()
            beside = any(layers is None and mistake not in cost_only for mistake, layers in combination)
            return [mistake if layers is None else _in_layers(mistake, layers, count, beside)
                    for mistake, layers in combination]
        if explanations:
            return []
    return []


def _gradient_explanations(variants: Variants, part: Part, observed: dict[str, Values], local: list[Mistake],
                           cost_only: list[Mistake], subsets: list, tolerance: float) -> list[tuple]:
    """What explains a gradient part as a mistake of some Θs: ((mistake, Θs), *what explains J) for each local
    mistake made for those Θs, the others right; or, for a gradient that is right, the cost mistake made for
    some Θs that explains J (student review 4, F13: the λ term left out for Theta2 was named in the cost part,
    not in the gradient part, where the same mistake for every Θ is)."""
    right_cost = "J" in variants.ignored or _cost_matches(variants, part, observed, None, None, tolerance)
    grads = [((m, layers),) for m in local for layers in subsets
             if _gradient_matches(variants, part, observed, (), m, layers, tolerance)]
    if grads:
        costs = [()] if right_cost else \
            _cost_explanations(variants, part, observed, cost_only, [None, *subsets], tolerance)
        return [(*grad, *cost) for grad in grads for cost in costs]
    if right_cost or not _gradient_matches(variants, part, observed, (), None, (), tolerance):
        return []
    return _cost_explanations(variants, part, observed, cost_only, subsets, tolerance)


def _beside_another(variants: Variants, part: Part, observed: dict[str, Values], singles: list,
                    local: list[Mistake], subsets: list, tolerance: float) -> list[tuple]:
    """A local mistake made for some Θs beside another mistake made everywhere (student review 4, F13: the
    output delta's sign and Theta1's gradient not divided by m): the student's gradient is the other mistake's,
    with those Θs' blocks as the pair makes them, and J is the other mistake's. Each try compares the blocks
    on the first case first, where the pair's values are those the pair search already computed; and only where
    the other Θs' blocks are the other mistake's on that case (in a batch, with every variant's values computed
    already, trying each pair's blocks took as long as the rest of a diagnosis)."""
    order = {single: i for i, single in enumerate(singles)}
    count = len(variants.network(part.cases[0]).theta_shapes)
    found = []
    for (other,) in singles:
        same = _same_blocks(variants, part, observed[part.cases[0]]["grad"], (other,), tolerance)
        tried = [layers for layers in subsets if set(range(count)) - set(layers) <= same]
        if not tried or "J" not in variants.ignored and not all(
                within(observed[c]["J"], variants.output(part, c, (other,))["J"], tolerance) for c in part.cases):
            continue
        for m in local:
            if m is other or overlapping(other, m):
                continue
            pair = tuple(sorted((other, m), key=lambda x: order[(x,)]))
            found += [((other, None), (m, layers)) for layers in tried
                      if _gradient_matches(variants, part, observed, (other,), m, layers, tolerance, pair)]
    return found


def _same_blocks(variants: Variants, part: Part, grad, base: tuple[Mistake, ...], tolerance: float) -> set[int]:
    """The Θs whose gradient block is `base`'s on the part's first case."""
    case = part.cases[0]
    network = variants.network(case)
    got = np.ravel(np.asarray(grad, dtype=np.float64))
    want = variants.output(part, case, base)["grad"]
    if got.size != want.size:
        return set()
    pairs = zip(nn.reshape(got, network.theta_shapes, network.order),
                nn.reshape(want, network.theta_shapes, network.order), strict=True)
    return {layer for layer, (g, w) in enumerate(pairs) if within(g, w, tolerance)}


def _cost_explanations(variants: Variants, part: Part, observed: dict[str, Values], cost_only: list[Mistake],
                       subsets: list, tolerance: float) -> list[tuple]:
    """What explains J: ((mistake, Θs),) for each cost mistake made for those Θs (None: all of them) that
    matches on every case; a λ term's mistake alone can be made for some Θs."""
    return [((m, layers),) for m in cost_only for layers in subsets
            if (layers is None or set(m.steps) <= LAYER_STEPS["cost"])
            and _cost_matches(variants, part, observed, m, layers, tolerance)]


def _gradient_matches(variants: Variants, part: Part, observed: dict[str, Values], base: tuple[Mistake, ...],
                      mistake: Mistake | None, layers: tuple[int, ...], tolerance: float,
                      together: tuple[Mistake, ...] | None = None) -> bool:
    """True when, on every case, the student's gradient is `base`'s (the reference's when empty) with `layers`'
    blocks as the mistake makes them beside `base` (`together`: the two in the order the pair search uses, so
    its values are reused), and the mistake changes each of those blocks on some case. No mistake and no
    layers: the gradient is `base`'s."""
    moved: set[int] = set()
    for case_name in part.cases:
        network = variants.network(case_name)
        shapes, order = network.theta_shapes, network.order
        got = np.ravel(np.asarray(observed[case_name]["grad"], dtype=np.float64))
        right = variants.output(part, case_name, base)["grad"]
        if got.size != right.size or not np.isfinite(got).all():
            return False
        wrong = right if mistake is None else \
            variants.output(part, case_name, together or (*base, mistake))["grad"]
        for layer, (g, r, w) in enumerate(zip(nn.reshape(got, shapes, order), nn.reshape(right, shapes, order),
                                              nn.reshape(wrong, shapes, order), strict=True)):
            if not within(g, w if layer in layers else r, tolerance):
                return False
            if layer in layers and _distance(w, r) > SEPARATION:
                moved.add(layer)
    return moved == set(layers)


def _cost_matches(variants: Variants, part: Part, observed: dict[str, Values], mistake: Mistake | None,
                  layers: tuple[int, ...] | None, tolerance: float) -> bool:
    """True when, on every case, the student's J is the reference's (no mistake), the mistake's variant's (all
    Θs: `layers` None), or the reference's with `layers`' λ terms as the mistake writes them; a mistake must
    change J (each of `layers`' terms) on some case."""
    moved: set = set()
    for case_name in part.cases:
        got = np.asarray(observed[case_name]["J"], dtype=np.float64)
        right = float(variants.output(part, case_name)["J"])
        if got.size != 1 or not np.isfinite(got).all():
            return False
        if mistake is None:
            want = right
        elif layers is None:
            want = float(variants.output(part, case_name, (mistake,))["J"])
            if abs(want - right) > SEPARATION * abs(right):
                moved.add(None)
        else:
            case, network = variants.cases[case_name], variants.network(case_name)
            thetas = nn.reshape(case.params, network.theta_shapes, network.order)
            examples, wrong_steps = case.X.shape[0], steps_for((mistake,), network)
            changes = {layer: wrong_steps.cost_penalty([thetas[layer]], part.lambda_, examples)
                       - nn.REFERENCE.cost_penalty([thetas[layer]], part.lambda_, examples) for layer in layers}
            want = right + sum(changes.values())
            moved |= {layer for layer, change in changes.items() if abs(change) > SEPARATION * abs(right)}
        if not within(got.reshape(()), np.float64(want), tolerance):
            return False
    return mistake is None or moved == ({None} if layers is None else set(layers))


def _in_layers(mistake: Mistake, layers: tuple[int, ...], count: int, beside: bool = False) -> Mistake:
    """The mistake, its title and explanation saying in which Θs it was made (its id is the catalogue's).
    `beside`: another mistake, made in every Θ, is named with it, so the other Θs are not right, only free of
    this one."""
    from dataclasses import replace

    def owners(numbers: list[int]) -> str:
        return " and ".join(f"Theta{number + 1}'s" for number in numbers)

    others = [layer for layer in range(count) if layer not in layers]
    what = "gradient" if set(mistake.steps) & LAYER_STEPS["gradient"] else "λ term of the cost"
    plural = len(others) > 1
    rest = f"{'do' if plural else 'does'} not have it" if beside else f"{'are' if plural else 'is'} right"
    where = (f"Here the mistake is in {owners(list(layers))} {what}{'s' if len(layers) > 1 else ''} only; "
             f"{owners(others)} {rest}.")
    made = " and ".join(f"Theta{layer + 1}" for layer in layers)
    explanation = mistake.explanation
    return replace(mistake, title=f"{mistake.title} ({made} only)",
                   explanation=lambda network: f"{explanation(network)} {where}")


def _ids(candidate) -> frozenset:
    """What naming a candidate says: its mistakes' ids (the forms of one mistake are one name)."""
    return frozenset(m.id for m in candidate)


def template_values(observed: dict[str, Values], expected: dict[str, Values]) -> list[str]:
    """The compared values that are still the template's on every case: exactly 0 (J = 0, np.zeros).

    Only values the reference does not make zero count, so a right answer is never called unwritten.
    """
    names = next(iter(observed.values()), {})
    return [name for name in names
            if all(not np.any(observed[case][name]) and np.any(expected[case][name]) for case in observed)]


def gradient_size_report(network: nn.Network, size: int) -> tuple[str | None, str]:
    """What a gradient of the wrong length says: (mistake id or None, one sentence), or (None, "").

    Each Θ(l)'s gradient without its bias column is one number short per row; a δ(l) that kept the bias
    column of δ(l+1)·Θ(l) gives Θ(l−1)'s gradient one row too many.
    """
    from itertools import combinations as subsets

    shapes = network.theta_shapes
    expected = network.n_params
    matching = [dropped for count in range(1, len(shapes) + 1) for dropped in subsets(range(len(shapes)), count)
                if size == expected - sum(shapes[i][0] for i in dropped)]
    if matching:
        if len(matching) == 1:
            names = " and ".join(f"Theta{i + 1}" for i in matching[0])
        else:  # e.g. two Θ with as many rows: the length cannot say which
            names = "one or more of the Θ"
        return "bias_gradient_zeroed", (
            f"Your gradient has {expected - size} numbers too few: exactly the bias column of {names}'s "
            f"gradient (one per row). The data term δ(l+1)ᵀ·a(l) must use a(l) with its column of ones, "
            f"so the gradient keeps the bias column; only the λ term leaves it out.")
    for i in range(len(shapes) - 1):  # a hidden δ that kept its bias column: Theta(i+1)'s gradient, one row more
        if size == expected + shapes[i][1]:
            return None, (f"Your gradient has {shapes[i][1]} numbers too many: one extra row in Theta{i + 1}'s "
                          f"gradient. δ{i + 2} kept the bias column of δ{i + 3}·Theta{i + 2}; drop it ([:, 1:]) "
                          f"before multiplying by g′(z{i + 2}).")
    return None, ""


def _zero_hidden_delta(theta_next, delta_next, z, a, activation):
    """δ(l) when the activation's gradient is still the template's zeros: (δ(l+1)·Θ(l))[:, 1:] ⊙ 0."""
    return np.zeros((delta_next.shape[0], theta_next.shape[1] - 1))


def as_if_activation_gradient_unwritten(variants: Variants, part: Part, observed: dict[str, Values]) -> bool:
    """Are the part's values what its function returns when the activation gradient it calls (sigmoidGradient)
    still returns the template's zeros, every hidden δ zero? Then the student wrote this function, and only the
    other is unwritten (student review 4, F3: such a backpropagation was told "Not written yet")."""
    steps = nn.REFERENCE._replace(hidden_delta=_zero_hidden_delta)
    for case in part.cases:
        data = variants.cases[case]
        with np.errstate(all="ignore"):
            J, grad = nn.cost_and_gradient(variants.network(case), data.params, data.X, data.y, part.lambda_, steps)
        values = {"J": np.float64(J), "grad": grad}
        if not all(within(observed[case][name], values[name], MATCH_TOLERANCE) for name in variants.compared(part)):
            return False
    return True


def template_blocks(exercise: Exercise, cases: dict[str, CaseData], observed: dict[str, Values],
                    expected: dict[str, Values]) -> list[str]:
    """The Θ(l) whose gradient block is still all zeros on every case (e.g. ["Theta1's gradient"])."""
    unwritten = None
    for case, values in observed.items():
        network = exercise.network.with_sizes(cases[case].sizes)
        got = nn.reshape(values["grad"], network.theta_shapes, network.order)
        want = nn.reshape(expected[case]["grad"], network.theta_shapes, network.order)
        zero = {i for i, (g, w) in enumerate(zip(got, want, strict=True)) if not np.any(g) and np.any(w)}
        unwritten = zero if unwritten is None else unwritten & zero
    return [f"Theta{i + 1}'s gradient" for i in sorted(unwritten or ())]


def constant_factor(observed: list[np.ndarray], expected: list[np.ndarray]) -> float | None:
    """The c with observed = c × expected on every case, if there is one (c ≠ 1); None otherwise.

    It must hold on several cases: any single number is some multiple of another.
    """
    factors = []
    for got, want in zip(observed, expected, strict=True):
        if not np.isfinite(got).all():
            return None  # a nan J beside a graded gradient: no multiple of anything
        denominator = float(np.dot(want.ravel(), want.ravel()))
        if denominator == 0:
            return None
        c = float(np.dot(got.ravel(), want.ravel())) / denominator
        if relative_error(got, c * want) > MATCH_TOLERANCE:
            return None
        factors.append(c)
    if len(factors) < 2 or abs(factors[0] - 1) < 1e-6:
        return None
    if any(abs(c - factors[0]) > MATCH_TOLERANCE * abs(factors[0]) for c in factors):
        return None
    return factors[0]


def scale_report(name: str, factor: float) -> str:
    return (f"Your {name} is exactly {factor:.6g} × the expected {name} on every case: look for a missing or "
            f"extra factor (1/m, m, K, ½, a sign).")


# ---- evidence for a wrong gradient ---------------------------------------------------------

def lambda_term_report(check: str) -> str:
    """For a λ > 0 part that fails while its λ = 0 twin passes: everything but the λ term is right."""
    if check == "cost":
        return ("Your cost is right with λ = 0 (that part passed), so the bug is in the λ term: it must be "
                "λ/(2m)·Σ Θ[:, 1:]² over every Θ, the bias column 0 left out.")
    return ("Your gradient is right with λ = 0 (that part passed), so the bug is in the λ term: add "
            "λ/m·Θ[:, 1:] to columns 1: of each Θ's gradient and leave column 0 as it is.")


def block_report(exercise: Exercise, case: CaseData, observed: np.ndarray, expected: np.ndarray,
                 lambda_only: bool = False) -> str:
    """Which Θ(l)'s gradient is right: the first place to look follows from it."""
    network = exercise.network.with_sizes(case.sizes)
    shapes, order = network.theta_shapes, network.order
    rereads = {  # the student's vector read back as each of the unrollings students write instead
        "unrolled in the other order": nn.unroll(nn.reshape(observed, shapes, nn.other_order(order)), order),
        "the last Theta's block comes first": nn.unroll(nn.reshape(observed, shapes[::-1], order)[::-1], order),
    }
    for how, reread in rereads.items():
        if relative_error(reread, expected) <= exercise.tolerance:
            major, what, _ = nn.ORDER_WORDS[order]
            return (f"Gradient on case {case.name}: the numbers are right but {how}: unroll each Theta's "
                    f"gradient the way nn_params is unrolled (Theta1 first, each {major}-major, {what}).")
    got = nn.reshape(observed, network.theta_shapes, network.order)
    want = nn.reshape(expected, network.theta_shapes, network.order)
    right = [relative_error(g, w) <= exercise.tolerance for g, w in zip(got, want, strict=True)]
    names = [f"Theta{i + 1}" for i in range(len(right))]
    status = ", ".join(f"{n} {'right' if ok else 'wrong'}" for n, ok in zip(names, right, strict=True))
    if lambda_only and not all(right):
        hint = ("the λ = 0 gradient passed, so the difference is the λ term alone: look at λ/m·Θ and its bias "
                "column, not at backpropagation")
    elif right[-1]:
        hint = "the output layer's gradient is right, so look at the hidden-layer deltas δ(l) and g′(z(l))"
    elif any(right):
        hint = "the output layer's gradient is wrong, so start at δ(L) and the last layer"
    else:
        hint = ("every layer is off, so look at what they share: the output delta δ(L), the labels, "
                "the 1/m, the λ term or the unrolling")
    return f"Gradient by weight matrix on case {case.name}: {status}; {hint}."


# At most this many coordinates are checked, two calls each. Each call is a round trip to the sandbox's worker,
# and a wrong submission's grade was mostly these calls (128 of them at 64: about 0.1 s of a batch's slot; at 16,
# halving them saved a sixth of a class of wrong submissions' CPU). One coordinate of each Θ's bias column and
# of its other columns comes first, then where the gradient is off: eight tell a gradient that follows a wrong
# cost from one wrong by itself.
FD_COORDINATES = 8
_OFF = 1e-7  # a coordinate of the student's gradient is off when it is further than this × the largest expected one


def slope_coordinates(own: np.ndarray, expected: np.ndarray, network: nn.Network) -> np.ndarray:
    """The coordinates whose slope is checked, at most FD_COORDINATES: first one of each Θ's bias column and one
    of its other columns (a bug of the gradient's own may live in one of them only: a zeroed bias column beside
    a 1/m left out of cost and gradient alike), then the rest; within each, where the student's gradient is off
    first, since there the slope tells a gradient that follows a wrong cost from a gradient wrong by itself;
    each in a fixed order."""
    own = np.asarray(own, dtype=np.float64).ravel()
    expected = np.asarray(expected, dtype=np.float64).ravel()
    with np.errstate(all="ignore"):  # nan or inf in the student's values: off
        off = ~(np.abs(own - expected) <= _OFF * np.max(np.abs(expected), initial=0.0))
    order = np.random.default_rng(0).permutation(own.size)
    ranked = np.concatenate([order[off[order]], order[~off[order]]])
    group = np.empty(own.size, dtype=np.int64)  # 2·l for Θ(l+1)'s bias column, 2·l + 1 for its other columns
    blocks = nn.reshape(np.arange(own.size, dtype=np.float64), network.theta_shapes, network.order)
    for layer, block in enumerate(blocks):
        group[block[:, 0].astype(np.int64)] = 2 * layer
        group[block[:, 1:].astype(np.int64)] = 2 * layer + 1
    _, first = np.unique(group[ranked], return_index=True)  # the best-ranked coordinate of each group
    chosen = np.concatenate([ranked[np.sort(first)], np.delete(ranked, first)])
    return np.sort(chosen[:FD_COORDINATES])


def perturbed_params(params: np.ndarray, coordinates: np.ndarray, step: float = FD_STEP) -> list[np.ndarray]:
    """params + h·eᵢ and params − h·eᵢ for each coordinate i, in that order: central differences."""
    calls = []
    for i in coordinates:
        for sign in (1.0, -1.0):
            p = np.array(params, dtype=np.float64)
            p[i] += sign * step
            calls.append(p)
    return calls


def numerical_slope(costs: list[float], step: float = FD_STEP) -> np.ndarray:
    values = np.asarray(costs, dtype=np.float64).reshape(-1, 2)
    with np.errstate(all="ignore"):  # a cost of nan or inf: a slope of nan, which slope_report explains
        return (values[:, 0] - values[:, 1]) / (2.0 * step)


def slope_report(student_grad: np.ndarray, slope: np.ndarray, cost_right: bool) -> str:
    """Tells "the gradient is wrong" from "the cost is wrong too"."""
    difference = relative_error(student_grad, slope) if np.isfinite(slope).all() else np.inf
    if not np.isfinite(difference):
        return "Your cost function's numerical slope could not be computed (it returned nan or inf)."
    if difference <= FD_AGREEMENT:
        return (f"Your gradient agrees with the numerical slope of your own cost function (central "
                f"differences, as checkNNGradients does; relative difference {difference:.1g}): backpropagation "
                f"is consistent with your cost, so what is wrong is in what both compute from: the cost formula, or "
                f"what both read (the weights as rebuilt from nn_params, the labels) — fix that first.")
    tail = " Your cost is right, so the bug is in how the gradient is computed or unrolled." if cost_right else ""
    return (f"Your gradient does not agree with the numerical slope of your own cost function (central "
            f"differences, as checkNNGradients does; relative difference {difference:.2g}).{tail}")


