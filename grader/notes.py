"""Notes that cost no points: habits the course's grader accepts but that bite later.

Each note is {id, message}. They come from two sources: what the graded calls already showed
(inputs changed in place, printed output) and a few extra probe calls made only when the parts
they concern passed (a case that lacks a label, a plain float for the activation gradient, one
call at the assignment's full size). Notes never change a score.
"""

import ast
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import calling, parsing
from .cases import CaseData, random_targets
from .checks import checked_returns, expected_outputs, fit_shape, relative_error
from .engine import network as nn
from .sandbox import Call, Outcome, stopped_by_budget
from .spec import Exercise, Function
from .text import printable

Run = Callable[[list[Call]], list[Outcome] | None]  # runs calls in the sandbox; None when out of time

SLOW_FACTOR = 30.0  # "far longer than the reference": this many times its CPU time (a loop over the examples
# with vectorized layers, the course's hint, costs about 15x and is not flagged; loops over units too, 40-80x)...
SLOW_SECONDS = 0.5  # ...and at least this long, so that a loop that costs nothing in practice is not flagged
SCREEN_DIVISOR = 5  # the screening call, run beside the graded calls, has this fraction of the full size's examples
SCALAR_PROBE = 0.5
_EXPRESSIONS = {"sigmoid": "sigmoid(z) * (1 - sigmoid(z))", "tanh": "1 - np.tanh(z) ** 2",
                "relu": "(z > 0) * 1.0", "linear": "np.ones_like(z)"}


@dataclass(frozen=True)
class Note:
    id: str
    message: str

    def __post_init__(self):  # messages quote the student's output and exceptions
        object.__setattr__(self, "message", printable(self.message))


def _call(function: Function, args: tuple) -> Call:
    return Call(function.names, args, function.arguments, len(function.returns), function.returns)


# ---- notes from the graded calls -----------------------------------------------------------

def describe_change(name: str, before: np.ndarray, after: np.ndarray, exercise: Exercise, case: CaseData) -> str:
    """Say what changed in an input array, as precisely as the layout allows."""
    if name == "nn_params" and case.sizes and before.shape == after.shape:
        network = exercise.network.with_sizes(case.sizes)
        was = nn.reshape(before, network.theta_shapes, network.order)
        now = nn.reshape(after, network.theta_shapes, network.order)
        parts = [_describe_matrix(f"Theta{i + 1} inside nn_params", w, n)
                 for i, (w, n) in enumerate(zip(was, now, strict=True))]
        return "; ".join(p for p in parts if p)
    return _describe_matrix(name, before, after) if before.shape == after.shape else \
        f"{name} changed shape from {before.shape} to {after.shape}"


def _describe_matrix(name: str, before: np.ndarray, after: np.ndarray) -> str:
    changed = ~np.isclose(before, after, rtol=0, atol=0, equal_nan=True)
    if not changed.any():
        return ""
    if before.ndim == 2:
        columns = np.flatnonzero(changed.any(axis=0))
        if len(columns) == 1 and changed[:, columns[0]].sum() == changed.sum():
            column = columns[0]
            zeroed = np.all(after[:, column] == 0)
            what = "set to 0" if zeroed else "changed"
            return f"column {column} of {name} was {what}"
    return f"{changed.sum()} of {changed.size} values of {name} were changed"


def from_outcomes(exercise: Exercise, calls: dict, outcomes: dict, cases: dict[str, CaseData],
                  failed: frozenset[str] = frozenset()) -> list[Note]:
    """inputs_modified, prints and return_shapes, from what the graded calls reported; `failed`: the functions
    that failed a part (a change of an input may be why)."""
    notes = []
    for key, outcome in outcomes.items():
        if outcome.changed_args:
            function, case_name, _ = key
            call = calls[key]
            details = [describe_change(name, np.asarray(call.args[call.arg_names.index(name)]), after,
                                       exercise, cases[case_name])
                       for name, after in outcome.changed_args.items()]
            notes.append(Note("inputs_modified", (
                f"{outcome.function or function} changes its input arrays: {'; '.join(d for d in details if d)} "
                f"(case {case_name}). {_change_cost(function in failed)} "
                f"{_change_advice(list(outcome.changed_args))}")))
            break
    shapes = next((text for key, o in outcomes.items() if o.status == "ok"
                   and (text := _return_shapes(o.function or key[0], calls[key].return_names, o.values,
                                                o.returned_list))), "")
    if shapes:
        notes.append(Note("return_shapes", shapes))
    # the first call's output holds what the file printed while it was imported (worker._serve): a function
    # prints when a later call does too (review 27, T1: a handler's "numba not installed" was a `prints` note)
    later = list(outcomes.items())[1:] or list(outcomes.items())
    printed = next(((key, o) for key, o in later if printed_lines(o.output)), None)
    if printed:
        (function, case_name, _), outcome = printed
        first = printed_lines(outcome.output)[:3]
        notes.append(Note("prints", (
            f"{outcome.function or function} prints while it runs (case {case_name}): "
            + " | ".join(line[:120] for line in first)
            + ". Inside an optimizer it is called hundreds of times: remove the print (or display) calls.")))
    return notes


