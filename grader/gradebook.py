"""The class's gradebook: one SQLite file (stdlib sqlite3), one row per student and exercise.

Write-ahead logging and one transaction per graded submission: a run that is killed (Ctrl-C,
SIGKILL) keeps every submission it finished, and a rerun grades only what is missing or changed
(the submission's bytes, the exercise spec, the grader's version, or the grading options that can change
a report: --timeout, --memory, --speed-notes). The schema (docs/batch.md) has a version of its own in
`schema_version`; a gradebook written by a newer grader is refused rather than misread, and an older one
is upgraded when a batch opens it (its rows then lack the options, so they are graded again).

A batch leaves the file in rollback-journal mode when it closes, so a gradebook at rest is one file that
an export can read without creating anything beside it (see `_read_only_uri`).
"""

import json
import os
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .text import valid, valid_data

SCHEMA_VERSION = 3  # 2: grades.grading_options, part_scores.failure; 3: grades.helpers_sha256

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS grades (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'error')),
    score INTEGER,
    max_score INTEGER,
    error TEXT,
    retry INTEGER NOT NULL DEFAULT 0,
    submission TEXT,
    passed_over TEXT NOT NULL DEFAULT '[]',
    submission_sha256 TEXT,
    helpers_sha256 TEXT,
    spec_sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    grading_options TEXT,
    graded_at TEXT NOT NULL,
    report_json TEXT,
    report_text TEXT,
    PRIMARY KEY (student, exercise)
);
CREATE TABLE IF NOT EXISTS part_scores (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    part TEXT NOT NULL,
    position INTEGER NOT NULL,
    score INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    failure TEXT,
    PRIMARY KEY (student, exercise, part),
    FOREIGN KEY (student, exercise) REFERENCES grades (student, exercise) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS mistakes (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    part TEXT NOT NULL,
    mistake TEXT NOT NULL,
    PRIMARY KEY (student, exercise, part, mistake),
    FOREIGN KEY (student, exercise) REFERENCES grades (student, exercise) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS notes (
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    note TEXT NOT NULL,
    message TEXT NOT NULL,
    FOREIGN KEY (student, exercise) REFERENCES grades (student, exercise) ON DELETE CASCADE
);
"""

SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


class GradebookError(Exception):
    """A gradebook that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class Stamp:
    """What a grade depends on: when all five are unchanged, the grade is kept. `helpers_sha256` covers the
    files the submission can import beside it (batch._helpers_digest); `options` is the JSON of the grading
    options that can change a report. Either is None in a row from an older schema, which never matches."""

    submission_sha256: str | None
    helpers_sha256: str | None
    spec_sha256: str
    grader_version: str
    options: str | None


@dataclass(frozen=True)
class Entry:
    """One row of `grades`, with the report decoded."""

    student: str
    exercise: str
    status: str
    score: int | None
    max_score: int | None
    error: str | None
    submission: str | None
    passed_over: list[str]
    graded_at: str
    report: dict | None
    report_text: str | None
    failures: dict[str, str] = field(default_factory=dict)  # part id -> timeout, crash, ... (part_scores.failure)
    # what the grade depends on, for an appeal: the columns of PROVENANCE this gradebook's schema has
    provenance: dict[str, str | None] = field(default_factory=dict)


# The columns of `grades` that say what a grade depends on, as `grade gradebook --format json` exports them
# (grading_options decoded); helpers_sha256 and grading_options are missing from older schemas.
PROVENANCE = ("submission_sha256", "helpers_sha256", "spec_sha256", "grader_version", "grading_options")


class Gradebook:
    """`create=True` (a batch): read and write, created when the first result is recorded (so a run that
    finds nothing to grade leaves no file behind). `create=False` (exports): only reads, never writes or
    creates a file, so a read-only file or folder works."""

    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        self.create = create
        self.db: sqlite3.Connection | None = None
        self._seen: tuple | None = None  # the file's state when opened immutable (see _read_only_uri)
        if not create and not self.path.exists():
            raise GradebookError(f"{self.path}: no such gradebook (run `grade batch` first, or pass --db)")
        if self.path.exists() and not self.path.is_file():
            raise GradebookError(f"{self.path}: is not a file; --db takes the gradebook's file name")
        if create and not self.path.parent.resolve().is_dir():
            raise GradebookError(f"{self.path}: its folder {self.path.parent} does not exist")
        if create and not self.path.exists():
            if reason := _not_writable(self.path):
                raise GradebookError(reason)
            return
        self._connect()

    def _connect(self) -> sqlite3.Connection:
        if self.db is not None:
            return self.db
        try:
            if self.create:
                self.db = sqlite3.connect(self.path, isolation_level=None, timeout=LOCK_WAIT, check_same_thread=False)
            else:
                uri, self._seen = _read_only_uri(self.path)
                self.db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=LOCK_WAIT,
                                          check_same_thread=False)
            self._open(self.create)
        except sqlite3.DatabaseError as error:
            self.close()
            raise GradebookError(_describe(self.path, error, self.create)) from None
        except GradebookError:
            self.close()
            raise
        return self.db

    def _open(self, create: bool) -> None:
        self.db.execute("PRAGMA foreign_keys = ON")
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_version" in tables:
            row = self.db.execute("SELECT max(version) FROM schema_version").fetchone()
            version = row[0] if row else None
            if version is not None and version > SCHEMA_VERSION:
                raise GradebookError(f"{self.path}: written by a newer grader (gradebook schema {version}; this "
                                     f"grader reads schema {SCHEMA_VERSION} and older): upgrade nn-grader")
        elif tables:
            raise GradebookError(f"{self.path}: an SQLite file but not a gradebook (no schema_version table)")
        if not create:
            if "grades" not in tables:
                raise GradebookError(f"{self.path}: an empty gradebook (nothing graded yet)")
            return
        if reason := _not_writable(self.path):
            raise GradebookError(reason)
        _retrying_locked(self.db, "PRAGMA journal_mode = WAL", self.path)
        self.db.execute("PRAGMA synchronous = NORMAL")
        with self.transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            versions = [r[0] for r in self.db.execute("SELECT version FROM schema_version")]
            if not versions:
                self.db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            elif max(versions) < SCHEMA_VERSION:
                self._upgrade()

    def _upgrade(self) -> None:
        """Schema 1 -> 2: grades.grading_options (NULL in the old rows, so the next run grades them again) and
        part_scores.failure; 2 -> 3: grades.helpers_sha256 (NULL likewise)."""
        for table, column in (("grades", "grading_options"), ("part_scores", "failure"),
                              ("grades", "helpers_sha256")):
            if column not in {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
        self.db.execute("DELETE FROM schema_version")
        self.db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))

    def transaction(self):
        return _Transaction(self._connect(), self.path)

    def close(self) -> None:
        """Close; a writer leaves the file in rollback-journal mode when no one else has it open, so the
        gradebook at rest is one file that an export can read anywhere without creating a -shm beside it."""
        if self.db is None:
            return
        if self.create:
            try:
                self.db.execute("PRAGMA busy_timeout = 0")  # another batch still writing: leave WAL to it
                self.db.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.DatabaseError:
                pass
        self.db.close()
        self.db = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self, query: str, args: tuple = ()) -> list[tuple]:
        """All rows of a query; a read of a file opened immutable is done again normally when the file changed
        meanwhile (a batch started writing), as an immutable read could then be torn."""
        try:
            rows = self._connect().execute(query, args).fetchall()
            if self._seen is not None and _file_state(self.path) != self._seen:
                self.close()
                self.db = sqlite3.connect(f"{_file_uri(self.path)}?mode=ro", uri=True, isolation_level=None,
                                          timeout=LOCK_WAIT, check_same_thread=False)
                self._seen = None
                rows = self.db.execute(query, args).fetchall()
        except sqlite3.DatabaseError as error:
            raise GradebookError(_describe(self.path, error, self.create)) from None
        return rows

    def stamps(self, exercise: str) -> dict[str, tuple[Stamp, str, int]]:
        """student -> (stamp, status, retry) of what the gradebook holds for this exercise."""
        if self.db is None and not self.path.exists():
            return {}  # not created yet
        rows = self._read("SELECT student, submission_sha256, helpers_sha256, spec_sha256, grader_version, "
                          "grading_options, status, retry FROM grades WHERE exercise = ?", (exercise,))
        return {r[0]: (Stamp(r[1], r[2], r[3], r[4], r[5]), r[6], r[7]) for r in rows}

    def submissions(self, exercise: str) -> dict[str, str]:
        """student -> the submission their row was graded from (as it was shown then), for this exercise. One
        query, without an IN list that grows with the class (SQLite before 3.32 allows 999 variables)."""
        if self.db is None and not self.path.exists():
            return {}
        rows = self._read("SELECT student, submission FROM grades WHERE exercise = ?", (exercise,))
        return {student: submission for student, submission in rows if submission}

    def passed_over(self, exercise: str) -> dict[str, list[str]]:
        """student -> the files their row names as also found, for this exercise (rows that name some)."""
        if self.db is None and not self.path.exists():
            return {}
        rows = self._read("SELECT student, passed_over FROM grades WHERE exercise = ? AND passed_over != '[]'",
                          (exercise,))
        return {student: json.loads(files) for student, files in rows if files}

    def record(self, student: str, exercise: str, stamp: Stamp, submission: str | None, passed_over: list[str],
               report: dict | None = None, text: str | None = None, error: str | None = None,
               retry: bool = False, failures: dict[str, str] | None = None) -> None:
        """Replace the student's row (and its parts, mistakes and notes) in one transaction. `failures`: part
        id -> why its calls returned nothing to check (timeout, crash, ...; batch.slots.part_failures)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        # SQLite takes UTF-8 only: a name that is not (a bad byte read as a surrogate) is stored escaped, as
        # discovery names its student (staff review 4, S1)
        student, submission, error, text = (valid(v) if v is not None else None for v in (student, submission,
                                                                                        error, text))
        passed_over, report, failures = valid_data(passed_over), valid_data(report), valid_data(failures)
        with self.transaction():
            self.db.execute("DELETE FROM grades WHERE student = ? AND exercise = ?", (student, exercise))
            graded = report is not None
            self.db.execute(
                "INSERT INTO grades (student, exercise, status, score, max_score, error, retry, submission, "
                "passed_over, submission_sha256, helpers_sha256, spec_sha256, grader_version, grading_options, "
                "graded_at, report_json, report_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (student, exercise, "graded" if graded else "error", report["score"] if graded else None,
                 report["max_score"] if graded else None, error, int(retry), submission, json.dumps(passed_over),
                 stamp.submission_sha256, stamp.helpers_sha256, stamp.spec_sha256, stamp.grader_version,
                 stamp.options, now,
                 json.dumps(report, ensure_ascii=False) if graded else None, text))
            if not graded:
                return
            for position, part in enumerate(report["parts"]):
                self.db.execute("INSERT INTO part_scores (student, exercise, part, position, score, max_score, "
                                "passed, failure) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (student, exercise, part["id"], position, part["score"], part["max_score"],
                                 int(part["passed"]), (failures or {}).get(part["id"])))
                for mistake in dict.fromkeys(m["id"] for m in part["mistakes"]):
                    self.db.execute("INSERT INTO mistakes VALUES (?, ?, ?, ?)",
                                    (student, exercise, part["id"], mistake))
            for note in report["notes"]:
                self.db.execute("INSERT INTO notes VALUES (?, ?, ?, ?)",
                                (student, exercise, note["id"], note["message"]))

    def remove(self, students: list[str], exercise: str | None = None) -> list[tuple[str, str]]:
        """Delete these students' rows (of `exercise` only, when given) in one transaction; returns the
        (student, exercise) rows deleted. Nothing is deleted unless every student has a row: a mistyped name
        must not leave the others half done."""
        where = " AND exercise = ?" if exercise else ""
        with self.transaction():
            found, missing = [], []
            for student in dict.fromkeys(students):
                # as typed, and composed as `grade batch` records ids (a name pasted from a macOS folder is not)
                rows = self.db.execute(f"SELECT student, exercise FROM grades WHERE student IN (?, ?){where} "
                                       "ORDER BY exercise", (student, unicodedata.normalize("NFC", student),
                                                             *([exercise] if exercise else []))).fetchall()
                found += [row for row in rows if row not in found]
                missing += [student] * (not rows)
            if missing:
                names = ", ".join(repr(name) for name in missing)
                raise GradebookError(f"{self.path}: no grades for {names}" + (f" in exercise '{exercise}'" if
                                     exercise else "") + "; nothing was removed (`grade gradebook` lists the "
                                     "students as the gradebook names them)")
            self.db.executemany("DELETE FROM grades WHERE student = ? AND exercise = ?", found)
        return found

    def entries(self, exercise: str | None = None) -> list[Entry]:
        columns = {r[1] for r in self._read("PRAGMA table_info(grades)")}
        kept = [c for c in PROVENANCE if c in columns]
        query = ("SELECT student, exercise, status, score, max_score, error, submission, passed_over, graded_at, "
                 f"report_json, report_text{''.join(', ' + c for c in kept)} FROM grades")
        rows = self._read(query + (" WHERE exercise = ?" if exercise else "") + " ORDER BY exercise, student",
                          (exercise,) if exercise else ())
        failures: dict[tuple[str, str], dict[str, str]] = {}
        if "failure" in {r[1] for r in self._read("PRAGMA table_info(part_scores)")}:  # not in schema 1
            for student, exercise_id, part, failure in self._read(
                    "SELECT student, exercise, part, failure FROM part_scores WHERE failure IS NOT NULL "
                    "ORDER BY student, exercise, position"):
                failures.setdefault((student, exercise_id), {})[part] = failure
        return [Entry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8],
                      json.loads(r[9]) if r[9] else None, r[10], failures.get((r[0], r[1]), {}),
                      _provenance(dict(zip(kept, r[11:], strict=True))))
                for r in sorted(rows, key=lambda r: (r[1], name_order(r[0])))]

    def with_note(self, exercise: str, note_id: str) -> set[str]:
        """The students whose row of this exercise holds a note of this id."""
        if self.db is None and not self.path.exists():
            return set()
        return {r[0] for r in self._read("SELECT DISTINCT student FROM notes WHERE exercise = ? AND note = ?",
                                         (exercise, note_id))}

    def exercises(self) -> list[str]:
        return [r[0] for r in self._read("SELECT DISTINCT exercise FROM grades ORDER BY exercise")]


def name_order(student: str) -> tuple[str, str]:
    """The key students are listed by: casefolded and without accents, so "abe", "Élodie Marchand_3302" and "Zoe
    Brandt_3301" come in that order, as a person reads them (accept14, A5: by code point, Moodle's capitalised ids
    came first and accented names last); the id itself breaks ties."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", student) if not unicodedata.combining(c))
    return plain.casefold().translate(_UNDECOMPOSED), student


