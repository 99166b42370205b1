"""The class's commands: `grade batch`, `grade gradebook`, `grade class-report` (registered by cli.py).

Parse, call, print: the work is in grader.batch, grader.gradebook and grader.classreport.
"""

import csv
import io
import json
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from .cli import (
    EXIT_ERROR,
    EXIT_FULL,
    MEMORY_HELP,
    MIN_MEMORY_MB,
    TIMEOUT_HELP,
    GradeError,
    _resolve_exercise,
    _secret,
    _secret_out_of_environment,
    allow_weak_isolation_option,
    exercises_dir_option,
    for_credit,
    private_reads_or_exit,
    secret_option,
    strong_isolation_or_exit,
)
from .text import printable

DEFAULT_DB = "grades.sqlite"


def _db_option(help_text: str):
    return click.option("--db", "db_path", type=click.Path(path_type=Path), default=DEFAULT_DB, show_default=True,
                        help=help_text)


@contextmanager
def _gradebook_errors():
    """A gradebook that cannot be opened, read or written: one line, not a traceback."""
    from .gradebook import GradebookError

    try:
        yield
    except GradebookError as error:
        raise GradeError(printable(str(error))) from None


def _open_gradebook(path: Path, create: bool):
    from .gradebook import Gradebook

    with _gradebook_errors():
        return Gradebook(path, create=create)


@click.command()
# readable=False: an unreadable PATH is that PATH's one line and the others are graded (staff review 2, S20),
# not click's usage error for the whole run
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option("--exercise", "-e", "exercise_name", required=True, metavar="NAME|PATH",
              help="The exercise every submission is graded against: a shipped exercise's name or a spec file.")
@_db_option("The gradebook (SQLite) to write; created when missing (and something was found to grade). A rerun "
            "grades only what changed: the file, the spec, the grader's version, or "
            "--timeout/--memory/--speed-notes/--train.")
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=256), default=None,
              help="Submissions graded at the same time (one sandbox each).  [default: the CPUs this process may "
                   "use, a container's CPU quota included; `grade doctor` shows it]")
@click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=10.0, show_default=True,
              help=TIMEOUT_HELP)
@click.option("--memory", "memory_mb", type=click.IntRange(min=MIN_MEMORY_MB), default=2048, show_default=True,
              help=f"Memory limit of each process that runs student code, {MEMORY_HELP}.")
@click.option("--speed-notes", is_flag=True,
              help="Also time each correct submission at the assignment's full size (a note on slow loops); "
                   "off by default, as it costs up to --timeout per submission.")
@click.option("--dask", "dask_address", metavar="tcp://HOST:PORT",
              help="Grade on this Dask scheduler's workers (install the grader with its extra on this host and "
                   "each worker host: pip install '/path/to/nn-grader[dask]'); each worker grades in its own local "
                   "sandbox, and must have this grader's version and the Linux sandbox (or --allow-weak-isolation); "
                   "this host only records the results, as they finish.")
@click.option("--train", is_flag=True,
              help="Also run the exercise's training parts that run only on request, as `grade --train` does (each "
                   "trains the network with the student's function: seconds per submission). Training parts with "
                   "on_request: false run without it.")
@click.option("--regrade", is_flag=True,
              help="Grade every submission found again, even those the gradebook holds unchanged; needed to replace "
                   "rows graded for credit (with the course's secret) by a batch without it.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary; only the problems, on stderr.")
@secret_option("the random hidden cases are seeded by it, as the platform grades them: grades for credit. "
               "The gradebook records its fingerprint. Not with --dask.")
