"""The `grade` command: parse, call, print. No grading logic lives here.

`grade FILE` is short for `grade check FILE`. Exit status: 0 full marks, 1 graded but not full
marks, 2 could not grade (usage error, unreadable file, invalid exercise).
"""

import json
import os
import signal
import sys
from pathlib import Path

import click

from . import locate
from .spec import Exercise, SpecError, load
from .text import printable

EXIT_FULL, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2
# --memory's floor: the sandbox's Python with numpy takes about 100 MB of address space before a student's
# code runs (more with a large hidden input mapped), and below about 112 MB even the shipped solution fails
# with MemoryError, a 0 that would blame the student.
MIN_MEMORY_MB = 256
MEMORY_HELP = (f"in MB (at least {MIN_MEMORY_MB}: below that numpy itself may not fit); after a function runs out "
               f"of it (MemoryError), its later calls in the same worker with arguments as large are not made")
# --timeout's words for every command that has it. The shares are grading.GRADED_BUDGET and
# training.TRAINING_BUDGET (not imported: they would load numpy for --help); a test keeps them in step.
TIMEOUT_HELP = ("Seconds one call of a student function may take. All the graded calls of one function (its "
                "import included) share 2 times this, a training part's calls 12 times this; a function that "
                "times out or runs out of its share is not called again.")


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a command, goes to the `check` command.

    It also keeps any unexpected exception from reaching the user as a traceback: it becomes one
    line on stderr and exit status 2 ("could not grade").
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as error:
            click.echo(f"grade: internal error ({type(error).__name__}: {error}); please report it", err=True)
            sys.exit(EXIT_ERROR)

    def parse_args(self, ctx, args):
        if args and args[0] in OPTION_NAMES and os.path.lexists(args[0]):
            raise GradeError(f"'{printable(args[0])}' is both an option of grade and a file here; to grade the "
                             f"file, put -- before it: grade -- {printable(args[0])}", "json" in args)
        if args and args[0] not in self.commands and args[0] not in OPTION_NAMES:
            args = ["check", *args]
        return super().parse_args(ctx, args)


# Options of the group itself. A file of one of these names is graded with `grade -- NAME` (or
# `grade check -- NAME`); while such a file exists in the current folder, `grade NAME` refuses with exit 2
# rather than print help or the version with status 0, which a script would read as full marks.
OPTION_NAMES = ("--help", "-h", "--version")


class GradeError(click.ClickException):
    """Could not grade: print the message and exit 2 (as JSON on stdout with --format json)."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, as_json: bool = False):
        super().__init__(message)
        self.as_json = as_json

    def show(self, file=None):
        if self.as_json:
            click.echo(json.dumps({"error": self.message}))
        else:
            click.echo(f"grade: {printable(self.message)}", err=True)  # file names may hold terminal escapes


def _use_colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _resolve_exercise(name: str | None, submission: Path | None, as_json: bool, verify: bool = True,
                      folders: tuple[Path, ...] = (), compiled: bool = False) -> Exercise:
    """The exercise to use; `verify=False` skips computing its expected values (see `check`). `compiled`
    (`grade FILE`): specs are read from their compiled entries where they have one (spec_cache.py)."""
    try:
        available = locate.available(folders)  # shipped, GRADER_EXERCISES and --exercises-dir
        known = locate.aliases(available, compiled)  # read whatever the name: an alias two files claim is an error
    except locate.ExerciseConflict as error:
        raise GradeError(str(error), as_json) from None
    also = {}
    for alias, exercise_id in known.items():
        also.setdefault(exercise_id, []).append(alias)
    listing = ", ".join(f"{e} (also {', '.join(also[e])})" if e in also else e for e in available) or "(none installed)"
    by_lower = {n.lower(): n for n in [*available, *known]}  # --exercise EX4: the course's name, capitalised
    if name is not None and name not in available and name not in known and name.lower() in by_lower:
        name = by_lower[name.lower()]
    if name is None:
        try:
            found = locate.for_submission(submission, available, known)
        except locate.AmbiguousName as error:
            raise GradeError(f"{error}; pass --exercise NAME to choose", as_json) from None
        if found is None:
            raise GradeError(f"cannot tell the exercise from the file name '{submission.name}'; "
                             f"name it after one (e.g. ex5.py, or the course's exercise4.ipynb for a notebook) or "
                             f"pass --exercise NAME. "
                             f"Available exercises: {listing}", as_json)
        path = available[found]
    elif name in available:
        path = available[name]
    elif name in known:
        path = available[known[name]]
    elif name.endswith((".yaml", ".yml")) or os.sep in name or Path(name).is_file():
        path = Path(name)
    else:
        raise GradeError(f"unknown exercise '{name}'. Available exercises: {listing}", as_json)
    try:
        if compiled and not verify:
            from . import spec_cache

            return spec_cache.load(path)
        return load_checked(path) if verify else load(path)
    except SpecError as error:
        raise GradeError(str(error), as_json) from None


def load_checked(path) -> Exercise:
    """Load a spec and make sure its reference values are usable (finite)."""
    return load_checked_exercise(load(path))


def load_checked_exercise(exercise: Exercise) -> Exercise:
    from .cases import build_all
    from .checks import verify_expected

    verify_expected(exercise, build_all(exercise))
    if exercise.training_parts:  # a training part's .mat file must be readable
        from .datasets import build as build_training_set

        for part in exercise.training_parts:
            build_training_set(exercise, part)
    return exercise


def exercises_dir_option(function):
    """--exercises-dir, repeatable: an instructor's folders of exercise YAML files (also GRADER_EXERCISES)."""
    return click.option("--exercises-dir", "folders", multiple=True, metavar="DIR",
                        type=click.Path(exists=True, file_okay=False, path_type=Path),
                        help=f"Also find exercises by name in this folder's *.yaml files (repeatable; "
                             f"{locate.ENVIRONMENT}, a {os.pathsep}-separated list of folders, does the same). "
                             f"A name defined in two files is an error.")(function)


