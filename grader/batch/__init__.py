"""`grade batch`: grade a whole class into the gradebook.

Steps: unpack any .zip into a private folder (unpack.py), find each student's submission
(discover.py), skip what the gradebook already holds unchanged (unless --regrade), give each flat-layout file a folder
of its own (so no submission can import another student's file), grade the rest in job slots
(slots.py) or on a Dask cluster (dask.py), and record each result in its own transaction as it
arrives, so an interrupted run keeps everything it finished.
"""

import hashlib
import json
import os
import re
import shlex
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from ..gradebook import Gradebook, Stamp
from ..text import printable
from .discover import (
    EQUAL_TIME,
    SUFFIXES,
    Graded,
    Submission,
    archive_kind,
    counter_note,
    defines_graded,
    discover,
    exercise_names,
    graded_names,
    in_student_folder,
    listing,
)
from .scratch import Scratch
from .slots import Grader, Result, Task
from .task_files import Unreadable, read_task_files
from .unpack import MAX_NOTEBOOK_BYTES, StudentArchives, UnpackError, unpack

MAX_SUBMISSION_BYTES = 16 << 20  # a .py: what the sandbox runs, whole
STOPPED = ("timeout", "crash", "import_error")  # the failure kinds (slots.FAILURE_KINDS) the summary counts
MAX_BESIDE_FILES = 64  # a flat submission's helpers copied beside it, at most (and MAX_SUBMISSION_BYTES)


@dataclass
class Summary:
    graded: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)  # one line per submission that could not be graded
    problems: list[str] = field(default_factory=list)  # one line per PATH that held nothing gradable
    # students graded on a file with nothing done in it while they have other files (`nothing_done`)
    untouched: list[str] = field(default_factory=list)
    stopped: int = 0  # students graded now with a part whose calls timed out or crashed, or whose file did not import
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems and not self.interrupted

    def line(self) -> str:
        rate = f" ({self.graded / self.seconds:.1f} submissions/s)" if self.graded and self.seconds > 0 else ""
        unread = len(self.problems)  # so a log that keeps only this line still explains exit status 2
        paths = f", {unread} PATH{'s' if unread != 1 else ''} not graded (above)" if unread else ""
        # accept14, A8: only the CSV's notes and the class report told that 9 students' parts timed out or crashed
        stopped = f"; {self.stopped} whose code timed out, crashed or did not import: see grade class-report" \
            if self.stopped else ""
        return (f"{self.graded} graded, {self.skipped} skipped (unchanged), {len(self.failed)} could not grade"
                f"{paths} in {self.seconds:.1f} s{rate}{stopped}")


def _named_for_another(submissions: list[Submission], exercise) -> str | None:
    """A line when most of the class's files are named for another exercise than the one given (`-e ex5_mse`
    for a class of ex5.py files: every correct student would get 5/100 without a word; staff review S2)."""
    from .. import locate

    files = [(s.run_as or s.file.name) for s in submissions if s.file is not None and not s.problem]
    if len(files) < 2:
        return None
    try:
        available = locate.available()
        names = {name: name for name in available} | locate.aliases(available)
    except Exception:  # a broken GRADER_EXERCISES folder: said where it matters, not here
        return None
    names |= {name: exercise.id for name in (exercise.id, *exercise.aliases)}  # a spec given by its path too
    counts: dict[str, int] = {}
    for name in files:
        try:
            found = locate.match_name(name, names)
        except locate.AmbiguousName:
            continue
        if found is not None:
            counts[found.exercise] = counts.get(found.exercise, 0) + 1
    if counts.get(exercise.id):
        return None
    other, count = max(counts.items(), key=lambda item: item[1], default=(None, 0))
    if other is None or 2 * count <= len(files):
        return None
    return (f"note: {count} of the {len(files)} files found are named for {other}, none for {exercise.id}: was "
            f"-e {other} meant? (grading on with {exercise.id})")


def nothing_done(report: dict, failures: dict[str, str]) -> bool:
    """No part earned a point and each one's functions are missing or still the template's (`not_implemented`):
    the file graded is not the student's work, whatever else they handed in (staff review S4, S12)."""
    parts = report["parts"]
    return bool(parts) and report["score"] == 0 and all(
        failures.get(p["id"]) == "missing" or any(m["id"] == "not_implemented" for m in p["mistakes"])
        for p in parts)


def work_beside(submission: Submission, graded: Graded, most: int = 200) -> list[str]:
    """The other .py/.ipynb files in the graded file's own folder that define a graded function: a student's
    work in mywork.py beside the untouched ex5.py, which is graded as the file named for the exercise (review
    17, R4). Read only for a file with nothing done in it; at most `most` entries are looked at."""
    if submission.file is None or not submission.own_folder:
        return []
    found = []
    try:
        with os.scandir(submission.file.parent) as entries:
            for entry in islice(entries, most):
                path = Path(entry.path)
                if (path.suffix.lower() in SUFFIXES and path.name != submission.file.name
                        and entry.is_file(follow_symlinks=False) and defines_graded(path, graded)):
                    found.append(entry.name)
    except OSError:
        return []
    return sorted(found)


