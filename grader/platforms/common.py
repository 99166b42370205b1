"""Find the submission in a platform's folder and grade it; whatever goes wrong becomes a reason.

A platform needs a result file even when nothing could be graded, so `grade_for_credit` never raises:
it returns a Credit whose `reason` says why there is no report. The flow is the one of `grade check`
(no expected value, and no secret, exists before the sandbox's zygote is forked); the secret is read
only after that fork, so no process that runs student code ever holds it or a seed derived from it. When
nothing is graded it is still read at the end (no sandbox left by then), so the provenance names it.

Output for students never shows expected values (a check's `detail`): with a secret they are what must
stay hidden, and a student could read them from one submission's feedback and hard-code the next.
"""

import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import handed_in, locate
from .. import secret as secrets
from ..provenance import as_text as provenance_as_text
from ..provenance import provenance
from ..spec import Exercise, SpecError, load
from ..text import valid, valid_data

SKIPPED_FOLDERS = {"__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"}
MAX_DEPTH = 4  # Exercise4/exercise4.ipynb inside a repository's folder is deep enough
MAX_FILES = 10_000  # files looked at, so a hostile folder cannot keep the grader busy
SUFFIXES = (".py", ".ipynb")


class CannotGrade(Exception):
    """A reason to give the student (and the instructor) instead of a grade."""


@dataclass
class Credit:
    exercise: Exercise | None = None
    submission: Path | None = None
    report: object | None = None  # grading.Report, or None when the submission could not be graded
    reason: str = ""
    shown_as: str = ""  # the graded file, relative to the submission folder (Exercise4/exercise4.ipynb)
    also_found: list[str] = field(default_factory=list)  # other files named for the exercise, not graded (relative)
    secret: bytes | None = field(default=None, repr=False)
    secret_unusable: bool = False  # a secret was given but could not be read (the reason says why)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    @property
    def provenance(self) -> dict:
        spec = self.exercise.path if self.exercise is not None else None
        return provenance(spec, self.submission, self.secret)

    @property
    def provenance_text(self) -> str:
        """The provenance line: what was used to grade, or, when nothing was, what would have been."""
        data = self.provenance
        if self.report is not None:
            return provenance_as_text(data)
        if data["secret_fingerprint"]:
            cases = f"the course's secret has fingerprint {data['secret_fingerprint']}"
        elif self.secret_unusable:
            cases = "the course's secret was given but could not be used"
        else:
            cases = "no course secret was given (the public hidden cases would be used)"
        return (f"Not graded, so no hidden case was run (nn-grader {data['grader_version']}; {cases}; "
                f"exercise spec sha256 {data['spec_sha256'] or 'unknown'}; "
                f"submission sha256 {data['submission_sha256'] or 'unknown'}).")

    @property
    def graded_file_text(self) -> str:
        """Which file was graded and which others named for the exercise were found ('' when it was the only one)."""
        if not self.also_found:
            return ""
        return (f"Graded {self.shown_as}; also found, not graded: {', '.join(self.also_found)}. Of several files "
                f"named for the exercise the newest with work in it is graded (not one that holds only the "
                f"template's stubs), and a copy kept aside (-Copy1, _old, _backup, ...) never wins over the file "
                f"named only for the exercise.")


def resolve_exercise(name: str) -> Exercise:
    """A shipped exercise, one in GRADER_EXERCISES's folders (by name or alias), or a spec file."""
    try:
        available = locate.available()
        known = locate.aliases(available)
    except locate.ExerciseConflict as error:
        raise CannotGrade(f"{error} (the grader's configuration)") from None
    name = known.get(name, name)
    path = available.get(name) or Path(name)
    if name not in available and not path.is_file():
        raise CannotGrade(f"unknown exercise '{name}' (the grader's configuration); available: "
                          f"{', '.join(available) or '(none installed)'}")
    try:
        return load(path)
    except SpecError as error:
        raise CannotGrade(f"the exercise spec is invalid (the grader's configuration): {error}") from None


