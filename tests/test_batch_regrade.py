"""What decides that `grade batch` keeps a grade (the stamp, the grading options, --regrade, schema 1
gradebooks), and that exports only read the gradebook; all through the CLI."""

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, grade_json, run_cli
from .test_batch import RIGHT, _put, _rows

# The course's solution, except that its first call of nn_cost_function in a worker sleeps 1.5 s: it times
# out with --timeout 0.5 and gets full marks with --timeout 5.
SLOW_ONCE = RIGHT.read_text() + '''

import time as _time

_right_cost = nn_cost_function
_first_call = [True]


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    if _first_call:
        _first_call.pop()
        _time.sleep(1.5)
    return _right_cost(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
'''


def _batch(*args: str):
    return run_cli("batch", *args)


def _summary(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_a_rerun_with_other_grading_options_grades_again(tmp_path):
    """FAIL 4 of the acceptance run: a grade made with a short --timeout is not kept when the instructor
    runs again with a longer one; the gradebook then equals a lone grade with that --timeout."""
    slow = tmp_path / "class" / "slowpoke" / "ex5.py"
    slow.parent.mkdir(parents=True)
    slow.write_text(SLOW_ONCE)
    _put(tmp_path / "class" / "ann" / "ex5.py", RIGHT)
    db = str(tmp_path / "g.sqlite")
    folder = str(tmp_path / "class")

    first = _batch(folder, "-e", "ex5", "--db", db, "--timeout", "0.5")
    assert first.exit_code == 0, first.output
    assert int(_rows(Path(db))["slowpoke"]["score"]) < 100
    same = _batch(folder, "-e", "ex5", "--db", db, "--timeout", "0.5")
    assert "0 graded, 2 skipped (unchanged)" in _summary(same)

    longer = _batch(folder, "-e", "ex5", "--db", db, "--timeout", "5")
    assert longer.exit_code == 0, longer.output
    assert "2 graded, 0 skipped (unchanged)" in _summary(longer)
    lone, _ = grade_json(slow, "--exercise", "ex5", "--timeout", "5")
    assert lone["score"] == 100
    assert int(_rows(Path(db))["slowpoke"]["score"]) == lone["score"]

    for options, summary in ((["--timeout", "5"], "0 graded, 2 skipped"),
                             (["--timeout", "5", "--memory", "1024"], "2 graded, 0 skipped"),
                             (["--timeout", "5", "--memory", "1024"], "0 graded, 2 skipped"),
                             (["--timeout", "5", "--memory", "1024", "--speed-notes"], "2 graded, 0 skipped")):
        result = _batch(folder, "-e", "ex5", "--db", db, *options)
        assert result.exit_code == 0, result.output
        assert summary in _summary(result), (options, result.stderr)
    with sqlite3.connect(db) as connection:
        stored = connection.execute("SELECT DISTINCT grading_options FROM grades").fetchall()
    connection.close()
    assert len(stored) == 1 and '"timeout": 5.0' in stored[0][0] and '"memory_mb": 1024' in stored[0][0]
    assert '"speed_notes": true' in stored[0][0]


def test_a_rerun_by_a_grader_whose_code_changed_grades_again(tmp_path):
    """The gradebook's grader_version is the build (grader/build.py: the version and a digest of the code):
    __version__ stays 0.1.0 between releases, so a grader whose grading code changed kept every old grade.
    Here the second run imports a copy of the grader with one line added."""
    _put(tmp_path / "class" / "ann" / "ex5.py", RIGHT)
    db, folder = str(tmp_path / "g.sqlite"), str(tmp_path / "class")
    assert _batch(folder, "-e", "ex5", "--db", db).exit_code == 0
    copy = tmp_path / "other"
    shutil.copytree(ROOT / "grader", copy / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "grader" / "report.py").open("a") as report:
        report.write("# one more line: another build\n")
    env = {**os.environ, "PYTHONPATH": str(copy)}
    spec = str(ROOT / "exercises" / "ex5.yaml")  # the copy has no exercises beside it; the same spec file
    again = subprocess.run([sys.executable, "-m", "grader", "batch", folder, "-e", spec, "--db", db],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip().splitlines()[-1].startswith("1 graded, 0 skipped (unchanged)"), again.stderr
    with sqlite3.connect(db) as connection:
        [(version,)] = connection.execute("SELECT grader_version FROM grades").fetchall()
    connection.close()
    assert version.startswith("0.1.0+") and version != __import__("grader.build").build.build_id()


def test_regrade_grades_everything_found_again(tmp_path):
    folder = tmp_path / "class"
    _put(folder / "ann" / "ex5.py", RIGHT)
    _put(folder / "bo" / "ex5.py", ROOT / "tests" / "submissions" / "ex5" / "two_mistakes.py")
    db = str(tmp_path / "g.sqlite")
    assert _batch(str(folder), "-e", "ex5", "--db", db).exit_code == 0
    before = _rows(Path(db))
    again = _batch(str(folder), "-e", "ex5", "--db", db, "--regrade")
    assert again.exit_code == 0, again.output
    assert "2 graded, 0 skipped (unchanged), 0 could not grade" in _summary(again)
    assert _rows(Path(db)) == before
    assert "--regrade" in run_cli("batch", "--help").stdout
    assert "0 graded, 2 skipped" in _summary(_batch(str(folder), "-e", "ex5", "--db", db))


def _as_schema_1(db: Path) -> None:
    """Turn a gradebook into what the grader of schema 1 wrote (no grading_options column; WAL at rest)."""
    with sqlite3.connect(db) as connection:
        connection.execute("ALTER TABLE grades DROP COLUMN grading_options")
        connection.execute("ALTER TABLE part_scores DROP COLUMN failure")
        connection.execute("ALTER TABLE grades DROP COLUMN helpers_sha256")
        connection.execute("UPDATE schema_version SET version = 1")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.close()


def test_a_schema_1_gradebook_is_read_then_upgraded_and_graded_again(tmp_path):
    folder = tmp_path / "class"
    _put(folder / "ann" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folder), "-e", "ex5", "--db", str(db)).exit_code == 0
    _as_schema_1(db)
    old = db.read_bytes()

    exported = run_cli("gradebook", "--db", str(db))
    assert exported.exit_code == 0, exported.output
    assert _rows(db)["ann"]["score"] == "100"
    assert db.read_bytes() == old and sorted(p.name for p in tmp_path.iterdir()) == ["class", "g.sqlite"]

    upgraded = _batch(str(folder), "-e", "ex5", "--db", str(db))
    assert upgraded.exit_code == 0, upgraded.output
    assert "1 graded, 0 skipped" in _summary(upgraded)  # its row has no options: graded again
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(3,)]
        assert connection.execute("SELECT helpers_sha256 FROM grades").fetchone()[0] is not None
        assert connection.execute("SELECT grading_options FROM grades").fetchone()[0] is not None
        assert connection.execute("SELECT count(*) FROM part_scores WHERE failure IS NULL").fetchone()[0] == 5
    connection.close()
    assert "0 graded, 1 skipped" in _summary(_batch(str(folder), "-e", "ex5", "--db", str(db)))
    assert _rows(db)["ann"]["score"] == "100"


