"""`grade audit`: can this exercise's hidden cases detect and tell apart every applicable mistake?

For each applicable mistake: the parts whose values it changes (by more than SEPARATION on some
case) and, on each of those parts, the closest other single mistake or pair of mistakes.
Diagnosis names a mistake per part, so a mistake is distinguishable when on EVERY part it changes,
every other candidate is far from it on at least one case. Also: the grading tolerance must be well
below SEPARATION, or a mistake could pass. Pure computation: no student code runs here.
"""

import math
from dataclasses import dataclass

import numpy as np

from .cases import build_all
from .diagnosis import DISTINCT, MATCH_TOLERANCE, SEPARATION, Variants, applicable, candidates, distinct
from .engine.network import forward
from .spec import Exercise

MORE_CASES = "more cases, or cases with more examples (m = 7 or 9 rather than 4) and K ≥ 3 labels"
LAMBDAS = "a part with λ > 0 for the regularization mistakes and one with λ = 0 for the others"
# The z of a sigmoid or tanh layer should span about [−4, 4]: within ±SMALL_Z on every case f′(z) is nearly a
# constant (σ′ ≈ 0.25, so an extra σ′(z(L)) is a plain scale error); with half of them beyond ±LARGE_Z on every
# case f′(z) is nearly 0 and the outputs 0 or 1, so the mistakes that differ by f′ give the same values.
SATURATING = ("sigmoid", "tanh")
SMALL_Z, LARGE_Z = 2.0, 8.0
_NEAR_ZERO = {"sigmoid": "σ′(z) ≈ 0.25", "tanh": "tanh′(z) ≈ 1"}  # f′(z) for z near 0


@dataclass(frozen=True)
class AuditRow:
    mistake: str
    parts: tuple[str, ...]  # the parts that detect it
    closest: str  # the closest other candidate on the worst part, e.g. "cost_not_averaged" or "a + b"
    distance: float  # its relative distance on the best-separating case of that part (inf: none)
    ok: bool

    @property
    def problem(self) -> str:
        if not self.parts:
            return "not detected by any part"
        if not self.ok:
            return f"indistinguishable from {self.closest}"
        return ""


def audit(exercise: Exercise) -> list[AuditRow]:
    cases = build_all(exercise)
    variants = Variants(exercise, cases)
    mistakes = applicable(exercise, cases)
    tables = {}  # part id -> (its candidates, their values stacked per case and return name)
    rows = []
    for mistake in mistakes:
        detecting = [p for p in exercise.parts if variants.changes(p, (mistake,))]
        worst_name, worst = "—", float("inf")
        for part in detecting:
            if part.id not in tables:
                singles, pairs = candidates(variants, part, mistakes)
                pairs = distinct(variants, part, pairs)  # a pair equal to its member is that member
                tables[part.id] = (singles + pairs, _stacked(variants, part, singles + pairs))
            others, stacked = tables[part.id]
            distances = _distances_to(stacked, others.index((mistake,)))
            for i, other in enumerate(others):
                if all(m.id == mistake.id for m in other):
                    continue  # its own forms, alone or together: diagnosis names the same id
                if distances[i] < worst:
                    worst_name, worst = " + ".join(m.id for m in other), float(distances[i])
        rows.append(AuditRow(mistake.key, tuple(p.id for p in detecting), worst_name, worst,
                             bool(detecting) and worst > DISTINCT))
    return rows


def _stacked(variants: Variants, part, others: list) -> list[np.ndarray]:
    """Every candidate's values on the part, one matrix (candidates × values) per case and return name."""
    return [np.array([np.ravel(variants.output(part, case, other)[name]) for other in others], dtype=np.float64)
            for case in part.cases for name in variants.output(part, case)]


def _distances_to(stacked: list[np.ndarray], index: int) -> np.ndarray:
    """For every candidate, the largest relative distance of candidate `index`'s values from its values.

    The vectorized form of diagnosis.Variants.distance (‖a − b‖ / ‖b‖, max over names and cases; values
    that are not finite are 0 apart when identical, infinitely apart otherwise): separated if SOME case
    tells two candidates apart.
    """
    largest = np.zeros(stacked[0].shape[0])
    for values in stacked:
        mine = values[index]
        with np.errstate(all="ignore"):
            scale = np.maximum(np.maximum(np.abs(values).max(axis=1), np.abs(mine).max()), 1e-12)[:, None]
            difference = np.linalg.norm(mine / scale - values / scale, axis=1)
            distance = difference / np.maximum(np.linalg.norm(values / scale, axis=1), 1e-12 / scale[:, 0])
        finite = np.isfinite(values).all(axis=1) & bool(np.isfinite(mine).all())
        for row in np.flatnonzero(~finite):  # rare: nan or inf somewhere
            distance[row] = 0.0 if np.array_equal(mine, values[row], equal_nan=True) else np.inf
        largest = np.maximum(largest, distance)
    return largest