def candidates(folder: Path) -> list[Path]:
    """The .py and .ipynb files under folder (not in hidden or cache folders; symlinks not followed)."""
    return [path for path in _files(folder) if path.suffix.lower() in SUFFIXES]


def _files(folder: Path) -> list[Path]:
    """The regular files under folder, sorted, down to MAX_DEPTH folders, not in hidden or cache folders, not
    through symlinks; at most MAX_FILES entries looked at, so a hostile folder cannot keep the grader busy. A hidden
    folder is never entered, so its files neither use up that budget nor are named: a `.venv/` of 15 000 files
    beside ex5.pdf hid the PDF's reason behind a list of `.venv/d0/0.txt, ...` (review 31, X21)."""
    found, looked, pending = [], 0, [(folder, 0)]
    while pending:
        current, depth = pending.pop()
        try:
            entries = sorted(current.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            looked += 1
            if looked > MAX_FILES:
                return sorted(found)
            if entry.is_dir():
                if depth < MAX_DEPTH and entry.name not in SKIPPED_FOLDERS:
                    pending.append((entry, depth + 1))
            elif entry.is_file():
                found.append(entry)
    return sorted(found)


def _mistaken(folder: Path, exercise: Exercise | None, named_only: bool = False) -> str:
    """What a submission of no .py or .ipynb file holds instead, when it was handed in by mistake (a notebook
    exported as HTML or PDF, a .docx, a .zip, a MyST notebook, the course's Octave files), and what to hand in
    (review 28, R28-13, R28-20: "no Python file was submitted" said neither); else ""."""
    paths = [path for path in _files(folder) if path.suffix.lower() in handed_in.SUFFIXES]
    exercise = exercise or _named_exercise(paths)
    files, functions = handed_in.wanted(exercise)
    names = {name: "" for name in ((exercise.id, *exercise.aliases) if exercise else ())}
    found = handed_in.mistaken(paths, functions, lambda path: locate.match_name(path.name, names) is not None)
    if named_only:  # only exercise4.html, exercise4.pdf...: a report.pdf beside a helper says nothing
        found = [(path, kind) for path, kind in found if locate.match_name(path.name, names) is not None]
    if not found:
        return ""
    (first, kind), others = found[0], [p.relative_to(folder).as_posix() for p, _ in found[1:]]
    also = f" Also handed in: {_shown([p for p, _ in found[1:]], folder)}." if others else ""
    return valid(handed_in.message(first.relative_to(folder).as_posix(), kind, files) + "." + also)  # a bad byte


def _named_exercise(paths: list[Path]) -> Exercise | None:
    """The exercise the files' names point at (exercise4.html: ex5), for the advice's words; None when not one."""
    try:
        available = locate.available()
        known = locate.aliases(available)
        named = {locate.for_submission(path, available, known) for path in paths} - {None}
        return resolve_exercise(named.pop()) if len(named) == 1 else None
    except (locate.ExerciseConflict, locate.AmbiguousName, CannotGrade):
        return None


def _only_hidden(folder: Path) -> str:
    """", which is empty", or what it holds that is not looked into (.ipynb_checkpoints/, .DS_Store)."""
    try:
        hidden = sorted(entry.name + "/" * (entry.is_dir() and not entry.is_symlink()) for entry in folder.iterdir())
    except OSError:
        hidden = []
    if not hidden:
        return ", which is empty"
    more = f" and {len(hidden) - 8} more" if len(hidden) > 8 else ""
    return f"; it holds only {', '.join(hidden[:8])}{more} (hidden, cache or linked: not looked into)"


def _shown(paths: list[Path], folder: Path) -> str:
    names = [str(p.relative_to(folder)) for p in paths[:8]]
    return ", ".join(names) + (f" and {len(paths) - 8} more" if len(paths) > 8 else "")


def _known(exercise_id: str) -> tuple[str, ...]:
    """The other known exercises' names (an unreadable instructor's folder: none; it is said where it matters)."""
    try:
        return locate.known_names(excluding=exercise_id)
    except locate.ExerciseConflict:
        return ()


def pick_submission(folder: Path, exercise: Exercise | None) -> tuple[Path, Exercise, list[str]]:
    """The file to grade, the exercise (from the file's name when none was given), and the other files
    named for the exercise that were passed over (relative to folder).

    The only .py/.ipynb file; else the one `grade batch` would grade in a student's folder: of the files named
    for the exercise (ex5.py, exercise4.ipynb, ex5_v2.py, exercise4-Copy1.ipynb) in the shallowest folder that
    has one, the newest, a copy kept aside never winning over the file named only for the exercise
    (batch.discover's `in_student_folder`: the same files get the same grade in a batch and on a platform;
    a notebook's .py export holds the notebook's code, and when the two differ the newer is the latest work).
    Else the only one that defines a graded function (so helpers such as utils.py beside it are not
    candidates). Two files that are neither named for the exercise nor told apart that way: CannotGrade.
    """
    if not folder.is_dir():
        raise CannotGrade(f"{folder}: there is no submission folder")
    files = candidates(folder)
    if not files:
        mistaken = _mistaken(folder, exercise)
        if mistaken:
            raise CannotGrade(mistaken)
        others = _files(folder)
        listing = f"; it holds: {_shown(others, folder)}" if others else _only_hidden(folder)
        raise CannotGrade(f"no Python file (.py) or notebook (.ipynb) was submitted in {folder}{listing}")
    if exercise is None:
        try:
            available = locate.available()
            known = locate.aliases(available)
        except locate.ExerciseConflict as error:
            raise CannotGrade(f"{error} (the grader's configuration)") from None
        named = set()
        for path in files:
            try:
                named.add(locate.for_submission(path, available, known))
            except locate.AmbiguousName:
                continue  # a name that fits two exercises tells nothing
        named -= {None}
        if len(named) != 1:
            raise CannotGrade(f"cannot tell the exercise from the submitted files ({_shown(files, folder)}); "
                              f"the grader must be run with --exercise NAME")
        exercise = resolve_exercise(named.pop())
    # lazily: rarely needed
    from ..batch.discover import defines_graded, exercise_names, graded_names, in_student_folder, student_from_name

    if len(files) == 1:
        named = {name: exercise.id for name in (exercise.id, *exercise.aliases)}
        # utils.py beside exercise4.html (review 31, X6: graded 0); never a notebook, which is the work itself
        # whatever names its functions have (review 32, Z3), nor beside a page not named for the exercise
        if files[0].suffix.lower() == ".py" and locate.match_name(files[0].name, named) is None \
                and not defines_graded(files[0], graded_names(exercise)):
            mistaken = _mistaken(folder, exercise, named_only=True)
            if mistaken:
                raise CannotGrade(mistaken)
        return files[0], exercise, []

    names, graded = exercise_names(exercise.id, exercise.aliases, _known(exercise.id)), graded_names(exercise)
    found = in_student_folder(folder, names, shown=folder.name, student="", graded=graded)
    # Only a file named for the exercise: the batch's "the folder's only other file" would take mywork.py at
    # the top over Exercise4/ex5.py; here the functions it defines decide that (below), as they always did.
    # Or one that defines the graded functions beside files named for the exercise that define none of them
    # (neural_net.py beside ex5_plots.py, hw5.py beside ex5_old.py: discover._defining_beside).
    # (a level is a depth: old/ex5_old.py beside new/hw5.py are one level; review 18, R13)
    depth = len(Path(found.shown_as).parts)
    if found.file is not None and (student_from_name(found.file.name, names) is not None or any(
            student_from_name(Path(shown).name, names) is not None and len(Path(shown).parts) == depth
            for shown in found.passed_over)):
        return found.file, exercise, [shown.removeprefix(f"{folder.name}/") for shown in found.passed_over]
    names = {name: exercise.id for name in names}
    chosen = [p for p in files if locate.match_name(p.name, names) is not None]
    if len(chosen) != 1:
        chosen = [p for p in (chosen or files) if defines_graded(p, graded)]
    if len(chosen) != 1:
        raise CannotGrade(f"several files could be the submission ({_shown(chosen or files, folder)}); "
                          f"{_advice(exercise)}")
    return chosen[0], exercise, []


def _advice(exercise: Exercise) -> str:
    """What to hand in, in the course's own names: the spec's aliases (ex5's course calls it exercise4.ipynb)."""
    names = (exercise.id, *exercise.aliases)
    course = max(exercise.aliases, key=len) if exercise.aliases else exercise.id  # the notebook's own name
    wanted = " or ".join(exercise.functions[f].name for f in exercise.functions)
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    return (f"keep only the file to grade, or name it for the exercise, such as {course}.ipynb or "
            f"{exercise.id}.py (any name holding {listed}); it must define {wanted}")


def check_readable(path: Path) -> None:
    try:
        path.open("rb").close()
    except OSError as error:
        raise CannotGrade(f"{path.name} cannot be read ({error.strerror or error})") from None


def only_part(exercise: Exercise, part_id: str) -> Exercise:
    """The exercise reduced to one part, named by its id or its coursera_part_id."""
    for part in exercise.parts:
        if part_id in (part.id, part.coursera_part_id):
            return exercise._replace(parts=(part,))
    known = ", ".join(p.id + (f" (Coursera id {p.coursera_part_id})" if p.coursera_part_id else "")
                      for p in exercise.parts)
    raise CannotGrade(f"partId '{part_id}' is not a part of {exercise.id}; expected one of: {known}")


def grade_for_credit(folder: Path, exercise_name: str | None, secret_file: Path | None, limits,
                     part_id: str | None = None, allow_weak: bool = False) -> Credit:
    """Grade the submission in folder; never raises for anything about the submission or the setup.
    A sandbox that cannot keep the submission's reads private (`limits.private_reads`) is refused, as the
    machine's problem, unless `allow_weak` (--allow-weak-isolation)."""
    credit = Credit()
    try:
        exercise = credit.exercise = resolve_exercise(exercise_name) if exercise_name else None
        if exercise is not None and part_id is not None:
            exercise = credit.exercise = only_part(exercise, part_id)  # told before anything else
        credit.submission, exercise, also_found = pick_submission(folder, exercise)
        # a file name that is not UTF-8 is shown escaped (staff review 4, S1)
        credit.shown_as, credit.also_found = valid(credit.submission.relative_to(folder).as_posix()), valid_data(
            also_found)
        if credit.exercise is None and part_id is not None:
            credit.exercise = exercise  # the spec was read: the provenance names it even if the part is unknown
            exercise = only_part(exercise, part_id)
        credit.exercise = exercise
        check_readable(credit.submission)
        _grade(credit, exercise, secret_file, limits, allow_weak)
    except CannotGrade as error:
        credit.reason = str(error)
    except Exception as error:  # a bug in the grader: still a result file, with the reason
        credit.reason = (f"internal error of the grader ({type(error).__name__}: {error}); "
                         f"please report it with the submission")
    if credit.report is None:
        _fingerprint_anyway(credit, secret_file)
    credit.seconds = time.monotonic() - credit.started
    return credit


def _fingerprint_anyway(credit: Credit, secret_file: Path | None) -> None:
    """Read the secret of a run that graded nothing, so its provenance names the secret that was given
    (an appeal compares fingerprints). No sandbox is running by now: no student code can hold it."""
    if credit.secret is not None or credit.secret_unusable:
        return
    try:
        credit.secret = secrets.load(secret_file)
    except secrets.SecretError:
        credit.secret_unusable = True


def _grade(credit: Credit, exercise: Exercise, secret_file: Path | None, limits, allow_weak: bool = False) -> None:
    from ..cases import build_all
    from ..checks import verify_expected
    from ..grading import grade
    from ..sandbox import Sandbox, WeakIsolationError, require_private_reads
    from ..submission import SubmissionError, for_exercise

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # leave through __exit__
    with Sandbox(limits) as sandbox:
        if limits.private_reads:
            try:
                require_private_reads(sandbox.layers, allow_weak, "Grading for credit")
            except WeakIsolationError as error:
                raise CannotGrade(str(error)) from None
        try:
            credit.secret = secrets.load(secret_file)  # only now: the zygote never holds it
        except secrets.SecretError as error:
            credit.secret_unusable = True
            raise CannotGrade(f"the course's secret cannot be used (the grader's configuration): {error}") from None
        exercise = credit.exercise = secrets.with_secret(exercise, credit.secret)
        try:
            verify_expected(exercise, build_all(exercise))
        except SpecError as error:
            raise CannotGrade(f"the exercise's hidden cases cannot be graded (the grader's configuration): "
                              f"{error}") from None
        refused = handed_in.refusal(credit.submission, valid(credit.submission.name), exercise)
        if refused:  # an exercise4.ipynb that is a web page saved from the browser (review 28, R28-13)
            raise CannotGrade(refused)
        try:
            prepared = for_exercise(credit.submission, exercise)
        except SubmissionError as error:
            raise CannotGrade(str(error).replace(str(credit.submission), credit.submission.name)) from None
        report = grade(exercise, Path(os.path.abspath(credit.submission)), sandbox,
                       shown_as=valid(credit.submission.name), prepared=prepared)
        if sandbox.broken:
            raise CannotGrade(f"the grader's sandbox failed ({sandbox.broken}); this is not the submission's fault")
    credit.report = report


# ---- text for students (never an expected value) -------------------------------------------------

_RELATIVE_ERROR = re.compile(r" \(relative error [^)]*\)")


def redacted(report):
    """The report without the checks' numbers (`detail`), which show expected values, nor their relative errors:
    that of a J of 1 is |1 − J*| / J*, so five submissions learnt every secret case's J (review 25 sec, S2)."""
    def plain(text: str) -> str:
        return _RELATIVE_ERROR.sub("", text)

    parts = [replace(p, feedback=plain(p.feedback), evidence=[plain(e) for e in p.evidence],
                     checks=[c._replace(detail="", message=plain(c.message)) for c in p.checks])
             for p in report.parts]
    return replace(report, parts=parts)


def part_text(result, network) -> str:
    """One part's feedback: the verdict, each failed case, the likely mistakes with why, the evidence."""
    lines = [result.feedback]
    failed = [c for c in result.checks if not c.passed]
    if len(failed) > 1:
        lines += [f"Case {c.case}: {c.message}" for c in failed]
    for mistake in result.mistakes:
        lines += ["", f"Likely mistake: {mistake.title} [{mistake.id}]", mistake.explanation(network)]
    if result.evidence:
        lines += ["", *result.evidence]
    return "\n".join(lines)


def notes_text(report) -> str:
    if not report.notes:
        return ""
    return "\n".join(["Notes (no points taken):", *(f"* {n.message}" for n in report.notes)])


def clip(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8 (platforms count bytes), with a marker where it was cut; a name that is not
    UTF-8 in a message (a bad byte read as a surrogate) escaped."""
    text = valid(text)
    if len(text.encode()) <= limit:
        return text
    marker = f"\n… (cut: the platform shows at most {limit} bytes)"
    return text.encode()[: limit - len(marker.encode())].decode("utf-8", "ignore") + marker


# ---- files and exit status -------------------------------------------------------------------------

EXIT_FULL, EXIT_PARTIAL, EXIT_NOT_GRADED, EXIT_NO_OUTPUT = 0, 1, 2, 3


def prepare_folder(folder: Path) -> str:
    """Create the output folder if needed; '' when it is writable, else why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create the output folder {folder} ({error.strerror or error})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot write in the output folder {folder} (permission denied)"
    return ""


def write_json(path: Path, data: dict) -> str:
    """Write data as JSON (atomically: a temporary file renamed); '' on success, else why not."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        return f"cannot write {path} ({error.strerror or error})"
    return ""


def exit_status(credit: Credit) -> int:
    if credit.report is None:
        return EXIT_NOT_GRADED
    return EXIT_FULL if credit.report.score == credit.report.max_score else EXIT_PARTIAL
