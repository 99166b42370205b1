"""Finding a class's submissions: which file is whose, and which one counts.

Layouts (each PATH may be any of them, mixed; a .zip of one is unpacked first, see unpack.py; a student's
own zip, in their folder or named for them among flat files, is their `archive`, opened by the batch):

- a folder holding a folder per student: the student id is the folder's name, the submission the
  exercise's file or notebook inside (`ex5.py`, `alice_ex5.ipynb`, ...; when no name mentions the
  exercise, the folder's only .py or .ipynb other than the course's helpers). Other files beside it
  (utils.py, a scratch file) are the student's helpers, never submissions of their own;
- a folder of files named after student and exercise: `alice_ex5.py`, `ex5_alice.py`: the student id is
  the rest of the name (separators trimmed; a resubmission counter such as `ex5-1` and version words after
  the exercise's name, `alice_ex5_v2.py`, `leo_ex5_final.py`, `alice_ex5_test.py`, or ending the id,
  `ex5_alice_final.py`, `ex5_alice_2.py`, dropped, and so is a copy's `Copy of ` before it;
  files made one student's by that counter alone, none of them the plain name, are named in a note, `counter_note`;
  the exercise's name inside another known exercise's, ex5 in `ex5_mse.py`, is not the exercise's);
- a folder of LMS downloads: Canvas's `lastfirst[_LATE]_USERID_FILEID_<original name>`, Moodle's
  `Full Name_USERID_assignsubmission_file_<original name>` and Blackboard's
  `Assignment_username_attempt_YYYY-MM-DD-HH-MM-SS_<original name>`: the student id is the LMS's student
  part (`lastfirst_USERID`, `Full Name_USERID`, and Blackboard's `username` as the attempt's receipt names it,
  else `Assignment_username`; the per-file id, LATE and the attempt's time change between uploads, the student
  does not). A student's files are treated like a student's folder:
  the one whose original name names the exercise, else the only one that is not a helper; Moodle's folder
  download,
  `Full Name_USERID_assignsubmission_file_/`, is a student folder of `Full Name_USERID` (`moodle_folders`);
- Gradescope's "Export Submissions": `submission_123456/` folders beside `submission_metadata.yml`, each a
  student folder under its submitters' ids (gradescope_export.py), when given as a PATH (or two or more
  exports make up a PATH); inside a class such a folder is one student's "could not grade" (`_readings`);
- a single file, named the same way.

Folders of students inside a PATH (a wrapper of flat files, an LMS's sections, a term's sections), read like
the PATH itself, down to _GROUPS levels; a folder is one when it holds two or more students (_holds_students):
- its .py/.ipynb files carry two or more different student ids in their names (`Assignment5/alice_ex5.py`,
  `Assignment5/bob_ex5.py`). Ids that are the folder's own name (`alice/alice_ex5.py` beside
  `alice/alice_ex5_v2.py`) or only a version word (`ex5_v2`, `ex5_final`, `ex5_old`, `ex5_test`) do not count,
  nor does a helper module's (`ezra/ex5_utils.py`, defining none of the graded functions `ezra/ex5_nn.py` does);
  an LMS's folder of one student (Moodle's `..._assignsubmission_file_/`, Gradescope's `submission_123456/`)
  is never a folder of students;
- or two or more of its subfolders hold a file named for the exercise (up to _DEPTH folders down, more for a
  section of sections): `Section1/alice/ex5.py`, `Section1/bob/repo/Exercise4/exercise4.ipynb`; or one such
  subfolder and one student id in its file names (`Section4/erin_ex5.py`, `Section4/fay/ex5.py`). Subfolders
  named for an exercise of the course or by version words only (`Exercise4/`, `ex5_old/`, `Exercise3/`,
  `old/`, `v2/`, `backup2/`, `Exercise4 (copy)/`) are one student's own work and never count;
- or its only such subfolder is a folder of students itself and its files carry no student id
  (`download/Course/Assignment5/Section1/alice/`: Course/ and Assignment5/ are wrappers).
Anything else is one student's folder: `alice/ex5.py` beside `alice/old/ex5.py` (her file at the top wins,
as ever), `alice/Exercise4/` beside `alice/Exercise3/`, `alice/repo/Exercise4/`, `alice/v1/`, `alice/v2/`.
A folder holding a file named only for the exercise (`ex5.py`) stays a student's whatever its files say
(`ex5_part1.py` is a draft), unless two or more subfolders hold students: then that file is a stray named
for no student, reported as "could not grade" rather than graded as the section's. When it is ambiguous,
more rows (each one file, visible in the gradebook) are preferred over a merge that hides a student.
A section holding a single student is not told from that student's folder (`Section3/dave_ex5.py` or
`Section3/dave/ex5.py` alone reads like a student `Section3` who named their file, or a subfolder, after
themselves): one row named `Section3`, nothing lost. Below _GROUPS levels, a folder is a student's: its
students' files are its candidates, the newest graded and the others named as "also found".

Student ids: a student folder's name, or the id in a file's name, as above, in Unicode's composed form (NFC).
The same id in two different folders of students under the PATHs (`Section1/alice/`, `Section2/alice/`; `alice/`
beside `late/alice_ex5.py`) is two students: each such id is qualified by the last folders of its place under
its PATH, as many as tell them apart (`Section1/alice`, `Section2/alice`, also under `Course/Assignment5/`; one
at a PATH's own level keeps the plain `alice`). Within one folder (a flat `alice_ex5.py` beside `alice/`), and
across PATHs at the same place (`sec1/alice/` and `sec2/alice/` given as two PATHs), the same id is one student
with several candidate files (below). An id is qualified only while it collides, so a rerun after a second
`alice` appears in another section records `Section1/alice` beside the old `alice` row.

Nothing is lost: a .py/.ipynb file in the flat layout whose name does not tell the student (`bob.py`,
`neural_net.py`, `ex5.py`), a special file (a FIFO) or a symbolic link is a Submission with a `problem`
(keyed by the file as shown), so the batch reports it as "could not grade" with the reason.

A student with several candidate files gets the newest (modification time; times within 2 s are equal), except
that a file defining fewer of the graded functions (a helper module ex5_utils.py) never wins over one that
defines more, a copy kept aside (ex5_old.py, ex5_test.py) never wins over the file named only for the
exercise (ex5.py), and on equal times the later Canvas upload, then a file with work in it over one whose
graded functions are all still the template's, then what the name says (a final version, a numbered later
one, the file named only for the exercise, other versions), then the name with its numbers counted as numbers
decides (`_newest`); the submission records the others, as shown (relative to their PATH), so the report can
say which one was graded.
"""

import os
import re
import stat
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import handed_in
from ..classreport import FEEDBACK_MARKER
from ..text import valid, valid_data
from . import gradescope_export

SUFFIXES = (".py", ".ipynb")
HELPERS = {"utils.py", "submission.py", "__init__.py", "setup.py", "conftest.py"}
_DEPTH = 3  # how deep inside a student's folder a submission is looked for (repo/Exercise4/exercise4.ipynb)
_LISTED = 5  # file names a message lists before "and N more"
_LOOKED_BELOW = 2000  # entries read below a submission's level at most, for its "also found" (`_deeper_named`)
_GROUPS = 4  # how many levels of folders of students (a term's sections, ...) below a PATH are looked into


@dataclass
class Submission:
    """One student's submission for one exercise, or why there is none (`file` is None then)."""

    student: str
    file: Path | None
    shown_as: str  # how messages name it (relative to the PATH given)
    own_folder: bool  # True when the file's folder holds only this student's files
    passed_over: list[str] = field(default_factory=list)  # older candidates, as shown (relative to their PATH)
    # those of passed_over newer than the file graded that hold only the template's stubs (`_stubs_newer`)
    stubs_newer: list[str] = field(default_factory=list)
    problem: str = ""  # why it cannot be graded (no submission, unreadable, ...)
    # Not own_folder: what goes into its private folder with it (`beside_flat`).
    run_as: str = ""  # the name it runs under there: the student's own ("exercise4.ipynb" of an LMS download)
    beside: dict[str, Path] = field(default_factory=dict)  # name there -> file: the student's own, the course's
    # No file found, but the student's own zip (their zipped folder, an upload named for them): the batch
    # opens it (unpack.StudentArchives) and looks in it as in a student's folder (`in_student_folder`).
    archive: Path | None = None
    submitted: float | None = None  # when the platform recorded it as submitted (gradescope_export.py)
    # A Gradescope export's submission folders (`submission_123456`) named by their submitters whose work this
    # row stands for (its own, those passed over): rows graded before under those names are replaced (R16).
    export_folders: list[str] = field(default_factory=list)


@dataclass
class Found:
    submissions: list[Submission]
    problems: list[str]  # a PATH that held nothing gradable, one line each
    notes: list[str] = field(default_factory=list)  # lines for the user that change no grade
    # student -> their files' names, when only a counter after the name made them one student's (`counter_note`)
    merged: dict[str, list[str]] = field(default_factory=dict)


class Names(tuple):
    """The names a file of the exercise may carry (the id first), and `others`: the other known exercises' ids and
    aliases, whose files are their own work (ex5_mse.py is ex5_mse's, not the ex5 file of a student "mse")."""

    others: tuple[str, ...] = ()


def exercise_names(exercise_id: str, aliases: tuple[str, ...] = (), known: tuple[str, ...] = ()) -> Names:
    """The names a file may carry: the id and the spec's aliases (ex5's are the course's ex4, exercise4);
    `known`: every known exercise's id and aliases (the exercise folders the command reads)."""
    names = Names((exercise_id, *aliases))
    lowered = {n.lower() for n in names}
    names.others = tuple(n for n in known if n.lower() not in lowered)
    return names


def _own_match(stem: str, names: tuple[str, ...]) -> re.Match | None:
    """Where the exercise's longest name stands in a lowered stem as a word, unless that is part of another
    known exercise's name there (ex5 in ex5_mse_alice), when the file is that exercise's."""
    for name in sorted(names, key=len, reverse=True):
        match = _token(name).search(stem)
        if match:
            break
    else:
        return None
    for other in getattr(names, "others", ()):
        for found in _token(other).finditer(stem):
            if found.start() <= match.start() and match.end() <= found.end() and found.span() != match.span():
                return None
    return match


def for_another(file_name: str, names: tuple[str, ...]) -> bool:
    """True when the exercise's name stands in the file's name only inside another known exercise's (ex5 in
    ex5_mse.py, graded as ex5): that exercise's work, never a candidate of this one's. (A file named for an
    unrelated exercise, ex5.py graded as ex5_mse, is left to the other rules: graded as told, and said.)"""
    stem = _split_suffix(file_name)[0].lower()
    return _own_match(stem, names) is None and any(_token(name).search(stem) for name in names)


def _named_for_another(file_name: str, names: tuple[str, ...]) -> bool:
    """True when the file's name holds another known exercise's name and none of this one's (alice_deep_relu.py
    graded as ex5): in a flat folder of every exercise's files it is that exercise's work, passed over as ex5_mse's
    files are, not a "could not grade" row whose owner cannot be told (staff review 4, S9)."""
    stem = _split_suffix(file_name)[0].lower()
    return _own_match(stem, names) is None and any(_token(n).search(stem) for n in getattr(names, "others", ()))


