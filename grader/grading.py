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

from . import calling, checks, diagnosis, notes
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


def continue_calls(budget: Budget, calls: dict[CallKey, Call], done: dict[CallKey, Outcome]) -> dict[CallKey, Outcome]:
    """After a first run's outcomes `done`, what run_calls would do next: after a crash, run the calls it
    skipped again in a fresh worker (nothing after a timeout)."""
    results = [done[key] for key in calls]
    stopped = next((i for i, o in enumerate(results) if o.status in ("crash", "timeout")), None)
    if stopped is None or results[stopped].status == "timeout":
        return {}
    after = list(zip(calls, results, strict=True))[stopped + 1:]
    pending = {key: calls[key] for key, o in after if o.status == "skipped"}
    return run_calls(budget, pending) if pending else {}


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


@dataclass
class Shared:
    """What a batch computes once, after all its sandboxes are open, and hands to every grade."""

    variants: diagnosis.Variants
    speed_probe: bool = False  # the full-size timing note (`grade batch --speed-notes`)
    probe_expected: dict = field(default_factory=dict)  # the num_labels probe's reference values

    @classmethod
    def prepare(cls, exercise: Exercise, speed_probe: bool = False) -> "Shared":
        cases = build_all(exercise)
        variants = diagnosis.Variants(exercise, cases)
        for part in exercise.parts:  # computed now, once, so that slots in threads only read them
            for case in part.cases:
                variants.output(part, case)
        shared = cls(variants, speed_probe)
        part = _first_part(exercise, network=True)
        probe = part and notes.without_last_label(exercise, cases[part.cases[0]])
        if probe is not None and exercise.network.targets == "labels":
            shared.probe_expected = checks.expected_outputs(exercise, part, probe)
        return shared


def _first_part(exercise: Exercise, network: bool) -> Part | None:
    return next((p for p in exercise.parts if (p.check != "activation_gradient") == network), None)


def _ahead_calls(exercise: Exercise, cases: dict[str, CaseData]) -> dict[str, Call]:
    """The notes probes' calls that a batch runs ahead, in the graded run (used only when the parts pass)."""
    calls = {}
    network = _first_part(exercise, network=True)
    if network is not None and exercise.network.targets == "labels" and \
            "num_labels" in exercise.functions[network.function].arguments:
        call = notes.num_labels_call(exercise, network, cases[network.cases[0]])
        if call is not None:
            calls["num_labels"] = call
    activation = _first_part(exercise, network=False)
    if activation is not None:
        calls["scalar"] = notes.scalar_call(exercise, activation)
    return calls


def run_together(sandbox: Sandbox, submission: Path, plan: dict[str, dict[CallKey, Call]],
                 ahead: dict[str, Call]) -> tuple[dict[CallKey, Outcome], dict[str, Outcome]]:
    """A batch's first run: every function's graded calls, then the probes' calls, in one worker.

    Only outcomes the per-function runs would also have produced are kept: the first function's as they
    are (its run starts exactly as its own run would: fresh worker, import, the same budget), another
    function's only when all its calls finished here (no crash, timeout or skipped call), and a probe's
    when it finished. `grade` runs whatever is left the lone way, so the scores are the same.
    """
    keys = [(key, call) for calls in plan.values() for key, call in calls.items()]
    budget = Budget(sandbox, submission, GRADED_BUDGET * sandbox.limits.timeout)
    results = budget.run([call for _, call in keys] + list(ahead.values()))
    if results is None:
        return {}, {}
    graded = dict(zip((key for key, _ in keys), results[: len(keys)], strict=True))
    unfinished = ("crash", "timeout", "skipped")
    kept: dict[CallKey, Outcome] = {}
    for number, function in enumerate(plan):
        outcomes = {key: o for key, o in graded.items() if key[0] == function}
        if number == 0 or all(o.status not in unfinished for o in outcomes.values()):
            kept.update(outcomes)
    probes = {name: o for name, o in zip(ahead, results[len(keys):], strict=True) if o.status not in unfinished}
    return kept, probes


def _ran_ahead(outcome: Outcome | None, run):
    """A probe's `run`: the outcome found ahead when there is one, else a real run."""
    return run if outcome is None else (lambda calls: [outcome])