def format_option(text_help: str):
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help=f"text: {text_help}; json: one JSON object on stdout.")


def secret_option(what: str):
    return click.option("--secret-file", type=click.Path(path_type=Path), metavar="FILE",
                        help=f"The course's secret (else $GRADER_SECRET): {what} Without it the public cases "
                             f"are used. See docs/platforms.md.")


def _secret(secret_file: Path | None, as_json: bool) -> bytes | None:
    from . import secret as secrets

    try:
        return secrets.load(secret_file)
    except secrets.SecretError as error:
        raise GradeError(str(error), as_json) from None


def for_credit(secret_file: Path | None) -> bool:
    """Is the course's secret given (--secret-file, $GRADER_SECRET, or the pipe `grade` moved it to when it ran
    itself again: secret.hand_off_environment_secret)? Then the grade counts for credit."""
    from .secret import ENV, FD_ENV

    return secret_file is not None or bool(os.environ.get(ENV)) or os.environ.get(FD_ENV, "").isdigit()


def _secret_out_of_environment(secret_file: Path | None) -> None:
    """Before grading student code: $GRADER_SECRET must not stay in the environment forks inherit."""
    from .secret import hand_off_environment_secret

    if secret_file is None:
        hand_off_environment_secret()


def allow_weak_isolation_option(function):
    """`--allow-weak-isolation`, for every command whose grades count for others (batch, platform adapters,
    a run with a secret); pass its value to `strong_isolation_or_exit`."""
    return click.option("--allow-weak-isolation", "allow_weak_isolation", is_flag=True,
                        help="Grade even where only the portable sandbox runs (macOS, Windows, "
                             "GRADER_SANDBOX=portable), or where a grade for credit cannot keep the submission from "
                             "reading files it does not need (no Landlock and no private file view): it does not "
                             "stop a submission from reading or writing your files, using the network or signalling "
                             "the grader. Without it such grades are refused there (exit 2).")(function)


def private_reads_or_exit(sandbox, allow_weak: bool, what: str, as_json: bool = False) -> None:
    """Exit 2 with a clear message when `sandbox` cannot keep a credit run's reads private (no Landlock, no
    private view) without --allow-weak-isolation. Read from the zygote's layers, so it says what is true here."""
    from .sandbox import WeakIsolationError, require_private_reads

    try:
        require_private_reads(sandbox.layers, allow_weak, what)
    except WeakIsolationError as error:
        raise GradeError(str(error), as_json) from None


