"""Grade one submission against one exercise: plan the calls, run them, check every part.

The order matters for secrecy: the caller opens the Sandbox (which forks the zygote) before
`grade` computes any expected value, so no process that runs student code ever holds one.
Each student function gets one worker per run; a case whose worker crashed is retried in a fresh
worker so that one crash does not cost the other parts, but a function that timed out is not
called again.
"""

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import calling, checks, diagnosis, notes, returns
from . import submission as runnable
from .cases import CaseData, build_all
from .checks import CaseCheck, checked_returns, compare
from .mistakes import BY_ID, COST_NOT_FINITE, NOT_IMPLEMENTED
from .note_titles import TITLES
from .sandbox import PRIVATE_READS, Call, Outcome, Sandbox, channel_words, stopped_at_import, stopped_by_budget
from .spec import Exercise, Function, Part, SpecError
from .text import printable

CallKey = tuple[str, str, float]  # (function, case, λ)

# The run-time bound: each student function's graded calls share GRADED_BUDGET timeouts of wall time,
# the gradient evidence and the small notes probes share OPTIONAL_BUDGET more, and the full-size speed
# probe gets one timeout of its own, so a grade costs at most
# (functions × GRADED_BUDGET + OPTIONAL_BUDGET + 1) × --timeout, whatever the code does (one GRADED_BUDGET more
# where a grader cell submits another function for a failed part: `graded_as_registered`).
GRADED_BUDGET = 2.0
OPTIONAL_BUDGET = 1.0


class Budget:
    """Wall seconds left for a group of sandbox runs of one submission.

    With a prepared submission (grader/submission.py) only its runnable source runs, and every outcome is
    told in the student's terms: their function name, their cell and line."""

    def __init__(self, sandbox: Sandbox, submission: Path, seconds: float,
                 prepared: runnable.Submission | None = None):
        self.sandbox, self.submission, self.prepared = sandbox, submission, prepared
        self.end = time.monotonic() + seconds

    def run(self, calls: list[Call], meanwhile=None, arrived: Callable[[], None] | None = None) -> list[Outcome] | None:
        """The calls' outcomes, or None when the budget is used up (nothing runs then). `meanwhile`: see
        `Sandbox.run`; `arrived` is called as each outcome arrives."""
        left = self.end - time.monotonic()
        if left <= 0.01:
            return None
        keep = bounded if arrived is None else lambda call, outcome: (arrived(), bounded(call, outcome))[1]
        if self.prepared is None:
            return self.sandbox.run(self.submission, calls, budget=left, keep=keep, meanwhile=meanwhile)
        calls = [replace(c, names=runnable.student_names(self.prepared, c.names, len(c.args))) for c in calls]
        outcomes = self.sandbox.run(self.submission, calls, budget=left, source=self.prepared.source, keep=keep,
                                    meanwhile=meanwhile)
        return [runnable.translate(self.prepared, o, c.names) for o, c in zip(outcomes, calls, strict=True)]

    def again(self, seconds: float) -> "Budget":
        return Budget(self.sandbox, self.submission, seconds, self.prepared)


def bounded(call: Call, outcome: Outcome) -> Outcome:
    """The outcome as the grader keeps it, decided as it arrives: a returned value (or changed input) with
    more numbers than the call's largest input cannot be right here (J is one number, grad has nn_params'
    size, g has z's), so only its shape is kept, which is all a message about it needs. So the grader
    holds no more of a student's numbers than of its own inputs, however large the returns (up to
    `Limits.result_bytes` each, over as many as 32 slope calls)."""
    limit = max([1] + [np.size(a) for a in call.args if isinstance(a, np.ndarray)])
    values = outcome.values or ()
    if all(v.size <= limit for v in (*values, *outcome.changed_args.values(), *outcome.partial_values.values())):
        return outcome

    def shape_only(v: np.ndarray) -> np.ndarray:
        return v if v.size <= limit else np.broadcast_to(np.float64(np.nan), v.shape)

    return replace(outcome, values=None if outcome.values is None else tuple(map(shape_only, values)),
                   changed_args={name: a for name, a in outcome.changed_args.items() if a.size <= limit},
                   partial_values={i: shape_only(v) for i, v in outcome.partial_values.items()})


@dataclass
class PartResult:
    part: Part
    checks: list[CaseCheck]
    feedback: str
    mistakes: list = field(default_factory=list)  # catalogue mistakes that explain a failed part
    evidence: list[str] = field(default_factory=list)  # what the values show, for a failed part
    graded_on: str | None = None  # the other function a grader cell submits, where the part passed on it instead

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
        return sum(p.part.points for p in self.parts)  # a training part counts only when it ran


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
        if runnable.UNREADABLE in outcome.message or runnable.CANNOT_RUN in outcome.message:  # defined (F17, A6)
            return outcome.message
        missing = f"{submission} defines no function named {' or '.join(function.names)}"
        why = outcome.message if not outcome.message.startswith("no function named") else ""
        return f"{missing}: {why}" if why else missing
    if outcome.status == "error":
        return f"{name} raised {outcome.message}"
    if outcome.status == "timeout":
        running = outcome.message.partition("; it was running ")[2]  # the student's line (submission.py)
        where = f" (it was running {running})" if running else ""
        if stopped_by_budget(outcome):  # the run's total time ran out, not this call's timeout
            return f"{name} was stopped: its calls used up their share of time ({GRADED_BUDGET:g} × --timeout){where}"
        if stopped_at_import(outcome):  # no function was called (review 32, Z8: it blamed nnCostFunction)
            helper = outcome.message.partition("; the import of ")[2].partition("; it was running ")
            if helper[1]:  # a helper's top level (review 37b, R37-7: said twice, in one long parenthesis)
                return (f"{submission} could not be imported: the import of {helper[0].removesuffix(' did not finish')}"
                        f" did not finish within {timeout:g} s; it was running {helper[2]}")
            return f"{submission} could not be imported: its import did not finish within {timeout:g} s{where}"
        return f"{name} did not finish within {timeout:g} s{where}"
    if channel_words(outcome):  # the process did not stop by itself: the grader could not use it (accept14, A4)
        return f"{name} {channel_words(outcome)}"
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
        values = returns.readable(outcome, function, compared)  # J alone may be read beside a grad that is not
        if values is None:
            checks.append(CaseCheck(case_name, False, describe_failure(outcome, function, submission, timeout),
                                    failure=outcome.status))
            continue
        network = reference.network(case_name) if "grad" in compared else None  # names grad's Θ blocks
        expected = _either_side_of_a_kink(part, reference.cases[case_name], values, reference.output(part, case_name))
        check = compare(values, expected, exercise.tolerance, case_name, network)
        swap, reread = ("", None) if check.passed else returns.swapped(
            outcome, function, reference.reference(part, case_name), exercise.tolerance)
        if swap:
            # Read back in the right order, a value that is still wrong is diagnosed like any other (the part
            # still fails: the course's grader reads the values in its own order).
            again = compare(reread, reference.output(part, case_name), exercise.tolerance, case_name, network)
            check = CaseCheck(case_name, False, swap, wrong=compared) if again.passed else \
                again._replace(message=f"{swap}; swapped back, {again.message}")
        checks.append(check)
    result = PartResult(part, checks, part_feedback(checks))
    if "grad" in compared and any(returns.gradient_unreadable(outcomes[call_key(part, c)], function)
                                  for c in part.cases):
        hint = returns.unroll_hint(reference.network(part.cases[0]))
        result.feedback = f"{result.feedback} {hint}"
        result.evidence.append(hint)
    return result