def collect_notes(exercise: Exercise, results: list[PartResult], plan: dict, outcomes: dict,
                  cases: dict[str, CaseData], budget: Budget, shared: Shared | None = None,
                  ahead: dict[str, Outcome] | None = None) -> list:
    """Notes that cost no points; each probe runs only when the parts it concerns passed.

    In a batch (`shared`), the full-size timing call runs only with --speed-notes, and a probe whose
    call already ran with the graded calls (`ahead`) uses that outcome.
    """
    ahead = ahead or {}
    all_calls = {key: call for calls in plan.values() for key, call in calls.items()}
    found = notes.from_outcomes(exercise, all_calls, outcomes, cases)
    # A function all of whose parts passed never timed out, so the probes never call a timed-out function.
    passed = {name: all(r.passed for r in results if r.part.function == name) for name in exercise.functions}
    network_parts = [r.part for r in results if r.part.check != "activation_gradient" and passed[r.part.function]]
    if network_parts and exercise.network.targets == "labels" and \
            "num_labels" in exercise.functions[network_parts[0].function].arguments:
        part = network_parts[0]
        first = part is _first_part(exercise, network=True)
        run = _ran_ahead(ahead.get("num_labels"), budget.run) if first else budget.run
        expected = shared.probe_expected if shared is not None and first and shared.probe_expected else None
        found.append(notes.probe_num_labels(exercise, run, part, cases[part.cases[0]], expected))
    activation_part = next((r.part for r in results if r.part.check == "activation_gradient"
                            and passed[r.part.function]), None)
    if activation_part is not None:
        first = activation_part is _first_part(exercise, network=False)
        found.append(notes.probe_scalar(exercise, _ran_ahead(ahead.get("scalar"), budget.run) if first else budget.run,
                                        activation_part))
    if (shared is None or shared.speed_probe) and exercise.full_size is not None and network_parts:
        # Last, with one --timeout of its own, so that a timeout there is the call's own.
        own = Budget(budget.sandbox, budget.submission, budget.sandbox.limits.timeout)
        found.append(notes.probe_speed(exercise, own.run, network_parts[0]))
    return [n for n in found if n is not None]


def grade(exercise: Exercise, submission: Path, sandbox: Sandbox, shown_as: str | None = None,
          shared: Shared | None = None) -> Report:
    """Grade one submission; the sandbox must already be open (see the module docstring).

    A batch passes one `shared` (made after every sandbox is open) to all its submissions, so each
    expected value is computed once per batch, and runs all graded calls and the probes' calls in one
    worker first (run_together); a lone grade makes its expected values after its student calls.
    """
    cases = shared.variants.cases if shared is not None else build_all(exercise)
    plan = plan_calls(exercise, cases)
    outcomes: dict[CallKey, Outcome] = {}
    ahead: dict[str, Outcome] = {}
    timeout = sandbox.limits.timeout
    if shared is not None:
        started = time.monotonic()
        outcomes, ahead = run_together(sandbox, submission, plan, _ahead_calls(exercise, cases))
        first = next(iter(plan), None)
        if first is not None and any(key[0] == first for key in outcomes):
            # The first function's run went as its own would have: go on as run_calls does after a crash.
            left = GRADED_BUDGET * timeout - (time.monotonic() - started)
            outcomes.update(continue_calls(Budget(sandbox, submission, left), plan[first], outcomes))
    for calls in plan.values():
        if not any(key in outcomes for key in calls):
            outcomes.update(run_calls(Budget(sandbox, submission, GRADED_BUDGET * timeout), calls))
    # Expected values (and, for failed parts, the mistakes' values) are computed once each, here, after
    # every student call of the graded parts has run.
    variants = shared.variants if shared is not None else diagnosis.Variants(exercise, cases)
    parts = [check_part(exercise, part, variants, outcomes, submission.name, timeout) for part in exercise.parts]
    timed_out = {function for (function, _, _), o in outcomes.items() if o.status == "timeout"}
    optional = Budget(sandbox, submission, OPTIONAL_BUDGET * timeout)
    explain(exercise, parts, cases, variants, optional, timed_out)  # a timed-out function is not called again
    found = collect_notes(exercise, parts, plan, outcomes, cases, optional, shared, ahead)
    return Report(exercise, shown_as or str(submission), parts, found)