@exercises_dir_option
@allow_weak_isolation_option
def batch(paths, exercise_name, db_path, jobs, timeout, memory_mb, speed_notes, dask_address, train, regrade,
          quiet, secret_file, folders, allow_weak_isolation):
    """Grade every submission under PATHS into the gradebook.

    \b
    PATHS are folders or .zip files (an LMS download), laid out as
      a folder per student:   alice/ex5.py, bob/ex5.ipynb      (student = folder name)
      files named by student: alice_ex5.py, ex5_bob.py         (student = the rest of the name)
      an LMS download:        lastfirst_12345_67890_nn.py      (Canvas; student = lastfirst_12345)
                              Ann Lee_42_assignsubmission_file_/nn.py   (Moodle; student = Ann Lee_42)
                              A5_jsmith_attempt_2026-12-01-10-00-00_nn.py  (Blackboard; student = jsmith,
                                the username the attempt's .txt receipt names; A5_jsmith without one)
    A student with several candidate files gets the newest, but never a copy kept
    aside (ex5_old.py, ex5_test.py) over ex5.py; the report says which. A PATH that
    is one student's folder (class/alice, holding ex5.py) grades that student.
    A .py/.ipynb whose name does not tell whose it is is reported as "could not grade".
    A student's own zip (alice/Exercise4.zip, a Canvas doejane_12346_67891_Exercise4.zip,
    alice.zip given as a PATH) is opened and graded as that student's folder.
    A slot that waits out a timeout gets a spare: one that sleeps always (up to 16,
    while memory allows), one that loops while at most 3 x --jobs runs want a CPU
    (docs/batch.md).

    Without the course's secret (--secret-file, $GRADER_SECRET) the cases are the
    public ones that `grade inspect` shows students: right for practice, not for
    credit (a file that returns their expected values would get full marks). A batch
    without it onto rows graded with it is refused unless --regrade is given.

    Prints a progress bar (on a terminal) and a one-line summary on stderr (before
    it, without the secret, a line that the grades are on the public cases).

    \b
    Exit status:
      0    every submission was graded (whatever the scores)
      2    some could not be graded, or a PATH held nothing gradable (a missing
           gradebook is then not created when nothing at all was found)
      130  interrupted (Ctrl-C, SIGTERM): what was graded is kept; the same
           command grades the rest
    """
    from .batch import CreditRowsKept, run_batch
    from .sandbox import Limits
    from .secret import fingerprint, with_secret

    if dask_address is None:  # with --dask the workers grade: each is checked there (batch/dask.py)
        strong_isolation_or_exit(allow_weak_isolation, "Grading a class")
    elif secret_file is not None or os.environ.get("GRADER_SECRET"):
        raise GradeError("--dask: the course's secret (--secret-file, $GRADER_SECRET) is never sent to Dask "
                         "workers; grade a class for credit on this machine, without --dask")
    credit = for_credit(secret_file)
    _secret_out_of_environment(secret_file)  # before any sandbox starts (secret.hand_off_environment_secret)
    limits = Limits(timeout=timeout, memory_mb=memory_mb, private_reads=credit)
    if credit:  # asked of one sandbox of this machine before the class starts (each slot's is alike)
        from .sandbox import Sandbox

        with Sandbox(limits) as probe:
            private_reads_or_exit(probe, allow_weak_isolation, "Grading a class for credit (the course's secret)")
    exercise = _resolve_exercise(exercise_name, None, False, verify=False, folders=folders)
    secret = _secret(secret_file, False)
    exercise = with_secret(exercise, secret)
    gradebook = _open_gradebook(db_path, create=True)
    if jobs is None:
        from .cpus import usable

        jobs, _ = usable()  # a container's CPU quota counts (cpus.py)
    handlers = {sig: signal.signal(sig, _interrupt) for sig in _STOPPING}  # keep what was graded, stop the sandboxes
    show_bar = not quiet and sys.stderr.isatty()
    bar = None

    def on_total(total: int):
        nonlocal bar
        if show_bar and total:
            bar = click.progressbar(length=total, label="grading", file=sys.stderr, show_pos=True, show_eta=True)
            bar.__enter__()

    from .locate import known_names  # already read without error to resolve the exercise

    try:
        with _gradebook_errors():
            summary = run_batch(list(paths), exercise, gradebook, jobs, limits,
                                speed_notes=speed_notes, dask_address=dask_address, regrade=regrade, train=train,
                                allow_weak=allow_weak_isolation, say=_say,
                                secret=fingerprint(secret) if secret is not None else None,
                                known=known_names(folders, exercise.id),
                                progress=lambda n: bar.update(n) if bar else None, on_total=on_total)
    except _dask_errors() as error:
        raise GradeError(f"--dask {dask_address}: {printable(str(error))}") from None
    except CreditRowsKept as error:
        raise GradeError(f"{db_path}: {printable(str(error))}") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        gradebook.close()
        if signal.getsignal(signal.SIGINT) is _interrupt:  # not interrupted: the caller's handlers again
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
    for line in summary.problems + summary.failed:
        _say(line)
    if summary.untouched:
        from .batch.discover import listing

        shown = listing(sorted(summary.untouched), most=10)
        _say(f"check {len(summary.untouched)} student{'s' if len(summary.untouched) != 1 else ''} graded 0 on a "
             f"file with nothing done in it (every function missing or the template's) though they handed in "
             f"other files: {shown}; their reports say which (\"also found\")")
    if summary.interrupted:
        kept = f"{summary.graded} graded and kept in {db_path}" if summary.graded else "nothing graded yet"
        again = ("run it again without --regrade to grade the rest (with it, every student is graded again)"
                 if regrade else "run the same command again to grade the rest")  # staff review 4, S17
        _say(f"interrupted: {kept}; {again}")
        sys.exit(130)
    if not quiet:
        if secret is None and (summary.graded or summary.skipped):  # accept14, A3: said nowhere else staff look
            click.echo(PUBLIC_CASES, err=True)  # part of the summary: not a "grade:" line, which a problem is
        click.echo(summary.line(), err=True)  # the last line, as logs keep it
    sys.exit(EXIT_FULL if summary.ok else EXIT_ERROR)