def _change_cost(failed: bool) -> str:
    """Student review 4, F9: the change cost no points when the parts passed; when a part failed, the changed
    array may be why (the template's `temp = Theta1; temp[:, 0] = 0` zeroes the bias weights the forward pass
    then uses). Said so that it agrees with the heading the note sits under, "Notes (no points taken)" (review
    21, R7): the note takes none; the failed part did."""
    if failed:
        return ("This note takes no points itself, but the change may be why a part failed: what your function "
                "computes after the change uses the changed values.")
    return "No points are taken: the grader passes new arrays to every call."


def _change_advice(names: list[str]) -> str:
    """What a changed input alters for the student: for nn_params, the next call given the same array (scipy's
    minimize copies, so not the optimizer: its ScalarFunction "Send a copy because the user may overwrite it");
    for another array (y, X, z), the caller's own array."""
    if "nn_params" in names:
        return ("Code that passes the same array again passes the changed one, and gets other results from then "
                "on: your notebook's later cells that reuse nn_params, or a gradient check that calls the function "
                "on an array and then takes the numerical slope around that same array (as utils.checkNNGradients "
                "does), which then reports a difference even where your gradient is right. Copy before changing "
                "(e.g. Theta1[:, 1:], or Theta1.copy(), instead of zeroing column 0 of a view).")
    listed = " and ".join(names)
    return (f"The caller's {listed} {'is' if len(names) == 1 else 'are'} changed too: whatever uses that array "
            f"after the call (your own code that passed it, the notebook's later cells) sees the changed values. "
            f"Work on a copy ({names[0]}.copy()) or compute a new array instead.")


def _return_shapes(function: str, names: tuple[str, ...], values, as_list: bool = False) -> str:
    """Student review 4, F5: J as a 1×1 array, grad as a 1×n row, or [J, grad] as a list: graded here as the
    number and the vector they hold, but the course's submit cell raises on them (np.hstack([J, grad]) and
    grad[:12] in the gradient parts; in the Regularized Cost part its sprintf reads a tuple's first value, but
    makes one array of a list, which J and grad beside each other cannot be)."""
    found = dict(zip(names, values or (), strict=False))
    J, grad = found.get("J"), found.get("grad")
    if J is None or grad is None:
        return ""
    j_bad = np.ndim(J) >= 2
    grad_bad = np.ndim(grad) == 2 and np.shape(grad)[0] == 1 and np.shape(grad)[1] > 1
    pieces = [(f"J as a {'×'.join(map(str, np.shape(J)))} array, not a number", "np.hstack([J, grad]) raises",
               "float(J)", j_bad),
              (f"grad as a 1×{np.size(grad)} row, not a vector", "grad[:12] takes rows", "grad.ravel()", grad_bad),
              ("[J, grad] as a list, not a tuple", "its regularized-cost part passes the result to sprintf, which "
               "reads the first value of a tuple but makes one array of a list: np.asarray([J, grad]) raises", "",
               as_list)]
    shown = [piece for piece in pieces if piece[3]]
    if not shown:
        return ""
    who = "code that expects a number and a vector fails on them, as the course's submit cell does" \
        if j_bad or grad_bad else "the course's submit cell fails on it"
    fix = " and ".join(f for _, _, f, _ in shown if f)
    if as_list:
        returned = f"{'float(J)' if j_bad else 'J'}, {'grad.ravel()' if grad_bad else 'grad'}"
        fix = f"{fix + ', ' if fix else 'them '}as a tuple: return {returned} (no brackets)"
    said = [s for s, _, _, _ in shown]
    listed = said[0] if len(said) == 1 else f"{', '.join(said[:-1])}; and {said[-1]}"  # each piece holds a comma
    return (f"{function} returns {listed}. The grader reads the values all the "
            f"same, but {who} ({'; '.join(w for _, w, _, _ in shown)}). Return {fix}.")