def _either_side_of_a_kink(part: Part, case: CaseData, values: dict, expected: dict) -> dict:
    """ReLU has no derivative at z = 0: 0 and 1 are both conventions (numpy's heaviside(z, 1), `z >= 0`), so at an
    exact 0 of a z case (a grid) either is right (author review 4, E4: a right `(z >= 0)` failed)."""
    if part.activation != "relu" or case.z is None or not np.any(case.z == 0) or "g" not in expected:
        return expected
    g = np.asarray(values.get("g"), dtype=np.float64)
    if g.shape != case.z.shape:
        return expected
    kink = (case.z == 0) & ((g == 0) | (g == 1))
    return {**expected, "g": np.where(kink, g, expected["g"])}


def stopped_check(checks: list[CaseCheck]) -> CaseCheck | None:
    """The first case whose call returned nothing to check: one that timed out, crashed, ... before one that
    was only not run after an earlier call stopped the run (status "skipped"); None when every call returned."""
    stopped = [c for c in checks if c.failure]
    return next((c for c in stopped if c.failure != "skipped"), stopped[0] if stopped else None)


def part_feedback(checks: list[CaseCheck]) -> str:
    """The first failed case's message; when a call returned nothing to check (`stopped_check`), that one's
    first: it is what the part's failure kind (batch.slots.part_failures) names, and it may be why later
    cases went unchecked."""
    failed = [c for c in checks if not c.passed]
    if not failed:
        return "Nice work!"
    stopped = stopped_check(checks) or failed[0]
    shown = [stopped] + [failed[0]] * (stopped is not failed[0])
    return " ".join(f"{c.message} ({_where(c, checks)})." for c in shown)


def _where(check: CaseCheck, checks: list[CaseCheck]) -> str:
    """The cases a message was met on, as the text report's "What went wrong" names them: "every case" when
    each said the same (student review 4, F17: the JSON said "(case coursera)" where the text said every case)."""
    if len(checks) > 1 and all(not c.passed and c.message == check.message for c in checks):
        return "every case"
    return f"case {check.case}"


SOURCE_LIMIT = 1 << 20  # a crash's source file is read for its explanation only up to this size