_STOPPING = (signal.SIGINT, signal.SIGTERM)

PUBLIC_CASES = ("graded on the public cases (no --secret-file): for practice, not for credit, since a file that "
                "returns the expected values `grade inspect` shows gets full marks")


def _interrupt(signum, frame):
    """Ctrl-C or SIGTERM stops a batch once: a second one, while it stops its sandboxes and records what
    was graded, is ignored, so the run still ends with its line and status 130 (not click's "Aborted!")."""
    for sig in _STOPPING:
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt


def _say(line: str) -> None:
    """One line for the user on stderr, as every `grade` line starts. A line break in it (a student's folder
    named "x\\ngrade: all submissions graded") is shown as \\n, so a line cannot be forged (staff review 2, S10)."""
    click.echo(f"grade: {printable(line).replace(chr(10), chr(92) + 'n')}", err=True)


def _dask_errors() -> tuple:
    from .batch.dask import DaskUnavailable

    return (DaskUnavailable,)


@click.command("gradebook")
@_db_option("The gradebook to read.")
@click.option("--exercise", "-e", "exercise_id", metavar="EX", help="Only this exercise.  [default: all]")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="csv: student,exercise,score,max_score, one column per part (its points; passed or failed for "
                   "a part of 0 points, the training), mistakes (ids joined by spaces), "
                   "notes (parts whose calls timed out, crashed, ... as kind:part,part, then note ids); "
                   "json: a list of objects with the full reports and those kinds as `failures`.")
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Instead, write each student's report as DIR/<student>.txt and DIR/<student>.json (and a "
                   "hidden DIR/.nn-grader-feedback, so `grade batch` passes DIR over when it lies in the class; it "
                   "lists the files written, and a later run for the same exercises deletes those it no longer "
                   "writes: a removed student's; another exercise's files are kept).")
@click.option("--remove", "remove", multiple=True, metavar="STUDENT",
              help="Instead, delete this student's rows (with --exercise, only that exercise's); repeatable. For "
                   "a row left under a file's old name after a rename, or a student who left. Nothing is deleted "
                   "when a name has no row.")
@click.option("--excel", is_flag=True,
              help="Write the CSV as UTF-8 with a byte order mark, so Excel opening the file shows names such as "
                   "Émile as written (without it, Excel reads the file in the system's code page). Only with "
                   "--format csv.")