def another_exercise(file_name: str, names: tuple[str, ...]) -> str | None:
    """The other known exercise a file is named for (ex5_mse for ex5_mse.py graded as ex5), if any."""
    if not for_another(file_name, names):
        return None
    stem = _split_suffix(file_name)[0].lower()
    return max((n for n in getattr(names, "others", ()) if _token(n).search(stem)), key=len, default=None)


def _token(name: str) -> re.Pattern:
    # The exercise's name as a whole word of a file name, with an optional resubmission counter after a
    # separator (ex5-1, ex5_2, ex5 (2), ex5(2)); "ex55" is not ex5.
    # A separator inside the name is any separator: ex5-mse.py and "ex5 mse.py" are ex5_mse's (review 20, R5).
    spelled = "[-_ ]".join(re.escape(piece) for piece in re.split(r"[-_ ]", name.lower()))
    return re.compile(rf"(?<![a-z0-9]){spelled}(?:(?:[-_ ]\(?|\()\d{{1,3}}\)?)?(?![a-z0-9])")


# Words of a copy kept aside (docs/batch.md: alice_ex5_test.py, ex5_scratch.py are alice's and the folder's own;
# staff review 4, S3), in each of the three word patterns below (review 21, R16: added to each by hand, the next
# one would be missed in one)
_KEPT_ASIDE = r"tests?|tmp|temp|scratch|template|starter|skeleton"
# Words that mark a version of a file, not a student (a number may be a student's: ex5_20231234.py), with those
# of a copy kept aside and a part's draft (ex5_part1.py).
_VERSION_WORD = re.compile(r"^(?:v(?:er(?:sion)?)?\d*|final|old|new|draft|copy\d*|backup|bak|orig(?:inal)?|fixed|"
                           r"late|resubmit(?:ted)?|updated?|attempt|try|redo|latest|last|working|done|"
                           rf"{_KEPT_ASIDE}|part\d+)$", re.I)


_SEPARATORS = r"\s_.\-()\[\]"  # what separates the words of a file name


def _words(text: str) -> list[str]:
    return [w for w in re.split(rf"[{_SEPARATORS}]+", text.lower()) if w]


def _only_versions(text: str, also: str | None = None) -> bool:
    """True for "v2", "final", "old_2", ...: a version of a file, not a student's id (`also`: one more word
    that counts as a version's, such as the name of the folder the file is in)."""
    words = _words(text)
    return bool(words) and all(_VERSION_WORD.match(w) or w == also or _counted(words, i) for i, w in enumerate(words))


def _counted(words: list[str], i: int, version: re.Pattern = _VERSION_WORD) -> bool:
    """A number right after a version word is that version's (Jupyter's "copy 2", "final 3")."""
    return words[i].isdigit() and i > 0 and bool(version.match(words[i - 1]))


def student_from_name(file_name: str, names: tuple[str, ...], counter: bool = True) -> str | None:
    """The student id a file name holds beside the exercise's name, or None when it names no exercise.

    >>> student_from_name("alice_ex5.py", ("ex5",)), student_from_name("ex5-1_bob.py", ("ex5",))
    ('alice', 'bob')
    >>> student_from_name("alice_ex5_v2.py", ("ex5",)), student_from_name("ex5_final.py", ("ex5",))
    ('alice', '')

    Returns "" for a file named only after the exercise (ex5.py), or after it and a version word after it.
    A suffix typed twice (an upload of "kim_ex5.py" saved as "kim_ex5.py.py") is not part of the id:

    >>> student_from_name("kim_ex5.py.py", ("ex5",))
    'kim'

    `counter`: drop a resubmission's counter after a name (ex5_eve_2.py is eve's; with False, eve_2's).
    """
    stem, suffix = _split_suffix(file_name)
    if suffix not in SUFFIXES:
        return None
    while Path(stem).suffix.lower() in SUFFIXES:
        stem = stem[: -len(Path(stem).suffix)]
    match = _own_match(stem.lower(), names)
    if match is None:
        return None
    before, after = stem[: match.start()].strip(" ._-"), stem[match.end():].strip(" ._-")
    before = _DRIVE_COPY.sub("", before)  # "Copy of alice_ex5.py": alice's copy (staff review 4, S3)
    if _only_versions(after):
        after = ""  # alice_ex5_v2.py, leo_ex5_final.py: alice's and leo's, a later version
    return _without_version_tail("_".join(piece for piece in (before, after) if piece), counter)


_WORD = re.compile(rf"[^{_SEPARATORS}]+")
_DRIVE_COPY = re.compile(r"^(?:copy of(?:\s+|$))+", re.I)  # Google Drive's and Windows' copy: "Copy of alice_ex5.py"


# The version words that may end a student's id in a file name: only unmistakable ones. Not a bare letter
# (ex5_nguyen_v.py is Nguyen V.'s) nor a word that is also a name or a surname (bak, new, last, late, done).
_TAIL_WORD = re.compile(r"^(?:v\d+|ver\d+|version\d*|final\d*|draft\d*|old\d*|copy\d*|backup\d*|orig(?:inal)?|"
                        rf"fixed|resubmit(?:ted)?|updated?|latest|revised|{_KEPT_ASIDE})$")
_COPY_COUNTER = re.compile(r"\s*\(\d{1,3}\)$")  # a browser's second download: "ex5_carol (2).py"
# A resubmission's counter after a name (ex5_eve_2.py): a word of letters, not one that a number belongs to
# (ex5_group_2.py, team_3, s_1: a bare letter), then up to three digits (ex5_jo_20231234.py keeps its number).
_RESUBMITTED = re.compile(r"^\d{1,3}$")
_NAME_WORD = re.compile(r"^(?!(?:group|grp|team|pair|section|sec|lab|student|user|table)$)[^\W\d_]{2,}$")


def _without_version_tail(student: str, counter: bool = True) -> str:
    """The id without a copy counter, the version words that end it and a resubmission counter after a name
    (ex5_alice_final.py, ex5_alice_v2.py, "ex5_alice (2).py", ex5_alice_2.py: alice's), so a student's versions
    are one student's candidates; an id of version words only is kept (final_ex5.py: `_only_versions` decides
    elsewhere), so a word is never dropped to nothing."""
    student = _COPY_COUNTER.sub("", student) or student
    words = list(_WORD.finditer(student))
    lowered = [w.group().lower() for w in words]
    keep = len(words)
    while keep > 1 and (_TAIL_WORD.match(lowered[keep - 1]) or
                        keep > 2 and _counted(lowered, keep - 1, _TAIL_WORD)):
        keep -= 1
    if counter and 1 < keep and _RESUBMITTED.match(lowered[keep - 1]) and _NAME_WORD.match(lowered[keep - 2]):
        keep -= 1  # ex5_eve_2.py: eve's second upload, as ex5_2 is (staff review 4, S14)
    return student[: words[keep - 1].end()] if keep < len(words) else student


# Canvas: "<sortable name, word characters>[_LATE]_<user id>_<file id>_<original name>", or, when the
# assignment is anonymous, "[LATE_]anon_<anonymous id>_<file id>_<original name>".
_CANVAS = re.compile(r"^(?:(?:late_)?(?P<anon>anon_[^\W_]+)|(?P<name>\w+?)(?:_late)?_(?P<user>\d+))"
                     r"_(?P<file>\d+)_(?P<original>.+)$", re.IGNORECASE)
# Canvas's entries for a text typed in Canvas or a website URL, instead of files: "<name>[_LATE]_<user id>_text.html"
# and "..._link.html" (no file id); the student is the same as for their files.
_CANVAS_ENTRY = re.compile(r"^(?:(?:late_)?(?P<anon>anon_[^\W_]+)|(?P<name>\w+?)(?:_late)?_(?P<user>\d+))"
                           r"_(?P<kind>text|link)\.html$", re.IGNORECASE)
# Moodle's flat download: "<full name>_<user id>_assignsubmission_file_<original name>".
_MOODLE = re.compile(r"^(?P<student>.+?_\d+)_assignsubmission_[a-z]+_(?P<original>.+)$")
# Blackboard's: "<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<original name>"; beside each attempt, a
# .txt of its details under the same name, no original (its receipt). Both the assignment and the username may
# hold "_", so the name alone cannot split them: the id is all that comes before "_attempt_" until the
# receipts tell the username (`_blackboard_usernames`).
_BLACKBOARD = re.compile(r"^(?P<student>.+?)_attempt_(?P<when>\d{4}(?:-\d\d){5})_(?P<original>.+)$")
_RECEIPT = re.compile(r"^(?P<student>.+?)_attempt_\d{4}(?:-\d\d){5}\.txt$")
# The receipt's first line names the student, "Name: First Last (username)", its label in the course's language.
_RECEIPT_USERNAME = re.compile(r"\((?P<username>[\w.@+-]+)\)\s*$")
_RECEIPT_LINES = 3  # the name line is the first: a blank line or two before it is forgiven
_RECEIPT_BYTES = 4096


def _blackboard_usernames(entries: list[Path]) -> dict[str, str]:
    """Blackboard id ("Homework 5_jsmith", all before "_attempt_") -> username ("jsmith"), so that a student's
    row has one id in every assignment. The username is the one the attempt's receipt names, when the id ends
    with it; an attempt without a readable receipt loses the assignment's name that the receipts of its
    download showed. Two ids that would become one username (two assignments in one folder) keep their ids."""
    learned: dict[str, str] = {}
    for entry in entries:
        receipt = _RECEIPT.match(entry.name)
        if receipt:
            student = receipt["student"]
            for line in _head(entry).splitlines()[:_RECEIPT_LINES]:
                found = _RECEIPT_USERNAME.search(line)
                username = found["username"] if found else ""
                if username and student.endswith("_" + username) and len(student) > len(username) + 1:
                    learned[student] = username
                    break
    assignments = {student[: -len(username) - 1] for student, username in learned.items()}
    usernames: dict[str, str] = {}
    for entry in entries:
        named = _BLACKBOARD.match(entry.name) or _RECEIPT.match(entry.name)
        if not named:
            continue
        student = named["student"]
        prefixes = [a for a in assignments if student.startswith(a + "_") and len(student) > len(a) + 1]
        if student in learned:
            usernames[student] = learned[student]
        elif prefixes:
            usernames[student] = student[len(max(prefixes, key=len)) + 1:]
    taken = Counter(usernames.values())
    return {student: username for student, username in usernames.items() if taken[username] == 1}