def read_source(submission: Path, file: str | None) -> str:
    """The text of the file a crash names: the submission, a helper beside it or one in a package of the
    student's in any folder under its own (mylib/tools.py, my-lib/tools.py: the worker's `_own_file` names no
    other); "" when unreadable."""
    parts = Path(file).parts if file else ()
    if not parts or Path(file).is_absolute() or any(part in ("..", ".") for part in parts):
        return ""
    path = submission if file == submission.name else submission.parent.joinpath(*parts)
    if path != submission and (any(p.is_symlink() for p in [path, *path.parents][:len(parts)])
                               or not path.is_file()):
        return ""  # a helper of the student's, never a link to somewhere else
    try:
        with path.open("rb") as handle:
            return handle.read(SOURCE_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _helper_hang_advice(message: str) -> str:
    """What to do about a helper whose import never finishes: its top level runs on every import, the course's
    too (review 37b, R37-7: the message gave no advice)."""
    file = message.partition("; it was running ")[2].partition(", line ")[0]
    return (f"The top level of {file} runs whenever it is imported: put the long-running code there under "
            f"`if __name__ == \"__main__\":`, or in a function that a cell calls.")


def explain_crashes(exercise: Exercise, results: list[PartResult], outcomes: dict[CallKey, Outcome],
                    cases: dict[str, CaseData], submission: Path,
                    prepared: runnable.Submission | None = None) -> None:
    """Add to each crashed part what the student probably meant, from their own code (crashes.py).

    The exception stays in the part's failure messages as the evidence; the explanation follows it.
    """
    sources: dict[str | None, str] = {}
    for result in results:
        if result.graded_on:
            continue  # `outcomes` are the student's own function's: the part's are those of `graded_on` (Y8)
        for case_name in result.part.cases:
            outcome = outcomes[call_key(result.part, case_name)]
            if stopped_at_import(outcome) and "; the import of " in outcome.message:
                text = _helper_hang_advice(outcome.message)
                result.evidence.insert(0, text)
                result.feedback = f"{result.feedback} {text}"
                break
            if outcome.status not in ("error", "import_error"):
                continue
            from . import crashes  # only a crash needs it: a grade without one never loads it

            crash = crashes.parse(outcome.message)
            file = crash.file if crash else None
            if file not in sources:
                cell = runnable.cell_text(prepared, file) if prepared is not None else None
                sources[file] = cell if cell is not None else read_source(submission, file)
            case = cases[case_name]
            context = crashes.Context(sources[file], case.sizes, case.examples if case.sizes else 0,
                                      exercise.allowed_modules, exercise.network.label_base)
            text = printable(crashes.explain(outcome.message, context))
            if text:
                result.evidence.insert(0, text)
                result.feedback = f"{result.feedback} {text}"
            break  # one explanation per part: the first crash's


def explain_gradient_sizes(exercise: Exercise, results: list[PartResult], outcomes: dict[CallKey, Outcome],
                           cases: dict[str, CaseData]) -> None:
    """A gradient of the wrong length on every case: name what its length shows (a dropped bias column...)."""
    for result in results:
        part = result.part
        if result.passed or result.graded_on or "grad" not in checked_returns(part):
            continue  # (`outcomes` are the student's own function's, not those of `graded_on`)
        function = exercise.functions[part.function]
        reports = []
        for case_name in part.cases:
            outcome = outcomes[call_key(part, case_name)]
            network = exercise.network.with_sizes(cases[case_name].sizes)
            size = np.asarray(outcome.values[function.returns.index("grad")]).size if outcome.status == "ok" \
                else network.n_params
            reports.append(diagnosis.gradient_size_report(network, size) if size != network.n_params
                           else (None, ""))
        if not all(text for _, text in reports) or len({mistake_id for mistake_id, _ in reports}) != 1:
            continue  # the same story on every case, or none
        mistake_id, text = min(reports, key=lambda report: "one or more" in report[1])  # a case that says which Θ
        result.evidence.insert(0, text)
        if mistake_id:
            result.mistakes = [BY_ID[mistake_id]]
            result.feedback = f"Likely mistake: {BY_ID[mistake_id].title}. {result.feedback}"


def slope_calls(exercise: Exercise, part: Part, case: CaseData, coordinates: np.ndarray) -> list[Call]:
    """The student's own cost at params ± FD_STEP on these coordinates: two calls per coordinate."""
    function = exercise.functions[part.function]
    position = function.arguments.index("nn_params")
    base = calling.arguments(function, case, part.lambda_)
    return [Call(function.names, (*base[:position], params, *base[position + 1:]), function.arguments,
                 len(function.returns))
            for params in diagnosis.perturbed_params(case.params, coordinates)]


def slope_from(outcomes: list[Outcome], function: Function) -> np.ndarray | None:
    """Central differences from those calls' costs; None unless every call returned one number."""
    index = function.returns.index("J")
    costs = []
    for outcome in outcomes:
        if outcome.status != "ok" or np.asarray(outcome.values[index]).size != 1:
            return None
        costs.append(float(np.asarray(outcome.values[index]).reshape(())))
    return diagnosis.numerical_slope(costs)


def explain(exercise: Exercise, results: list[PartResult], cases: dict[str, CaseData],
            variants: diagnosis.Variants, budget: Budget, timed_out: set[str],
            written: frozenset[str] = frozenset()) -> None:
    """Name the mistakes of each failed part and add the evidence (only failed parts are looked at). `written`:
    the exercise's functions whose definitions compute something (not the template's stub): zeros from one of
    them are not "Not written yet" (review 21, R10: np.zeros(z.shape, dtype=int) cut every value to 0)."""
    mistakes = diagnosis.applicable(exercise, cases)
    slope_evidence: list[PartResult] = []  # failed gradient parts: their slope calls run together, last
    unwritten_activation = _unwritten_activation_part(results, variants)
    for result in results:
        if result.passed:
            continue
        part = result.part
        observed = {c.case: c.observed for c in result.checks if c.observed is not None}
        if set(observed) != set(part.cases):
            continue  # a crash, a wrong shape or a missing function: the message says it all
        if unwritten_activation is not None and "grad" in observed[part.cases[0]] and \
                diagnosis.as_if_activation_gradient_unwritten(variants, part, observed):
            number = results.index(unwritten_activation) + 1
            done = unwritten_activation.part.function in written
            returns = "returns only zeros" if done else "still returns the template's zeros"
            sentence = (f"These are the right values with every hidden layer's δ zero: the activation gradient "
                        f"your function calls {returns} (part {number}, {unwritten_activation.part.title}). "
                        f"{'Fix' if done else 'Write'} that one, then grade again.")
            result.feedback = f"{sentence} {result.feedback}"
            result.evidence.insert(0, sentence)
            continue
        unwritten = diagnosis.template_values(observed, {c: variants.output(part, c) for c in part.cases})
        if not unwritten and "grad" in observed[part.cases[0]]:
            unwritten = diagnosis.template_blocks(exercise, cases, observed, {c: variants.output(part, c)
                                                                              for c in part.cases})
        if unwritten and part.check == "activation_gradient" and part.function in written:  # its one output
            sentence = (f"Your function computes something, but {' and '.join(unwritten)} "
                        f"{'is' if len(unwritten) == 1 else 'are'} all zeros: check what it returns (an array made "
                        f"with dtype=int, as np.zeros(z.shape, dtype=int), holds whole numbers only, so every value "
                        f"is cut to 0; or the result is not assigned to the name it returns).")
            result.feedback = f"{sentence} {result.feedback}"
            result.evidence.insert(0, sentence)
            continue
        if unwritten:
            result.mistakes = [NOT_IMPLEMENTED]
            result.feedback = (f"Not written yet: {' and '.join(unwritten)} "
                               f"{'is' if len(unwritten) == 1 else 'are'} still the template's zeros. "
                               f"{result.feedback}")
            continue
        if part.check == "cost" and not diagnosis.all_finite(observed, "J"):
            result.mistakes = [COST_NOT_FINITE]  # no variant gives nan: named by what it is (acceptance run 13, A2)
            result.feedback = f"Likely mistake: {COST_NOT_FINITE.title}. {result.feedback}"
            continue
        result.mistakes = diagnosis.diagnose(variants, part, observed, mistakes)
        if result.mistakes:
            titles = "; ".join(m.title for m in result.mistakes)
            result.feedback = f"Likely mistake: {titles}. {result.feedback}"
        elif not (_only_cost_wrong(result) and _failing_cost(result, results)):
            # (a right gradient beside a wrong J has its evidence in that cost part: cost_explains_gradient)
            result.evidence.append(NO_MISTAKE)
            result.evidence += _scale_evidence(result, variants)
            if _unregularized_twin_passed(result, results):
                result.evidence.append(diagnosis.lambda_term_report(part.check))
        grad_wrong = any("grad" in c.wrong for c in result.checks)
        if grad_wrong and part.function not in timed_out:
            slope_evidence.append(result)
    _gradient_evidence(exercise, slope_evidence, results, variants, budget)


def _unwritten_activation_part(results: list[PartResult], variants: diagnosis.Variants) -> PartResult | None:
    """A failed activation-gradient part whose values are still the template's zeros (sigmoidGradient's
    `g = np.zeros(z.shape)`), if there is one."""
    for result in results:
        observed = {c.case: c.observed for c in result.checks if c.observed is not None}
        if result.part.check == "activation_gradient" and not result.passed and set(observed) == set(
                result.part.cases) and diagnosis.template_values(observed, {c: variants.output(result.part, c)
                                                                            for c in result.part.cases}):
            return result
    return None


NO_MISTAKE = "No mistake in the grader's catalogue explains these values."
# Notes that can be why a part's values are wrong; each names the functions it is about.
_CAUSE_NOTES = ("module_level_value", "extra_parameter", "hard_coded_sizes")


def point_to_notes(exercise: Exercise, results: list[PartResult], found: list) -> None:
    """A part no mistake explains, whose function a cause note names, points to that note: the student
    otherwise reads "no mistake explains these values" above the note that does (student review 3, F3). A
    failed part whose function has a later definition that could not be read says first that an earlier one was
    graded (review 20, R10: the template's stub was graded, and the part said only "Not written yet")."""
    for result in results:
        if result.graded_on:
            continue  # the notes speak of the student's own function, not the one the part was graded on
        names = exercise.functions[result.part.function].names
        unread = any(note.id == "unread_redefinition" and _names_one_of(note.message, names) for note in found)
        if unread and not result.passed:
            result.evidence.insert(0, "Your later definition of this function could not be read (a syntax error), "
                                      "so an earlier one was graded: see the note below.")
        after = any(note.id == "unsubmitted_definition" and " is defined again after " in note.message
                    and _names_one_of(note.message.partition(" is defined again")[0], names) for note in found)
        if after and not result.passed:  # accept15, N7: the work in a last cell, the stubs above graded
            result.evidence.insert(0, "Your later definition of this function comes after the course's grader "
                                      "cells, which submit an earlier one: that one was graded, as the course "
                                      "grades it. See the note below.")
        if NO_MISTAKE not in result.evidence:
            continue
        cause = next((note for note in found if note.id in _CAUSE_NOTES and _names_one_of(note.message, names)),
                     None)
        if cause is not None:
            result.evidence[result.evidence.index(NO_MISTAKE)] = (
                f"No mistake in the grader's catalogue explains these values, but a note below may: "
                f"{TITLES[cause.id]}.")


def _names_one_of(message: str, names: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(name)}\b", message) for name in names)


def _unregularized_twin_passed(result: PartResult, results: list[PartResult]) -> bool:
    """A λ > 0 part whose λ = 0 twin (same function and check) passed: only the λ term can be wrong."""
    part = result.part
    return part.lambda_ != 0 and any(
        r.passed and r.graded_on == result.graded_on and r.part.lambda_ == 0 and r.part.function == part.function
        and r.part.check == part.check for r in results)  # passed on the student's own function (review 30, W7)


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


def _gradient_evidence(exercise, failed: list[PartResult], results, variants: diagnosis.Variants,
                       budget: Budget) -> None:
    """Add to each failed gradient part its per-Θ block report and, on its smallest case, how its gradient
    compares with the slope of the student's own cost. The slope calls of all these parts run in one worker;
    a part whose calls that run skipped (an earlier part's call crashed it) gets a run of its own."""
    cases = variants.cases
    planned = []
    for result in failed:
        part = result.part
        wrong = next(c for c in result.checks if "grad" in c.wrong)
        expected = variants.output(part, wrong.case)["grad"]
        result.evidence.append(diagnosis.block_report(exercise, cases[wrong.case], wrong.observed["grad"], expected,
                                                      lambda_only=_unregularized_twin_passed(result, results)))
        if result.graded_on:
            continue  # its slope would be taken of the student's own cost, not of the function graded (Y8)
        smallest = min(part.cases, key=lambda name: cases[name].params.size)
        own = np.ravel(next(c for c in result.checks if c.case == smallest).observed["grad"])
        coordinates = diagnosis.slope_coordinates(own, variants.output(part, smallest)["grad"],
                                                  variants.network(smallest))
        planned.append((result, smallest, own[coordinates],
                        slope_calls(exercise, part, cases[smallest], coordinates)))
    outcomes = budget.run([call for *_, calls in planned for call in calls]) if planned else None
    start = 0
    for result, smallest, own, calls in planned:
        own_outcomes = outcomes[start:start + len(calls)] if outcomes is not None else None
        start += len(calls)
        if own_outcomes is not None and any(o.status == "skipped" for o in own_outcomes):
            own_outcomes = budget.run(calls)
        function = exercise.functions[result.part.function]
        slope = slope_from(own_outcomes, function) if own_outcomes is not None else None
        if slope is not None:
            part = result.part
            cost_right = any(r.passed for r in results if r.part.check == "cost"
                             and r.part.function == part.function and r.part.lambda_ == part.lambda_)
            result.evidence.append(f"On case {smallest}: " + diagnosis.slope_report(own, slope, cost_right))


@dataclass
class Shared:
    """What a batch computes once, after all its sandboxes are open, and hands to every grade."""

    variants: diagnosis.Variants
    speed_probe: bool = False  # the full-size timing note (`grade batch --speed-notes`)
    probe_expected: dict = field(default_factory=dict)  # the num_labels probe's reference values
    # part id -> the reference's figure, for the training parts the batch runs (`grade batch --train`)
    training_references: dict[str, float] = field(default_factory=dict)

    @classmethod
    def prepare(cls, exercise: Exercise, speed_probe: bool = False, train: bool = False) -> "Shared":
        cases = build_all(exercise)
        variants = diagnosis.Variants(exercise, cases)
        for part in exercise.parts:  # computed now, once, so that slots in threads only read them
            for case in part.cases:
                variants.output(part, case)
        shared = cls(variants, speed_probe)
        training_parts = _training_parts(exercise, train)
        if training_parts:
            from . import datasets, training  # scipy.optimize: only when a training part runs

            shared.training_references = {p.id: training.reference_figure(exercise, p, datasets.build(exercise, p))
                                          for p in training_parts}
        part = _first_part(exercise, network=True)
        probe = part and notes.without_last_label(exercise, cases[part.cases[0]])
        if probe is not None:
            shared.probe_expected = checks.expected_outputs(exercise, part, probe)
        return shared


def _training_parts(exercise: Exercise, train: bool) -> list[Part]:
    """The training parts a grade runs: every one with `train` (grade --train), else those not on_request."""
    return [p for p in exercise.training_parts if train or not p.on_request]


def _first_part(exercise: Exercise, network: bool) -> Part | None:
    return next((p for p in exercise.parts if (p.check != "activation_gradient") == network), None)


def _ahead_calls(exercise: Exercise, cases: dict[str, CaseData], speed: bool = True,
                 screen: CaseData | None = None) -> dict[str, Call]:
    """The notes probes' calls that run ahead, in the graded run (used only when the parts pass): the
    num_labels and scalar probes, and (`speed`) the speed note's screening call (on `screen`, when given)."""
    calls = {}
    network = _first_part(exercise, network=True)
    if speed and network is not None and exercise.full_size is not None:
        calls["speed_screen"] = notes.screen_call(exercise, network, screen)
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
                 ahead: dict[str, Call], prepared: runnable.Submission | None = None, meanwhile=None,
                 arrived: Callable[[], None] | None = None) -> tuple[dict[CallKey, Outcome], dict[str, Outcome]]:
    """A grade's first run: every function's graded calls, then the probes' calls, in one worker.

    Only outcomes the per-function runs would also have produced are kept: the first function's as they
    are (its run starts exactly as its own run would: fresh worker, import, the same budget), another
    function's when all its calls finished here (no crash, timeout or skipped call) or when one of its own
    calls ran out of its --timeout (not of the run's budget: that one is shared here), as it would in its own
    run (running it again cost a hang twice its timeout). When the import itself ran out of the --timeout, every
    function's own run would start with the same import and stop there: every call gets that outcome (a module
    that hangs at import costs one timeout, not one per function, and every part says that the file could not
    be imported, as for an import error, not that a function it never called did not finish: review 32, Z8).
    And a probe's
    when it finished (the speed screen's also when it ran out of its own --timeout: that is its answer).
    `grade` runs whatever is left the lone way, so the scores are the same. `meanwhile` runs while the
    worker does (see `Sandbox.run`), unless no worker started (an unfit submission, a broken sandbox);
    `arrived` is called as each outcome arrives (`LaterRuns.arrived`).
    """
    keys = [(key, call) for calls in plan.values() for key, call in calls.items()]
    budget = Budget(sandbox, submission, GRADED_BUDGET * sandbox.limits.timeout, prepared)
    results = budget.run([call for _, call in keys] + list(ahead.values()), meanwhile, arrived)
    if results is None:
        return {}, {}
    graded = dict(zip((key for key, _ in keys), results[: len(keys)], strict=True))
    unfinished = ("crash", "timeout", "skipped")
    hung_import = results[0] if results and stopped_at_import(results[0]) else None
    kept: dict[CallKey, Outcome] = {}
    for number, function in enumerate(plan):
        outcomes = {key: o for key, o in graded.items() if key[0] == function}
        stopped = next((o for o in outcomes.values() if o.status in unfinished), None)
        if hung_import is not None:  # its own run would import the same source and time out the same way
            kept.update({key: replace(hung_import, function=o.function, output=hung_import.output
                                      if o is results[0] else "") for key, o in outcomes.items()})
        elif number == 0 or stopped is None or stopped.status == "timeout" and not stopped_by_budget(stopped):
            kept.update(outcomes)
    probes = {name: o for name, o in zip(ahead, results[len(keys):], strict=True)
              if o.status not in unfinished or name == "speed_screen" and o.status == "timeout"}
    return kept, probes