def gradebook_command(db_path, exercise_id, fmt, feedback_dir, remove, excel):
    """Export the gradebook (to stdout), write per-student feedback files with --feedback DIR, or delete rows
    with --remove STUDENT."""
    from .gradebook import as_json_list, csv_rows

    if excel and (fmt != "csv" or feedback_dir is not None or remove):
        other = "--remove" if remove else "--feedback" if feedback_dir is not None else f"--format {fmt}"
        raise GradeError(f"--excel marks the CSV export for Excel; it does nothing with {other}: give one of them")
    if remove:
        if feedback_dir is not None:
            raise GradeError("--remove and --feedback do different things: give one of them")
        _remove_rows(db_path, list(remove), exercise_id)
        return
    with _open_gradebook(db_path, create=False) as book, _gradebook_errors():
        exercise_id = _as_recorded(book, exercise_id)
        entries = book.entries(exercise_id)
    if exercise_id and not entries:
        raise GradeError(f"{db_path}: no grades for exercise '{printable(exercise_id)}'")
    if feedback_dir is not None:
        from .classreport import write_feedback

        try:
            written, removed = write_feedback(entries, feedback_dir)
        except OSError as error:
            raise GradeError(f"{feedback_dir}: cannot write feedback files ({error.strerror or error})") from None
        stale = f"; removed {removed} stale feedback file{'s' * (removed != 1)} (written by an earlier run for " \
                f"the same exercises, of students no longer in the gradebook)" if removed else ""
        click.echo(f"wrote {written} feedback files to {feedback_dir}{stale}", err=True)
        return
    if fmt == "json":
        _emit(json.dumps(as_json_list(entries), indent=2, ensure_ascii=False) + "\n")
        return
    out = io.StringIO()
    # a cell with a carriage return (a student's file named "x\r=cmd|...") is quoted, as one with "\n" is, so the
    # row stays one row: the writer quotes only what its "\n" line ends hold (staff review 2, S1)
    plain, quoted = csv.writer(out, lineterminator="\n"), csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in csv_rows(entries):
        # ids a student chose (a folder's name, an export's SID) with escape codes, bidi overrides or NUL are shown
        # as escapes, as the other outputs show them (review 25 sec, S11); the JSON export keeps them exact
        cells = [spreadsheet_safe(printable(cell) if isinstance(cell, str) else cell) for cell in row]
        (quoted if any(isinstance(cell, str) and "\r" in cell for cell in cells) else plain).writerow(cells)
    _emit(out.getvalue(), bom=excel)


def _remove_rows(db_path: Path, students: list[str], exercise_id: str | None) -> None:
    if not db_path.exists():
        _open_gradebook(db_path, create=False)  # says there is no such gradebook
    # an id as the CSV shows it ('=HYPERLINK, spreadsheet_safe's apostrophe) is that id (staff review 4, S11)
    students = [s[1:] if s.startswith("'") and s[1:].startswith(_FORMULA_STARTS) else s for s in students]
    with _open_gradebook(db_path, create=True) as book, _gradebook_errors():
        # ... and so is an id whose control characters the CSV shows as escapes (review 25 sec, S11)
        shown = {printable(entry.student): entry.student for entry in book.entries()}
        students = [s if s in shown.values() else shown.get(s, s) for s in students]
        removed = book.remove(students, _as_recorded(book, exercise_id))
    shown = ", ".join(f"{student} ({exercise})" for student, exercise in removed)
    click.echo(printable(f"removed {len(removed)} row{'s' * (len(removed) != 1)} from {db_path}: {shown}"), err=True)


def _as_recorded(book, exercise_id: str | None) -> str | None:
    """The exercise's id as the gradebook records it: `grade batch -e ex4` records ex5's grades under ex5 (ex4
    is its alias, as the course names it), so `--exercise ex4` finds them too."""
    if exercise_id is None:
        return None
    recorded = book.exercises()
    if exercise_id in recorded:
        return exercise_id
    from .locate import ExerciseConflict, aliases, available

    try:
        target = aliases(available()).get(exercise_id)
    except ExerciseConflict:  # a broken exercises folder: the name stays as given, and "no grades" says why
        target = None
    return target if target in recorded else exercise_id


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """A text cell a spreadsheet would run as a formula (a student folder named =HYPERLINK(...), say) gets a
    leading apostrophe, so Excel, LibreOffice and Google Sheets show it as text (OWASP's CSV injection advice);
    numbers and other text are written as they are."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell


def _emit(text: str, bom: bool = False) -> None:
    """Data as it is into a file or pipe; on a terminal, student-controlled escape codes are shown, not run.
    `bom`: as UTF-8 bytes after a byte order mark, whatever the terminal's encoding (`--excel`; staff review 4,
    S15: Excel reads a CSV without one in the system's code page)."""
    if sys.stdout.isatty():
        text = printable(text)  # keeps newlines and tabs
    try:
        click.echo(text.encode("utf-8-sig") if bom else text, nl=False, color=True)
    except OSError as error:  # a full disk, a closed pipe: one line (staff review 2, S3), not an internal error
        raise GradeError(f"cannot write the export to standard output ({error.strerror or error})") from None