_WARNING = re.compile(r"^.*:\d+: \w*Warning: ")


def printed_lines(output: str) -> list[str]:
    """What the student printed: Python's warning lines (e.g. numpy's RuntimeWarning) are not prints."""
    lines, skip_source = [], False
    for line in output.splitlines():
        if _WARNING.match(line):
            skip_source = True  # the warning is followed by the indented source line
            continue
        if skip_source and line.startswith("  "):
            skip_source = False
            continue
        skip_source = False
        if line.strip():
            lines.append(line)
    return lines


# ---- probe calls -----------------------------------------------------------------------------

def without_last_label(exercise: Exercise, case: CaseData) -> CaseData | None:
    """The case minus every example of the highest label, so that y lacks one of the K labels; None when the
    targets are not labels (a regression's y is a matrix of values) or no example would be left."""
    if exercise.network.targets != "labels":
        return None
    last = exercise.network.label_base + case.sizes[-1] - 1
    keep = case.y != last
    if keep.sum() == 0:
        return None
    return CaseData(f"{case.name}_without_label_{last}", case.sizes, case.X[keep], case.y[keep],
                    case.thetas, case.params)


def _same(value, want: np.ndarray, tolerance: float) -> bool:
    got, _ = fit_shape("value", np.asarray(value, dtype=np.float64), want)
    return got is not None and bool(np.all(np.isfinite(got))) and relative_error(got, want) <= tolerance


def num_labels_call(exercise: Exercise, part, case: CaseData) -> Call | None:
    """The num_labels probe's call (a batch runs it ahead, beside the graded calls)."""
    probe = without_last_label(exercise, case)
    if probe is None:
        return None
    function = exercise.functions[part.function]
    return _call(function, calling.arguments(function, probe, part.lambda_))


def probe_num_labels(exercise: Exercise, run: Run, part, case: CaseData, expected=None) -> Note | None:
    """num_labels_from_data: the function crashes or changes its answer when a label is absent.

    `expected` (the reference's values on the probe case) is passed by a batch, which computes it once.
    """
    probe = without_last_label(exercise, case)
    if probe is None:
        return None
    function = exercise.functions[part.function]
    outcomes = run([num_labels_call(exercise, part, case)])
    if outcomes is None or outcomes[0].status == "timeout":
        return None  # out of time: no evidence either way
    outcome = outcomes[0]
    if expected is None:
        expected = expected_outputs(exercise, part, probe)
    if outcome.status == "ok":
        different = [name for name in checked_returns(part)
                     if not _same(outcome.values[function.returns.index(name)], expected[name], exercise.tolerance)]
        if not different:
            return None
        what = f"returns a different {' and '.join(different)}"
    else:
        what = f"fails ({outcome.message})" if outcome.message else f"fails ({outcome.status})"
    return Note("num_labels_from_data", (
        f"{outcome.function or function.name} {what} when y lacks one of the num_labels labels (label "
        f"{exercise.network.label_base + case.sizes[-1] - 1} absent). It seems to take the number of classes from y "
        f"(e.g. np.unique(y)) instead of num_labels; a small batch or a split of the data can miss a label."))


def scalar_call(exercise: Exercise, part) -> Call:
    """The bare-float probe's call (a batch runs it ahead, beside the graded calls)."""
    function = exercise.functions[part.function]
    return _call(function, tuple(SCALAR_PROBE if name == "z" else None for name in function.arguments))


