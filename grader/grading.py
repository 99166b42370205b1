"""Grade one submission against one exercise: plan the calls, run them, check every part.

The order matters for secrecy: the caller opens the Sandbox (which forks the zygote) before
`grade` computes any expected value, so no process that runs student code ever holds one.
Each student function gets one worker per run; a case whose worker crashed is retried in a fresh
worker so that one crash does not cost the other parts, but a function that timed out is not
called again.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import calling, diagnosis, notes
from .cases import CaseData, build_all
from .checks import CaseCheck, checked_returns, compare
from .sandbox import Call, Outcome, Sandbox
from .spec import Exercise, Function, Part
from .text import printable

CallKey = tuple[str, str, float]  # (function, case, λ)

# The run-time bound: each student function's graded calls share GRADED_BUDGET timeouts of wall time,
# the gradient evidence and the small notes probes share OPTIONAL_BUDGET more, and the full-size speed
# probe gets one timeout of its own, so a grade costs at most
# (functions × GRADED_BUDGET + OPTIONAL_BUDGET + 1) × --timeout, whatever the code does.
GRADED_BUDGET = 2.0
OPTIONAL_BUDGET = 1.0


class Budget:
    """Wall seconds left for a group of sandbox runs of one submission."""

    def __init__(self, sandbox: Sandbox, submission: Path, seconds: float):
        self.sandbox, self.submission = sandbox, submission
        self.end = time.monotonic() + seconds

    def run(self, calls: list[Call]) -> list[Outcome] | None:
        """The calls' outcomes, or None when the budget is used up (nothing runs then)."""
        left = self.end - time.monotonic()
        if left <= 0.01:
            return None
        return self.sandbox.run(self.submission, calls, budget=left)


@dataclass
class PartResult:
    part: Part
    checks: list[CaseCheck]
    feedback: str
    mistakes: list = field(default_factory=list)  # catalogue mistakes that explain a failed part
    evidence: list[str] = field(default_factory=list)  # what the values show, for a failed part

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def score(self) -> int:
        return self.part.points if self.passed else 0


@dataclass
class Report:
    exercise: Exercise
    submission: str
    parts: list[PartResult]
    notes: list = field(default_factory=list)  # observations that cost no points
    sandbox: dict = field(default_factory=dict)  # {"runner": ..., "layers": [...]}: what confined the student's code

    @property
    def score(self) -> int:
        return sum(p.score for p in self.parts)

    @property
    def max_score(self) -> int:
        return self.exercise.max_score


def call_key(part: Part, case: str) -> CallKey:
    # The λ only matters to functions that take it; activation parts share calls across parts.
    return (part.function, case, part.lambda_)


def plan_calls(exercise: Exercise, cases: dict[str, CaseData]) -> dict[str, dict[CallKey, Call]]:
    """Every distinct call the parts need, grouped by student function, in part order."""
    plan: dict[str, dict[CallKey, Call]] = {}
    for part in exercise.parts:
        function = exercise.functions[part.function]
        calls = plan.setdefault(part.function, {})
        for case_name in part.cases:
            key = call_key(part, case_name)
            if key not in calls:
                calls[key] = Call(function.names, calling.arguments(function, cases[case_name], part.lambda_),
                                  function.arguments, len(function.returns), function.returns)
    return plan


def run_calls(budget: Budget, calls: dict[CallKey, Call]) -> dict[CallKey, Outcome]:
    """Run a function's calls; after a crash, run the calls it skipped again in a fresh worker."""
    keys = list(calls)
    outcomes: dict[CallKey, Outcome] = {}
    pending = keys
    while pending:
        results = budget.run([calls[k] for k in pending])
        if results is None:
            break  # out of time: the calls skipped earlier keep their "skipped" outcome
        outcomes.update(zip(pending, results, strict=True))
        stopped = next((i for i, o in enumerate(results) if o.status in ("crash", "timeout")), None)
        if stopped is None or results[stopped].status == "timeout":
            break
        pending = [k for k, o in zip(pending[stopped + 1:], results[stopped + 1:], strict=True)
                   if o.status == "skipped"]
    return outcomes


def describe_failure(outcome: Outcome, function: Function, submission: str, timeout: float) -> str:
    """One sentence for a call that returned nothing usable (the case is named by the caller)."""
    return printable(_failure(outcome, function, submission, timeout))