def _as_recorded(submissions: list[Submission], held: dict, recorded: dict[str, str]) -> None:
    """Give a student graded again alone the id the class run gave them: the id of the one row whose recorded
    file is this one, when the student's own id has no row. A name in two sections made it `Section1/alice`
    (`grade batch download/Section1/alice`; staff review 2, S12: the regrade added a row 'alice' and left the
    old one); hal's folder holding only repo/Exercise4/ex5.py is read alone as a class of a student `repo`
    (`grade batch class/hal`; staff review 4, S6). Rows keyed by a file (whose it is was not told) and the ids
    a Gradescope export's metadata gives are left to their own rules. Not when another file of this batch lies in
    a folder of that name too: dl1/alice and dl2/alice, graded as `dl1` and `dl2` from the folder holding both,
    the recipe of `_two_of_one_name` (review 23, Q7: dl2's file kept the row `alice`, which the recipe removes)."""
    folders = {id(s): {part.lower() for part in s.file.parent.parts} for s in submissions if s.file is not None}
    claims = Counter(part for parts in folders.values() for part in parts)
    for submission in submissions:
        if submission.file is None or submission.student in held or submission.student == submission.shown_as \
                or submission.export_folders or "/" in submission.student:
            continue  # Section1/alice: this run's id for a name in two sections, kept (docs/batch.md)
        # only an id that names a folder the file is in (hal, Section1/alice): an id from an earlier misreading of
        # the file's own name (`nn` for ezra/ex5_nn.py) is not kept for ever (review 21, R3)
        same = [student for student, shown in recorded.items() if student != shown
                and student.rsplit("/", 1)[-1].lower() in folders[id(submission)]
                and claims[student.rsplit("/", 1)[-1].lower()] == 1
                and _resolved(Path(shown)) == _resolved(submission.file)]
        if len(same) == 1:
            submission.student = same[0]


def _not_older_than_recorded(submissions: list[Submission], held: dict,
                             recorded: dict[str, str]) -> tuple[list[Submission], list[str]]:
    """The submissions to plan, without those older than the file the student's row was graded from, which is
    still there: a class graded in two halves (SectionA, then SectionB) replaced alice's newer file's grade with
    her older copy's, which grading both at once would have passed over (staff review 2, S4). Their rows stay,
    with a line each."""
    graded = [s for s in submissions if s.file is not None and not s.problem and s.student in held]
    older, lines = set(), []
    for submission in graded:
        before = recorded.get(submission.student)
        if before is None or _resolved(Path(before)) == _resolved(submission.file):
            continue
        try:
            newer = Path(before).stat().st_mtime > submission.file.stat().st_mtime + EQUAL_TIME
        except OSError:
            continue
        if newer:
            older.add(id(submission))
            lines.append(f"note: {printable(submission.student)}: {printable(submission.shown_as)} is older than "
                         f"{printable(before)}, which their row was graded from: that grade is kept; "
                         f"{_two_of_one_name(submission.student, Path(before), submission.file)}")
    return [s for s in submissions if id(s) not in older], lines


def _two_of_one_name(student: str, before: Path, now: Path) -> str:
    """What to do when a student's row was graded from a file in another folder: the one recipe of both notes
    that say so (review 22, R8: one said "give both PATHs at once", which reads the two folders' alices as one
    student's files, the other "grade the folder holding both", which tells them apart but left the old row
    beside the two new ones without a word, R5)."""
    remove = f"grade gradebook --remove {shlex.quote(student)}"
    try:
        common = Path(os.path.commonpath([_resolved(before), _resolved(now)]))
    except ValueError:  # on two drives (Windows): no folder holds both
        common = None
    if common is None or common in (_resolved(before).parent, _resolved(now).parent):
        return f"to grade this file instead, remove the row ({remove}) and run again"
    here = _resolved(Path.cwd())
    shown = "the current folder" if common == here else \
        printable(str(common.relative_to(here) if common.is_relative_to(here) else common))
    return (f"if they are two students of one name, grade the folder holding both, {shown}, as one PATH (not the "
            f"two folders as two PATHs, which reads them as one student's files): it names each by its folder"
            f"{_names_under(common, before, now)}; then remove the old row: {remove}")


def _names_under(common: Path, before: Path, now: Path) -> str:
    """" (Section1/alice and Section2/alice; Section1 and Section2 when those folders hold no other student)": the
    names a batch of `common` gives the students of two files in student folders of section folders, as a folder
    that holds one student folder is taken for that student's (review 23, Q7: dl1/alice, dl2/alice became dl1, dl2).
    "" when the files are not that deep."""
    folders = sorted(_resolved(path).parent.relative_to(common).parts for path in (before, now))
    if any(len(parts) < 2 for parts in folders):
        return ""
    paths = " and ".join(printable("/".join(parts)) for parts in folders)
    return f" ({paths}; {' and '.join(printable(parts[0]) for parts in folders)} when those folders hold no other " \
           f"student)"


MOVED_SHOWN = 3  # students named one by one in the "another folder" notes; the rest are counted