def probe_scalar(exercise: Exercise, run: Run, part) -> Note | None:
    """scalar_activation_gradient: the function fails on a plain Python float."""
    function = exercise.functions[part.function]
    outcomes = run([scalar_call(exercise, part)])
    if outcomes is None or outcomes[0].status == "timeout":
        return None
    outcome = outcomes[0]
    want = nn.activation_gradient(part.activation, np.float64(SCALAR_PROBE))
    if outcome.status == "ok":
        value = np.asarray(outcome.values[0])
        if value.size == 1 and np.isfinite(value).all() and relative_error(value.reshape(()), want) <= \
                exercise.tolerance:
            return None
        what = f"returns {value.ravel()[:3].tolist()} instead of {float(want):.6g}"
    else:
        what = f"fails ({outcome.message})"
    return Note("scalar_activation_gradient", (
        f"{outcome.function or function.name}({SCALAR_PROBE}) {what}. The course only passes arrays, but the "
        f"function is handy on a single number too; {_scalar_breaks(outcome)}. Delete that line and return the "
        f"array expression directly, e.g. g = {_EXPRESSIONS.get(part.activation, 'f(z)')}, which works on both."))


_FLOAT_LACKS = re.compile(r"'float' object has no attribute '(\w+)'")


def _scalar_breaks(outcome: Outcome) -> str:
    """What in the student's code a plain float breaks: len(z) or another attribute, when the error says so
    (student review 4, F17: np.zeros(len(z)) was told about .shape), else the template's z.shape."""
    if outcome.status == "error" and "has no len()" in outcome.message:
        return "a plain float has no len(), so np.zeros(len(z)) (or a loop over range(len(z))) breaks on it"
    lacks = _FLOAT_LACKS.search(outcome.message) if outcome.status == "error" else None
    if lacks and lacks[1] != "shape":  # review 25, F9: z.astype(...) was told about .shape and the template
        return f"a plain float has no .{lacks[1]}, so the line that uses .{lacks[1]} breaks on it"
    if outcome.status == "error" and "'float' object is not iterable" in outcome.message:  # review 27, T12
        return "a plain float is no sequence, so a loop over z (for v in z) breaks on it"
    if outcome.status == "error" and "'float' object is not subscriptable" in outcome.message:
        return "a plain float has no items, so indexing z (z[i], z[:, j]) breaks on it"
    return ("a plain float has no .shape, so the template's g = np.zeros(z.shape) (or a loop over z.shape) breaks "
            "on it")


def full_size_case(exercise: Exercise) -> CaseData:
    """Seeded random inputs at the assignment's real size (e.g. 5000 examples, 400-25-10)."""
    rng = np.random.default_rng(2024)
    X = rng.random((exercise.full_size.examples, exercise.full_size.sizes[0]))  # uniform in [0, 1), like pixels
    return _timing_case(exercise, "full_size", X, rng)