def _failure(outcome: Outcome, function: Function, submission: str, timeout: float) -> str:
    name = outcome.function or function.name
    if outcome.status == "import_error":
        return f"{submission} could not be imported: {outcome.message}"
    if outcome.status == "missing":
        return f"{submission} defines no function named {' or '.join(function.names)}"
    if outcome.status == "error":
        return f"{name} raised {outcome.message}"
    if outcome.status == "timeout":
        if "budget" in outcome.message:  # the run's total time ran out, not this call's timeout
            return f"{name} was stopped: its calls used up their share of time ({GRADED_BUDGET:g} × --timeout)"
        return f"{name} did not finish within {timeout:g} s"
    if outcome.status == "crash":
        return f"{name} stopped the Python process: {outcome.message}"
    if outcome.status == "skipped":
        return f"{name} was not called: {outcome.message.removeprefix('not run: ')}"
    return outcome.message


def check_part(exercise: Exercise, part: Part, reference: diagnosis.Variants,
               outcomes: dict[CallKey, Outcome], submission: str, timeout: float) -> PartResult:
    function = exercise.functions[part.function]
    compared = checked_returns(part)
    checks = []
    for case_name in part.cases:
        outcome = outcomes[call_key(part, case_name)]
        if outcome.status != "ok":
            checks.append(CaseCheck(case_name, False,
                                    describe_failure(outcome, function, submission, timeout)))
            continue
        values = {name: outcome.values[function.returns.index(name)] for name in compared}
        checks.append(compare(values, reference.output(part, case_name), exercise.tolerance, case_name))
    failed = [c for c in checks if not c.passed]
    feedback = "Nice work!" if not failed else f"{failed[0].message} (case {failed[0].case})."
    return PartResult(part, checks, feedback)


def slope_of_own_cost(exercise: Exercise, part: Part, case: CaseData, coordinates: np.ndarray,
                      budget: Budget) -> np.ndarray | None:
    """Central differences of the student's own cost at these coordinates, run in the sandbox."""
    function = exercise.functions[part.function]
    position = function.arguments.index("nn_params")
    base = calling.arguments(function, case, part.lambda_)
    calls = [Call(function.names, (*base[:position], params, *base[position + 1:]), function.arguments,
                  len(function.returns))
             for params in diagnosis.perturbed_params(case.params, coordinates)]
    outcomes = budget.run(calls)
    if outcomes is None:
        return None
    index = function.returns.index("J")
    costs = []
    for outcome in outcomes:
        if outcome.status != "ok" or np.asarray(outcome.values[index]).size != 1:
            return None
        costs.append(float(np.asarray(outcome.values[index]).reshape(())))
    return diagnosis.numerical_slope(costs)


def explain(exercise: Exercise, results: list[PartResult], cases: dict[str, CaseData],
            variants: diagnosis.Variants, budget: Budget, timed_out: set[str]) -> None:
    """Name the mistakes of each failed part and add the evidence (only failed parts are looked at)."""
    mistakes = diagnosis.applicable(exercise, cases)
    for result in results:
        if result.passed:
            continue
        part = result.part
        observed = {c.case: c.observed for c in result.checks if c.observed is not None}
        if set(observed) != set(part.cases):
            continue  # a crash, a wrong shape or a missing function: the message says it all
        result.mistakes = diagnosis.diagnose(variants, part, observed, mistakes)
        if result.mistakes:
            titles = "; ".join(m.title for m in result.mistakes)
            result.feedback = f"Likely mistake: {titles}. {result.feedback}"
        else:
            result.evidence.append("No mistake in the grader's catalogue explains these values.")
            result.evidence += _scale_evidence(result, variants)
        grad_wrong = any("grad" in c.wrong for c in result.checks)
        if grad_wrong and part.function not in timed_out:
            result.evidence += _gradient_evidence(exercise, result, results, variants, budget)


def _scale_evidence(result: PartResult, variants: diagnosis.Variants) -> list[str]:
    """For an unexplained part: are the wrong values a constant multiple of the expected ones?"""
    lines = []
    wrong_names = dict.fromkeys(name for c in result.checks for name in c.wrong)
    for name in wrong_names:
        observed = [c.observed[name] for c in result.checks]
        expected = [variants.output(result.part, c.case)[name] for c in result.checks]
        factor = diagnosis.constant_factor(observed, expected)
        if factor is not None:
            lines.append(diagnosis.scale_report(name, factor))
    return lines