def _from_another_folder(submissions: list[Submission], held: dict, recorded: dict[str, str],
                         also: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Student -> a line, for the rows this batch grades from a file in another folder than the file their row
    was graded from, which is still there and which this batch does not find: Section1 graded, then Section2, so
    Section2's alice replaced Section1's alice, perhaps another student, without a word (staff review 4, S5). The
    old file is kept in the submission's passed_over, so the row's "also found" names it, and so are the files in
    other folders the row named as also found (`also`), which a regrade would drop. Also student -> those kept
    files: the staff's (passed_over), not the student's, who handed in one file (review 22, R6)."""
    if not held:
        return {}, {}
    found = {_resolved(Path(shown)) for s in submissions for shown in (s.shown_as, *s.passed_over)}
    lines, kept_files = {}, {}
    for submission in submissions:
        before = recorded.get(submission.student)
        if submission.file is None or submission.problem or submission.student not in held or before is None:
            continue
        folder = _resolved(submission.file).parent
        kept = [shown for shown in dict.fromkeys([before, *also.get(submission.student, [])])
                if _resolved(Path(shown)) not in found and _resolved(Path(shown)).parent != folder
                and Path(shown).is_file()]
        submission.passed_over = [*submission.passed_over, *kept]
        kept_files[submission.student] = kept
        if before in kept:
            lines[submission.student] = (
                f"note: {printable(submission.student)}: graded now from {printable(submission.shown_as)}, in "
                f"another folder than {printable(before)}, which their row was graded from (kept as also found); "
                f"{_two_of_one_name(submission.student, Path(before), submission.file)}")
    return lines, kept_files


def _stale_errors(held: dict, submissions: list[Submission]) -> dict[str, str]:
    """The gradebook's "could not grade" rows keyed by a file's path (a name that told no student, under a
    spec without the alias it holds) whose file this batch grades as a student's, by id -> that student: left,
    they stayed in the export and the class report beside the student's own row (staff review 2, S6)."""
    graded_as = {s.shown_as: s.student for s in submissions
                 if s.file is not None and not s.problem and s.student != s.shown_as}
    return {student: graded_as[student] for student, (_, status, _) in held.items()
            if status == "error" and student in graded_as}


def _stale_folders(held: dict, submissions: list[Submission]) -> dict[str, set[str]]:
    """The gradebook's rows under a Gradescope export's submission folder (`submission_123456`: graded before
    its metadata was read) that this batch names by their submitters, by folder -> those submitters: left,
    every student had two rows, counted twice by the exports and the class report (review 20, R16)."""
    named: dict[str, set[str]] = {}
    for submission in submissions:
        for folder in submission.export_folders:
            named.setdefault(folder, set()).add(submission.student)
    return {folder: students for folder, students in named.items() if folder in held and folder not in students}


def _files_gone(held: dict, students: set[str]) -> str:
    """A line when the gradebook keeps "could not grade" rows named by a file's path (a file that told no
    student) whose file no longer exists in a folder that still does: renamed since (bob.py to bob_ex5.py, graded
    now as bob's). They stayed in the exports and the class report (staff review 4, S8). A path inside a zip is
    left alone: whether the zip's rows are stale cannot be told from here (review 21, R14)."""
    gone = sorted(student for student, (_, status, _) in held.items()
                  if status == "error" and student not in students and Path(student).suffix.lower() in
                  (".py", ".ipynb") and "/" in student and os.path.isdir(os.path.dirname(student))
                  and not os.path.lexists(student))  # its folder is there (the same working folder), not it
    if not gone:
        return ""
    one = len(gone) == 1
    return (f"note: {len(gone)} \"could not grade\" row{'' if one else 's'} of this exercise name{'s' if one else ''} "
            f"a file that is no longer there ({listing(gone)}): remove {'it' if one else 'them'} with "
            f"grade gradebook --remove")


def _graded_as_another(recorded: dict[str, str], submissions: list[Submission], dropped) -> str:
    """A line when rows of the gradebook were graded from a file this batch grades as another student's: an
    earlier grader's reading of a name (`nn` for ezra/ex5_nn.py, `eve_1`) left beside the student's row, counted
    twice in the exports (review 21, R3)."""
    files = {_resolved(s.file): s.student for s in submissions if s.file is not None and not s.problem}
    students = {s.student for s in submissions}
    now = {old: files.get(_resolved(Path(shown)), old) for old, shown in recorded.items()
           if old not in students and old not in dropped and old != shown}
    moved = sorted(f"{old} (now {student})" for old, student in now.items() if student != old)
    if not moved:
        return ""
    return (f"note: {len(moved)} row{'s' * (len(moved) != 1)} of this exercise {'were' if len(moved) != 1 else 'was'} "
            f"graded from a file this batch grades as another student's: {listing(moved)}; remove "
            f"{'them' if len(moved) != 1 else 'it'} with grade gradebook --remove")


def _other_versions(held: dict, students: set[str], spec: str) -> str:
    """A line when the gradebook keeps rows of this exercise, for students this batch does not grade, that were
    graded with another version of its spec: one gradebook of two versions (a part renamed: both columns
    half empty; another max score) said nothing (staff review 2, S2)."""
    others = sorted(student for student, (stamp, _, _) in held.items()
                    if student not in students and stamp.spec_sha256 != spec)
    if not others:
        return ""
    return (f"note: {len(others)} other row{'s' if len(others) != 1 else ''} of this exercise in the gradebook "
            f"{'were' if len(others) != 1 else 'was'} graded with another version of its spec ({listing(others)}): "
            f"the gradebook now holds grades of two versions; grade those students again with this spec, or use "
            f"another --db")


def _read_submission(path: Path) -> tuple[str, bool]:
    """The file's sha256, and whether its first MB holds a word of a hang (_MAY_WAIT), in one read."""
    digest, head = hashlib.sha256(), None
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
            head = chunk if head is None else head
    return digest.hexdigest(), _MAY_WAIT.search(head or b"") is not None


def _helpers_digest(submission: Submission) -> str:
    """sha256 over the files the submission can import beside it, each by its name there: what a rerun must
    also find unchanged to keep a grade (a student's helper module, their uploaded utils.py, the course's
    utils.py beside flat files). For a student's own folder these are the files its sandbox may import
    (task_files.read_task_files, the same bounds); for a flat file, what is copied beside it."""
    files: dict[str, bytes] = {}
    if submission.own_folder:
        files = read_task_files(submission.file)  # Unreadable: the student's "could not grade" (the caller's)
        files.pop(submission.file.name, None)
    else:
        for name, source in submission.beside.items():
            try:
                with source.open("rb") as file:
                    files[name] = file.read(MAX_SUBMISSION_BYTES + 1)
            except OSError:
                continue
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest())
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def spec_stamp(exercise) -> str:
    return hashlib.sha256(Path(exercise.path).read_bytes()).hexdigest()