def test_nothing_to_grade_creates_no_gradebook(tmp_path):
    db = tmp_path / "x.sqlite"
    missing = _batch(str(tmp_path / "nowhere"), "-e", "ex5", "--db", str(db))
    assert missing.exit_code == 2 and "nowhere: no such file or folder" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = _batch(str(tmp_path / "empty"), "-e", "ex5", "--db", str(db))
    assert empty.exit_code == 2 and "no submissions found" in empty.stderr
    assert not db.exists()
    help_text = run_cli("batch", "--help").stdout
    assert "130" in help_text and "nothing gradable" in help_text


def _listing(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mode for p in folder.iterdir()}


def _one_student_graded(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A class of one (ann, right) graded into books/g.sqlite: (the class folder, books/, the gradebook)."""
    folder = tmp_path / "class"
    _put(folder / "ann" / "ex5.py", RIGHT)
    books = tmp_path / "books"
    books.mkdir()
    db = books / "g.sqlite"
    assert _batch(str(folder), "-e", "ex5", "--db", str(db)).exit_code == 0
    return folder, books, db


def test_exports_create_nothing_beside_the_gradebook(tmp_path):
    """FAIL 8: an export from a read-only gradebook left a read-only -shm behind, after which a batch on the
    (again writable) gradebook said it was read-only. Exports only read, whatever the journal mode."""
    folder, books, db = _one_student_graded(tmp_path)
    assert sorted(_listing(books)) == ["g.sqlite"]  # a batch leaves one file
    for journal in ("DELETE", "WAL"):  # as a batch leaves it now, and as the schema-1 grader left it
        connection = sqlite3.connect(db)
        connection.execute(f"PRAGMA journal_mode = {journal}")
        connection.close()
        db.chmod(0o444)
        before = _listing(books)
        for args in (["gradebook", "--db", str(db)], ["gradebook", "--db", str(db), "--format", "json"],
                     ["class-report", "--db", str(db), "-o", str(tmp_path / "r.html")]):
            result = run_cli(*args)
            assert result.exit_code == 0, (journal, args, result.output)
            assert _listing(books) == before, (journal, args)
        db.chmod(0o644)
        again = _batch(str(folder), "-e", "ex5", "--db", str(db))
        assert again.exit_code == 0, again.output
        assert "0 graded, 1 skipped" in _summary(again)


def test_a_batch_names_the_read_only_file_beside_the_gradebook(tmp_path):
    folder = tmp_path / "class"
    _put(folder / "ann" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folder), "-e", "ex5", "--db", str(db)).exit_code == 0
    left = tmp_path / "g.sqlite-shm"
    left.write_bytes(b"")
    left.chmod(0o444)
    result = _batch(str(folder), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2
    assert "g.sqlite: cannot be written: g.sqlite-shm beside it is read-only" in result.stderr
    assert "Traceback" not in result.output


def test_exports_from_a_read_only_folder(tmp_path):
    """As a user who cannot write the folder (root without CAP_DAC_OVERRIDE): exporting works and writes
    nothing, and a batch there says the folder is what is read-only."""
    folder, books, db = _one_student_graded(tmp_path)
    _as_schema_1(db)  # the hardest case: WAL at rest, which needs a -shm unless opened immutable
    books.chmod(0o555)
    try:
        def grade(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                                   "--bounding-set=-dac_override,-dac_read_search",
                                   sys.executable, "-m", "grader", *args], cwd=tmp_path, capture_output=True,
                                  text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})

        exported = grade("gradebook", "--db", str(db))
        assert exported.returncode == 0, exported.stderr
        rows = list(csv.DictReader(io.StringIO(exported.stdout)))
        assert [(r["student"], r["score"]) for r in rows] == [("ann", "100")]
        assert sorted(_listing(books)) == ["g.sqlite"]
        batch = grade("batch", str(folder), "-e", "ex5", "--db", str(db), "--quiet")
        assert batch.returncode == 2
        assert "cannot be written: its folder" in batch.stderr and "is read-only" in batch.stderr
        assert "Traceback" not in batch.stderr
    finally:
        books.chmod(0o755)


def test_the_exports_name_the_parts_that_timed_out_or_crashed(tmp_path):
    """The acceptance run's smaller observation: a timed-out or crashed student's CSV row had empty mistakes
    and notes. The notes column now names each such part by kind, and the JSON export has them too."""
    folder = tmp_path / "class"
    _put(folder / "ivan" / "ex5.py", ROOT / "tests" / "hostile" / "busy_loop.py")
    _put(folder / "niaj" / "ex5.py", ROOT / "tests" / "submissions" / "ex5" / "crashes.py")
    _put(folder / "frank" / "ex5.py", ROOT / "tests" / "submissions" / "ex5" / "missing_function.py")
    _put(folder / "ann" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folder), "-e", "ex5", "--db", str(db), "--timeout", "1")
    assert result.exit_code == 0, result.output
    rows = _rows(db)
    assert rows["ivan"]["notes"].split() == ["timeout:cost,gradient", "not_run:regularized_cost,regularized_gradient"]
    assert rows["niaj"]["notes"].split()[0] == "crash:cost,regularized_cost,gradient,regularized_gradient"
    assert rows["frank"]["notes"].split()[0] == "missing:cost,regularized_cost,gradient,regularized_gradient"
    assert rows["ann"]["notes"] == "" and rows["ann"]["score"] == "100"
    for student in ("ivan", "niaj", "frank"):
        assert rows[student]["sigmoid_gradient"] == "5" and rows[student]["cost"] == "0"
    exported = {e["student"]: e for e in json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)}
    assert exported["ivan"]["failures"] == {"cost": "timeout", "regularized_cost": "not_run",
                                            "gradient": "timeout", "regularized_gradient": "not_run"}
    assert exported["ann"]["failures"] == {}
    lone, _ = grade_json(folder / "ivan" / "ex5.py", "--exercise", "ex5", "--timeout", "1")
    assert "did not finish within 1 s" in lone["parts"][0]["feedback"]
    assert lone["score"] == int(rows["ivan"]["score"])


def test_a_change_to_a_file_the_submission_imports_grades_it_again(tmp_path):
    """Staff review S15: a rerun after only the student's helper module changed (frank/nnhelpers.py, which
    frank/ex5.py imports), or only a Canvas student's uploaded utils.py, grades that student again, and the
    gradebook then says what a lone grade of the files says; the others are skipped. A file beside a flat
    submission that is not copied beside it (another student's) changes nothing."""
    folder = tmp_path / "class"
    helper = "import numpy as np\n\n\ndef sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n"
    _put(folder / "frank" / "ex5.py", ROOT / "tests" / "submissions" / "ex5" / "uses_utils.py")
    (folder / "frank" / "utils.py").write_text(helper)
    _put(folder / "ann" / "ex5.py", RIGHT)
    canvas = tmp_path / "canvas"
    _put(canvas / "kimann_10003_50004_ex5.py", ROOT / "tests" / "submissions" / "ex5" / "uses_utils.py")
    (canvas / "kimann_10003_50005_utils.py").write_text(helper)
    _put(canvas / "leebob_10004_50006_ex5.py", RIGHT)
    db = str(tmp_path / "g.sqlite")
    first = _batch(str(folder), str(canvas), "-e", "ex5", "--db", db)
    assert first.exit_code == 0, first.output
    assert {s: r["score"] for s, r in _rows(Path(db)).items()} == \
        {"ann": "100", "frank": "100", "kimann_10003": "100", "leebob_10004": "100"}
    assert "0 graded, 4 skipped" in _summary(_batch(str(folder), str(canvas), "-e", "ex5", "--db", db))

    broken = helper.replace("1.0 / (1.0 + np.exp(-z))", "np.exp(-z)")
    (folder / "frank" / "utils.py").write_text(broken)
    (canvas / "kimann_10003_50005_utils.py").write_text(broken)
    again = _batch(str(folder), str(canvas), "-e", "ex5", "--db", db)
    assert again.exit_code == 0, again.output
    assert "2 graded, 2 skipped" in _summary(again)
    lone, _ = grade_json(folder / "frank" / "ex5.py", "--exercise", "ex5")
    rows = _rows(Path(db))
    assert rows["frank"]["score"] == rows["kimann_10003"]["score"] == str(lone["score"]) != "100"


def test_a_locked_gradebook_is_said_after_the_wait_the_line_names(tmp_path, monkeypatch):
    """Staff review S13: a gradebook another process holds locked made the export give up after SQLite's own
    30 s while its line said "more than 120 s". Every wait is now LOCK_WAIT, the one the line names (made
    short here)."""
    from grader import gradebook

    folder = tmp_path / "class"
    _put(folder / "ann" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folder), "-e", "ex5", "--db", str(db)).exit_code == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(gradebook, "LOCK_WAIT", 1.0)
    waits, connect = [], sqlite3.connect

    def connect_noting_the_wait(*args, **kwargs):
        waits.append(kwargs.get("timeout"))
        return connect(*args, **kwargs)

    monkeypatch.setattr(gradebook.sqlite3, "connect", connect_noting_the_wait)
    try:
        for command in (("gradebook", "--db", str(db)), ("batch", str(folder), "-e", "ex5", "--db", str(db))):
            result = run_cli(*command)
            assert result.exit_code == 2, result.output
            assert f"{db}: locked by another process for more than 1 s" in result.stderr, result.output
        assert waits and set(waits) == {1.0}, waits  # SQLite's own wait is the one the line names, not 30 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_class_graded_in_halves_with_two_versions_of_the_spec_is_pointed_out(tmp_path):
    """Staff review 2, S2: one half graded with ex5, the other with an edited copy of its spec (same id), into one
    gradebook: the CSV got both versions' columns half empty and the class report a mean over two maximums,
    with no word. The second batch now says which rows were graded with another version; a rerun of the whole
    class with one spec regrades them all and says nothing."""
    halves = tmp_path / "h1", tmp_path / "h2"
    for half, students in zip(halves, (("ann", "bo"), ("cy",)), strict=True):
        for student in students:
            _put(half / student / "ex5.py", RIGHT)
    edited = tmp_path / "spec" / "ex5.yaml"
    edited.parent.mkdir()
    edited.write_text((ROOT / "exercises" / "ex5.yaml").read_text().replace(
        "title: Neural Network Learning", "title: Neural Network Learning (this term)", 1))
    db = str(tmp_path / "g.sqlite")
    assert _batch(str(halves[0]), "-e", "ex5", "--db", db).exit_code == 0
    second = _batch(str(halves[1]), "-e", str(edited), "--db", db)
    assert second.exit_code == 0, second.output
    assert "note: 2 other rows of this exercise in the gradebook were graded with another version of its spec " \
           "(ann, bo): the gradebook now holds grades of two versions" in second.stderr
    whole = _batch(str(halves[0]), str(halves[1]), "-e", str(edited), "--db", db)
    assert whole.exit_code == 0 and "another version" not in whole.stderr, whole.output
    assert "2 graded, 1 skipped (unchanged)" in whole.stderr