def _ran_ahead(outcome: Outcome | None, run):
    """A probe's `run`: the outcome found ahead when there is one, else a real run."""
    return run if outcome is None else (lambda calls: [outcome])


def collect_notes(exercise: Exercise, results: list[PartResult], plan: dict, outcomes: dict,
                  cases: dict[str, CaseData], budget: Budget, source: str = "", shared: Shared | None = None,
                  ahead: dict[str, Outcome] | None = None, regraded: frozenset[str] = frozenset()) -> list:
    """Notes that cost no points; each probe runs only when the parts it concerns passed (or, for an
    extra parameter, when a part it may explain failed). The probes call the student's own functions, so a
    function some of whose parts passed only on another that a grader cell submits (`regraded`,
    `graded_as_registered`) counts as failed here (review 29, V4: a hanging own function was timed at full size).

    A probe whose call already ran with the graded calls (`ahead`) uses that outcome. In a batch (`shared`),
    the full-size timing call runs only with --speed-notes.
    """
    ahead = ahead or {}
    all_calls = {key: call for calls in plan.values() for key, call in calls.items()}
    failed_functions = frozenset(r.part.function for r in results if not r.passed) | regraded
    found = notes.from_outcomes(exercise, all_calls, outcomes, cases, failed_functions)
    failed = next((r.part for r in results if not r.passed and r.part.check != "activation_gradient"
                   and all(c.observed is not None for c in r.checks)), None)
    if failed is not None and source:
        found.append(notes.probe_extra_parameters(exercise, budget.run, failed, cases[failed.cases[0]], source))
    # A function all of whose parts passed never timed out, so the probes never call a timed-out function.
    passed = {name: name not in regraded and all(r.passed for r in results if r.part.function == name)
              for name in exercise.functions}
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
        own = budget.again(budget.sandbox.limits.timeout)
        screened = network_parts[0].function == _first_part(exercise, network=True).function
        found.append(notes.probe_speed(exercise, own.run, network_parts[0],
                                       ahead.get("speed_screen") if screened else None, notes.has_loops(source)))
    return [n for n in found if n is not None]


