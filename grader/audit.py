"""`grade audit`: can this exercise's hidden cases detect and tell apart every applicable mistake?

For each applicable mistake: the parts whose values it changes (by more than SEPARATION on some
case) and, on each of those parts, the closest other single mistake or pair of mistakes.
Diagnosis names a mistake per part, so a mistake is distinguishable when on EVERY part it changes,
every other candidate is far from it on at least one case. Also: the grading tolerance must be well
below SEPARATION, or a mistake could pass. Pure computation: no student code runs here.
"""

from dataclasses import dataclass

from .cases import build_all
from .diagnosis import DISTINCT, MATCH_TOLERANCE, SEPARATION, Variants, applicable, candidates
from .spec import Exercise

HINTS = (
    "more cases, or cases with more examples (m = 7 or 9 rather than 4) and K ≥ 3 labels",
    "larger weights (weight_scale) so that z(L) spans about [−4, 4] and σ′(z) is not a constant 0.25",
    "a part with λ > 0 for the regularization mistakes and one with λ = 0 for the others",
)


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
    rows = []
    for mistake in mistakes:
        detecting = [p for p in exercise.parts if variants.changes(p, (mistake,))]
        worst_name, worst = "—", float("inf")
        for part in detecting:
            singles, pairs = candidates(variants, part, mistakes)
            for other in singles + pairs:
                if other == (mistake,):
                    continue
                # Separated if SOME case tells them apart: take the largest distance over the cases.
                distance = max(variants.distance(part, case, (mistake,), other) for case in part.cases)
                if distance < worst:
                    worst_name, worst = " + ".join(m.id for m in other), distance
        rows.append(AuditRow(mistake.id, tuple(p.id for p in detecting), worst_name, worst,
                             bool(detecting) and worst > DISTINCT))
    return rows


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
        lines += [f"  - {hint}" for hint in HINTS]
    return "\n".join(lines)


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