def strong_isolation_or_exit(allow_weak: bool, what: str, as_json: bool = False) -> None:
    """Exit 2 with a clear message when `what` would run on the portable sandbox without --allow-weak-isolation."""
    from .sandbox import SandboxChoiceError, WeakIsolationError, require_strong_isolation

    try:
        require_strong_isolation(allow_weak, what)
    except (SandboxChoiceError, WeakIsolationError) as error:
        raise GradeError(str(error), as_json) from None


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nn-grader")
def main():
    """Grade neural-network exercises offline and name the mistakes.

    \b
    grade ex5.py                      grade a submission (short for `grade check ex5.py`)
    grade -- --help                   grade a file named like an option (options go before --)
    grade validate exercises/*.yaml   check exercise specs
    grade inspect ex5                 show an exercise's parts, cases and expected values
    grade starter ex5 -o DIR          write the student's starting notebook and .py file
    grade schema                      print the JSON Schema of exercise files (for editors)
    """


def _held(folder: Path) -> str:
    """'; it holds exercise4.ipynb: grade that file', for a folder given where a file was expected (accept15, N10)."""
    try:
        files = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in (".py", ".ipynb") and p.is_file()
                       and p.name not in ("utils.py", "submission.py"))
    except OSError:
        return ""
    if not files or len(files) > 3:
        return ""
    return f"; it holds {', '.join(files)}: grade {'that file' if len(files) == 1 else 'one of them'}"


@main.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", "exercise_name", metavar="NAME|PATH",
              help="The exercise to grade against: a shipped exercise's name or alias (ex4 is ex5) or a spec "
                   "file. Default: taken from the submission's file name (ex5.py, jsmith_ex4.py, "
                   "exercise4.ipynb -> ex5).")
@format_option("a table like the course's grader, then what went wrong")
@click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=10.0, show_default=True,
              help=TIMEOUT_HELP)
@click.option("--memory", "memory_mb", type=click.IntRange(min=MIN_MEMORY_MB), default=2048, show_default=True,
              help=f"Memory limit of the process that runs the student's code, {MEMORY_HELP}.")
@click.option("--train", is_flag=True,
              help="Also run the exercise's training parts: train the network with the submission's own cost "
                   "and gradient (scipy.optimize, seconds to minutes) and compare its accuracy or loss with the "
                   "reference's.")
@exercises_dir_option
@secret_option("the random hidden cases are seeded by it, and the JSON report carries its fingerprint.")
@allow_weak_isolation_option
def check(submission: Path, exercise_name: str | None, fmt: str, timeout: float, memory_mb: int,
          folders: tuple[Path, ...], train: bool, secret_file: Path | None, allow_weak_isolation: bool):
    """Grade SUBMISSION, a student's Python file or Jupyter notebook (.ipynb).

    Only the graded functions and what they need run (docs/submissions.md): top-level script code such
    as data loading, plots, training and the course's grader cells is left out, and a note says so.

    The student's code runs in the Linux sandbox, or where that cannot run (macOS, Windows) in the portable
    one; GRADER_SANDBOX=linux|portable forces one. With the course's secret (a grade for credit) the portable
    sandbox is refused unless --allow-weak-isolation is given. The report's last line names the sandbox.

    Exit status: 0 full marks, 1 graded but not full marks, 2 could not grade. A file whose name starts
    with '-' comes after --: grade -- -h.py (or grade check -- --help).
    """
    as_json = fmt == "json"
    credit = for_credit(secret_file)
    what = "Grading for credit (the course's secret: GRADER_SECRET or --secret-file)"
    if credit:
        strong_isolation_or_exit(allow_weak_isolation, what, as_json)
    _secret_out_of_environment(secret_file)
    if not submission.exists():
        raise GradeError(f"{submission}: no such file", as_json)
    if submission.is_dir():
        raise GradeError(f"{submission}: is a folder; expected the student's file (a .py file or a notebook)"
                         f"{_held(submission)}", as_json)
    if not submission.is_file():  # a FIFO or device would block the grader
        raise GradeError(f"{submission}: is not a regular file; expected the student's Python file or notebook",
                         as_json)
    try:
        submission.open("rb").close()
    except OSError as error:
        raise GradeError(f"{submission}: cannot be read ({error.strerror or error})", as_json) from None
    refused = _not_code(submission, exercise_name, folders)
    if refused:
        raise GradeError(refused, as_json)
    from .sandbox import Limits, Sandbox, SandboxChoiceError

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # leave through __exit__
    try:
        opened = Sandbox(Limits(timeout=timeout, memory_mb=memory_mb, private_reads=credit))
    except SandboxChoiceError as error:
        raise GradeError(str(error), as_json) from None
    # Opened first: the portable runner's first worker starts while the rest loads. No expected value may exist
    # before the sandbox's zygote is forked: load the spec only.
    with opened as sandbox:
        if credit:
            private_reads_or_exit(sandbox, allow_weak_isolation, what, as_json)
        cached = _may_use_cache(credit, sandbox)
        exercise = _resolve_exercise(exercise_name, submission, as_json, verify=False, folders=folders,
                                     compiled=cached)
        prepared = _prepare(submission, exercise, as_json)
        from .grading import grade
        from .report import as_dict, as_text
        from .secret import with_secret

        secret = _secret(secret_file, as_json)  # read only now: the zygote never holds it
        exercise = with_secret(exercise, secret)
        inputs = None
        if cached and secret is None:  # the secret's cases are kept nowhere (input_cache.py)
            from .input_cache import load as load_inputs

            inputs = load_inputs(exercise)
        try:  # verify: the spec's cases are checked (checks.verify_expected) while the student's code runs
            report = grade(exercise, Path(os.path.abspath(submission)), sandbox, shown_as=str(submission),
                           prepared=prepared, train=train, verify=True, inputs=inputs)
        except SpecError as error:
            raise GradeError(str(error), as_json) from None
        except Exception as error:  # a bug in the grader: still one clear message, never a traceback
            raise GradeError(f"internal error while grading {submission} ({type(error).__name__}: {error}); "
                             f"please report it with the submission", as_json) from None
        if sandbox.broken:  # the machine's fault, not the student's: no score rather than a wrong one
            raise GradeError(f"could not grade {submission}: {sandbox.broken}", as_json)
    if as_json:  # with what an appeal needs: versions and hashes (docs/platforms.md)
        from .provenance import provenance

        data = {**as_dict(report), "provenance": provenance(exercise.path, submission, secret)}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(as_text(report, colour=_use_colour()))
    sys.exit(EXIT_FULL if report.score == report.max_score else EXIT_PARTIAL)