class LaterRuns:
    """The own runs of a grade's later functions (all but the first), which `grade` makes after its first run
    when that run left them undone, as when the first function's call hung. A batch may start them sooner, on
    another sandbox, while the first run is stuck (batch/slots.py): a hang in a function both graded functions
    call then costs its --timeout once, not twice in a row. Each own run is made exactly as `grade` makes it
    (a fresh worker, its own budget), so its outcomes are those `grade` would get; `grade` uses them only for
    the functions it would have run on its own. Either the batch starts them (`start`) or `grade` takes them
    back (`claim`), never both."""

    def __init__(self, runs: Callable[[Sandbox], dict[CallKey, Outcome]], first_calls: int):
        self.runs, self.lock, self.finished = runs, threading.Lock(), threading.Event()
        self.state, self.outcomes = "waiting", None
        self.first_calls = first_calls  # once the first run has this many outcomes, its first function is done

    def arrived(self) -> None:
        """One more outcome of the first run. Once all the first function's have come, the run is past it:
        a later function that hangs there has its own --timeout, which `grade` keeps, so these runs are not
        needed and will not start."""
        self.first_calls -= 1
        if self.first_calls <= 0:
            with self.lock:
                if self.state == "waiting":
                    self.state = "claimed"

    @property
    def waiting(self) -> bool:
        """Neither started nor taken back (nor found not needed): a batch may still start them."""
        return self.state == "waiting"

    def start(self) -> bool:
        """True when the caller is to run them now (`run`); False when `grade` took them back or they started."""
        with self.lock:
            if self.state != "waiting":
                return False
            self.state = "started"
            return True

    def run(self, sandbox: Sandbox) -> None:
        try:
            outcomes = self.runs(sandbox)
            self.outcomes = None if sandbox.broken else outcomes  # a broken sandbox's outcomes are not the code's
        finally:
            self.finished.set()

    def claim(self, needed: bool) -> dict[CallKey, Outcome] | None:
        """Their outcomes when they were started and are `needed` (waiting for them to end), else None: not
        started, they never will be; not needed, they end on their own."""
        with self.lock:
            started = self.state == "started"
            self.state = "started" if started else "claimed"
        if not (started and needed):
            return None
        self.finished.wait()
        return self.outcomes