def _head(path: Path) -> str:
    """The first few KB of a regular file, as text; "" for anything else (a link, a FIFO, unreadable)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        return os.read(fd, _RECEIPT_BYTES).decode("utf-8", "replace").lstrip("\ufeff")
    except OSError:
        return ""
    finally:
        os.close(fd)


def _upload_order(file_name: str) -> int:
    """An LMS's own order of a student's uploads: Canvas's file id, Blackboard's attempt time; 0 otherwise."""
    if _MOODLE.match(file_name):
        return 0
    blackboard = _BLACKBOARD.match(file_name)
    if blackboard:
        return int(blackboard["when"].replace("-", ""))
    canvas = _CANVAS.match(file_name)
    return int(canvas["file"]) if canvas else 0


def lms_name(file_name: str, names: tuple[str, ...]) -> tuple[str, str] | None:
    """(student id, the student's own file name) for an LMS download's file name, else None.

    >>> lms_name("doejane_LATE_12346_67891_neural_net.py", ("ex5",))
    ('doejane_12346', 'neural_net.py')
    """
    named = _MOODLE.match(file_name) or _BLACKBOARD.match(file_name)  # both name the student, then the file
    if named:
        return named["student"], named["original"]
    canvas = _CANVAS.match(file_name)
    if not canvas:
        return None
    student = canvas["anon"] or f"{canvas['name']}_{canvas['user']}"
    if student_from_name(f"{student}.py", names) is not None:
        return None  # "ex5_2023_11_alice.py" is not Canvas's
    return student, canvas["original"]


def _split_suffix(file_name: str) -> tuple[str, str]:
    path = Path(file_name)
    return path.stem, path.suffix.lower()


# The names each graded function may have, one tuple per function: what `defines_graded` looks for.
Graded = tuple[tuple[str, ...], ...]


def graded_names(exercise) -> Graded:
    """The names each graded function may have ((nn_cost_function, nnCostFunction), (sigmoid_gradient, ...))."""
    return tuple(tuple(function.names) for function in exercise.functions.values())


_IMPORT_SPAN = 2000  # bytes between `import` and a name it imports (`from x import (\n    a,\n    b,\n)`)
_IMPORT_CONTEXT = re.compile(rb"import[ \t]+(?:\([^)]*|[^\n]*)")
_NAMES_LOOKED = 10_000  # mentions of a graded name looked at per piece for an import of it


def defines_graded(path: Path, graded: Graded, imports: bool = False) -> int:
    """How many of the `graded` functions the file's text defines (a notebook's JSON holds its code too), read
    to its end in pieces: a notebook's outputs may come before its code (review 17, R1). A name set by an
    assignment at a line's start counts (`nn_cost_function = _cost`: review 24, P6); in a notebook's JSON a line
    starts after a quote or an escaped newline. `imports`: a function the file imports by name counts too
    (ex5.py doing `from cost import nn_cost_function`: review 18, R1).

    Linear in the file's size: an import is found from each mention of a name, looking back a bounded span for
    the `import` it follows (a pattern that looked forward from every `import (` for a name was quadratic: a
    128 kB comment of `import (` stalled a class's batch 70 s, review 25 sec, S4)."""
    def pattern(names) -> re.Pattern:
        either = b"|".join(re.escape(n.encode()) for n in names)
        assigned = rb"|(?:^|\"|\\n)[ \t]*(?:" + either + rb")[ \t]*=(?!=)"
        return re.compile(rb"def\s+(?:" + either + rb")\s*\(" + assigned, re.MULTILINE)

    def mentions(names) -> re.Pattern:
        return re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in names) + rb")\b")

    def imported(text: bytes, mention: re.Pattern) -> bool:
        for found, _ in zip(mention.finditer(text), range(_NAMES_LOOKED), strict=False):
            at = found.start()
            keyword = text.rfind(b"import", max(0, at - _IMPORT_SPAN), at)
            if keyword >= 0 and _IMPORT_CONTEXT.fullmatch(text, keyword, at):
                return True
        return False

    patterns = [pattern(names) for names in graded]
    named = [mentions(names) for names in graded] if imports else []
    found: set[int] = set()
    try:
        with open(path, "rb") as file:
            tail = b""
            while len(found) < len(patterns) and (chunk := file.read(1 << 23)):
                text = tail + chunk
                found |= {i for i, pattern in enumerate(patterns) if i not in found and
                          (pattern.search(text) or imports and imported(text, named[i]))}
                tail = text[-_IMPORT_SPAN:]  # a definition cut between two pieces
    except OSError:
        return 0
    return len(found)


def _defining_beside(named: list[Path], others: list[Path], graded: Graded, kind) -> list[Path]:
    """The candidates named for the exercise; and every other file beside them that defines a graded function
    when none of them does (a plotting module ex5_plots.py beside the solution neural_net.py; staff review 2,
    S5: the helper was graded, 0/100, with no word) or when each is a copy kept aside (ex5_old.py beside the
    newer hw5.py; acceptance run 11, D1: the old copy was graded). `_newest` then ranks them: by how many
    graded functions each defines, then by time, so the helper or the old copy is only "also found". Files
    are read only when there are such others. `kind`: path -> name_kind."""
    if not named or not others or not graded:
        return named
    if not all(kind(p)[0] == SIDE_COPY for p in named) and any(defines_graded(p, graded, True) and
                                                               _work_in(p, graded) != TEMPLATE for p in named):
        return named
    return named + [p for p in others if defines_graded(p, graded)]


def _for_other(file_name: str, names: tuple[str, ...]) -> str:
    """" (ex5_mse's file: was -e ex5_mse meant?)" for a file named for another known exercise, else ""."""
    other = another_exercise(file_name, names)
    return f" ({other}'s file: was -e {other} meant?)" if other else ""


def _not_others(name: str, names: tuple[str, ...]) -> bool:
    """A file that may be the student's work for this exercise: not a course helper, not another exercise's."""
    return name not in HELPERS and not for_another(name, names)


def _only_defining(files: list[Path], graded: Graded) -> list[Path]:
    """The one file among several that defines a graded function, as a list; else none (the platforms' rule,
    platforms/common.py: helpers beside a submission that is not named for the exercise are not candidates)."""
    defining = [p for p in files if defines_graded(p, graded)] if graded and len(files) > 1 else []
    return defining if len(defining) == 1 else []


# Times this close to the newest are equal: a git clone or a plain `cp -r` writes a student's files
# milliseconds apart in whatever order, and a zip keeps times to 2 s (staff review S16).
EQUAL_TIME = 2.0


def _newest(files: list[Path], kind=None, graded: Graded = ()) -> tuple[Path, list[Path]]:
    """The file to grade and the others, newest first. A file whose graded functions are all the template's stubs
    never wins over one with work in it, whatever their times (accept15, N3: the starter downloaded again after
    the work was done); nor does a file that defines (or imports by name) fewer of the `graded` functions over
    one that defines more (a helper module named ex5_utils.py, saved last beside ex5.py, holding
    sigmoid_gradient or none of them).
    `kind` (path -> (kind, upload order), see `name_kind`): a side copy (ex5_old.py) never wins over a file
    named only for the exercise (ex5.py); on equal times the later upload (Canvas's file id), then a file with
    work in it over one whose graded functions are all the template's (read only for such a tie), then the kind
    (a file named as the final one, then a numbered version, then the one named only for the exercise, then
    other versions, then side copies), then the path, its numbers counted as numbers, decides. Times within
    EQUAL_TIME of the newest are equal."""
    kinds = {path: kind(path) if kind else (VERSION, 0) for path in files}
    has_plain = any(k in (PLAIN, FINAL) for k, _ in kinds.values())  # named only for the exercise, or as final
    several = len(files) > 1 and bool(graded)
    defining = {path: defines_graded(path, graded, True) if several else 0 for path in files}
    # the template's stubs only: nothing done, so never graded over a file with work (accept15, N3)
    work = {path: _work_in(path, graded) for path in files if several and defining[path]}
    rank = {path: (work.get(path) not in (None, TEMPLATE), defining[path],
                   not (has_plain and kinds[path][0] == SIDE_COPY)) for path in files}
    mtimes = {}
    for path in files:
        try:
            mtimes[path] = path.stat().st_mtime
        except OSError:
            mtimes[path] = float("-inf")
    newest = {}  # per rank: the newest time; a time within EQUAL_TIME of it counts as equal to it
    for path in files:
        newest[rank[path]] = max(newest.get(rank[path], float("-inf")), mtimes[path])

    def tie(path: Path) -> tuple:
        mtime = mtimes[path]
        if mtime >= newest[rank[path]] - EQUAL_TIME:
            mtime = newest[rank[path]]
        return (*rank[path], mtime, kinds[path][1])

    ties = {path: tie(path) for path in files}
    top = max(ties.values())
    tied = [path for path in files if ties[path] == top]
    # a tie: a browser's second download of the template ("ex5 (1).py") beside the student's ex5.py, or a copy
    # cut off mid-def
    ordered = sorted(files, key=lambda path: (*ties[path], work.get(path, WORK) if path in tied else WORK,
                                              kinds[path][0], _natural(path.as_posix())), reverse=True)
    return ordered[0], ordered[1:]


UNREAD, TEMPLATE, WORK = 0, 1, 2  # what a tied file holds (`_work_in`), the least first