def _may_use_cache(credit: bool, sandbox) -> bool:
    """May this grade read and write the compiled entries (spec_cache.py, input_cache.py)? Not for credit: an
    entry decides what a grade expects, and a credit grade trusts only the YAML (10 ms do not matter there). Not on
    the portable runner: its student code runs as the grader's user and could plant an entry, so such a grade
    neither reads one nor makes one for a student's code to rewrite (review 37p, R37P-3)."""
    return not credit and sandbox.runner != "portable"


def _not_code(submission: Path, exercise_name: str | None, folders: tuple[Path, ...]) -> str:
    """Why a file handed in by mistake (a notebook exported as HTML or PDF, a .docx, a .zip, a MyST notebook, the
    course's Octave .m files) cannot be graded, with what to hand in instead; "" for a file that may be code. Read
    as Python such files scored 0 with a SyntaxError on every part (review 28, R28-13, R28-20)."""
    from . import handed_in

    head = handed_in.read_head(submission)
    if handed_in.kind_of(submission, head) is None:
        return ""
    try:  # the advice in the exercise's own names, when it can be told
        exercise = _resolve_exercise(exercise_name, submission, False, verify=False, folders=folders)
    except GradeError:
        exercise = _exercise_defining(submission.stem, folders)
    return handed_in.refusal(submission, str(submission), exercise, head)


def _exercise_defining(name: str, folders: tuple[Path, ...]) -> Exercise | None:
    """The exercise with a graded function called `name` (nnCostFunction.m: ex5), else None. Of several (ex5_mse
    has an nnCostFunction too), the only one the course names (aliases: ex5 is the course's ex4, exercise4)."""
    try:
        found = [load(path) for path in locate.available(folders).values()]
    except (locate.ExerciseConflict, SpecError):
        return None
    defining = [e for e in found if any(name in f.names for f in e.functions.values())]
    defining = defining if len(defining) == 1 else [e for e in defining if e.aliases]
    return defining[0] if len(defining) == 1 else None


