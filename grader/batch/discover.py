"""Finding a class's submissions: which file is whose, and which one counts.

Layouts (each PATH may be any of them; a .zip of one is unpacked first, see unpack.py):

- a folder holding a folder per student: the student id is the folder's name, the submission the
  exercise's file or notebook inside (`ex5.py`, `alice_ex5.ipynb`, ...; when no name mentions the
  exercise, the folder's only .py or .ipynb other than the course's helpers);
- a folder of files named after student and exercise: `alice_ex5.py`, `ex5_alice.py`, Canvas's
  `lastfirst_12345_67890_ex5.py`: the student id is the rest of the name (separators trimmed, and a
  resubmission counter such as `ex5-1` dropped);
- a single file, named the same way.

A student with several candidate files gets the newest (modification time, then name), and the
submission records the others so the report can say which one was graded.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = (".py", ".ipynb")
HELPERS = {"utils.py", "submission.py", "__init__.py", "setup.py", "conftest.py"}
_DEPTH = 3  # how deep inside a student's folder a submission is looked for (repo/Exercise4/exercise4.ipynb)


@dataclass
class Submission:
    """One student's submission for one exercise, or why there is none (`file` is None then)."""

    student: str
    file: Path | None
    shown_as: str  # how messages name it (relative to the PATH given)
    own_folder: bool  # True when the file's folder holds only this student's files
    passed_over: list[str] = field(default_factory=list)  # older candidates, by name
    problem: str = ""  # why it cannot be graded (no submission, unreadable, ...)


@dataclass
class Found:
    submissions: list[Submission]
    problems: list[str]  # a PATH that held nothing gradable, one line each


def exercise_names(exercise_id: str, aliases: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The names a file may carry: the id and the spec's aliases (ex5's are the course's ex4, exercise4)."""
    return (exercise_id, *aliases)


def _token(name: str) -> re.Pattern:
    # The exercise's name as a whole word of a file name, with an optional resubmission counter (ex5-1, ex5 (2)).
    return re.compile(rf"(?<![a-z0-9]){re.escape(name.lower())}(?:[-_ ]?\(?\d{{1,3}}\)?)?(?![a-z0-9])")


def student_from_name(file_name: str, names: tuple[str, ...]) -> str | None:
    """The student id a file name holds beside the exercise's name, or None when it names no exercise.

    >>> student_from_name("alice_ex5.py", ("ex5",)), student_from_name("lastfirst_12345_67890_ex5-1.py", ("ex5",))
    ('alice', 'lastfirst_12345_67890')
    Returns "" for a file named only after the exercise (ex5.py).
    """
    stem, suffix = _split_suffix(file_name)
    if suffix not in SUFFIXES:
        return None
    lowered = stem.lower()
    for name in sorted(names, key=len, reverse=True):
        match = _token(name).search(lowered)
        if match:
            pieces = (stem[: match.start()].strip(" ._-"), stem[match.end():].strip(" ._-"))
            return "_".join(piece for piece in pieces if piece)
    return None


def _split_suffix(file_name: str) -> tuple[str, str]:
    path = Path(file_name)
    return path.stem, path.suffix.lower()


def _newest(files: list[Path]) -> tuple[Path, list[Path]]:
    def key(path: Path):
        try:
            return (path.stat().st_mtime, path.name)
        except OSError:
            return (float("-inf"), path.name)

    ordered = sorted(files, key=key, reverse=True)
    return ordered[0], ordered[1:]


def _entries(folder: Path) -> list[Path]:
    """The folder's entries, sorted, without hidden files and macOS zip litter; symlinks are not followed."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX")))


def _candidate(path: Path) -> bool:
    return not path.is_symlink() and path.is_file() and path.suffix.lower() in SUFFIXES


def in_student_folder(folder: Path, names: tuple[str, ...], shown: str) -> Submission:
    """The student's submission: in their folder, or in the shallowest subfolder that has one (a clone of the
    course's repository keeps it in repo/Exercise4/), never through a symbolic link."""
    student = folder.name
    level = [folder]
    for _ in range(_DEPTH + 1):
        try:
            entries = [p for f in level for p in _entries(f)]
        except OSError as error:
            return Submission(student, None, shown, True, problem=f"{shown}: cannot be read ({error.strerror})")
        files = [p for p in entries if _candidate(p)]
        named = [p for p in files if student_from_name(p.name, names) is not None]
        if not named and level == [folder]:
            others = [p for p in files if p.name not in HELPERS]
            named = others if len(others) == 1 else []
        if named:
            chosen, older = _newest(named)
            where = chosen.relative_to(folder).as_posix()
            return Submission(student, chosen, f"{shown}/{where}", True,
                              [p.relative_to(folder).as_posix() for p in older])
        level = [p for p in entries if p.is_dir() and not p.is_symlink()]
    wanted = " or ".join(f"{n}.py / {n}.ipynb" for n in names[:1])
    return Submission(student, None, shown, True,
                      problem=f"{shown}: no submission in this student's folder (expected {wanted})")


def discover(paths: list[Path], exercise_id: str, shown: list[str] | None = None,
             aliases: tuple[str, ...] = ()) -> Found:
    """Every student's submission under PATHS (folders or files; zips already unpacked by the caller)."""
    names = exercise_names(exercise_id, aliases)
    by_student: dict[str, list[Submission]] = {}
    problems: list[str] = []
    for index, path in enumerate(paths):
        label = shown[index] if shown else str(path)
        found = _discover_one(path, names, label)
        if isinstance(found, str):
            problems.append(found)
            continue
        for submission in found:
            by_student.setdefault(submission.student, []).append(submission)
    return Found([_pick(entries) for _, entries in sorted(by_student.items())], problems)


def _discover_one(path: Path, names: tuple[str, ...], label: str) -> list[Submission] | str:
    if path.is_symlink() and not path.exists():
        return f"{label}: a broken symbolic link"
    if path.is_file():
        student = student_from_name(path.name, names)
        if not student:
            return f"{label}: cannot tell the student from the file name (expected e.g. alice_{names[0]}.py)"
        return [Submission(student, path, label, False)]
    if not path.is_dir():
        return f"{label}: no such file or folder"
    try:
        entries = _entries(path)
    except OSError as error:
        return f"{label}: cannot be read ({error.strerror})"
    found = []
    for entry in entries:
        if entry.is_symlink():
            continue  # a class folder's links could point anywhere: not followed
        if entry.is_dir():
            found.append(in_student_folder(entry, names, f"{label}/{entry.name}"))
        elif entry.is_file():
            student = student_from_name(entry.name, names)
            if student:
                found.append(Submission(student, entry, f"{label}/{entry.name}", False))
    if not found:
        return (f"{label}: no submissions found (expected a folder per student, or files named like "
                f"alice_{names[0]}.py)")
    return found


def _pick(entries: list[Submission]) -> Submission:
    """The newest of one student's candidates (a folder's own choice counts as one candidate)."""
    usable = [s for s in entries if s.file is not None]
    if not usable:
        return entries[0]
    chosen, older = _newest([s.file for s in usable])
    winner = next(s for s in usable if s.file == chosen)
    winner.passed_over = winner.passed_over + [p.name for p in older]
    return winner