def test_a_could_not_grade_row_of_a_file_now_graded_as_its_students_is_removed(tmp_path):
    """Staff review 2, S6: under a copy of the spec without the alias ex4, alice_ex4.py told no student and was
    "could not grade" under its path; graded later with the alias, as alice's, the old row stayed beside
    hers, and the class report kept counting it. The batch now removes it and says so."""
    flat = tmp_path / "flat"
    _put(flat / "alice_ex4.py", RIGHT)
    narrow = tmp_path / "spec" / "ex5.yaml"
    narrow.parent.mkdir()
    narrow.write_text((ROOT / "exercises" / "ex5.yaml").read_text().replace(
        "aliases: [ex4, exercise4]", "aliases: [exercise4]", 1))
    db = str(tmp_path / "g.sqlite")
    first = _batch(str(flat), "-e", str(narrow), "--db", db)
    assert first.exit_code == 2 and list(_rows(Path(db))) == [f"{flat}/alice_ex4.py"], first.output
    # review 18, R15: a batch that fails before alice has a row (here: no scheduler at --dask) removes nothing
    failed = _batch(str(flat), "-e", "ex5", "--db", db, "--dask", "tcp://127.0.0.1:1", "--allow-weak-isolation")
    assert failed.exit_code == 2 and list(_rows(Path(db))) == [f"{flat}/alice_ex4.py"], failed.output
    second = _batch(str(flat), "-e", "ex5", "--db", db)
    assert second.exit_code == 0, second.output
    assert f'note: removed 1 "could not grade" row of files now graded as their students\': {flat}/alice_ex4.py' \
        in second.stderr
    assert {s: r["score"] for s, r in _rows(Path(db)).items()} == {"alice": "100"}
    assert "another version" not in second.stderr