# The most values (the gradient's, one per weight, or z's) one case may hold for the audit: it keeps every
# candidate's values, a single mistake or a pair (hundreds of them), of every case, so its memory grows with
# both: about 30 MB per 1,000 weights (a 400-25-10 case, 10,285 weights: 320 MB). An instructor's case of
# 700-700-700 units (982,100 weights) took all of a 24 GB machine (author review 4, E2). Grading itself keeps a
# few candidates per part and handles any size validate allows.
AUDIT_MAX_VALUES = 30_000


def size_problem(exercise: Exercise, cases: dict) -> str:
    """A case too large to audit, said in one line naming the file and the case; "" when none is."""
    for name, case in cases.items():
        values = sum(a.size for a in (case.params, case.z) if a is not None)
        if values > AUDIT_MAX_VALUES:
            return (f"{exercise.path}: cases.{name} holds {values:,} weights (or z values), more than the "
                    f"{AUDIT_MAX_VALUES:,} grade audit handles: it keeps every mistake's and every pair's values of "
                    f"each case, about {values * 30 // 1000:,} MB here. Hidden cases only need a few units and "
                    f"examples to tell mistakes apart (m = 7 to 11, 3 to 5 units a layer): make this case smaller; "
                    f"grading handles any size")
    return ""


def tolerance_problem(exercise: Exercise) -> str:
    """A grading tolerance as large as the separation would let a mistake pass."""
    if exercise.tolerance > SEPARATION / 10:
        return (f"tolerance {exercise.tolerance:g} is too loose: a mistake that moves the values by "
                f"{SEPARATION:g} could pass; use at most {SEPARATION / 10:g}")
    return ""


def as_text(exercise: Exercise, rows: list[AuditRow]) -> str:
    width = max([len(r.mistake) for r in rows] + [7])
    lines = [f"Audit of {exercise.id} ({exercise.path}): {len(rows)} applicable mistakes. A mistake must move "
             f"some value by {SEPARATION:g} and differ from every other by {DISTINCT:g} (relative); it is "
             f"named when it matches within {MATCH_TOLERANCE:g}.",
             f"{'mistake':<{width}}  {'detected by':<44}  {'closest other (distance)':<52}  status"]
    for r in rows:
        closest = f"{r.closest} ({r.distance:.2g})" if r.distance != float("inf") else "none"
        lines.append(f"{r.mistake:<{width}}  {', '.join(r.parts) or '—':<44}  {closest:<52}  "
                     f"{'ok' if r.ok else 'FAIL: ' + r.problem}")
    if tolerance_problem(exercise):
        lines += ["", "FAIL: " + tolerance_problem(exercise)]
    if not all(r.ok for r in rows):
        lines += ["", "Some mistakes slip through or look alike on these cases. Try:"]
        lines += [f"  - {hint}" for hint in hints(exercise)]
    return "\n".join(lines)


def hints(exercise: Exercise) -> list[str]:
    """What to try when the audit fails, following the cause: the weights' hint only when the cases' z are too
    small or too large, and which (it said "larger weights" to weights 40 times too large: author review 4,
    E15); the λ hint only when the parts lack λ = 0 or λ > 0."""
    found = [MORE_CASES]
    weights = _weights_hint(exercise)
    if weights:
        found.append(weights)
    lambdas = [part.lambda_ for part in exercise.parts if part.check in ("cost", "gradient")]
    if not (any(value > 0 for value in lambdas) and any(value == 0 for value in lambdas)):
        found.append(LAMBDAS)
    return found


def _weights_hint(exercise: Exercise) -> str:
    """"larger weights ..." when the sigmoid or tanh layers' z stay small on every case that holds weights,
    "smaller weights ..." when most of them are large on every such case; else ""."""
    activations = exercise.network.activations
    layers = [i for i, name in enumerate(activations) if name in SATURATING]
    per_case = [np.concatenate([np.abs(forward(case.thetas, case.X, activations)[0][i]).ravel() for i in layers])
                for case in build_all(exercise).values() if case.thetas and case.X is not None and layers]
    if not per_case:
        return ""
    names = "/".join(dict.fromkeys(activations[i] for i in layers))
    largest = max(float(np.max(z)) for z in per_case)
    if largest < SMALL_Z:
        constant = _NEAR_ZERO[activations[layers[-1]]]
        return (f"larger weights (weight_scale, or the thetas' scale): the {names} layers' z stay within "
                f"±{largest:.2g} on these cases, where f′(z) is nearly a constant ({constant}); z spanning about "
                f"[−4, 4] tells the mistakes apart")
    typical = min(float(np.median(z)) for z in per_case)
    if typical > LARGE_Z:
        return (f"smaller weights (weight_scale, or the thetas' scale): half of the {names} layers' z lie beyond "
                f"±{typical:.2g} on every case, where f′(z) is about 0 and the outputs 0 or 1; z spanning about "
                f"[−4, 4] tells the mistakes apart")
    return ""