# letters NFKD leaves whole (no accent to strip), as their readers alphabetise them (review 23, Q5: Øyvind and
# Łukasz came after zhu)
_UNDECOMPOSED = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŀ": "l", "þ": "th",
                               "æ": "ae", "œ": "oe"})


LOCK_WAIT = 120.0  # seconds a writer waits for another batch writing the same gradebook


def _retrying_locked(db: sqlite3.Connection, statement: str, path: Path) -> None:
    """Execute `statement`, waiting while another process holds the gradebook. SQLite's own busy timeout does
    not cover every case: when waiting could deadlock it answers "locked" at once, and the other writer is
    done a moment later; so "locked" is retried, with a pause, until LOCK_WAIT has passed."""
    deadline = time.monotonic() + LOCK_WAIT
    pause = 0.01
    while True:
        try:
            db.execute(statement)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + pause > deadline:
                raise GradebookError(_describe(path, error)) from None
        except sqlite3.DatabaseError as error:
            raise GradebookError(_describe(path, error)) from None
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (so a half-written row never stays)."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db, self.path = db, path

    def __enter__(self):
        _retrying_locked(self.db, "BEGIN IMMEDIATE", self.path)

    def __exit__(self, kind, error, trace):
        if kind is None:
            try:
                self.db.execute("COMMIT")
                return False
            except sqlite3.DatabaseError as commit_error:
                self._rollback()
                raise GradebookError(_describe(self.path, commit_error)) from None
        self._rollback()
        if isinstance(error, sqlite3.DatabaseError):
            raise GradebookError(_describe(self.path, error)) from None
        return False


    def _rollback(self) -> None:
        """ROLLBACK unless SQLite has already rolled back itself (a full disk does: a second ROLLBACK then fails,
        'no transaction is active', and that error hid the real one; staff review 2, S3)."""
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")