def _gradient_evidence(exercise, result, results, variants: diagnosis.Variants, budget: Budget) -> list[str]:
    part, cases = result.part, variants.cases
    wrong = next(c for c in result.checks if "grad" in c.wrong)
    expected = variants.output(part, wrong.case)["grad"]
    evidence = [diagnosis.block_report(exercise, cases[wrong.case], wrong.observed["grad"], expected)]
    smallest = min(part.cases, key=lambda name: cases[name].params.size)
    coordinates = diagnosis.slope_coordinates(cases[smallest].params.size)
    slope = slope_of_own_cost(exercise, part, cases[smallest], coordinates, budget)
    if slope is not None:
        cost_right = any(r.passed for r in results if r.part.check == "cost"
                         and r.part.function == part.function and r.part.lambda_ == part.lambda_)
        own = next(c for c in result.checks if c.case == smallest).observed["grad"][coordinates]
        evidence.append(f"On case {smallest}: " + diagnosis.slope_report(own, slope, cost_right))
    return evidence


def collect_notes(exercise: Exercise, results: list[PartResult], plan: dict, outcomes: dict,
                  cases: dict[str, CaseData], budget: Budget) -> list:
    """Notes that cost no points; each probe runs only when the parts it concerns passed."""
    all_calls = {key: call for calls in plan.values() for key, call in calls.items()}
    found = notes.from_outcomes(exercise, all_calls, outcomes, cases)
    # A function all of whose parts passed never timed out, so the probes never call a timed-out function.
    passed = {name: all(r.passed for r in results if r.part.function == name) for name in exercise.functions}
    network_parts = [r.part for r in results if r.part.check != "activation_gradient" and passed[r.part.function]]
    if network_parts and exercise.network.targets == "labels" and \
            "num_labels" in exercise.functions[network_parts[0].function].arguments:
        part = network_parts[0]
        found.append(notes.probe_num_labels(exercise, budget.run, part, cases[part.cases[0]]))
    activation_part = next((r.part for r in results if r.part.check == "activation_gradient"
                            and passed[r.part.function]), None)
    if activation_part is not None:
        found.append(notes.probe_scalar(exercise, budget.run, activation_part))
    if exercise.full_size is not None and network_parts:
        # Last, with one --timeout of its own, so that a timeout there is the call's own.
        own = Budget(budget.sandbox, budget.submission, budget.sandbox.limits.timeout)
        found.append(notes.probe_speed(exercise, own.run, network_parts[0]))
    return [n for n in found if n is not None]


def grade(exercise: Exercise, submission: Path, sandbox: Sandbox, shown_as: str | None = None) -> Report:
    """Grade one submission; the sandbox must already be open (see the module docstring)."""
    cases = build_all(exercise)
    plan = plan_calls(exercise, cases)
    outcomes: dict[CallKey, Outcome] = {}
    timeout = sandbox.limits.timeout
    for calls in plan.values():
        outcomes.update(run_calls(Budget(sandbox, submission, GRADED_BUDGET * timeout), calls))
    # Expected values (and, for failed parts, the mistakes' values) are computed once each, here, after
    # every student call of the graded parts has run.
    variants = diagnosis.Variants(exercise, cases)
    parts = [check_part(exercise, part, variants, outcomes, submission.name, timeout) for part in exercise.parts]
    timed_out = {function for (function, _, _), o in outcomes.items() if o.status == "timeout"}
    optional = Budget(sandbox, submission, OPTIONAL_BUDGET * timeout)
    explain(exercise, parts, cases, variants, optional, timed_out)  # a timed-out function is not called again
    found = collect_notes(exercise, parts, plan, outcomes, cases, optional)
    return Report(exercise, shown_as or str(submission), parts, found, sandbox_used(sandbox))


def sandbox_used(sandbox: Sandbox) -> dict:
    """Which runner graded, and its layers (reports say it: the portable runner isolates far less)."""
    return {"runner": sandbox.runner, "layers": list(sandbox.layers)}