def _prepare(submission: Path, exercise: Exercise, as_json: bool):
    """The runnable part of a .py or .ipynb file (grader/submission.py); a damaged file is a clear error."""
    from .submission import SubmissionError, for_exercise

    try:
        return for_exercise(submission, exercise)
    except SubmissionError as error:
        raise GradeError(str(error), as_json) from None


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]):
    """Check exercise spec FILES; print one line per file. Exit 0 when all are valid, else 2."""
    ok = True
    for file in files:
        try:
            exercise = load_checked(file)
        except SpecError as error:
            ok = False
            for message in error.messages:  # every error of the file, in line order
                click.echo(f"invalid: {printable(message)}", err=True)
        else:
            # a training part that runs on every grade counts in every report (author review 4, E17)
            always = [p for p in exercise.training_parts if not p.on_request]
            training = (f", plus {sum(p.points for p in always)} of training graded every time ({len(always)} "
                        f"part{'s' * (len(always) != 1)})") if always else ""
            click.echo(f"ok: {printable(str(file))} ({exercise.id}: {len(exercise.parts)} parts, "
                       f"{exercise.max_score} points{training}, {len(exercise.cases)} cases)")
            if not any(p.points for p in (*exercise.parts, *exercise.training_parts)):  # author review 4, E16
                click.echo(f"warning: {printable(str(file))}: every part is worth 0 points, so every grade is 0/0, "
                           f"which exits 0 as full marks even when every part fails: give the parts their points "
                           f"(a 0-point part, such as a training, is feedback beside the others)", err=True)
            clash = _alias_clash(exercise, Path(file))
            if clash:  # review 21, R5: found beside the others, it would stop every grade (locate.aliases)
                click.echo(f"warning: {printable(str(file))}: {clash}", err=True)
            if Path(file).stem != exercise.id and Path(file).stem not in exercise.aliases:
                # author review 4, E10: found by name, the spec is its file's stem; its id names nothing
                click.echo(f"warning: {printable(str(file))}: id '{exercise.id}' differs from the file's name "
                           f"'{Path(file).stem}': `grade` finds the exercise by its file's name (and aliases), so "
                           f"name the file {exercise.id}.yaml or make the id '{Path(file).stem}'", err=True)
    sys.exit(EXIT_FULL if ok else EXIT_ERROR)


def _alias_clash(exercise: Exercise, path: Path) -> str:
    """Which other known exercise already has one of this spec's aliases, said for `grade validate`; ""."""
    try:
        available = {name: spec for name, spec in locate.available().items() if spec.resolve() != path.resolve()}
        known = locate.every_name(available)
    except locate.ExerciseConflict:
        return ""
    taken = [(alias, known[alias]) for alias in exercise.aliases if alias in known and known[alias] != exercise.id]
    return "; ".join(f"the alias '{alias}' is already a name of {other} ({available[other]}): beside it, `grade` "
                     f"refuses every exercise until one of them is renamed" for alias, other in taken)


@main.command()
@click.argument("exercise_name", metavar="EXERCISE")
@format_option("parts and cases for reading")
@exercises_dir_option
@secret_option("shows the cases it seeds, as the platform grades them.")
def inspect(exercise_name: str, fmt: str, folders: tuple[Path, ...], secret_file: Path | None):
    """Show EXERCISE's parts, its hidden cases (input shapes) and the expected outputs, for instructors.

    EXERCISE is a shipped exercise's name or a spec file. Without the course's secret it shows the
    public cases (what students grade on locally); the secret's cases cannot be derived without it.
    """
    from . import secret as secrets
    from .inspection import describe, describe_text

    secret = _secret(secret_file, fmt == "json")
    exercise = secrets.with_secret(_resolve_exercise(exercise_name, None, fmt == "json", verify=False,
                                                     folders=folders), secret)
    try:
        load_checked_exercise(exercise)
    except SpecError as error:
        raise GradeError(str(error), fmt == "json") from None
    data = describe(exercise)
    seeded = secrets.secret_cases(exercise)
    data["secret"] = {"fingerprint": secrets.fingerprint(secret) if secret else None, "seeded_cases": list(seeded)}
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    which = (f"seeded by the secret with fingerprint {secrets.fingerprint(secret)}" if secret else
             "public: with the course's secret they are different")
    click.echo(describe_text(data) + f"\n\nCases {', '.join(seeded) or '(none)'}: {which}.")


@main.command()
@click.option("--exercise", "-e", "exercise_name", default="ex5", show_default=True, metavar="NAME|PATH",
              help="Write the explanations for this exercise's network (activation, loss, layout).")
def mistakes(exercise_name: str):
    """Print the mistake catalogue as Markdown (the source of docs/mistakes.md)."""
    from .mistakes import catalogue_markdown

    exercise = _resolve_exercise(exercise_name, None, False)
    click.echo(catalogue_markdown(exercise.network, exercise.id), nl=False)