def _with_secret(stamp: Stamp) -> bool:
    """Whether a row was graded on the course's secret cases (its options hold the secret's fingerprint)."""
    return bool(_secret_of(stamp))


class CreditRowsKept(Exception):
    """A batch without the secret would replace rows graded for credit; str() is the one line to show."""


def _credit_refusal(students: list[str], exercise_id: str, dask_address: str | None) -> str:
    count = len(students)
    secret = ("grade them without --dask, with the secret (--secret-file or GRADER_SECRET)" if dask_address
              else "give the secret (--secret-file or GRADER_SECRET)")
    return (f"{count} row{'s' * (count != 1)} of {exercise_id} graded for credit, with the course's secret, would "
            f"be graded again on the public cases by this batch without it ({listing(sorted(students))}): "
            f"{secret}, or --regrade to replace them")


def _secret_of(stamp: Stamp) -> str:
    """The fingerprint of the course's secret a row was graded with (its options hold it), "" for none."""
    try:
        return str(json.loads(stamp.options).get("secret") or "") if stamp.options else ""
    except (ValueError, AttributeError):
        return ""


def _other_secrets(held: dict, planned: dict, secret: str | None) -> str:
    """When the rows this batch grades use other hidden cases than the exercise's rows it keeps (the public cases
    beside rows for credit, or another secret's): what to tell the staff, else "". The class report warns too."""
    kept = [_secret_of(stamp) for student, (stamp, status, _) in held.items()
            if student not in planned and status == "graded"]
    others = sorted({s for s in kept if s != (secret or "")})
    if not planned or not others:
        return ""
    mine = f"the secret {secret[:12]}" if secret else "the public cases (no secret)"
    theirs = ", ".join(f"the secret {s[:12]}" if s else "the public cases" for s in others)
    count = sum(1 for s in kept if s != (secret or ""))
    return (f"this batch grades on {mine}, but {count} other row{'s' * (count != 1)} of the gradebook "
            f"{'were' if count != 1 else 'was'} graded on {theirs}: give the same secret to have one class")


def grading_options(limits, speed_notes: bool, train: bool = False, secret: str | None = None) -> str:
    """The options that can change a report, as the gradebook stores them: every sandbox limit (--timeout,
    --memory and the fixed ones), --speed-notes (a note), --train (the training parts marked on_request) and
    the fingerprint of the course's secret that seeded the cases (the last two stored only when given, so rows
    graded before they existed still match). A row graded with other options is graded again. The limits'
    private_reads is left out: it follows the secret, and hides files without changing a report."""
    limits = {name: value for name, value in limits._asdict().items() if name != "private_reads"}
    options = {"limits": limits, "speed_notes": bool(speed_notes)}
    if train:
        options["train"] = True
    if secret:
        options["secret"] = secret
    return json.dumps(options, sort_keys=True)


def _grader_version() -> str:
    """The build that grades (version and code digest, grader/build.py): a row an older build graded is regraded."""
    from ..build import build_id

    return build_id()


@dataclass
class Plan:
    tasks: list[Task]
    stamps: dict[str, tuple[Stamp, Submission]]  # student -> what a result will be recorded with