def _work_in(path: Path, graded: Graded) -> int:
    """TEMPLATE when every graded function the file defines is still the template's stub (review 22, R3: a second
    download of the starter beat the student's ex5.py), UNREAD when the file does not parse (review 23, Q4: a
    copy cut off mid-def), else WORK: also a file the grader does not read whole (not UTF-8, too large) or that
    imports the functions (review 24, P3: those lost to the starter's stubs). A line the parser cannot hold
    (100 000 unary minus signs: MemoryError) is UNREAD too: it stopped the whole class's batch (review 25 sec, S3)."""
    from ..parsing import parse
    from ..submission import SubmissionError, prepare

    try:
        prepared = prepare(path, {name for names in graded for name in names})
    except (SubmissionError, OSError, ValueError, RecursionError, MemoryError):
        return UNREAD
    if prepared.definitions:
        return TEMPLATE if all(d.stub for d in prepared.definitions.values()) else WORK
    if prepared.source is not None and not prepared.notebook:  # a .py file kept whole: it may not parse
        try:
            parse(prepared.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return UNREAD
    return WORK


def _natural(text: str) -> tuple:
    """A sort key in which the numbers in a name count as numbers: ex5_v10.py after ex5_v9.py."""
    return tuple((1, int(chunk)) if i % 2 else (0, chunk) for i, chunk in enumerate(_DIGITS.split(text)))


_DIGITS = re.compile(r"([0-9]+)")
# What a candidate's name says it is, beside the student's other candidates (docs/batch.md, "several files").
SIDE_COPY, VERSION, PLAIN, NUMBERED, FINAL = 0, 1, 2, 3, 4
# Words that say a version is the one to hand in (ex5_final.py beside ex5.py, the template, in a git clone).
_FINAL_WORD = re.compile(r"^(?:final|latest|fixed|updated?|new|last|done|submit(?:ted)?)$", re.I)
# Words after (or before) the exercise's name that mark a copy kept aside, never the one handed in.
_SIDE_WORD = re.compile(rf"^(?:old|backup|bak|orig(?:inal)?|copy\d*|draft|{_KEPT_ASIDE})$", re.I)
# Words that number a later version: a counter from 1 (ex5_kim_2.py for kim, "ex5 (1).py", Canvas's ex5-1.py) or
# v2, ver3, version2; not v1, a first version, which may well be older than the plain name, nor a 0 (staff review
# 4, S18; review 22, R3)
_NUMBERED_WORD = re.compile(r"^(?:0*[1-9]\d{0,2}|v(?:er(?:sion)?)?0*(?:[2-9]|[1-9]\d+))$", re.I)
_COUNTER_TAIL = re.compile(r"(?:[-_ ]\(?|\()\d{1,3}\)?$")  # what `_token` may take after the exercise's name


def name_kind(file_name: str, names: tuple[str, ...], student: str = "") -> tuple[int, int]:
    """(kind, upload order) of a candidate file: PLAIN when named only for the exercise (ex5.py,
    exercise4.ipynb, alice_ex5.py for alice), SIDE_COPY when a word marks a copy kept aside (ex5_old.py,
    ex5_test.py, ex5_backup.py, exercise4-Copy1.ipynb), FINAL when its words say it is the one to hand in
    (ex5_final.py, ex5_latest.py, ex5_fixed.py, ex5_v2_final.py), NUMBERED when they number a later version
    (ex5_v2.py, ex5-1.py, "ex5 (2).py": after a `cp -r`, which gives every file one time, the student's later
    file wins a tie over the plain name, staff review 4, S18), else VERSION (ex5_v1.py, ex5_0.py, ex5_part1.py).
    An LMS download is judged by the student's own file name; its order is Canvas's file id (0 otherwise).

    >>> name_kind("ex5_old.py", ("ex5",)), name_kind("alice_ex5.py", ("ex5",), "alice")
    ((0, 0), (2, 0))
    """
    lms = lms_name(file_name, names)
    order = _upload_order(file_name) if lms else 0
    stem = _split_suffix(lms[1] if lms else file_name)[0].lower()
    match = _own_match(stem, names)
    if match is None:
        return VERSION, order
    own = set(_words(student))
    words = [w for w in _words(f"{stem[: match.start()]} {stem[match.end():]}") if w not in own]
    if any(_SIDE_WORD.match(w) for w in words):
        return SIDE_COPY, order
    later = words and all(_FINAL_WORD.match(w) or _NUMBERED_WORD.match(w) for w in words)
    if later and any(_FINAL_WORD.match(w) for w in words):  # ex5_final.py, ex5_v2_final.py
        return FINAL, order
    plain = {n.lower() for n in names}
    if not words and match.group() in plain:
        return PLAIN, order
    counter = _COUNTER_TAIL.search(match.group())
    if later or not words and counter and match.group()[: counter.start()] in plain and \
            _NUMBERED_WORD.match(counter.group().strip("-_ ()")):
        return NUMBERED, order
    return VERSION, order


def _entries(folder: Path) -> list[Path]:
    """The folder's entries, sorted, without hidden files and macOS zip litter; symlinks are not followed."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX")) and not _litter(p))


def _litter(path: Path) -> bool:
    """Folders no student made: Python's __pycache__, and the feedback `grade gradebook --feedback` wrote
    (it leaves FEEDBACK_MARKER in it), so `grade batch .` inside the class's folder finds no phantom student.
    A marked folder that holds submissions (feedback written among them) is not litter: nothing is lost. Any
    error (a folder that cannot be searched) says "not litter", so the folder is reported, not the class."""
    if path.name == "__pycache__":
        return True
    if path.is_symlink() or not os.path.isfile(path / FEEDBACK_MARKER):
        return False
    try:
        return not any(p.suffix.lower() in SUFFIXES for p in path.rglob("*") if not p.is_symlink())
    except OSError:
        return False


def _links_to_a_student(link: Path, names: tuple[str, ...]) -> bool:
    """A symbolic link to a folder that holds a file named for the exercise up to _DEPTH folders down, as a
    student's folder does (listed, never graded, only to say so). A link to shared helpers or data is no
    student and is passed over; a link to a section of students is one such row, under the link's name."""
    return link.is_dir() and _holds_named(link, names, _DEPTH)  # neither raises: an unreadable folder is False


def _candidate(path: Path) -> bool:
    return not path.is_symlink() and path.is_file() and path.suffix.lower() in SUFFIXES


def _unfit(path: Path) -> str:
    """Why a .py/.ipynb entry cannot be a submission ("" when it is a regular file)."""
    try:
        mode = path.lstat().st_mode
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if stat.S_ISLNK(mode):
        return "a symbolic link (not followed)"
    if stat.S_ISREG(mode):
        return ""
    kind = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
            stat.S_IFBLK: "a device"}.get(stat.S_IFMT(mode), "a folder" if stat.S_ISDIR(mode) else "special")
    return f"{kind}, not a regular file"


ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".7z", ".rar", ".gz")


def archive_kind(file_name: str) -> str | None:
    """The archive suffix a file name ends with (".zip", ".tar.gz", ...), or None."""
    return next((kind for kind in ARCHIVES if file_name.lower().endswith(kind)), None)


def _deeper_named(folders: list[Path], names: tuple[str, ...], student: str, levels: int) -> list[Path]:
    """Files named for the exercise below the level a student's submission was taken from (not copies kept
    aside): not graded, as only the shallowest level counts, but named as also found, so that a starter ex5.py
    at the top does not hide the finished Exercise4/exercise4.ipynb without a word (staff review S4)."""
    found: list[Path] = []
    looked = 0
    for _ in range(max(0, levels)):
        entries = []
        for folder in folders:
            if looked > _LOOKED_BELOW:  # a data folder of 100 000 files: not read on every run (review 17, R11)
                return found
            try:
                listed = _entries(folder)
            except OSError:
                continue
            looked += len(listed)
            entries += listed
        found += [p for p in entries if _candidate(p) and student_from_name(p.name, names) is not None
                  and name_kind(p.name, names, student)[0] != SIDE_COPY]
        folders = [p for p in entries if p.is_dir() and not p.is_symlink()]
    return found


def listing(described: list[str], most: int = _LISTED) -> str:
    """The first `most` names, then "and N more"."""
    shown = ", ".join(described[:most])
    return shown + (f" and {len(described) - most} more" if len(described) > most else "")


def in_student_folder(folder: Path, names: tuple[str, ...], shown: str, student: str | None = None,
                      where: str = "this student's folder", graded: Graded = ()) -> Submission:
    """The student's submission: in their folder, or in the shallowest subfolder that has one (a clone of the
    course's repository keeps it in repo/Exercise4/), never through a symbolic link. Without one, the newest
    zip at the folder's top is the student's `archive` (their zipped folder), for the batch to open.
    `student`: the id, when it is not the folder's name (a student's zip, opened). `graded`: the names of the
    graded functions (`_newest`); of several files at the top named for no exercise, the only one that defines
    one of them is the submission when no folder below holds a file named for the exercise."""
    student = folder.name if student is None else student

    def kind(path: Path) -> tuple[int, int]:
        return name_kind(path.name, names, student)

    level = [folder]
    above = None  # (file, older, deeper) of the level a file of nothing done was passed over at
    passed: list[Path] = []  # the files of nothing done passed over at the levels above
    seen: list[str] = []  # the top level's .py/.ipynb entries, for the message when none is the submission
    holds: list[str] = []  # ... and all its entries, for the message when it holds no .py/.ipynb at all
    others: list[Path] = []  # ... and its files named for no exercise
    unfit: list[tuple[Path, str]] = []  # ... and those named for the exercise that are not regular files
    archives: list[str] = []  # ... and the archives there (a student who zipped their folder)
    mistaken: list[Path] = []  # files at any level that may be handed in by mistake (exercise4.html), to say why
    for depth in range(_DEPTH + 1):
        try:
            entries = [p for f in level for p in _entries(f)]
        except OSError as error:
            return Submission(student, None, shown, True, problem=f"{shown}: cannot be read ({error.strerror})")
        files = [p for p in entries if _candidate(p)]
        mistaken += [p for p in entries if p.suffix.lower() in handed_in.SUFFIXES and not archive_kind(p.name)
                     and not p.is_symlink() and p.is_file()]
        named = [p for p in files if student_from_name(p.name, names) is not None]
        if level == [folder]:
            listed = [(p, _unfit(p)) for p in entries
                      if p.suffix.lower() in SUFFIXES and not (p.is_dir() and not p.is_symlink())]
            seen = [p.name + (f" ({why})" if why else _for_other(p.name, names)) for p, why in listed]
            archives = [p.name for p in entries if archive_kind(p.name) and not p.is_dir()]
            holds = [p.name + ("/" if p.is_dir() and not p.is_symlink() else "") for p in entries]
            unfit = [(p, why) for p, why in listed if why and student_from_name(p.name, names) is not None]
            if not named:
                others = [p for p in files if _not_others(p.name, names)]
                # the folder's only other file, unless it is a helper beside exercise4.html (review 31, X6: graded 0)
                named = others if len(others) == 1 and not (
                    graded and others[0].suffix.lower() == ".py" and not defines_graded(others[0], graded)
                    and _mistaken(mistaken, folder, shown, names, graded)) else []  # a notebook: never (Z3)
        named = _defining_beside(named, [p for p in files if p not in named and _not_others(p.name, names)],
                                 graded, kind)
        if named:
            chosen, older = _newest(named, kind, graded)
            deeper = _deeper_named([p for p in entries if p.is_dir() and not p.is_symlink()], names, student,
                                   _DEPTH - depth)
            if deeper and graded and _nothing_done(chosen, graded):  # the starter at the top, the work in
                above = above or (chosen, older, deeper)  # Exercise4/ (accept15, N3): the next level decides, as
                passed += [chosen, *older]  # when the top holds no such file (review 26, R3)
                level = [p for p in entries if p.is_dir() and not p.is_symlink()]
                continue
            return _found(student, folder, shown, chosen, passed + older + deeper, archives, graded)
        level = [p for p in entries if p.is_dir() and not p.is_symlink()]
    if above:  # no level below holds work either: the top's file, as before
        return _found(student, folder, shown, above[0], above[1] + above[2], archives, graded)
    # else the only one of the top's files that defines a graded function, read only now: when no folder below
    # holds a file named for the exercise (a check.py at the top never hides Exercise4/ex5.py; review 17, R2)
    defining = _only_defining(others, graded)
    if defining:
        return Submission(student, defining[0], f"{shown}/{defining[0].name}", True,
                          [f"{shown}/{p.name}" for p in others if p != defining[0]])
    course = max(names[1:], key=len, default="")  # the course's own name for the notebook (exercise4)
    wanted = f"{names[0]}.py or {names[0]}.ipynb" + (f", or the course's {course}.ipynb" if course else "")
    holding = ", ".join(f"'{n}'" for n in names[:-1]) + (" or " if names[1:] else "") + f"'{names[-1]}'"
    if unfit:  # ex5.py is there, but a FIFO or a link
        path, why = unfit[0]
        return Submission(student, None, shown, True, problem=f"{shown}/{path.name}: {why}; not graded")
    zips = [folder / name for name in archives if archive_kind(name) == ".zip" and not _unfit(folder / name)]
    if zips:  # regular files only: opening a FIFO would wait for ever
        newest, older = _newest(zips, lambda p: name_kind(p.name, names, student))
        return Submission(student, None, f"{shown}/{newest.name}", True, [f"{shown}/{p.name}" for p in older],
                          archive=newest, problem=f"{shown}/{newest.name}: this student's zip was not opened")
    zipped = (f"; it holds {listing(archives)}: only a .zip inside a student's folder is opened (unpack it there "
              f"and run again)") if archives else ""
    several = [p for p in others if defines_graded(p, graded)] if graded and len(others) > 1 else []
    if len(several) > 1:  # two notebooks of the work (Untitled, Untitled1): several, not none (staff review 4, S13)
        return Submission(student, None, shown, True, problem=(
            f"{shown}: several files could be the submission ({listing([p.name for p in several])}), none named "
            f"for the exercise: keep only the file to grade, named {wanted}"))
    reason = _mistaken(mistaken, folder, shown, names, graded)  # also beside a utils.py (review 31, X6)
    if reason:  # only exercise4.html, a PDF, ex4.m: what it is, and what to hand in (review 28, R28-13, R28-20)
        return Submission(student, None, shown, True, problem=f"{reason}{zipped}; not graded")
    if seen:
        return Submission(student, None, shown, True, problem=(
            f"{shown}: no submission in {where}: no {wanted} (or a name holding "
            f"{holding}); found {listing(seen)}{zipped}"))
    held = f"; it holds {listing(holds)}" if holds and not zipped else ", which is empty" if not holds else ""
    return Submission(student, None, shown, True,
                      problem=f"{shown}: no submission in {where} (expected {wanted}){held}{zipped}")