@main.command()
@click.argument("exercise_name", metavar="EXERCISE")
@format_option("a table, one row per mistake")
@exercises_dir_option
@secret_option("audits the cases it seeds instead of the public ones.")
@click.option("--secret-seeds", type=click.IntRange(min=0, max=1000), default=0, show_default=True, metavar="N",
              help="Also audit the cases of N more secrets (fixed ones, so a run can be repeated): separation "
                   "must hold whatever the course's secret is. Each costs about one audit.")
def audit(exercise_name: str, fmt: str, folders: tuple[Path, ...], secret_file: Path | None, secret_seeds: int):
    """Check that EXERCISE's hidden cases detect every applicable mistake and tell each apart from the others,
    and that each training part's `within` leaves room for a correct solution's round-off.

    Prints a table; exits 0 when every mistake is detected and distinguishable, 1 when one slips
    through or two look alike (with hints), when the cases of one of the --secret-seeds do, or when a
    training part's reference, trained again with round-off-sized changes to its gradient, drifts more
    than half its `within`; 2 when the exercise cannot be loaded.
    """
    from . import secret as secrets
    from .audit import as_text, audit_secrets, size_problem, tolerance_problem, training_rows, training_text
    from .audit import audit as run_audit
    from .cases import build_all

    secret = _secret(secret_file, fmt == "json")
    exercise = secrets.with_secret(_resolve_exercise(exercise_name, None, fmt == "json", verify=False,
                                                     folders=folders), secret)
    try:
        load_checked_exercise(exercise)
    except SpecError as error:
        raise GradeError(str(error), fmt == "json") from None
    too_large = size_problem(exercise, build_all(exercise))
    if too_large:
        raise GradeError(too_large, fmt == "json")
    rows = run_audit(exercise)
    seeds = audit_secrets(_resolve_exercise(exercise_name, None, fmt == "json", verify=False, folders=folders),
                          secret_seeds)
    training = training_rows(exercise)
    ok = all(r.ok for r in rows + training) and not tolerance_problem(exercise) and all(s["ok"] for s in seeds)
    fingerprint = secrets.fingerprint(secret) if secret else None
    if fmt == "json":
        mistakes = [{"id": r.mistake, "detected_by": list(r.parts), "closest": r.closest,
                     "distance": None if r.distance == float("inf") else r.distance, "ok": r.ok,
                     "problem": r.problem} for r in rows]
        click.echo(json.dumps({"exercise": exercise.id, "ok": ok, "tolerance_problem": tolerance_problem(exercise),
                               "secret_fingerprint": fingerprint, "mistakes": mistakes, "secret_seeds": seeds,
                               "training": [{"part": r.part, "reference": r.reference, "round_off": list(r.round_off),
                                             "within": r.within, "ok": r.ok, "suggested_within": r.suggested_within}
                                            for r in training]},
                              indent=2))
    else:
        lines = [as_text(exercise, rows)] + ([""] + [training_text(training)] if training else [])
        if secret:
            lines.insert(0, f"Cases seeded by the secret with fingerprint {fingerprint}.")
        if seeds:
            lines.append(f"\nThe same audit with {len(seeds)} other secrets:")
            lines += [f"  {s['secret']!r} (fingerprint {s['fingerprint']}): "
                      f"{'ok' if s['ok'] else 'FAIL: ' + '; '.join(s['problems'])}" for s in seeds]
        click.echo("\n".join(lines))
    sys.exit(EXIT_FULL if ok else EXIT_PARTIAL)


def _limits_options(command):
    command = click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=10.0, show_default=True,
                           help=TIMEOUT_HELP)(command)
    return click.option("--memory", "memory_mb", type=click.IntRange(min=MIN_MEMORY_MB), default=2048,
                        show_default=True,
                        help=f"Memory limit of the process that runs the student's code, {MEMORY_HELP}.")(command)


@main.command()
@click.option("--root", type=click.Path(path_type=Path), default=Path("/autograder"), show_default=True,
              help="Gradescope's folder: the submission is in ROOT/submission/, the result goes to "
                   "ROOT/results/results.json (the folder is created if missing).")
@click.option("--exercise", "-e", "exercise_name", metavar="NAME|PATH",
              help="The exercise: a shipped exercise's name or a spec file. Default: from the submitted file's name.")
@secret_option("the random hidden cases are seeded by it.")
@click.option("--visibility", type=click.Choice(["visible", "hidden", "after_due_date", "after_published"]),
              default="visible", show_default=True,
              help="When students see each part's result on Gradescope; other than visible, the score line and "
                   "the notes are hidden with them (a 0-point notes test), not in the output always shown.")