def grade(exercise: Exercise, submission: Path, sandbox: Sandbox, shown_as: str | None = None,
          prepared: runnable.Submission | None = None, train: bool = False, shared: Shared | None = None,
          verify: bool = False, offer: Callable[[LaterRuns], None] | None = None,
          inputs: tuple[dict[str, CaseData], CaseData | None] | None = None) -> Report:
    """Grade one submission; the sandbox must already be open (see the module docstring).

    `prepared` (grader/submission.py) is the file's runnable part; without it the whole file is imported.
    Training parts run after the others: those marked on_request only when `train` is true.
    Every grade runs all graded calls and the small probes' calls in one worker first (run_together), then
    only what that run left undone. A batch passes one `shared` (made after every sandbox is open) to all its
    submissions, so each expected value is computed once per batch; a lone grade computes its expected
    values while that first worker runs, and with `verify` also checks them as `checks.verify_expected`
    does (a SpecError, raised once the run is over). `offer` (a batch's) is given the later functions' own runs
    before the first run starts (`LaterRuns`). `inputs`: the exercise's cases and screening case as
    `input_cache.load` gives them, when the caller has them (a lone grade without the secret).
    """
    cases = shared.variants.cases if shared is not None else inputs[0] if inputs is not None else build_all(exercise)
    variants = shared.variants if shared is not None else diagnosis.Variants(exercise, cases)
    expected = None if shared is not None else _ExpectedValues(exercise, variants, verify)
    plan = plan_calls(exercise, cases)
    timeout = sandbox.limits.timeout
    started = time.monotonic()
    speed = shared is None or shared.speed_probe
    first, later = next(iter(plan), None), dict(list(plan.items())[1:])
    offered = None
    if offer is not None and later:
        offered = LaterRuns(lambda other: {key: outcome for calls in later.values() for key, outcome in run_calls(
            Budget(other, submission, GRADED_BUDGET * timeout, prepared), calls).items()}, len(plan[first]))
        offer(offered)
    screen = inputs[1] if inputs is not None and shared is None else None
    outcomes, ahead = run_together(sandbox, submission, plan, _ahead_calls(exercise, cases, speed, screen), prepared,
                                   meanwhile=expected, arrived=offered.arrived if offered else None)
    if expected is not None:
        expected.raise_found()
    if first is not None and any(key[0] == first for key in outcomes):
        # The first function's run went as its own would have: go on as run_calls does after a crash.
        left = GRADED_BUDGET * timeout - (time.monotonic() - started)
        outcomes.update(continue_calls(Budget(sandbox, submission, left, prepared), plan[first], outcomes))
    left_undone = [calls for calls in plan.values() if not any(key in outcomes for key in calls)]
    ran_already = offered.claim(needed=any(calls is not plan[first] for calls in left_undone)) if offered else None
    for calls in left_undone:
        if ran_already is not None and calls is not plan[first]:
            outcomes.update({key: ran_already[key] for key in calls if key in ran_already})
        else:
            outcomes.update(run_calls(Budget(sandbox, submission, GRADED_BUDGET * timeout, prepared), calls))
    shown = prepared.path.name if prepared is not None else submission.name
    parts = [check_part(exercise, part, variants, outcomes, shown, timeout) for part in exercise.parts]
    registered = graded_as_registered(exercise, parts, plan, outcomes, variants, Budget(
        sandbox, submission, GRADED_BUDGET * timeout, prepared), shown)
    regraded = frozenset(r.part.function for r in parts if r.graded_on)
    explain_crashes(exercise, parts, outcomes, cases, submission, prepared)
    explain_gradient_sizes(exercise, parts, outcomes, cases)
    timed_out = {function for (function, _, _), o in outcomes.items() if o.status == "timeout"}
    optional = Budget(sandbox, submission, OPTIONAL_BUDGET * timeout, prepared)
    written = frozenset(f for f, function in exercise.functions.items() if prepared is not None and (defined := [
        prepared.definitions[n] for n in function.names if n in prepared.definitions]) and not any(
        d.stub for d in defined))
    explain(exercise, parts, cases, variants, optional, timed_out, written)  # a timed-out function is not called again
    cost_explains_gradient(exercise, parts)
    source = prepared.source if prepared is not None and prepared.source is not None \
        else read_source(submission, submission.name)
    found = collect_notes(exercise, parts, plan, outcomes, cases, optional, source, shared, ahead, regraded)
    if prepared is not None:
        found = submission_notes(exercise, parts, prepared, found) + registered
    point_to_notes(exercise, parts, found)
    training = _training_parts(exercise, train)
    if training:
        from .training import check_training  # imports scipy.optimize: only when a training part runs

        references = shared.training_references if shared is not None else {}
        parts += [check_training(exercise, p, sandbox, submission, shown, prepared, references.get(p.id))
                  for p in training]
    # Notes come after the parts in every report, the shortest first (the quickest to read and act on).
    return Report(exercise, shown_as or str(submission), parts, sorted(found, key=lambda note: len(note.message)),
                  sandbox_used(sandbox))