def _mistaken(paths: list[Path], folder: Path, shown: str, names: tuple[str, ...], graded: Graded) -> str:
    """Why a student's folder with no .py or .ipynb file holds nothing to grade, when it holds a file handed in by
    mistake (a notebook exported as HTML or PDF, a .docx, a MyST notebook, the course's Octave .m files): what
    the file is and what to hand in instead, the one named for the exercise first; else ""."""
    def named(path: Path) -> bool:
        return student_from_name(f"{Path(path.name).stem}.py", names) is not None

    found = handed_in.mistaken(sorted(paths, key=lambda p: not named(p)), handed_in.in_words(graded), named)
    # a file named for the exercise (exercise4.pdf) or the course's Octave files; a report.pdf beside the student's
    # data/ may be anything: the folder's files are listed as before (acceptance run 10, D8)
    found = [(path, kind) for path, kind in found if named(path) or kind.key == "octave"]
    if not found:
        return ""
    (first, kind), others = found[0], [p.relative_to(folder).as_posix() for p, _ in found[1:]]
    also = f" (also handed in: {listing(others)})" if others else ""
    return f"{handed_in.line(f'{shown}/{first.relative_to(folder).as_posix()}', kind, _wanted(names))}{also}"


def _wanted(names: tuple[str, ...]) -> str:
    """The files to hand in, in the course's names: "exercise4.ipynb or ex5.py"."""
    course = max(names[1:], key=len, default=names[0])
    return f"{course}.ipynb or {names[0]}.py"


def _found(student: str, folder: Path, shown: str, chosen: Path, passed_over: list[Path],
           archives: list[str], graded: Graded = ()) -> Submission:
    """The student's submission `chosen` in their `folder`, with the files passed over (and a zip beside: a file
    beats the student's zip)."""
    where = chosen.relative_to(folder).as_posix()
    return Submission(student, chosen, f"{shown}/{where}", True,
                      [f"{shown}/{p.relative_to(folder).as_posix()}" for p in passed_over] +
                      [f"{shown}/{name}" for name in archives],
                      stubs_newer=[f"{shown}/{p.relative_to(folder).as_posix()}"
                                   for p in _stubs_newer(chosen, passed_over, graded)])


def _stubs_newer(chosen: Path, passed_over: list[Path], graded: Graded) -> list[Path]:
    """The files passed over for `chosen` that are newer than it and hold only the template's stubs: the
    student may think the newer one (ex5_final.py, the notebook saved last) was graded, and the report says why
    not (fix28, R10). Read only when one is newer."""
    if not graded or not passed_over:
        return []
    try:
        graded_at = chosen.stat().st_mtime
    except OSError:
        return []
    found = []
    for path in passed_over:
        try:
            newer = path.stat().st_mtime > graded_at
        except OSError:
            continue
        if newer and _work_in(path, graded) == TEMPLATE:
            found.append(path)
    return found


def _nothing_done(path: Path, graded: Graded) -> bool:
    """A file of the template's stubs only, or an empty one (review 26, R11): it does not hide a file named for
    the exercise a level down. Not a file that defines none of the graded functions by name: a notebook that
    defines renamed ones and registers them in the course's grader cells has work in it (review 27, T7)."""
    if _work_in(path, graded) == TEMPLATE:
        return True
    try:
        return path.stat().st_size < 4096 and not path.read_bytes().strip()
    except OSError:
        return False


def discover(paths: list[Path], exercise_id: str, shown: list[str] | None = None,
             aliases: tuple[str, ...] = (), graded: Graded = (), known: tuple[str, ...] = ()) -> Found:
    """Every student's submission under PATHS (folders or files; zips already unpacked by the caller).
    `graded`: the names of the exercise's graded functions, which break ties between a student's files;
    `known`: every known exercise's id and aliases (`exercise_names`)."""
    names = exercise_names(exercise_id, aliases, known)
    every: list[tuple[str, Submission]] = []
    problems: list[str] = []
    notes: list[str] = []
    for index, path in enumerate(paths):
        label = shown[index] if shown else str(path)
        found = _discover_one(path, names, label, graded, notes)
        if isinstance(found, str):
            problems.append(found)
        else:
            every += found
    for _, submission in every:  # macOS writes names decomposed (NFD), Windows and Linux composed: one student
        if submission.student != submission.shown_as:
            submission.student = unicodedata.normalize("NFC", submission.student)
        # a name that is not UTF-8 (a Windows zip unpacked by `unzip`) is shown, and stored, escaped (S1)
        submission.student, submission.shown_as = valid(submission.student), valid(submission.shown_as)
        submission.passed_over, submission.problem = valid_data(submission.passed_over), valid(submission.problem)
        submission.stubs_newer = valid_data(submission.stubs_newer)
    problems, notes = valid_data(problems), valid_data(notes)
    by_student: dict[str, list[Submission]] = {}
    for submission in _qualified([(unicodedata.normalize("NFC", place), s) for place, s in every]):
        by_student.setdefault(submission.student, []).append(submission)
    picked, merged = [], {}
    for _, entries in sorted(by_student.items()):
        kept, older = gradescope_export.latest(entries)
        picked.append(_pick(kept, names, graded))
        notes += [gradescope_export.passed_over(picked[-1], older)] if older else []
        picked[-1].export_folders = list(dict.fromkeys(folder for s in entries for folder in s.export_folders))
        if files := _merged_by_counter(entries, names):
            merged[picked[-1].student] = files
    return Found(picked, problems, notes, merged)


def _merged_by_counter(entries: list[Submission], names: tuple[str, ...]) -> list[str]:
    """The names of one student's files when only the counter after a name (`_RESUBMITTED`) made them one
    student's and none of them is the plain name (ex5_kim_7.py and ex5_kim_12.py, no ex5_kim.py): two students
    told apart by a number, perhaps; else none. ex5_kim.py beside ex5_kim_2.py (or kim/) is an ordinary
    resubmission, which the merge exists for (review 22, R9: a line naming every such student on every run)."""
    plain = entries[0].student.rsplit("/", 1)[-1]

    def kept(submission: Submission) -> str:
        file = submission.file
        if file is None or submission.own_folder or lms_name(file.name, names):
            return plain
        return valid(unicodedata.normalize("NFC", student_from_name(file.name, names, counter=False) or ""))

    ids = {kept(s) for s in entries}
    return sorted((Path(s.shown_as).name for s in entries), key=_natural) if len(ids) > 1 and plain not in ids else []


def counter_note(merged: dict[str, list[str]], exercise: str) -> str:
    """One line naming the students whose files a counter after their name merged (review 21, R13): two Kims
    told apart by a number were one row without a word, only the row's report said "also found"."""
    if not merged:
        return ""
    count = len(merged)
    shown = listing([f"{student} ({', '.join(files)})" for student, files in sorted(merged.items())], most=10)
    whose = "students'" if count != 1 else "student's"
    return (f"note: {count} {whose} files differ only by a number after the name, taken as "
            f"one student's uploads: {shown}; if a number tells two students apart, join it to the name "
            f"({exercise}_kim7.py) and run again")


def _discover_one(path: Path, names: tuple[str, ...], label: str,
                  graded: Graded, notes: list[str]) -> list[tuple[str, Submission]] | str:
    """(place, submission) pairs: the place is the folder of students a submission lies in, relative to the
    PATH ("" for the PATH itself), which tells two students of one name in two sections apart. `notes`: lines
    for the user are added to it."""
    if path.is_symlink() and not path.exists():
        return f"{label}: a broken symbolic link"
    if path.is_file():
        student = student_from_name(path.name, names)
        if not student:
            return f"{label}: cannot tell the student from the file name (expected e.g. alice_{names[0]}.py)"
        try:
            beside = _entries(path.parent)
        except OSError:
            beside = []
        return [("", s) for s in beside_flat([Submission(student, path, label, False)], beside)]
    if not path.is_dir():
        return f"{label}: no such file or folder"
    if one_students_folder(path, names):  # grade batch class/alice: alice, as in the class
        submission = in_student_folder(path, names, label, graded=graded)
        submission.student = Path(label).stem if label.lower().endswith(".zip") else _owner(path.resolve(), names)
        here, told = gradescope_export.one_submission(submission, path.resolve())  # as the export's run names it
        notes += told
        found = [("", s) for s in here]
    else:
        found = _in_class_folder(path, names, label, "", 0, graded, notes)
    if isinstance(found, list):
        found = _moodle_by_place(found)
    if isinstance(found, list) and not found:
        return (f"{label}: no submissions found (expected a folder per student, or files named like "
                f"alice_{names[0]}.py){_others_files(path, names)}")
    return found


def _others_files(folder: Path, names: tuple[str, ...]) -> str:
    """"; it holds 2 files named for ex5_mse: was -e ex5_mse meant?" for a flat folder of another known
    exercise's files, passed over without a line each (review 20, R6); else ""."""
    try:
        others = [another_exercise(p.name, names) for p in _entries(folder) if p.is_file()]
    except OSError:
        return ""
    counts = {name: others.count(name) for name in set(others) - {None}}
    if not counts:
        return ""
    other = max(counts, key=counts.get)
    return f"; it holds {counts[other]} file{'s' * (counts[other] != 1)} named for {other}: was -e {other} meant?"