@_limits_options
@allow_weak_isolation_option
def gradescope(root: Path, exercise_name: str | None, secret_file: Path | None, visibility: str, timeout: float,
               memory_mb: int, allow_weak_isolation: bool):
    """Grade a Gradescope submission (ROOT/submission/) into ROOT/results/results.json.

    The submission is the only .py or .ipynb file there; of several named for the exercise, the one
    `grade batch` would grade (the newest, but never a copy such as exercise4-Copy1.ipynb over
    exercise4.ipynb; the output names the others); else the only one defining a graded function.
    Exit status: 0 full marks, 1 graded but not full marks, 2 could not grade (score 0 and the reason
    in results.json, and on stderr), 3 results.json could not be written (the reason on stderr).
    """
    from .platforms import gradescope as platform
    from .sandbox import Limits

    strong_isolation_or_exit(allow_weak_isolation, "Grading on Gradescope")
    _secret_out_of_environment(secret_file)
    sys.exit(platform.run(root, exercise_name, secret_file,
                          Limits(timeout=timeout, memory_mb=memory_mb, private_reads=True), visibility, click.echo,
                          lambda message: click.echo(f"grade: {message}", err=True), allow_weak_isolation))


@main.command()
@click.option("--root", type=click.Path(path_type=Path), default=Path("/shared"), show_default=True,
              help="Coursera's folder: the submission is in ROOT/submission/, the result goes to ROOT/feedback.json.")
@click.option("--exercise", "-e", "exercise_name", metavar="NAME|PATH",
              help="The exercise: a shipped exercise's name or a spec file. Default: from the submitted file's name.")
@click.option("--part-id", envvar="partId", metavar="ID",
              help="Grade only this part: its id or its coursera_part_id in the spec. Default: $partId, as "
                   "Coursera sets it; without it the whole exercise (fractionalScore = score / max score).")
@secret_option("the random hidden cases are seeded by it.")
@_limits_options
@allow_weak_isolation_option
def coursera(root: Path, exercise_name: str | None, part_id: str | None, secret_file: Path | None, timeout: float,
             memory_mb: int, allow_weak_isolation: bool):
    """Grade a Coursera submission (ROOT/submission/) into ROOT/feedback.json, also printed on stdout.

    The file graded is chosen as `grade gradescope` chooses it. The feedback is plain text (not HTML,
    nothing escaped). Exit status: 0 full marks, 1 graded but
    not full marks, 2 could not grade (fractionalScore 0 and the reason in feedback.json, and on
    stderr; a wrong partId too), 3 feedback.json could not be written (the reason on stderr).
    """
    from .platforms import coursera as platform
    from .sandbox import Limits

    strong_isolation_or_exit(allow_weak_isolation, "Grading on Coursera")
    _secret_out_of_environment(secret_file)
    sys.exit(platform.run(root, exercise_name, secret_file,
                          Limits(timeout=timeout, memory_mb=memory_mb, private_reads=True), part_id, click.echo,
                          lambda message: click.echo(f"grade: {message}", err=True), allow_weak_isolation))


@main.group()
def package():
    """Build what an instructor uploads to a platform (docs/platforms.md)."""


def _package_options(command):
    command = click.option("--wheel", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
                           help="The grader's wheel to ship. Default: built from this grader's source tree, else made "
                                "from the installed grader (docs/platforms.md).")(command)
    command = click.option("--secret-file", type=click.Path(path_type=Path), metavar="FILE",
                           help="Ship the course's secret, so the platform grades on secret cases "
                                "(keep the package private). Without it the public cases are used.")(command)
    return click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=10.0, show_default=True,
                        help="The --timeout the platform grades with.")(command)


@package.command("gradescope")
@click.argument("exercise_name", metavar="EXERCISE")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=Path("autograder.zip"),
              show_default=True, help="The zip to write (a name ending in .zip); an existing file is replaced "
                                      "only when it is an autograder zip this command wrote.")
@click.option("--visibility", type=click.Choice(["visible", "hidden", "after_due_date", "after_published"]),
              default="visible", show_default=True, help="When students see each part's result.")