@click.command("class-report")
@_db_option("The gradebook to read.")
@click.option("--exercise", "-e", "exercise_id", metavar="EX",
              help="The exercise to report on.  [default: the gradebook's only exercise]")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), required=True, metavar="FILE.html",
              help="Where to write the page (one self-contained HTML file: inline CSS and SVG, no network); a name "
                   "ending in .html or .htm (or a stream such as /dev/stdout), never the gradebook or another "
                   "SQLite file.")
def class_report(db_path, exercise_id, output):
    """Write the class's report: scores, pass rate per part, mistakes by how many made them, notes, failures."""
    from .classreport import render

    _page_only(output, db_path)
    with _open_gradebook(db_path, create=False) as book, _gradebook_errors():
        exercises = book.exercises()
        exercise_id = _as_recorded(book, exercise_id)
        if exercise_id is None:
            if len(exercises) != 1:
                raise GradeError(f"{db_path}: holds {len(exercises)} exercises ({', '.join(exercises) or 'none'}); "
                                 f"pass --exercise")
            exercise_id = exercises[0]
        entries = book.entries(exercise_id)
    if not entries:
        raise GradeError(f"{db_path}: no grades for exercise '{printable(exercise_id)}'")
    try:
        _write_whole(output, render(exercise_id, entries))
    except OSError as error:
        raise GradeError(f"{output}: cannot be written ({error.strerror or error})") from None
    click.echo(f"wrote {output}", err=True)


def _page_only(output: Path, db_path: Path) -> None:
    """Refuse an -o that is not a page: `-o grades.sqlite` (a slip for --db) wrote the page over the gradebook."""
    from .gradebook import SQLITE_HEADER

    try:
        exists, regular = output.exists(), output.is_file()
        same = exists and db_path.exists() and output.samefile(db_path)
        # /dev/stdout (a pipe, a terminal, or a file the shell opened: `-o /dev/stdout > page.html`), a FIFO:
        # written as it is, never read
        stream = exists and (not regular or output.parts[:2] == ("/", "dev"))
        sqlite = False
        if regular and not stream:
            with output.open("rb") as file:
                sqlite = file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:  # missing or unreadable: nothing there to lose, or the write says why it fails
        same = sqlite = stream = False
    if same:
        raise GradeError(f"--output {output}: is the gradebook itself (--db); give a new .html file")
    if sqlite:
        raise GradeError(f"--output {output}: is an SQLite file (a gradebook?), not a page; nothing was written "
                         f"over it")
    if output.suffix.lower() not in (".html", ".htm") and not stream:
        raise GradeError(f"--output {output}: expected a file ending in .html or .htm (the page to write)")


def _write_whole(path: Path, text: str) -> None:
    """All of `text` at `path`, or nothing new there: a full disk left an empty page behind (staff review 2, S3).
    A regular file (or a new one) is written beside it and renamed over it; a link (its target is written, not
    the link replaced), a file in a folder that is not writable, or anything else (/dev/stdout) directly
    (review 18, R9)."""
    if path.is_symlink() or (path.exists() and not path.is_file()) or not os.access(path.parent, os.W_OK):
        path.write_text(text, encoding="utf-8")
        return
    beside = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        beside.write_text(text, encoding="utf-8")
        os.replace(beside, path)
    except OSError:
        beside.unlink(missing_ok=True)
        raise