def _in_class_folder(path: Path, names: tuple[str, ...], label: str, place: str, depth: int, graded: Graded,
                     notes: list[str], export: bool = False) -> list[tuple[str, Submission]] | str:
    """A folder of students (`depth` folders of students below the PATH): its flat files, its student folders
    (named by their submitters when it is a Gradescope export: the PATH, or `export`), and the folders of
    students inside it (sections), down to _GROUPS levels (`_readings`)."""
    try:
        entries = _entries(path)
    except OSError as error:
        return f"{label}: cannot be read ({error.strerror})"
    flat = [e for e in entries if e.is_symlink() or not e.is_dir()]
    found = [(place, s) for s in _flat(flat, names, label, graded, notes)]
    flat_students = any(s.file is not None or s.archive is not None for _, s in found)
    groups, refused = _readings([e for e in entries if e.is_dir() and not e.is_symlink()], names, depth, graded,
                                flat_students)
    for entry in entries:
        shown = f"{label}/{entry.name}"
        if entry.is_symlink() and _links_to_a_student(entry, names):  # said, not followed, not lost
            found.append((place, Submission(entry.name, None, shown, True,
                                            problem=f"{shown}: a symbolic link to a folder (not followed); "
                                                    f"not graded")))
            continue
        if entry.is_symlink() or not entry.is_dir():
            continue
        if entry in refused:
            found.append((place, Submission(entry.name, None, shown, True, problem=f"{shown}: {refused[entry]}")))
        elif groups[entry]:
            inner_place = f"{place}/{entry.name}" if place else entry.name
            inner = _in_class_folder(entry, names, shown, inner_place, depth + 1, graded, notes,
                                     groups[entry] == EXPORT)
            if isinstance(inner, str):  # unreadable: listed a moment ago, so say it as this folder's problem
                found.append((place, Submission(shown, None, shown, False, problem=inner)))
            else:
                found += inner
        else:
            found.append((place, in_student_folder(entry, names, shown, graded=graded)))
    if depth and not export:
        return found
    here, told = gradescope_export.by_submitter([s for p, s in found if p == place], path, label)
    notes += told
    return [(p, s) for p, s in found if p != place] + [(place, s) for s in here]


def _qualified(found: list[tuple[str, Submission]]) -> list[Submission]:
    """Each submission with its student id told apart: a name found in two places (alice in Section1 and in
    Section2) is two students, each named by as much of its place as tells them apart (`Section2/alice`, not
    `Course/Assignment5/Section2/alice`); one at a PATH's own level keeps its plain name. Ids that are a file
    as shown (could not tell whose) are unique already and stay, and so do the ids a Gradescope export's metadata
    gives (an SID names one student wherever the export lies: class/monday and class/friday, review 20 R3)."""
    local = [(place, s) for place, s in found if s.student != s.shown_as and not s.export_folders]
    places: dict[str, set[str]] = {}
    for place, submission in local:
        places.setdefault(submission.student, set()).add(place)
    prefix: dict[tuple[str, str], str] = {}
    for student, where in places.items():
        if len(where) < 2:
            continue
        parts = 1  # the places are distinct paths, so some number of their last folders tells them apart
        while len({_last(place, parts) for place in where}) < len(where):
            parts += 1
        prefix.update({(student, place): _last(place, parts) for place in where})
    for place, submission in local:
        if prefix.get((submission.student, place)):
            submission.student = f"{prefix[submission.student, place]}/{submission.student}"
    return [submission for _, submission in found]


def _last(place: str, parts: int) -> str:
    return "/".join(place.split("/")[-parts:]) if place else ""


def _flat_student(file_name: str, names: tuple[str, ...]) -> str | None:
    """The student a flat-layout file belongs to ("" or None when its name does not say)."""
    lms = lms_name(file_name, names)
    return lms[0] if lms else student_from_name(file_name, names)


BY_FILES, BY_FOLDERS, EXPORT = 1, 2, 3  # why a folder is read as a folder of students (`_holds_students`, `_readings`)


def _holds_students(folder: Path, names: tuple[str, ...], depth: int, graded: Graded = ()) -> int:
    """BY_FILES or BY_FOLDERS (what told it) when the folder (`depth` folders below the PATH) is a folder of
    students, not one student's; else 0:

    - its .py/.ipynb files carry two or more different student ids (Assignment5/alice_ex5.py,
      Assignment5/bob_ex5.py: a wrapper around the flat layout); or
    - two or more of its subfolders hold a file named for the exercise, each a student's folder or a section
      (Section1/alice/ex5.py, Section1/bob/ex5.py); or one such subfolder and one student id in its files;
      or one such subfolder that is a folder of students itself (a wrapper: Course/Assignment5/Section1/).
      Subfolders named for an exercise of the course or by version words (Exercise4/, Exercise3/, old/, v2/)
      are one student's own and do not count.

    A folder that holds a file named only for the exercise (ex5.py, exercise4.ipynb) is a student's: its other
    files (ex5_part1.py, ex5_test.py) are that student's drafts, whatever words follow the exercise's name,
    unless two or more subfolders hold students (then that file is a stray, reported as whose it is unknown).
    Ids that are the folder's own name or only version words (alice/alice_ex5_v2.py, ex5_final.py) do not count,
    nor does a helper module's (ex5_utils.py beside ex5_nn.py, `_without_helpers`). An LMS's folder of one
    student (Moodle's, a Gradescope export's submission) is that student's whatever its files say.
    """
    if _lms_students_folder(folder):
        return False
    try:
        entries = _entries(folder)
    except OSError:
        return False  # in_student_folder says it cannot be read
    own = folder.name.lower()
    ids: dict[str, list[Path]] = {}
    named_only = False
    for path in (p for p in entries if p.suffix.lower() in SUFFIXES and not p.is_dir()):
        student = _flat_student(path.name, names)
        if student is None:
            continue
        if student == "":
            named_only = True
            continue
        if _only_versions(student, also=own):
            continue  # final_ex5.py, v2_alice_ex5.py in alice/: the folder's own files
        if student.lower() == own or student.lower().startswith(own + "_") or student.lower().endswith("_" + own):
            continue
        ids.setdefault(student.lower(), []).append(path)
    if len(ids) >= 2 and graded:
        ids = _without_helpers(ids, names, graded)
    if len(ids) >= 2 and not named_only:
        return BY_FILES
    levels = _DEPTH + _GROUPS - depth  # a subfolder may be a student's (its repo inside) or a section of them
    members = [sub for sub in entries if sub.is_dir() and not _own_subfolder(sub.name, names)
               and (_links_to_a_student(sub, names) if sub.is_symlink() else _holds_named(sub, names, levels))]
    if len(members) >= 2:
        return BY_FOLDERS
    if not named_only and len(members) + len(ids) >= 2:
        return BY_FILES
    # a wrapper around a folder of students (download/Course/Assignment5/Section1/...): one of them too
    wrapper = len(members) == 1 and not ids and not named_only and depth < _GROUPS and \
        _holds_students(members[0], names, depth + 1, graded)
    return BY_FOLDERS if wrapper else 0


def _readings(folders: list[Path], names: tuple[str, ...], depth: int, graded: Graded,
              flat_students: bool = False) -> tuple[dict[Path, int], dict[Path, str]]:
    """How each subfolder of a folder of students (`depth` below the PATH) is read: 0 (one student's), BY_FILES
    or BY_FOLDERS (a folder of students), EXPORT (a Gradescope export); and those refused, with the reason.
    `flat_students`: the folder's own files are students' (alice_ex5.py), who count as students' own folders do.

    A student's folder must not make rows for others (review 25 sec, S1: mallory's folder holding a planted
    export graded her file as alice's). So an export is read as one only when given as a PATH, or as one of two
    or more exports that alone make up a PATH (class/monday/, class/friday/). A folder refused is its student's
    "could not grade" line. (S8, a student's folder holding alice_ex5.py and bob_ex5.py read as a section, is
    left as it was: a rule by the folder's name refused real sections, Period3 or TA_Smith, review 27, T5.)"""
    exports = [f for f in folders if gradescope_export.exported(f)]
    groups = {f: 0 if f in exports or depth >= _GROUPS else _holds_students(f, names, depth + 1, graded)
              for f in folders}
    # students' own folders among them (looked for only when there is something to refuse)
    ones = bool(exports or any(groups.values())) and (flat_students or any(
        f not in exports and not groups[f] and _holds_code(f, _DEPTH) for f in folders))
    read = depth == 0 and len(exports) >= 2 and not ones and not any(groups.values())
    refused = {}
    for folder in exports:
        if read:
            groups[folder] = EXPORT
        else:
            refused[folder] = (f"holds {gradescope_export.METADATA} and submission_* folders, as a Gradescope "
                               f"export does, but lies among the class's folders, where a folder is one student's "
                               f"and names no one else; not graded (give an export as a PATH of its own)")
    return groups, refused


def _lms_students_folder(folder: Path) -> bool:
    """A folder an LMS made for one student: Moodle's `Full Name_USERID_assignsubmission_file_/`, a Gradescope
    export's `submission_123456/`. It is that student's whatever its files are called (alice_ex5.py beside
    bob_ex5.py in Bob Lee's: staff review 4, S2, whose upload was graded as a student alice)."""
    return bool(_MOODLE_FOLDER.match(folder.name)) or gradescope_export.submission_folder(folder.name)


def _without_helpers(ids: dict[str, list[Path]], names: tuple[str, ...], graded: Graded) -> dict[str, list[Path]]:
    """The ids a folder's files carry, less a student's helper modules: a file whose name starts with the
    exercise's (ex5_utils.py beside ex5_nn.py) and that defines none of the graded functions, while the folder's
    other files do, is the student's helper, not a classmate's ex5_gus.py (staff review 4, S2: ezra's folder was
    students `nn` and `utils`). A classmate who wrote fewer of the functions is still one (review 21, R1: a
    section's ex5_bob.py defining one of two was taken for alice's helper, and bob vanished). A name before the
    exercise's (bob_ex5.py) is a student's."""
    defined = {path: defines_graded(path, graded, True) for paths in ids.values() for path in paths}
    if not any(defined.values()):
        return ids
    return {student: paths for student, paths in ids.items()
            if any(defined[path] or not _after_exercise(path.name, names) for path in paths)}


def _after_exercise(file_name: str, names: tuple[str, ...]) -> bool:
    """True when a file's name starts with the exercise's (ex5_nn.py, ex5_gus.py): the word after it may be a
    student's name or the file's own."""
    stem = _split_suffix(file_name)[0].lower()
    match = _own_match(stem, names)
    return match is not None and not stem[: match.start()].strip(" ._-")


# Folders of a student's own project layout, never a classmate's name.
_PROJECT_FOLDERS = {"src", "source", "test", "tests", "notebooks", "notebook", "code", "scripts", "lib", "work"}