def audit_secrets(exercise: Exercise, count: int) -> list[dict]:
    """Audit the cases of `count` fixed secrets ("nn-grader audit seed 0", ...): problems per secret."""
    from .checks import verify_expected
    from .secret import fingerprint, with_secret
    from .spec import SpecError

    results = []
    for i in range(count):
        secret = f"nn-grader audit seed {i}".encode()
        seeded = with_secret(exercise, secret)
        try:
            verify_expected(seeded, build_all(seeded))
        except SpecError as error:
            problems = [str(error)]
        else:
            problems = [f"{r.mistake}: {r.problem}" for r in audit(seeded) if not r.ok]
            problems += [tolerance_problem(seeded)] if tolerance_problem(seeded) else []
        results.append({"secret": secret.decode(), "fingerprint": fingerprint(secret), "ok": not problems,
                        "problems": problems})
    return results


@dataclass(frozen=True)
class TrainingRow:
    """A training part's figures: the reference's, and those it reaches with round-off-sized changes to its
    gradient (training.round_off_figures), which a correct solution's figure may be anywhere among."""

    part: str
    values: bool  # the figure is a loss (targets: values), else an accuracy
    reference: float
    round_off: tuple[float, ...]
    within: float

    @property
    def drift(self) -> float:
        """How far the worst of the round-off figures is from the reference, in `within`'s units: points of
        accuracy below it, or the loss's relative excess above it."""
        if self.values:
            high = max(self.round_off, default=self.reference)
            if high <= self.reference:
                return 0.0
            return (high - self.reference) / self.reference if self.reference > 0 else float("inf")
        return max(0.0, self.reference - min(self.round_off, default=self.reference))

    @property
    def ok(self) -> bool:
        """`within` is at least twice the drift seen: a few runs see less than a class of hundreds reaches."""
        return self.within >= 2 * self.drift

    @property
    def suggested_within(self) -> float | None:
        if self.ok or self.drift == float("inf"):
            return None
        step = 0.005 if not self.values else 10 ** (math.floor(math.log10(2 * self.drift)) - 1)
        return round(math.ceil(2 * self.drift / step) * step, 12)


def training_rows(exercise: Exercise) -> list[TrainingRow]:
    """One row per training part (each trains the reference ROUND_OFF_RUNS + 1 times, in this process)."""
    from .training import round_off_figures

    rows = []
    for part in exercise.training_parts:
        reference, figures = round_off_figures(exercise, part)
        rows.append(TrainingRow(part.id, exercise.network.targets == "values", reference, tuple(figures),
                                part.training.within))
    return rows


def training_text(rows: list[TrainingRow]) -> str:
    """The training parts' lines of `grade audit`'s report ("" when there are none)."""
    from .training import ROUND_OFF_RUNS

    if not rows:
        return ""
    lines = [f"Training parts: the reference trained {ROUND_OFF_RUNS} more times, each time with every gradient "
             f"changed by round-off, as a correct solution's own arithmetic changes it:"]
    for r in rows:
        shown = (lambda f: f"{f:.4g}") if r.values else (lambda f: f"{100 * f:.1f}%")
        low, high = min(r.round_off, default=r.reference), max(r.round_off, default=r.reference)
        bound = f"≤ {shown(r.reference * (1 + r.within))}" if r.values else f"≥ {shown(r.reference - r.within)}"
        line = (f"  {r.part}: the reference reaches {shown(r.reference)}; with round-off, {shown(low)} to "
                f"{shown(high)}. within {r.within:g} passes at {bound}: ")
        if r.ok:
            lines.append(line + "ok")
            continue
        drift = f"{100 * r.drift:.1f} points below" if not r.values else f"{100 * r.drift:.2g}% above"
        advice = (f"use within: {r.suggested_within:g} or more (twice the largest drift seen)"
                  if r.suggested_within is not None else "the reference's loss is 0: a relative `within` has no room")
        lines.append(line + f"FAIL: a correct solution may end {drift} the reference; {advice}, or fewer "
                            f"iterations or a smaller network, whose training drifts less")
    return "\n".join(lines)