def run_batch(paths: list[Path], exercise, gradebook: Gradebook, jobs: int, limits, speed_notes: bool = False,
              dask_address: str | None = None, progress: Callable[[int], object] | None = None,
              on_total: Callable[[int], object] | None = None, regrade: bool = False, train: bool = False,
              allow_weak: bool = False, say: Callable[[str], object] | None = None,
              secret: str | None = None, known: tuple[str, ...] = ()) -> Summary:
    """Grade every submission under PATHS; returns what happened (the caller prints it). `regrade`: grade
    everything found, even what the gradebook holds unchanged; `train`: run the training parts marked
    on_request too (as `grade --train`); `allow_weak`: Dask workers may use the portable runner (the caller
    checks a local batch's own runner); `say`: a line for the user while the batch runs (the wait for a Dask
    worker); `secret`: the fingerprint of the course's secret whose cases `exercise` holds (secret.with_secret),
    which the gradebook's rows record; `known`: every known exercise's id and aliases, whose files are not this
    exercise's (ex5_mse.py beside ex5.py)."""
    started = time.monotonic()
    summary = Summary()
    with Scratch() as scratch:
        try:
            _run(paths, exercise, gradebook, jobs, limits, speed_notes, dask_address, progress, on_total,
                 scratch, summary, regrade, train, allow_weak, say or (lambda line: None), secret, known)
        except KeyboardInterrupt:
            summary.interrupted = True
    summary.seconds = time.monotonic() - started
    return summary


def _run(paths, exercise, gradebook, jobs, limits, speed_notes, dask_address, progress, on_total, scratch,
         summary, regrade, train, allow_weak, say, secret, known) -> None:
    paths, inside = _outermost(paths)
    for path, outer in inside:
        say(f"note: {printable(str(path))} is {'the same as' if _resolved(path) == _resolved(outer) else 'inside'} "
            f"{printable(str(outer))}, also given: read once, as part of it")
    folders, shown = _unpacked(paths, scratch, summary)
    found = discover(folders, exercise.id, shown, exercise.aliases, graded_names(exercise), known) if folders else None
    if found is not None:
        summary.problems += found.problems
        for line in found.notes:
            say(line)
    submissions = found.submissions if found else []
    given = {_resolved(path) for path in paths if path.is_file()}  # a class zip lying in a folder given, and
    submissions = [s for s in submissions  # given as a PATH too: read as that PATH, not "not opened" here
                   if not (s.file is None and s.student == s.shown_as and _resolved(Path(s.shown_as)) in given)]
    names, archives = exercise_names(exercise.id, exercise.aliases, known), StudentArchives(scratch, SUFFIXES)
    submissions = [_opened(s, names, archives, graded_names(exercise)) if s.archive else s for s in submissions]
    other = _named_for_another(submissions, exercise)
    if other:
        say(other)
    held = gradebook.stamps(exercise.id)  # read once: what to skip, and what a rerun replaces
    # the files the rows were graded from, read once (a rerun of a class looks at every one)
    recorded_files = gradebook.submissions(exercise.id) if held else {}
    _as_recorded(submissions, held, recorded_files)
    submissions, kept = _not_older_than_recorded(submissions, held, recorded_files)
    for line in kept:
        say(line)
    moved_from, staff_only = _from_another_folder(submissions, held, recorded_files,
                                      gradebook.passed_over(exercise.id) if held else {})
    plan = _plan(submissions, exercise, {} if regrade else held, scratch, summary,
                 grading_options(limits, speed_notes, train, secret), gradebook)
    moved = [line for student, line in moved_from.items() if student in plan.stamps]  # graded again, not unchanged
    merged = counter_note({s: files for s, files in found.merged.items() if s in plan.stamps} if found else {},
                          exercise.id)
    if merged:  # only for rows graded now: a rerun that grades nothing says nothing (review 22, R9)
        say(merged)
    for line in moved[:MOVED_SHOWN] if len(moved) > MOVED_SHOWN + 1 else moved:
        say(line)
    if len(moved) > MOVED_SHOWN + 1:  # a new download of the whole class into another folder, most likely
        say(f"note: and {len(moved) - MOVED_SHOWN} more students graded now from files in other folders than the "
            f"files their rows were graded from (the rows keep those as also found: `grade gradebook` shows them "
            f"in passed_over)")
    credit = [] if secret else [s for s in plan.stamps if s in held and _with_secret(held[s][0])]
    graded_for_credit = [s for s in credit if held[s][1] == "graded"]
    if graded_for_credit and not regrade:  # a rerun with the secret file forgotten: refused before it grades
        raise CreditRowsKept(_credit_refusal(graded_for_credit, exercise.id, dask_address))
    if credit:  # review 17, R12: grades for credit silently became practice grades
        say(f"note: {len(credit)} row{'s' if len(credit) != 1 else ''} graded with the course's secret "
            f"{'are' if len(credit) != 1 else 'is'} graded again on the public cases, as no secret was given "
            f"(--secret-file or GRADER_SECRET)")
    others = _other_secrets(held, plan.stamps, secret)
    if others:  # staff review 4, S4: rows on other hidden cases than the rest of the gradebook's, said once
        say(f"note: {others}")
    stale = _stale_errors(held, submissions)  # removed once their students have rows (below)
    renamed = _stale_folders(held, submissions)  # likewise
    dropped = stale.keys() | renamed.keys()
    mixed = _other_versions({student: row for student, row in held.items() if student not in dropped},
                            set(plan.stamps) | {s.student for s in submissions}, spec_stamp(exercise))
    if mixed:
        say(mixed)
    gone = _files_gone({student: row for student, row in held.items() if student not in dropped},
                       {s.student for s in submissions})
    if gone:
        say(gone)
    moved = _graded_as_another(recorded_files, submissions, dropped)
    if moved:
        say(moved)
    if on_total:
        on_total(len(plan.tasks))
    recorded: set[str] = set()

    def record(result: Result) -> None:
        stamp, submission = plan.stamps[result.task.student]
        _record(gradebook, exercise, stamp, submission, result, summary, staff_only.get(submission.student, []))
        recorded.add(result.task.student)
        if progress:
            progress(1)

    stop = threading.Event()
    try:
        if plan.tasks and dask_address:
            from .dask import run_dask

            run_dask(dask_address, exercise, speed_notes, limits, plan.tasks, record, stop, train, allow_weak, say)
        elif plan.tasks:
            from .slots import run_local

            run_local(Grader(exercise, speed_notes, train, redact=secret is not None), plan.tasks, jobs, limits,
                      record, stop)
    finally:
        stop.set()
    # staff review 2, S6: a file once "could not grade" under its path, now graded as its student's; only once
    # the student has a row (recorded now, or kept unchanged), so a batch that fails midway loses no row
    # (review 18, R15)
    _remove_rows(gradebook, exercise.id, say, "\"could not grade\" row", "of files now graded as their students'",
                 sorted(path for path, student in stale.items()
                        if student in recorded or student in held and student not in plan.stamps))
    # review 20, R16: rows under an export's folder names, now graded under the submitters' ids; once each of
    # them has a row (a "could not grade" row is recorded at once, so the gradebook is asked)
    rows = set(gradebook.stamps(exercise.id)) if renamed else set()
    _remove_rows(gradebook, exercise.id, say, "row", "under Gradescope submission folders' names (graded before "
                 "submission_metadata.yml named their submitters), now graded under the submitters' ids",
                 sorted(folder for folder, students in renamed.items() if students <= rows))