def _owner(folder: Path, names: tuple[str, ...]) -> str:
    """Whose folder a PATH that is one student's folder is: its name, or, for a student's own subfolder
    (`grade batch .` inside alice/Exercise4/, alice/repo/src/), the first folder above it that is not one
    (acceptance run 10, D3: the row was a student named Exercise4)."""
    while _own_subfolder(folder.name, names) and folder.parent != folder:
        folder = folder.parent
    return folder.name or str(folder)


def _own_subfolder(name: str, names: tuple[str, ...]) -> bool:
    """A subfolder that is part of one student's work, never a classmate: named for the exercise (Exercise4,
    ex5_old), for another exercise of the course (Exercise3, ex2) or by version words only (old, v2, backup,
    attempt 2, Copy (2)); a number alone (20231234) may be a student's."""
    if student_from_name(f"{name}.py", names) == "":
        return True
    lowered = name.lower()
    if lowered in _PROJECT_FOLDERS:
        return True
    stems = {re.sub(r"\d+$", "", n.lower()) for n in names if n[-1:].isdigit()}
    other = re.match(r"^([a-z]+)[ _\-]?\d{1,2}(?![0-9])(.*)$", lowered)
    if other and other[1] in stems and (not other[2].strip(" ._-") or _only_versions(other[2])):
        return True
    words = [re.sub(r"[^a-z0-9]", "", w) for w in _words(name)]
    versions = [bool(_VERSION_WORD.match(w) or _VERSION_WORD.match(w.rstrip("0123456789"))) for w in words]
    return any(versions) and all(v or not w or w.isdigit() for v, w in zip(versions, words, strict=True))


def _holds_named(folder: Path, names: tuple[str, ...], levels: int) -> bool:
    """True when a .py/.ipynb named for the exercise is in the folder or up to `levels` folders below it
    (symbolic links not followed, unreadable folders passed over)."""
    level = [folder]
    for _ in range(levels + 1):
        entries: list[Path] = []
        for each in level:
            try:
                entries += _entries(each)
            except OSError:
                continue
        if any(student_from_name(p.name, names) is not None and name_kind(p.name, names)[0] != SIDE_COPY
               and _candidate(p) for p in entries):  # test_ex5.py in a tests/ folder is no submission
            return True
        level = [p for p in entries if p.is_dir() and not p.is_symlink()]
        if not level:
            return False
    return False


def _flat(entries: list[Path], names: tuple[str, ...], label: str, graded: Graded = (),
          notes: list[str] | None = None) -> list[Submission]:
    """Submissions from a folder's own files (the flat layout); every .py/.ipynb is one, or one's problem.
    `notes`: gets the line naming the files taken for the course's own (`_course_files_note`)."""
    found: list[Submission] = []
    course_files: list[str] = []  # ex5_handout.pdf, key_ex5.html: named for a word of the course, nobody's
    lms: dict[str, list[tuple[Path, str]]] = {}  # LMS student -> (file, the student's own file name)
    uploads: dict[str, list[tuple[Path, str]]] = {}  # LMS student -> their files of other kinds (.html, .pdf)
    receipts: dict[str, list[Path]] = {}  # Blackboard student -> their attempts' receipts
    usernames = _blackboard_usernames(entries)
    # Canvas's text and URL entries only in a Canvas download: lecture_2026_text.html elsewhere is no student's
    canvas = any(_CANVAS.match(entry.name) and not _CANVAS_ENTRY.match(entry.name) for entry in entries)
    for entry in entries:
        shown = f"{label}/{entry.name}"
        if archive_kind(entry.name) and not (entry.is_dir() and not entry.is_symlink()):
            for submission in _flat_archive(entry, names, shown):
                submission.student = usernames.get(submission.student, submission.student)
                found.append(submission)
            continue
        if entry.suffix.lower() not in SUFFIXES or entry.name in HELPERS:
            receipt = _RECEIPT.match(entry.name)
            other = None if entry.name in HELPERS or receipt else (lms_name(entry.name, names)
                                                                    or canvas and _canvas_entry(entry.name)
                                                                    or _renamed_code(entry.name, names)
                                                                    or _mistaken_upload(entry.name, names))
            if receipt:  # Blackboard's receipt of an attempt: its student's line when the attempt has no file
                receipts.setdefault(usernames.get(receipt["student"], receipt["student"]), []).append(entry)
            elif other:  # a student's upload of another kind: their line when they uploaded nothing else
                uploads.setdefault(usernames.get(other[0], other[0]), []).append((entry, other[1]))
            elif entry.name not in HELPERS and _course_file(entry.name, names):
                course_files.append(entry.name)
            continue  # notes, PDFs, the course's utils.py beside the class
        from_lms = lms_name(entry.name, names)
        if (for_another(entry.name, names) or _named_for_another(entry.name, names)) and not from_lms:
            continue  # alice_ex5_mse.py or alice_deep_relu.py, graded as ex5: the other exercise's work (S9)
        why = _unfit(entry)
        if from_lms:
            from_lms = usernames.get(from_lms[0], from_lms[0]), from_lms[1]
        student = from_lms[0] if from_lms else student_from_name(entry.name, names)
        if why:
            found.append(Submission(student or shown, None, shown, False, problem=f"{shown}: {why}; not graded"))
            continue
        if from_lms:
            lms.setdefault(from_lms[0], []).append((entry, from_lms[1]))
        elif student:
            found.append(Submission(student, entry, shown, False))
        else:
            found.append(Submission(shown, None, shown, False, problem=f"{shown}: {_nameless(student, names)}"))
    for student, files in lms.items():
        found.append(_lms_submission(student, files, names, label, graded))
    named = {s.student for s in found}
    for student, files in uploads.items():
        if student not in named:
            found.append(_nothing_to_run(student, files, label, names, graded))
    for student, files in receipts.items():  # an attempt of text only (review 17, R10)
        if student not in named and student not in uploads:
            shown = f"{label}/{files[0].name}"
            found.append(Submission(student, None, shown, False, problem=(
                f"{shown}: {student} submitted no file, only Blackboard's receipt of the attempt (a text "
                f"submission or comments); not graded")))
    if course_files and notes is not None:
        notes.append(_course_files_note(label, course_files, names))
    return beside_flat(found, entries)


def _course_files_note(label: str, files: list[str], names: tuple[str, ...]) -> str:
    """One line naming the flat files taken for the course's own by a word in their names (review 31, X14:
    `key_ex5.html`, the upload of a student whose id is "key", was silently nobody's: no row, no line)."""
    count = f"{len(files)} files" if len(files) != 1 else "1 file"
    return (f"note: {label}: {count} taken for the course's own by a word in the name (handout, solution, key, "
            f"notes, ...), not graded and in no student's row: {listing(files, most=10)}; if one is a student's "
            f"upload, name it for the student (alice_{names[0]}{Path(files[0]).suffix}) and run again")


def _renamed_code(file_name: str, names: tuple[str, ...]) -> tuple[str, str] | None:
    """(student, file name) for a student's file whose code suffix got another one added (`carl_ex5.py.txt`, as a
    mail client or a browser saves it): its name says whose it is, so it is their line, not silently nothing
    (staff review 4, S20). A file of another kind alone (ex5_rubric.txt) says nothing of a student."""
    stem, suffix = os.path.splitext(file_name)
    if not suffix or os.path.splitext(stem)[1].lower() not in SUFFIXES:
        return None
    student = student_from_name(stem, names)
    return (student, file_name) if student else None


def _canvas_entry(file_name: str) -> tuple[str, str] | None:
    """(student id, what it is) for Canvas's text or website-URL entry (staff review 2, S11: such students had no
    line at all), else None."""
    entry = _CANVAS_ENTRY.match(file_name)
    if not entry:
        return None
    student = entry["anon"] or f"{entry['name']}_{entry['user']}"
    return student, "a text entry" if entry["kind"].lower() == "text" else "a website URL"


def _mistaken_upload(file_name: str, names: tuple[str, ...]) -> tuple[str, str] | None:
    """(student, file name) for a flat file handed in by mistake whose name says whose it is (`alice_ex5.html`,
    `ex5_bob.pdf`): their "could not grade" line, where alice had no line at all (review 28, R28-20)."""
    stem, suffix = os.path.splitext(file_name)
    if suffix.lower() not in handed_in.SUFFIXES or for_another(f"{stem}.py", names) \
            or _named_for_another(f"{stem}.py", names):
        return None
    student = student_from_name(f"{stem}.py", names)
    # ex5_sample_solution.pdf, ex4_faq.pdf: a word of the course's in the name (review 31, X15: phantom students)
    return (student, file_name) if student and not _course_word(student) else None


def _course_word(student: str) -> bool:
    return bool(set(re.split(r"[\W_]+", student.casefold())) & _COURSE_WORDS)


def _course_file(file_name: str, names: tuple[str, ...]) -> bool:
    """A flat file of another kind that `_mistaken_upload` passes over for a word of the course in the student
    its name would give (ex5_handout.pdf, key_ex5.html), to be named in the summary."""
    stem, suffix = os.path.splitext(file_name)
    if suffix.lower() not in handed_in.SUFFIXES or for_another(f"{stem}.py", names) \
            or _named_for_another(f"{stem}.py", names):
        return False
    student = student_from_name(f"{stem}.py", names)
    return bool(student) and _course_word(student)


# Files of the course beside a class's flat files (Exercise4_instructions.pdf, ex5_rubric.docx): nobody's upload
_COURSE_WORDS = frozenset({"handout", "instructions", "instruction", "solution", "solutions", "rubric", "assignment",
                           "template", "starter", "readme", "notes", "slides", "lecture", "key", "answers", "answer",
                           "description", "task", "tasks", "sheet", "exercise", "marking", "grading", "sample",
                           "example", "faq", "errata", "reference", "guide", "hint", "hints", "syllabus"})


def _nothing_to_run(student: str, files: list[tuple[Path, str]], label: str, names: tuple[str, ...] = ("ex5",),
                    graded: Graded = ()) -> Submission:
    """An LMS student whose uploads are all of other kinds (a notebook exported as .html, a .pdf, a Moodle
    online text), or a flat `alice_ex5.html`: their "could not grade" line, as Moodle's folder download gives
    (acceptance run 10, D5, D6), never a student who silently is not there; what a file handed in by mistake
    is, and what to hand in instead (R28-20)."""
    why = ""
    if all(_MOODLE.match(path.name) and "_assignsubmission_onlinetext_" in path.name for path, _ in files):
        what = "submitted no file, only an online text"
    elif all(_CANVAS_ENTRY.match(path.name) and not _CANVAS.match(path.name) for path, _ in files):
        what = f"submitted no file, only {' and '.join(sorted({kind for _, kind in files}))} in Canvas"
    else:
        what = f"submitted no .py or .ipynb file, only {listing(sorted(original for _, original in files))}"
        mistaken = handed_in.mistaken([path for path, _ in files], handed_in.in_words(graded), lambda path: True)
        why = f": {handed_in.line(dict(files)[mistaken[0][0]], mistaken[0][1], _wanted(names))}" if mistaken else ""
    shown = f"{label}/{files[0][0].name}"  # as the submission is shown: a feedback file names it as uploaded
    return Submission(student, None, shown, False, problem=f"{shown}: {student} {what}; not graded{why}")