def screen_case(exercise: Exercise) -> CaseData:
    """The full size's layers with a fifth of its examples (at least one of each label), for the screening call.

    Only its cost matters, so X repeats one seeded block of 100 rows: cheap to make, and as costly to use.
    """
    m, rng = screen_examples(exercise), np.random.default_rng(2025)
    block = rng.random((min(m, 100), exercise.full_size.sizes[0]))
    return _timing_case(exercise, "speed_screen", np.tile(block, (-(-m // len(block)), 1))[:m], rng)


def _timing_case(exercise: Exercise, name: str, X: np.ndarray, rng: "np.random.Generator") -> CaseData:
    """A case at the full size's layers around these inputs: seeded small weights and every label."""
    sizes = exercise.full_size.sizes
    network = exercise.network.with_sizes(sizes)
    thetas = [rng.standard_normal(s) * 0.12 for s in network.theta_shapes]
    return CaseData(name, sizes, X, random_targets(rng, network, len(X)), tuple(thetas),
                    nn.unroll(thetas, network.order))


def screen_call(exercise: Exercise, part, case: CaseData | None = None) -> Call:
    """The screening call (run ahead, beside the graded calls): see `probe_speed`. `case`: `screen_case`'s, when
    the caller has it already (input_cache.py)."""
    function = exercise.functions[part.function]
    return _call(function, calling.arguments(function, case or screen_case(exercise), part.lambda_))


def screened_fast(exercise: Exercise, screen: Outcome | None) -> bool:
    """The screening call finished so quickly that the full-size call cannot take SLOW_SECONDS, even if its
    cost grew with the square of the number of examples (a loop over them grows linearly; an m x m product,
    quadratically): then the full-size call need not run."""
    if screen is None or screen.status != "ok":
        return False
    growth = (exercise.full_size.examples / screen_examples(exercise)) ** 2
    return (screen.cpu_seconds or screen.seconds) * growth < SLOW_SECONDS


def screen_examples(exercise: Exercise) -> int:
    """m of the screening case: a fifth of the full size's, at least one example per output unit."""
    return max(exercise.full_size.examples // SCREEN_DIVISOR, exercise.full_size.sizes[-1], 1)


def _cpu_seconds(function, *args) -> float:
    """The CPU time of this one call, in this thread only: a batch grades in threads (grader/batch/slots.py),
    and the process's CPU time would add the other slots' work to the reference, which makes a slow
    submission look fast by as much as the others were busy (BLAS is single-threaded: grader/__init__.py)."""
    start = time.thread_time()
    function(*args)
    return time.thread_time() - start


_LOOP_CALLS = frozenset({"vectorize", "frompyfunc", "apply_along_axis", "map"})  # loops in Python all the same


def has_loops(source: str) -> bool:
    """Does the code loop in Python (for, while, a comprehension, np.vectorize)? The speed note's advice follows
    it: a loop-free file that is slow was told to replace its loops (review 25, F10). Unreadable code ("" or not
    Python): assume so."""
    if not source.strip():
        return True
    try:
        tree = parsing.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.AsyncFor | ast.While | ast.comprehension):
            return True
        if isinstance(node, ast.Call) and (getattr(node.func, "id", None) in _LOOP_CALLS
                                           or getattr(node.func, "attr", None) in _LOOP_CALLS):
            return True
    return False


def _speed_advice(loops: bool, replace: str) -> str:
    """What to change in a slow function: its loops, or, with none, what makes array operations slow."""
    if loops:
        return f"An optimizer calls it hundreds of times: replace {replace} with matrix operations."
    return ("An optimizer calls it hundreds of times, and your code has no loop, so look for what makes its array "
            "operations slow at this size: np.longdouble or object arrays have no fast matrix product, and an "
            "m × m intermediate grows with the square of the examples.")


def probe_speed(exercise: Exercise, run: Run, part, screen: Outcome | None = None, loops: bool = True) -> Note | None:
    """slow_at_full_size: one call at the real size takes far longer than the vectorized reference.

    `screen` is the outcome of the screening call (a fifth of the examples), when it ran ahead: a quick one
    settles it without the full-size call; one that ran out of its own --timeout is the note already. `loops`:
    does the student's code loop in Python (`has_loops`)?"""
    function = exercise.functions[part.function]
    if screened_fast(exercise, screen):
        return None
    if screen is not None and screen.status == "timeout" and screen.message.startswith("running") and \
            not stopped_by_budget(screen):  # its own --timeout, not what the graded calls left of the run's time
        size = f"{screen_examples(exercise)} examples, layers {'-'.join(map(str, exercise.full_size.sizes))}"
        return _too_slow_note(function, screen, f"a fifth of the assignment's full size ({size})",
                              "a few hundredths of a second at the full size", loops)
    case = full_size_case(exercise)
    args = calling.arguments(function, case, part.lambda_)
    outcomes = run([_call(function, args)])
    if outcomes is None:
        return None
    outcome = outcomes[0]
    size = f"{case.examples} examples, layers {'-'.join(map(str, case.sizes))}"
    if outcome.status == "timeout" and outcome.message.startswith("running"):  # the call itself, not its import
        return _too_slow_note(function, outcome, f"the assignment's full size ({size})", "a few hundredths of a second",
                              loops)
    if outcome.status != "ok":
        return None  # a crash at full size (e.g. out of memory) is not a speed note; the graded parts passed
    # CPU time on both sides (the worker's own for its call, the best of a few reference runs here, in this
    # thread), so a busy machine, which stretches wall time unevenly, does not decide the note by itself. It
    # still moves a per-example loop's ratio (measured 15-27x on this 2-core machine against the 30x bar),
    # and a call stretched past --timeout is the note: tests compare this note with nothing that skips it.
    spent = outcome.cpu_seconds or outcome.seconds
    if spent < SLOW_SECONDS:
        return None  # fast enough whatever the reference takes: don't spend time measuring it
    network = exercise.network.with_sizes(case.sizes)
    reference = min(_cpu_seconds(nn.cost_and_gradient, network, case.params, case.X, case.y, part.lambda_)
                    for _ in range(3))
    if spent < SLOW_FACTOR * reference:
        return None
    return Note("slow_at_full_size", (
        f"{outcome.function or function.name} takes {spent:.2f} s for one call at the assignment's "
        f"full size ({size}); a vectorized version takes {reference:.3f} s. "
        f"{_speed_advice(loops, 'the loops over examples')}"))


def _too_slow_note(function: Function, outcome: Outcome, where: str, vectorized: str, loops: bool = True) -> Note:
    """In the student's words: the seconds it was given and the line it was running, not the sandbox's own
    message ("was stopped: the run used up its 9.94139 s budget", student review 4, F10)."""
    running = outcome.message.partition("; it was running ")[2]  # the student's line (submission.py)
    at = f" (it was still running {running})" if running else ""
    given = re.search(r"(?:longer than|used up its) (\d+(?:\.\d+)?) s", outcome.message)  # relay._stopped's words
    within = f"in the {float(given[1]):.0f} s the grader gives it" if given else "in the time the grader gives it"
    return Note("slow_at_full_size", (
        f"{outcome.function or function.name} did not finish one call at {where} {within}{at}; a vectorized "
        f"version takes {vectorized}. {_speed_advice(loops, 'the loops')}"))


# ---- parameters beyond the exercise's signature -------------------------------------------------

def extra_parameters(source: str, function: Function) -> list[tuple[str, object]]:
    """(name, default) of the positional parameters the student's def adds after the exercise's arguments.

    Only literal defaults count (a probe passes them as values); the list stops at the first other one.
    """
    try:
        tree = parsing.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    definition = next((node for node in tree.body if isinstance(node, ast.FunctionDef)
                       and node.name in function.names), None)
    if definition is None:
        return []
    positional = [*definition.args.posonlyargs, *definition.args.args]
    defaults = dict(zip(positional[len(positional) - len(definition.args.defaults):], definition.args.defaults,
                        strict=True))
    extra = []
    for parameter in positional[len(function.arguments):]:
        try:
            extra.append((parameter.arg, ast.literal_eval(defaults[parameter])))
        except (KeyError, ValueError, TypeError, SyntaxError, RecursionError):
            break
    return extra


def _fitted(value, like: np.ndarray) -> np.ndarray:
    """A returned value in the shape of the expected one (nan when it cannot be: then nothing equals it)."""
    fitted, _ = fit_shape("value", np.asarray(value, dtype=np.float64), like)
    return fitted if fitted is not None else np.full(like.shape, np.nan)


def probe_extra_parameters(exercise: Exercise, run: Run, part, case: CaseData, source: str) -> Note | None:
    """extra_parameter: a flag beyond the signature, left at its default by the course, changes the result.

    Called for a failed cost or gradient part: when flipping a True/False default changes what the function
    returns, the default is what the grader (and the course) graded.
    """
    function = exercise.functions[part.function]
    extra = extra_parameters(source, function)
    if not any(isinstance(default, bool) for _, default in extra):
        return None  # the common case: nothing to flip, so no expected values to compute
    base = calling.arguments(function, case, part.lambda_)
    expected = expected_outputs(exercise, part, case)
    for i, (name, default) in enumerate(extra):
        if not isinstance(default, bool):
            continue
        given = (*[value for _, value in extra[:i]], not default)
        names = (*function.arguments, *[n for n, _ in extra[:i + 1]])
        call = Call(function.names, (*base, *given), names, len(function.returns), function.returns)
        outcomes = run([_call(function, base), call])
        if outcomes is None or any(o.status != "ok" for o in outcomes):
            return None
        default_values, flipped_values = (o.values for o in outcomes)
        returned = [function.returns.index(n) for n in checked_returns(part)]
        if all(_same(flipped_values[i], _fitted(default_values[i], expected[n]), exercise.tolerance)
               for i, n in zip(returned, checked_returns(part), strict=True)):
            continue  # the flag does not change these values
        right = all(_same(flipped_values[i], expected[n], exercise.tolerance)
                    for i, n in zip(returned, checked_returns(part), strict=True))
        then = (f"; with {name}={not default} it returns the expected values" if right
                else f"; with {name}={not default} it returns something else")
        return Note("extra_parameter", (
            f"{outcomes[0].function or function.name} takes a parameter {name}={default!r} beyond the exercise's "
            f"({', '.join(function.arguments)}). The course's grader (and this one) never pass it, so it keeps "
            f"its default, which changes what the function returns (part {part.id}, case {case.name}){then}. "
            f"Remove the parameter and write the function for the arguments it is given."))
    return None