def test_a_batch_without_the_secret_never_replaces_grades_for_credit_unless_told(tmp_path, monkeypatch):
    """Rows graded for credit (with the course's secret: their options hold its fingerprint) are not replaced by
    grades on the public cases through a rerun without the secret: refused with one line (exit 2), the rows as
    they were, even for a class that adds a student; with --regrade it grades, and says what it replaces. Rows
    of another exercise graded with a secret do not stop a batch of this one."""
    monkeypatch.delenv("GRADER_SECRET", raising=False)
    folders = tmp_path / "class"
    for student in ("ann", "ben"):
        _put(folders / student / "ex5.py", RIGHT)
    secret_file = tmp_path / "course.secret"
    secret_file.write_text("s" * 32 + "\n")
    db = tmp_path / "g.sqlite"
    graded = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db), "--secret-file", str(secret_file))
    assert graded.exit_code == 0, graded.output

    def options() -> dict[str, str | None]:
        with sqlite3.connect(db) as connection:
            rows = connection.execute("SELECT student, grading_options FROM grades WHERE exercise = 'ex5'").fetchall()
        connection.close()
        return {student: json.loads(o).get("secret") for student, o in rows}

    credit = options()
    assert all(credit.values()) and set(credit) == {"ann", "ben"}
    _put(folders / "cy" / "ex5.py", RIGHT)
    refused = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db))
    assert refused.exit_code == 2, refused.output
    lines = refused.stderr.splitlines()
    assert len(lines) == 1 and "2 rows of ex5" in lines[0] and "(ann, ben)" in lines[0] and "--regrade" in \
        lines[0], lines
    assert options() == credit
    # a late student graded alone replaces no row graded for credit: not refused (review 20, R7)
    late = tmp_path / "late" / "dora_ex5.py"
    _put(late, RIGHT)
    alone = run_cli("batch", str(late), "-e", "ex5", "--db", str(db))
    assert alone.exit_code == 0, alone.output
    assert options() == {**credit, "dora": None}
    assert run_cli("gradebook", "--db", str(db), "--remove", "dora").exit_code == 0
    other = run_cli("batch", str(folders), "-e", "ex5_mse", "--db", str(db))  # another exercise: not refused
    assert other.exit_code == 0, other.output
    again = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db), "--regrade")
    assert again.exit_code == 0, again.output
    assert "2 rows graded with the course's secret are graded again on the public cases" in again.stderr
    assert options() == dict.fromkeys(("ann", "ben", "cy"))