def _can_write(path: Path) -> bool:
    """False for a file or folder without write bits even for root (who may write anyway): that is the owner's
    intent."""
    return bool(path.stat().st_mode & 0o222) and os.access(path, os.W_OK)


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _not_writable(path: Path) -> str | None:
    """Why a batch cannot write the gradebook (naming the file or folder at fault), or None."""
    folder = path.resolve().parent
    if path.exists() and not _can_write(path):
        return f"{path}: cannot be written (read-only); pass --db with a writable file"
    if not (_can_write(folder) and os.access(folder, os.X_OK)):
        return (f"{path}: cannot be written: its folder {folder} is read-only (SQLite writes its journal beside "
                f"the gradebook); pass --db with a file in a writable folder")
    for suffix in ("-wal", "-shm"):
        side = _beside(path, suffix)
        if side.exists() and not _can_write(side):
            return (f"{path}: cannot be written: {side.name} beside it is read-only (left by an earlier reader); "
                    f"make it writable, or delete it when no grade command is using the gradebook")
    return None


def _describe(path: Path, error: sqlite3.DatabaseError, writing: bool = True) -> str:
    text = str(error)
    if "readonly" in text or "read-only" in text:
        if writing:
            return _not_writable(path) or f"{path}: cannot be written ({text}); pass --db with a writable file"
        return f"{path}: cannot be read without writing beside it ({text}); its folder or -wal/-shm are read-only"
    if "full" in text:
        return (f"{path}: the disk is full ({text}); what was recorded before is kept: free some space and run "
                f"the same command again")
    if "locked" in text or "busy" in text:
        return f"{path}: locked by another process for more than {LOCK_WAIT:.0f} s; try again when it has finished"
    if "not a database" in text or "malformed" in text:
        return f"{path}: not an SQLite gradebook ({text})"
    if "unable to open" in text:
        return f"{path}: cannot be opened ({text}); check the folder exists and is writable"
    return f"{path}: gradebook error ({text})"


