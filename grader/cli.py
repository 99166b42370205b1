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

EXIT_FULL, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2


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
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


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
            click.echo(f"grade: {self.message}", err=True)


def _use_colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _resolve_exercise(name: str | None, submission: Path | None, as_json: bool, verify: bool = True) -> Exercise:
    """The exercise to use; `verify=False` skips computing its expected values (see `check`)."""
    available = locate.shipped()
    listing = ", ".join(available) or "(none installed)"
    if name is None:
        found = locate.for_submission(submission, available)
        if found is None:
            raise GradeError(f"cannot tell the exercise from the file name '{submission.name}'; "
                             f"name it after one (e.g. ex5.py) or pass --exercise NAME. "
                             f"Available exercises: {listing}", as_json)
        path = available[found]
    elif name in available:
        path = available[name]
    elif name.endswith((".yaml", ".yml")) or os.sep in name or Path(name).is_file():
        path = Path(name)
    else:
        raise GradeError(f"unknown exercise '{name}'. Available exercises: {listing}", as_json)
    try:
        return load_checked(path) if verify else load(path)
    except SpecError as error:
        raise GradeError(str(error), as_json) from None


def load_checked(path) -> Exercise:
    """Load a spec and make sure its reference values are usable (finite)."""
    from .cases import build_all
    from .checks import verify_expected

    exercise = load(path)
    verify_expected(exercise, build_all(exercise))
    return exercise


def format_option(text_help: str):
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help=f"text: {text_help}; json: one JSON object on stdout.")