def _remove_rows(gradebook: Gradebook, exercise_id: str, say, kind: str, why: str, students: list[str]) -> None:
    """Remove rows a batch replaced under other ids, and say so in one line."""
    if students:
        gradebook.remove(students, exercise_id)
        say(f"note: removed {len(students)} {kind}{'s' if len(students) != 1 else ''} {why}: {listing(students)}")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _outermost(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """The PATHs not inside another PATH given (nor given twice), and (path, the one it is inside) for the others:
    `grade batch class class/SectionA` graded SectionA's students twice, under two ids (staff review 2, S16).
    Only a folder the outer one's reading reaches counts as inside: none below a hidden folder (`.late/`, which
    the reading passes over) or below a folder it cannot list (review 18, R6); a class zip lying in a folder
    given is read only when given itself. Each PATH is resolved once (R10: a pair at a time took 39 s for 800)."""
    real = [_resolved(path) for path in paths]
    folders: dict[Path, Path] = {}
    for path, resolved in zip(paths, real, strict=True):
        if path.is_dir():
            folders.setdefault(resolved, path)
    kept: list[Path] = []
    inside: list[tuple[Path, Path]] = []
    seen: dict[Path, Path] = {}
    for path, resolved in zip(paths, real, strict=True):
        if resolved in seen:
            inside.append((path, seen[resolved]))
            continue
        outer = _reached_from(resolved, folders) if path.is_dir() else None
        if outer is not None:
            inside.append((path, outer))
        else:
            seen[resolved] = path
            kept.append(path)
    return kept, inside


def _reached_from(folder: Path, outer_folders: dict[Path, Path]) -> Path | None:
    """The closest of `outer_folders` (resolved -> as given) above `folder` whose reading reaches it."""
    below: list[str] = []
    for parent in folder.parents:
        below.insert(0, folder.parts[len(parent.parts)])
        if parent in outer_folders:
            steps = [parent.joinpath(*below[:i]) for i in range(len(below))]
            hidden = any(part.startswith((".", "__MACOSX")) or part == "__pycache__" for part in below)
            listable = all(os.access(step, os.R_OK | os.X_OK) for step in steps)
            return outer_folders[parent] if not hidden and listable else None
    return None


def _unpacked(paths: list[Path], scratch: Path, summary: Summary) -> tuple[list[Path], list[str]]:
    """PATHS with every .zip replaced by the folder it unpacks to (a refused zip is a problem line)."""
    folders, shown = [], []
    for number, path in enumerate(paths):
        label = printable(str(path))
        archive = archive_kind(path.name)
        if archive and archive != ".zip" and path.is_file():
            summary.problems.append(f"{label}: a {archive} archive is not read; unpack it and pass the folder, "
                                    f"or pass a .zip")
            continue
        if path.suffix.lower() == ".zip" and path.is_file():
            target = scratch / f"zip-{number}"
            target.mkdir(mode=0o700)
            try:
                unpack(path, target, label)
            except UnpackError as error:
                summary.problems.append(printable(str(error)))
                shutil.rmtree(target, ignore_errors=True)
                continue
            folders.append(_single_top_folder(target))
            shown.append(label)
        else:
            folders.append(path)
            shown.append(label)
    return folders, shown


def _opened(submission: Submission, names: tuple[str, ...], archives: StudentArchives,
            graded: Graded) -> Submission:
    """A student's own zip, opened and looked into as their folder (a refused zip is the student's line)."""
    try:
        folder = archives.open(submission.archive, printable(submission.shown_as))
    except UnpackError as error:
        submission.problem = str(error)
        return submission
    inside = in_student_folder(folder, names, submission.shown_as, submission.student, where="this zip",
                               graded=graded)
    inside.passed_over = inside.passed_over + submission.passed_over
    if inside.archive is not None:  # only a zip inside the zip: one level is opened, no more
        inside.problem = (f"{submission.shown_as}: it holds only another zip, {inside.archive.name}, which is not "
                          f"opened (a zip inside a student's zip); not graded")
        inside.shown_as, inside.archive = submission.shown_as, None
    return inside


def _single_top_folder(folder: Path) -> Path:
    """A zip of a class folder holds that one folder: look inside it when it holds folders (a folder per
    student). A top folder of files only stays: discover reads it as one student's folder, or, when its files
    carry different students' names (Assignment5/alice_ex5.py, Assignment5/bob_ex5.py), as the flat layout."""
    entries = [p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        inner = [p for p in entries[0].iterdir() if not p.name.startswith(".")]
        if any(p.is_dir() for p in inner) or not any(p.suffix.lower() in (".py", ".ipynb") for p in inner):
            return entries[0]
    return folder


def _plan(submissions: list[Submission], exercise, held: dict, scratch: Path, summary: Summary,
          options: str, gradebook: Gradebook) -> Plan:
    """What to grade: each student's file, unless `held` (the gradebook's stamps; none with --regrade) holds
    it unchanged. A submission that cannot be graded is recorded in `gradebook` at once."""
    spec, version = spec_stamp(exercise), _grader_version()
    tasks, stamps, first = [], {}, set()  # first: the tasks that may wait out their timeout (_MAY_WAIT)
    untouched = gradebook.with_note(exercise.id, "work_beside") if held else set()  # rows _record noted
    for submission in submissions:
        student = submission.student
        submission.shown_as = printable(submission.shown_as)
        digest, problem, waits = None, submission.problem, False
        if submission.file is not None and not problem:
            try:
                size, notebook = submission.file.stat().st_size, submission.file.suffix.lower() == ".ipynb"
                limit = MAX_NOTEBOOK_BYTES if notebook else MAX_SUBMISSION_BYTES
                if size > limit:
                    advice = " (its outputs count: clear them and save it again)" if notebook else ""
                    problem = (f"{submission.shown_as}: {size / (1 << 20):.1f} MB, larger than the {limit >> 20} MB "
                               f"a {'notebook' if notebook else '.py file'} may have{advice}; not graded")
                else:
                    digest, waits = _read_submission(submission.file)
            except OSError as error:
                problem = f"{submission.shown_as}: cannot be read ({error.strerror or error})"
        helpers = None
        if digest is not None:
            try:
                helpers = _helpers_digest(submission)
            except Unreadable as why:
                problem = f"{submission.shown_as}: {why}"
        stamp = Stamp(digest, helpers, spec, version, options)
        before = held.get(student)
        if before is not None and before[0] == stamp and not before[2] and (before[1] == "graded" or problem):
            if before[1] == "error":
                summary.failed.append(printable(f"{problem} (unchanged)"))
            else:
                summary.skipped += 1
                if student in untouched:  # said on every run while the row stands (staff review 4, S7)
                    summary.untouched.append(student)
            continue
        stamps[student] = (stamp, submission)
        if problem:
            gradebook.record(student, exercise.id, stamp, submission.shown_as, submission.passed_over, error=problem)
            summary.failed.append(printable(problem))
            continue
        file = _own_folder(submission, scratch, len(tasks), exercise.id)
        if waits:
            first.add(len(tasks))
        tasks.append(Task(student, file, submission.shown_as, len(tasks)))
    tasks.sort(key=lambda task: (task.index not in first, task.index))
    return Plan(tasks, stamps)


# Words in a source that a submission which waits out its --timeout (an endless `while`, a sleep, a fork or a
# thread, an exit) nearly always holds, and a vectorized answer nearly never does. Such submissions are graded
# first: a batch ends about one --timeout after its last hang starts, so their waits then overlap the rest of
# the class instead of beginning when their turn in name order comes (acceptance run 9's class: 14.5-15.1 s ->
# 12.9-13.3 s). Only the order changes; every submission is graded alike, and a word in a comment costs nothing.
# A walk over the file system (os.walk, glob) too: acceptance run 10's file snooper (4 x 3 s) took 13 of its
# class's 33 s when it started in name order, 24.6 s in all when graded first.
_MAY_WAIT = re.compile(rb"\bwhile\b|\bsleep\s*\(|\bfork\b|\bThread\b|threading|multiprocessing|subprocess|"
                       rb"\bsignal\b|\binput\s*\(|_exit\b|\bexit\s*\(|\bsocket\b|\bctypes\b|\bwalk\s*\(|glob\s*\(")


def _own_folder(submission: Submission, scratch: Path, number: int, exercise_id: str) -> Path:
    """The file to run; a flat-layout file is copied into a folder of its own first (not its classmates'),
    under the student's own name (as a lone `grade` names it in its messages), with what discovery puts
    beside it: the student's own other Python files and the course's helpers (discover.beside_flat)."""
    if submission.own_folder:
        return submission.file
    folder = scratch / f"student-{number}"
    folder.mkdir(mode=0o700)
    suffix = submission.file.suffix.lower()
    name = submission.run_as or submission.file.name
    if not _plain_file_name(name) or Path(name).suffix.lower() != suffix:
        name = f"{exercise_id}{suffix}"  # escape codes and the like stay in shown_as, not on disk
    target = folder / name
    shutil.copyfile(submission.file, target)
    room, files = MAX_SUBMISSION_BYTES, 0
    for other, source in sorted(submission.beside.items()):
        if other == name or not _plain_file_name(other) or files >= MAX_BESIDE_FILES:
            continue
        try:
            size = source.stat().st_size
            if size <= room:
                shutil.copyfile(source, folder / other)
                room, files = room - size, files + 1
        except OSError:
            continue  # gone or unreadable since it was found: the submission runs without it, as it would alone
    return target


def _plain_file_name(name: str) -> bool:
    """A name safe to write in the private folder: printable, not hidden, no folder in it."""
    return name.isprintable() and printable(name) == name and not name.startswith(".") and "/" not in name \
        and "\\" not in name and 0 < len(name.encode()) <= 200


def _stubs_passed_over(graded: str, stubs: list[str]) -> str:
    """Why the newer files `stubs` (the template's stubs only: ex5_final.py saved from the starter after the work
    in ex5.py) were passed over for `graded`: the student may think the newer one was graded (fix28, R10)."""
    one = len(stubs) == 1
    return (f"{' and '.join(stubs) if len(stubs) < 3 else ', '.join(stubs[:-1]) + ', and ' + stubs[-1]} "
            f"{'is' if one else 'are'} newer than {graded} but {'holds' if one else 'hold'} only the template's "
            f"stubs (nothing done in {'it' if one else 'them'}): {graded}, the file with your work, was graded "
            f"instead.")


def _record(gradebook: Gradebook, exercise, stamp: Stamp, submission: Submission, result: Result,
            summary: Summary, staff_only: list[str] = ()) -> None:
    """Record a result. `staff_only`: files of passed_over that are not the student's own (the row's old file in
    another folder, _from_another_folder), which the gradebook keeps but the student's report does not count."""
    student = submission.student
    if result.report is not None:
        text = result.text or ""
        untouched = nothing_done(result.report, result.failures)
        others = [path for path in submission.passed_over if path not in staff_only]
        stubs = [path for path in dict.fromkeys(submission.stubs_newer) if path in others]
        if others:
            text += (f"\n\nGraded {submission.shown_as}, one of {len(others) + 1} files; "
                     f"also found: {', '.join(others)}")
            if stubs:  # a line of its own: the "Graded" line lists the files alone (classreport._own_names)
                text += "\n" + _stubs_passed_over(submission.shown_as, stubs)
        elif untouched and (others := work_beside(submission, graded_names(exercise))):
            text += (f"\n\nGraded {submission.shown_as}, the file named for the exercise; also found, defining "
                     f"the graded functions but not graded: {', '.join(others)}")
        else:
            untouched = False
        if untouched:  # a note too, kept with the row: the exports, the class report and every rerun show it (S7)
            from ..notes import Note

            note = Note("work_beside", (
                f"Graded {submission.shown_as}, which has nothing done in it (every function missing or the "
                f"template's), though other files were handed in: {', '.join(others)}. Only one file is graded: "
                f"keep the one with your work, named for the exercise."))
            result.report["notes"].append({"id": note.id, "message": note.message})
        if others and stubs:  # kept with the row: the feedback's JSON says it too (fix28, R10)
            from ..notes import Note

            note = Note("newer_stubs_not_graded", _stubs_passed_over(submission.shown_as, stubs))
            result.report["notes"].append({"id": note.id, "message": note.message})
        gradebook.record(student, exercise.id, stamp, submission.shown_as, submission.passed_over,
                         report=result.report, text=text, failures=result.failures)
        summary.graded += 1
        summary.stopped += any(kind in STOPPED for kind in result.failures.values())
        if untouched:
            summary.untouched.append(student)
    else:
        gradebook.record(student, exercise.id, stamp, submission.shown_as, submission.passed_over,
                         error=result.error, retry=result.retry)
        summary.failed.append(printable(result.error or f"{submission.shown_as}: could not grade"))