def _flat_archive(entry: Path, names: tuple[str, ...], shown: str) -> list[Submission]:
    """An archive among flat files. A zip whose name tells whose it is (Canvas's `doejane_12346_67891_
    Exercise4.zip`, `alice_ex5.zip`) is that student's zipped folder, for the batch to open; one named only
    for the exercise (the course's own Exercise4.zip beside the class) is no one's. Any other archive is
    reported, as a .py file whose name says nothing is: nothing is lost without a line."""
    kind = archive_kind(entry.name) or ".zip"
    stem = entry.name[: -len(kind)]
    from_lms = lms_name(f"{stem}.py", names)
    student = from_lms[0] if from_lms else student_from_name(f"{stem}.py", names)
    if student == "" or not from_lms and for_another(f"{stem}.py", names):
        return []
    why = _unfit(entry)
    if why:
        return [Submission(student or shown, None, shown, False, problem=f"{shown}: {why}; not graded")]
    if not student:
        return [Submission(shown, None, shown, False, problem=(
            f"{shown}: a {kind} archive whose name does not say whose it is (expected e.g. alice_{names[0]}{kind}, or "
            f"give it as a PATH of its own); not opened"))]
    if kind != ".zip":
        return [Submission(student, None, shown, False, problem=(
            f"{shown}: a {kind} archive is not opened (only a .zip is); unpack it there and run again"))]
    return [Submission(student, None, shown, True, archive=entry,
                       problem=f"{shown}: this student's zip was not opened")]


def _nameless(student: str | None, names: tuple[str, ...]) -> str:
    example = f"alice_{names[0]}.py or {names[0]}_alice.ipynb"
    if student == "":
        return f"names the exercise but not the student (expected e.g. {example}); not graded"
    called = ", ".join(f"'{n}'" for n in names[:-1]) + (" or " if names[1:] else "") + f"'{names[-1]}'"
    return (f"its name holds no {called} as a word, so whose submission it is cannot be told (expected e.g. "
            f"{example}); not graded")


# Canvas names a student's second upload of nn.py nn-1.py, the third nn-2.py: one file, uploaded again
_CANVAS_COPY = re.compile(r"-\d+(?=\.[^.]*$)")


def _lms_submission(student: str, files: list[tuple[Path, str]], names: tuple[str, ...], label: str,
                    graded: Graded = ()) -> Submission:
    """One LMS student's files, read like a student's folder: the one named for the exercise, else the only
    one that is not a course helper (or its uploads again: Canvas's nn.py, nn-1.py; acceptance run 11, D6),
    else the only one that defines a graded function."""
    named = [path for path, original in files if student_from_name(original, names) is not None]
    if not named:
        others = [path for path, original in files if _not_others(original, names)]
        uploads = [original for path, original in files if path in others]
        bases = {_CANVAS_COPY.sub("", original) for original in uploads}  # nn.py with its uploads again, on
        resubmitted = (len(bases) == 1 and bases <= set(uploads)  # Canvas only (review 18, R12: part-1.py
                       and all(_CANVAS.match(path.name) for path in others))  # and part-2.py are two files)
        named = others if len(others) == 1 or resubmitted else _only_defining(others, graded)
    def kind(path: Path) -> tuple[int, int]:
        return name_kind(path.name, names, student)

    named = _defining_beside(named, [path for path, original in files
                                     if path not in named and _not_others(original, names)], graded, kind)
    if named:
        chosen, older = _newest(named, kind, graded)
        return Submission(student, chosen, f"{label}/{chosen.name}", False, [f"{label}/{p.name}" for p in older],
                          run_as=dict(files)[chosen], beside=_own_others(chosen, files, names, student),
                          stubs_newer=[f"{label}/{p.name}" for p in _stubs_newer(chosen, older, graded)])
    listed = listing([original for _, original in files])
    return Submission(student, None, f"{label}/{files[0][0].name}", False, problem=(
        f"{label}: {student}: no file named for {names[0]} among this student's files ({listed}); not graded"))


def _pick(entries: list[Submission], names: tuple[str, ...] = (), graded: Graded = ()) -> Submission:
    """The newest of one student's candidates (a folder's own choice counts as one candidate); the others, and
    what they passed over, are listed as passed over."""
    usable = [s for s in entries if s.file is not None and not s.problem]
    zipped = {s.archive: s for s in entries if s.archive is not None}
    if not usable:  # the student's newest zip, if any, to be opened (the others passed over); else a problem
        if not zipped:
            return entries[0]
        newest, older = _newest(list(zipped))
        winner = zipped[newest]
        winner.passed_over = winner.passed_over + [zipped[path].shown_as for path in older]
        return winner
    by_file = {s.file: s for s in usable}
    student = usable[0].student.rsplit("/", 1)[-1]  # a section-qualified id (Section1/alice): the name is alice
    chosen, older = _newest(list(by_file), lambda p: name_kind(p.name, names, student), graded)
    winner = by_file[chosen]
    stubs = _stubs_newer(chosen, older, graded)
    for path in older:
        winner.passed_over = winner.passed_over + [by_file[path].shown_as] + by_file[path].passed_over
        winner.stubs_newer = winner.stubs_newer + [by_file[path].shown_as] * (path in stubs)
    winner.passed_over = winner.passed_over + [s.shown_as for s in zipped.values()]  # a file beats a zip
    return winner


def _own_others(chosen: Path, files: list[tuple[Path, str]], names: tuple[str, ...],
                student: str) -> dict[str, Path]:
    """An LMS student's other Python files under their own names (Canvas renames every upload, utils.py too),
    the newest of two with one name; never one named as the graded file."""
    own: dict[str, Path] = {}
    by_name = dict(files)
    first, rest = _newest([p for p, _ in files], lambda p: name_kind(p.name, names, student))
    for path in reversed([first, *rest]):  # oldest first: a newer file of the same name replaces it
        if path != chosen and by_name[path].lower().endswith(".py") and by_name[path] != by_name[chosen]:
            own[by_name[path]] = path
    return own


def beside_flat(found: list[Submission], entries: list[Path]) -> list[Submission]:
    """Give each flat-layout submission the course's helper files lying among the flat files (utils.py,
    belonging to no student: not an LMS name), under the student's own copy of the same name, which wins.
    Nothing else of the class folder goes beside it, so no submission can import a classmate's file."""
    helpers = {p.name: p for p in entries if p.name in HELPERS and not _unfit(p)}
    for submission in found:
        if submission.file is not None and not submission.own_folder:
            submission.beside = {**helpers, **submission.beside}
    return found


# Moodle's folder download: a folder per student and submission plugin, "<full name>_<user id>_assignsubmission_
# <plugin>_" (file: the uploaded files; onlinetext: the text typed in Moodle, as onlinetext.html).
_MOODLE_FOLDER = re.compile(r"^(?P<student>.+?_\d+)_assignsubmission_(?P<plugin>[a-z]+)_$")


def _moodle_by_place(found: list[tuple[str, Submission]]) -> list[tuple[str, Submission]]:
    """moodle_folders within each folder of students: a section's Moodle folders are that section's."""
    places = dict.fromkeys(place for place, _ in found)
    return [(place, s) for place in places for s in moodle_folders([s for p, s in found if p == place])]


def moodle_folders(found: list[Submission]) -> list[Submission]:
    """Student folders of a Moodle download, under the student's id (`Full Name_USERID`, as Moodle's flat
    download names it): the file plugin's folder is the student's; other plugins' folders (an online text)
    are passed over when the student has one, and otherwise stand for the student with one line."""
    moodle = {id(s): _MOODLE_FOLDER.match(s.student) for s in found if s.own_folder}
    with_files = {m["student"] for m in moodle.values() if m and m["plugin"] == "file"}
    kept, told = [], set()
    for submission in found:
        match = moodle.get(id(submission))
        if not match:
            kept.append(submission)
            continue
        student = match["student"]
        if match["plugin"] != "file" and (student in with_files or student in told):
            continue  # the online text beside the student's files
        if match["plugin"] != "file" and submission.file is None:
            told.add(student)
            what = "an online text" if match["plugin"] == "onlinetext" else f"Moodle's {match['plugin']}"
            submission = Submission(student, None, submission.shown_as, True, problem=(
                f"{submission.shown_as}: {student} submitted no file, only {what}; not graded"))
        submission.student = student
        kept.append(submission)
    return kept


def one_students_folder(folder: Path, names: tuple[str, ...]) -> bool:
    """True when a PATH is itself one student's folder (`grade batch class/alice`, to grade one student again):
    it holds a file named only for the exercise (ex5.py, exercise4.ipynb), every other .py/.ipynb of it is a
    course helper or names the exercise (ex5_old.py; not bob.py, which may be a flat folder's unnamed
    submission: read as the flat layout, every such file is reported), none names another student
    (alice_ex5.py, bob_ex5.py: the flat layout, its stray ex5.py "could not grade"), and no folder in it holds
    a .py/.ipynb (a class folder with a stray ex5.py beside the students' folders)."""
    try:
        entries = _entries(folder)
    except OSError:
        return False
    if _wrapped_or_zipped(entries, names):
        return True
    own = folder.resolve().name.lower()
    files = [p for p in entries if _candidate(p)]
    if not any(name_kind(p.name, names)[0] == PLAIN and not lms_name(p.name, names) for p in files):
        return False
    if any(_not_others(p.name.lower(), names) and student_from_name(p.name, names) is None for p in files):
        return False  # bob.py beside ex5.py: maybe a flat folder's unnamed submissions; they must be reported
    for path in files:
        student = _flat_student(path.name, names)
        if student and not _only_versions(student, also=own) and student.lower() != own:
            return False
    return not any(_holds_code(p, _DEPTH) for p in entries if p.is_dir() and not p.is_symlink())


def _wrapped_or_zipped(entries: list[Path], names: tuple[str, ...]) -> bool:
    """A student's work in one wrapper: nothing but the course's folder (`alice.zip` holding `Exercise4/`, a
    student's folder holding only `Exercise4/`), unless that folder holds folders of students; or nothing but
    zips named only for the exercise (`gina/` holding `Exercise4.zip`: her zipped folder, opened by the
    batch; `alice.zip` beside `bob.zip` is a flat folder's, each reported)."""
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return student_from_name(f"{entries[0].name}.py", names) == "" and not _holds_students(entries[0], names, 1)
    zips = [p for p in entries if archive_kind(p.name) == ".zip" and not _unfit(p)]
    return bool(zips) and len(zips) == len(entries) and \
        all(student_from_name(f"{p.stem}.py", names) == "" and not lms_name(p.name, names) for p in zips)


def _holds_code(folder: Path, depth: int) -> bool:
    try:
        entries = _entries(folder)
    except OSError:
        return False
    return any(p.suffix.lower() in SUFFIXES for p in entries if not p.is_dir()) or (
        depth > 0 and any(_holds_code(p, depth - 1) for p in entries if p.is_dir() and not p.is_symlink()))