class _ExpectedValues:
    """A lone grade's expected values, computed once (`Sandbox.run` calls this while the first worker runs);
    with `verify`, checked as `checks.verify_expected` checks them. What that check finds is kept for
    `raise_found`, after the run: raised during it, it would stop the run as an interruption does."""

    def __init__(self, exercise: Exercise, variants: diagnosis.Variants, verify: bool):
        self.exercise, self.variants, self.verify = exercise, variants, verify
        self.done, self.error = False, None

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            with np.errstate(all="ignore"):
                for part in self.exercise.parts:
                    for case in part.cases:
                        self.variants.output(part, case)
            if self.verify:
                try:
                    checks.verify_expected(self.exercise, self.variants.cases, self.variants.reference)
                except SpecError as error:
                    self.error = error

    def raise_found(self) -> None:
        self()  # in case no worker ran (an unfit submission, a broken sandbox): nothing was overlapped then
        if self.error is not None:
            raise self.error


def _only_cost_wrong(result: PartResult) -> bool:
    """A gradient part whose grad is right everywhere: it fails only by the J it also compares."""
    failed = [c for c in result.checks if not c.passed]
    return result.part.check == "gradient" and bool(failed) and all(c.wrong == ("J",) for c in failed)


def _failing_cost(result: PartResult, results: list[PartResult]) -> tuple[int, PartResult] | None:
    """(number, part) of the failed cost part that compares the same J as this part (same function and λ)."""
    return next(((n, r) for n, r in enumerate(results, 1) if r.part.check == "cost" and not r.passed
                 and r.part.function == result.part.function and r.part.lambda_ == result.part.lambda_
                 and r.graded_on == result.graded_on), None)


def cost_explains_gradient(exercise: Exercise, results: list[PartResult]) -> None:
    """A gradient part whose grad is right everywhere fails only by the J it also compares: say so."""
    for result in results:
        if not _only_cost_wrong(result):
            continue
        cost = _failing_cost(result, results)
        see = f" (see part {cost[0]}, {cost[1].part.title})" if cost else ""
        sentence = f"Your gradient is right; this part fails because J is wrong{see}."
        result.feedback = f"{sentence} {result.feedback}"
        result.evidence.insert(0, sentence)


def graded_as_registered(exercise: Exercise, parts: list[PartResult], plan: dict[str, dict[CallKey, Call]],
                         outcomes: dict[CallKey, Outcome], variants: diagnosis.Variants, budget: Budget,
                         shown: str) -> list:
    """Each failed part whose course grader cell `grader[k] = other` submits another function of the file's own
    (`Submission.alternatives`) is graded again on that one, as the course grades it; where it passes, the part
    takes that result (`graded_on`), with a note (review 27, T6). Where `other` cannot be run here (its import
    fails, it crashes, its code is too big: review 30, W6, W9; review 31, Y6), or the execution counts hide which
    setting of it the cell submitted (`Submission.unresolved`: review 31, Y4), a note says so. `parts` is changed
    in place; the notes are returned. The runs use the registered source, which holds the object each cell
    submits (review 29, V1) and `other`'s imports, which the file's own grade never runs (V2). They share one more
    graded budget, so a grade's bound grows by GRADED_BUDGET × --timeout at most."""
    prepared = budget.prepared
    if prepared is None:
        return []
    unrun: dict[str, tuple[list[int], str]] = {}  # other -> (its parts, why it was not graded on)
    for index, (other, _) in sorted(prepared.unresolved.items()):
        if index < len(parts) and not parts[index].passed:
            unrun.setdefault(other, ([], _OUT_OF_ORDER))[0].append(index)
    failed = sorted(index for index in prepared.alternatives if index < len(parts) and not parts[index].passed)
    source, why = prepared.registered_source() if failed else (None, "")
    taken: dict[tuple[str, str], list[int]] = {}  # (other, own) -> the parts it passed
    for index in failed:
        other = prepared.alternatives[index][0]
        part = parts[index].part
        if source is None:
            unrun.setdefault(other, ([], f"its code cannot be read here ({why})"))[0].append(index)
            continue
        calls = {call_key(part, case): replace(plan[part.function][call_key(part, case)],
                                               names=(runnable.registered_name(index + 1),))
                 for case in part.cases}
        if any(key in outcomes and stopped_at_import(outcomes[key]) for key in calls):
            continue  # the same import comes first in the registered source: it would hang again (review 37b, R37-4)
        again_outcomes = run_calls(Budget(budget.sandbox, budget.submission, budget.end - time.monotonic(),
                                          replace(prepared, source=source)), calls)
        if len(again_outcomes) < len(calls):
            continue  # out of time
        crashed = [o for o in again_outcomes.values() if o.status in ("import_error", "error", "missing")]
        if len(crashed) == len(calls):
            own = [outcomes.get(key) for key in calls]
            if not all(o is not None and o.status == "import_error" and o.message == crashed[0].message for o in own):
                unrun.setdefault(other, ([], f"it raised {crashed[0].message}"))[0].append(index)
            continue  # the file's own import failure is said by every part already (review 31, Y7)
        again = check_part(exercise, part, variants, again_outcomes, shown, budget.sandbox.limits.timeout)
        if again.passed or all(o.status == "ok" for o in again_outcomes.values()):
            # failed by its values too, it is what the course grades: its mistakes are named (review 31, Y8)
            again.graded_on = other
            parts[index] = again
            own_name = runnable.student_names(prepared, exercise.functions[part.function].names)[0]
            taken.setdefault((other, own_name, again.passed), []).append(index)
    found = [_graded_on_note(other, own_name, passed, indices, parts, outcomes, prepared)
             for (other, own_name, passed), indices in taken.items()]
    for other, (indices, why) in unrun.items():
        own_name = runnable.student_names(prepared, exercise.functions[parts[indices[0]].part.function].names)[0]
        why = why.replace("that cell", "those cells") if len(indices) > 1 else why
        where = _cells({**prepared.unresolved, **prepared.alternatives}, parts, indices)
        found.append(notes.Note("registered_other_failed", (
            f"The course's grader {'cell submits' if len(indices) == 1 else 'cells submit'} {other} for {where}, "
            f"but the grader could not grade {'that part' if len(indices) == 1 else 'those parts'} on it: {why}. "
            f"{'It was' if len(indices) == 1 else 'They were'} graded on your {own_name}.")))
    return found