def _file_uri(path: Path) -> str:
    return path.resolve().as_uri()  # percent-encoded: a '?' or '#' in a folder name stays part of the path


def _file_state(path: Path) -> tuple:
    """What changes when anyone writes the gradebook: the file itself, and its -wal and -journal files."""
    def state(file: Path):
        try:
            info = file.stat()
        except OSError:
            return None
        return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns

    return state(path), state(_beside(path, "-wal")), state(_beside(path, "-journal"))


def _read_only_uri(path: Path) -> tuple[str, tuple | None]:
    """How an export opens the gradebook without writing anything (and so in a read-only folder too).

    A gradebook in rollback-journal mode (how a batch leaves it) opens with mode=ro. One still in WAL mode
    (from an older grader, or a batch still running or killed) needs a -shm file beside it, which SQLite
    would create, read-only when the gradebook is, and leave behind. When it has no -wal file, the main file
    holds every grade, so it is opened immutable (no -shm) and the file's state is returned, for `_read` to
    check that no batch wrote meanwhile. With a -wal file, mode=ro (which reads the -wal; SQLite manages a
    read-only -shm, or creates one beside the -wal the writer made)."""
    uri = _file_uri(path)
    try:
        with path.open("rb") as file:
            header = file.read(20)
        wal_file = _beside(path, "-wal")
        has_wal = wal_file.exists() and wal_file.stat().st_size > 0
    except OSError:
        return f"{uri}?mode=ro", None  # SQLite says why it cannot be read
    if len(header) == 20 and header[:16] == SQLITE_HEADER and header[18] == 2 and not has_wal:
        return f"{uri}?immutable=1", _file_state(path)
    return f"{uri}?mode=ro", None