@_package_options
def package_gradescope(exercise_name: str, output: Path, visibility: str, wheel: Path | None,
                       secret_file: Path | None, timeout: float):
    """Write a Gradescope autograder zip for EXERCISE: setup.sh, run_autograder, the wheel, the spec.

    With --secret-file the secret's cases are audited first (as `grade audit --secret-file`), and the
    zip is not written when they cannot tell every mistake apart.
    """
    from .platforms.package import PackageError, gradescope_zip

    exercise = _resolve_exercise(exercise_name, None, False)
    try:
        names = gradescope_zip(Path(exercise.path), exercise, output, secret_file, wheel, timeout, visibility)
    except PackageError as error:
        raise GradeError(str(error)) from None
    click.echo(f"wrote {output}: {', '.join(names)}")
    if secret_file is None:
        click.echo("grade: no --secret-file: the platform will grade on the public cases, which students can "
                   "see with `grade inspect`", err=True)


@package.command("coursera")
@click.argument("exercise_name", metavar="EXERCISE")
@click.option("--output", "-o", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="A new or empty folder to write the Dockerfile and what it needs into.")
@_package_options
def package_coursera(exercise_name: str, output: Path, wheel: Path | None, secret_file: Path | None,
                     timeout: float):
    """Write a Coursera custom-grader folder for EXERCISE: Dockerfile, the wheel, the spec, a README.

    With --secret-file the secret's cases are audited first, as for `grade package gradescope`.
    """
    from .platforms.package import PackageError, coursera_folder

    exercise = _resolve_exercise(exercise_name, None, False)
    try:
        names = coursera_folder(Path(exercise.path), exercise, output, secret_file, wheel, timeout)
    except PackageError as error:
        raise GradeError(str(error)) from None
    click.echo(f"wrote {output}: {', '.join(names)}")
    if secret_file is None:
        click.echo("grade: no --secret-file: the platform will grade on the public cases, which students can "
                   "see with `grade inspect`", err=True)


@main.command()
def doctor():
    """Show which sandbox layers are active on this machine (probed by trying each in a child process)."""
    from .doctor import report_text

    click.echo(report_text().rstrip("\n"))


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema to this file instead of stdout.")
def schema(output: Path | None):
    """Print the JSON Schema of exercise files, made from the tables `grade validate` checks with.

    Editors that understand the yaml-language-server comment complete and check keys with it: start a
    spec with `# yaml-language-server: $schema=exercise.schema.json` (the shipped exercises/ folder has
    that file; `grade schema -o exercise.schema.json` writes it elsewhere).
    """
    from .schema import exercise_schema

    text = json.dumps(exercise_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise GradeError(f"{output}: cannot be written ({error.strerror or error})") from None


@main.command()
@click.argument("exercise_name", metavar="EXERCISE")
@click.option("--output", "-o", "folder", required=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the notebook and the .py file into (created if needed).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist (a student's work, perhaps).")
@exercises_dir_option
def starter(exercise_name: str, folder: Path, force: bool, folders: tuple[Path, ...]):
    """Write the student's starting point for EXERCISE into DIR: EXERCISE.ipynb and the same as EXERCISE.py.

    Each graded function has its signature, a docstring from the spec and a body that returns zeros under
    YOUR CODE HERE; then a gradient check and a last cell that runs the grader. Graded as it is, it scores 0.
    """
    from .starter import notebook, python_file

    exercise = _resolve_exercise(exercise_name, None, False, folders=folders)
    # named as asked when asked by an alias: `grade starter ex4` (the course's name) writes ex4.ipynb, which
    # `grade ex4.ipynb` finds (student review 4, F15)
    stem = exercise.id
    if exercise_name.isidentifier() and exercise_name.lower() != exercise.id.lower():
        known = {alias.lower(): alias for alias in exercise.aliases}  # as the spec writes it (R15: not as typed)
        stem = known.get(exercise_name.lower(), exercise.id)
    targets = {"ipynb": folder / f"{stem}.ipynb", "py": folder / f"{stem}.py"}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not force:
        raise GradeError(f"{' and '.join(existing)} already {'exist' if len(existing) > 1 else 'exists'}; pass "
                         f"--force to overwrite")
    import nbformat

    try:
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook(exercise, stem), str(targets["ipynb"]))
        targets["py"].write_text(python_file(exercise, stem), encoding="utf-8")
    except OSError as error:
        raise GradeError(f"{error.filename or folder}: cannot be written ({error.strerror or error})") from None
    click.echo(f"wrote {targets['ipynb']} and {targets['py']}")
# The class's commands (grade batch, gradebook, class-report) live in cli_batch.py.
from .cli_batch import batch, class_report, gradebook_command  # noqa: E402

main.add_command(batch)
main.add_command(gradebook_command)
main.add_command(class_report)