def allow_weak_isolation_option(function):
    """`--allow-weak-isolation`, for every command whose grades count for others (batch, platform adapters,
    a run with a secret); pass its value to `strong_isolation_or_exit`."""
    return click.option("--allow-weak-isolation", "allow_weak_isolation", is_flag=True,
                        help="Grade even where only the portable sandbox runs (macOS, Windows, "
                             "GRADER_SANDBOX=portable): it does not stop a submission from reading or writing your "
                             "files, using the network or signalling the grader. Without it such grades are refused "
                             "there (exit 2).")(function)


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
    grade validate exercises/*.yaml   check exercise specs
    grade inspect ex5                 show an exercise's parts, cases and expected values
    """


@main.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--exercise", "-e", "exercise_name", metavar="NAME|PATH",
              help="The exercise to grade against: a shipped exercise's name or a spec file. "
                   "Default: taken from the submission's file name (ex5.py -> ex5).")
@format_option("a table like the course's grader, then what went wrong")
@click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=10.0, show_default=True,
              help="Seconds each call of a student function may take; a function that times out is not "
                   "called again.")
@click.option("--memory", "memory_mb", type=click.IntRange(min=64), default=2048, show_default=True,
              help="Memory limit of the process that runs the student's code, in MB.")
@allow_weak_isolation_option
def check(submission: Path, exercise_name: str | None, fmt: str, timeout: float, memory_mb: int,
          allow_weak_isolation: bool):
    """Grade SUBMISSION, a student's Python file.

    The student's code runs in the Linux sandbox, or where that cannot run (macOS, Windows) in the portable
    one; GRADER_SANDBOX=linux|portable forces one. With GRADER_SECRET set (a grade for credit) the portable
    sandbox is refused unless --allow-weak-isolation is given. The report's last line names the sandbox.

    Exit status: 0 full marks, 1 graded but not full marks, 2 could not grade.
    """
    as_json = fmt == "json"
    if os.environ.get("GRADER_SECRET"):
        strong_isolation_or_exit(allow_weak_isolation, "Grading for credit (GRADER_SECRET is set)", as_json)
    if not submission.exists():
        raise GradeError(f"{submission}: no such file", as_json)
    if submission.is_dir():
        raise GradeError(f"{submission}: is a folder; expected the student's Python file", as_json)
    if submission.suffix.lower() == ".ipynb":
        raise GradeError(f"{submission}: is a Jupyter notebook; export it as a Python file first "
                         f"(jupyter nbconvert --to script {submission.name}) and grade the .py file", as_json)
    if not submission.is_file():  # a FIFO or device would block the grader
        raise GradeError(f"{submission}: is not a regular file; expected the student's Python file", as_json)
    try:
        submission.open("rb").close()
    except OSError as error:
        raise GradeError(f"{submission}: cannot be read ({error.strerror or error})", as_json) from None
    from .sandbox import Limits, Sandbox, SandboxChoiceError

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # leave through __exit__
    try:
        opened = Sandbox(Limits(timeout=timeout, memory_mb=memory_mb))
    except SandboxChoiceError as error:
        raise GradeError(str(error), as_json) from None
    # Opened first: the portable runner's first worker starts while the rest loads. No expected value may exist
    # before the sandbox's zygote is forked: load the spec only.
    with opened as sandbox:
        exercise = _resolve_exercise(exercise_name, submission, as_json, verify=False)
        from .cases import build_all
        from .checks import verify_expected
        from .grading import grade
        from .report import as_json as render_json
        from .report import as_text

        try:
            verify_expected(exercise, build_all(exercise))
            report = grade(exercise, submission.resolve(), sandbox, shown_as=str(submission))
        except SpecError as error:
            raise GradeError(str(error), as_json) from None
        except Exception as error:  # a bug in the grader: still one clear message, never a traceback
            raise GradeError(f"internal error while grading {submission} ({type(error).__name__}: {error}); "
                             f"please report it with the submission", as_json) from None
        if sandbox.broken:  # the machine's fault, not the student's: no score rather than a wrong one
            raise GradeError(f"could not grade {submission}: {sandbox.broken}", as_json)
    click.echo(render_json(report) if as_json else as_text(report, colour=_use_colour()))
    sys.exit(EXIT_FULL if report.score == report.max_score else EXIT_PARTIAL)


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
            click.echo(f"invalid: {error}", err=True)
        else:
            click.echo(f"ok: {file} ({exercise.id}: {len(exercise.parts)} parts, {exercise.max_score} points, "
                       f"{len(exercise.cases)} cases)")
    sys.exit(EXIT_FULL if ok else EXIT_ERROR)


@main.command()
@click.argument("exercise_name", metavar="EXERCISE")
@format_option("parts and cases for reading")
def inspect(exercise_name: str, fmt: str):
    """Show EXERCISE's parts, its hidden cases (input shapes) and the expected outputs, for instructors.

    EXERCISE is a shipped exercise's name or a spec file.
    """
    from .inspection import describe, describe_text

    exercise = _resolve_exercise(exercise_name, None, fmt == "json")
    data = describe(exercise)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if fmt == "json" else describe_text(data))


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
def audit(exercise_name: str, fmt: str):
    """Check that EXERCISE's hidden cases detect every applicable mistake and tell each apart from the others.

    Prints a table; exits 0 when every mistake is detected and distinguishable, 1 when one slips
    through or two look alike (with hints), 2 when the exercise cannot be loaded.
    """
    from .audit import as_text, tolerance_problem
    from .audit import audit as run_audit

    exercise = _resolve_exercise(exercise_name, None, fmt == "json")
    rows = run_audit(exercise)
    ok = all(r.ok for r in rows) and not tolerance_problem(exercise)
    if fmt == "json":
        mistakes = [{"id": r.mistake, "detected_by": list(r.parts), "closest": r.closest,
                     "distance": None if r.distance == float("inf") else r.distance, "ok": r.ok,
                     "problem": r.problem} for r in rows]
        click.echo(json.dumps({"exercise": exercise.id, "ok": ok, "tolerance_problem": tolerance_problem(exercise),
                               "mistakes": mistakes}, indent=2))
    else:
        click.echo(as_text(exercise, rows))
    sys.exit(EXIT_FULL if ok else EXIT_PARTIAL)


@main.command()
def doctor():
    """Show which sandbox layers are active on this machine (probed by trying each in a child process)."""
    from .doctor import report_text

    click.echo(report_text().rstrip("\n"))