# ---- exports ---------------------------------------------------------------------------------

def part_ids(entries: list[Entry]) -> list[str]:
    """Every part id of the graded entries, in the exercise's order (first seen first)."""
    ids: dict[str, None] = {}
    for entry in entries:
        for part in (entry.report or {}).get("parts", []):
            ids.setdefault(part["id"], None)
    return list(ids)


def mistake_ids(report: dict | None) -> list[str]:
    return list(dict.fromkeys(m["id"] for p in (report or {}).get("parts", []) for m in p["mistakes"]))


def note_ids(report: dict | None) -> list[str]:
    return list(dict.fromkeys(n["id"] for n in (report or {}).get("notes", [])))


def failure_ids(failures: dict[str, str]) -> list[str]:
    """`kind:part,part` per kind, in the parts' order: `timeout:cost,gradient not_run:regularized_cost`."""
    parts_by_kind: dict[str, list[str]] = {}
    for part, kind in failures.items():
        parts_by_kind.setdefault(kind, []).append(part)
    return [f"{kind}:{','.join(parts)}" for kind, parts in parts_by_kind.items()]


def csv_rows(entries: list[Entry]) -> list[list]:
    """student, exercise, score, max_score, one column per part id, mistakes, notes (header first).

    A submission that could not be graded has empty scores and its reason in `notes`. A part whose calls
    returned nothing to check (a timeout, a crash, ...) is named in `notes` before the note ids
    (`failure_ids`), so the students whose code timed out or crashed can be found in the export. A 0-point
    part's column says `passed` or `failed` (`_part_cell`).
    """
    parts = part_ids(entries)
    rows: list[list] = [["student", "exercise", "score", "max_score", *parts, "mistakes", "notes"]]
    for entry in entries:
        if entry.report is None:
            rows.append([entry.student, entry.exercise, "", "", *([""] * len(parts)), "",
                         f"could not grade: {entry.error}"])
            continue
        scores = {p["id"]: _part_cell(p) for p in entry.report["parts"]}
        rows.append([entry.student, entry.exercise, entry.score, entry.max_score,
                     *(scores.get(p, "") for p in parts), " ".join(mistake_ids(entry.report)),
                     " ".join(failure_ids(entry.failures) + note_ids(entry.report))])
    return rows


def _part_cell(part: dict):
    """A part's score; for a part of 0 points (the training, which the course scores 0), `passed` or `failed`:
    its score, always 0, said nothing of a training that passed and one that failed (staff review 4, S16)."""
    if part.get("max_score") == 0:
        return "passed" if part.get("passed") else "failed"
    return part["score"]


def as_json_list(entries: list[Entry]) -> list[dict]:
    return [{"student": e.student, "exercise": e.exercise, "status": e.status, "score": e.score,
             "max_score": e.max_score, "submission": e.submission, "passed_over": e.passed_over,
             "graded_at": e.graded_at, "error": e.error, "failures": e.failures, "provenance": e.provenance,
             "report": e.report}
            for e in entries]


def _provenance(columns: dict) -> dict:
    """The provenance columns of a row, grading_options as the object it holds."""
    if columns.get("grading_options"):
        try:
            columns["grading_options"] = json.loads(columns["grading_options"])
        except ValueError:
            pass
    return columns