def _graded_on_note(other: str, own_name: str, passed: bool, indices: list[int], parts: list[PartResult],
                    outcomes: dict[CallKey, Outcome], prepared: runnable.Submission) -> notes.Note:
    """'Graded on other, which the course's grader cell submits ...: it passes it, while your own does not', or,
    where it fails too, that the part's feedback is about `other`: the course grades that one (review 31, Y8)."""
    hung = any(outcomes.get(call_key(parts[i].part, case)) is not None and
               outcomes[call_key(parts[i].part, case)].status == "timeout"
               for i in indices for case in parts[i].part.cases)
    where = _cells(prepared.alternatives, parts, indices)
    one = len(indices) == 1
    text = f"Graded on {other}, which the course's grader " + (
        f"cell submits for this part, as the course grades it: {where}. " if one
        else f"cells submit for these parts, as the course grades them: {where}. ")
    own = f"your {own_name} does not" + (" finish within the time limit" if hung else "")
    if passed:
        return notes.Note("registered_other_name", text + f"It passes {'it' if one else 'them'}, while {own}.")
    own = f"your {own_name} does not finish within the time limit" if hung else f"your {own_name} fails too"
    return notes.Note("registered_other_name", text + (
        f"It fails {'it' if one else 'them'}, and {own}: the {'part names' if one else 'parts name'} the mistakes "
        f"of {other}, which the course grades, not those of your {own_name}."))


_OUT_OF_ORDER = ("the execution counts show that the notebook's cells ran in another order than from the top, so "
                 "which definition of it that cell submitted cannot be told from the file; restart the kernel, run "
                 "every cell from the top (Kernel > Restart & Run All), save and grade again")


def _cells(submitted: dict[int, tuple[str, runnable.Origin]], parts: list[PartResult], indices: list[int]) -> str:
    """"Feedforward and Cost Function (`grader[1] = other`, cell 7, line 1); ..." for a note."""
    return "; ".join(f"{parts[i].part.title} (`grader[{i + 1}] = {submitted[i][0]}`, {submitted[i][1]})"
                     for i in indices)


def submission_notes(exercise: Exercise, results: list[PartResult], prepared: runnable.Submission,
                     found: list) -> list:
    """Notes about the file itself: a graded function defined twice, what was left out, module-level values
    read; the template's own scalar failure (g = np.zeros(z.shape)) is not a note (docs/submissions.md). A
    function counts as failed for the module-level note only when it ran: a file that could not be imported
    ran none (acceptance run 6, L2)."""
    failed = {r.part.function for r in results if any(not c.passed and c.failure != "import_error" for c in r.checks)}
    names = {name for f in failed for name in exercise.functions[f].names}
    found = [n for n in found if not (n.id == "scalar_activation_gradient"
                                      and runnable.template_line_fails(prepared, n.message))]
    extra = [notes.Note("defined_twice", text) for text in runnable.redefinition_notes(prepared)]
    extra += [notes.Note("unsubmitted_definition", text) for text in runnable.unsubmitted_notes(prepared)]
    extra += [notes.Note("unsubmitted_definition", text) for text in runnable.registered_earlier_notes(prepared)]
    extra += [notes.Note("unsubmitted_definition", text) for text in runnable.unsubmitted_other_notes(prepared)]
    extra += [notes.Note("registered_other_name", text) for text in runnable.registered_as_notes(prepared)]
    functions = [(f.names, len(f.arguments)) for f in exercise.functions.values()]
    extra += [notes.Note("unread_redefinition", text)
              for text in runnable.unread_redefinition_notes(prepared, functions)]
    extra += [notes.Note("both_names_defined", text) for text in runnable.both_names_notes(prepared, functions)]
    arguments = {name: f.arguments for f in exercise.functions.values() for name in f.names}
    extra += [notes.Note("module_level_value", text)
              for text in runnable.module_value_notes(prepared, names, arguments)]
    if exercise.full_size is not None:
        extra += [notes.Note("hard_coded_sizes", text)
                  for text in runnable.hard_coded_sizes_notes(prepared, names, exercise.full_size.sizes)]
    extra += [notes.Note("numpy_removed_name", text) for text in runnable.removed_numpy_notes(prepared)]
    script = runnable.script_note(prepared)
    if script:
        extra.append(notes.Note("script_not_run", script))
    if not prepared.notebook and prepared.path.suffix.lower() == ".ipynb":
        from .handed_in import python_note  # ex5.py renamed exercise4.ipynb: graded as Python, and told so (R28-14)

        extra.append(notes.Note("python_not_notebook", python_note(prepared, prepared.path.name, exercise)))
    return found + extra


def sandbox_used(sandbox: Sandbox) -> dict:
    """Which runner graded, and its layers (reports say it: the portable runner isolates far less). Private
    reads are named only where they were applied, a grade for credit: the sandbox names them when it could."""
    return {"runner": sandbox.runner, "layers": [name for name in sandbox.layers
                                                 if name != PRIVATE_READS or sandbox.limits.private_reads]}
