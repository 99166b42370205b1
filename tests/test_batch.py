"""`grade batch`, `grade gradebook`, `grade class-report` through the CLI, on small classes built here."""

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from .conftest import ROOT, SUBMISSIONS, grade_json, run_cli

EX5 = SUBMISSIONS / "ex5"
RIGHT = ROOT / "solutions" / "ex5.py"
HOSTILE = ROOT / "tests" / "hostile"


def _put(path: Path, source: Path, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _batch(*args: str):
    return run_cli("batch", *args)


SPEED_NOTE = "slow_at_full_size"


def _batch_notes(lone_notes: list[dict]) -> list[dict]:
    """The notes a batch (without --speed-notes) gives where a lone grade gives `lone_notes`: all but the
    full-size timing note, which only a lone grade runs. Whether a lone grade gives it depends on the machine:
    a per-example loop costs 15-27x the reference's CPU time against a 30x bar, more on a busy machine, and a
    busy machine can stretch its full-size call past --timeout. A test that compared it failed at random."""
    return [n for n in lone_notes if n["id"] != SPEED_NOTE]


@pytest.fixture
def speed_note_always(monkeypatch):
    """Every lone grade that runs the full-size timing probe gets its note, as a busy machine may give it to a
    loop near the bar: a comparison with a batch that forgets the note is off there fails every time, not
    once in a hundred runs (the probe still makes its call: only the bar is 0)."""
    from grader import notes

    monkeypatch.setattr(notes, "SLOW_SECONDS", 0.0)
    monkeypatch.setattr(notes, "SLOW_FACTOR", 0.0)


def _rows(db: Path) -> dict[str, dict]:
    result = run_cli("gradebook", "--db", str(db), "--format", "csv")
    assert result.exit_code == 0, result.output
    return {row["student"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


@pytest.fixture
def mixed_class(tmp_path):
    """Both layouts: a folder per student (one with two files, the course's utils.py beside another) and
    flat files named by student, Canvas-style included."""
    folders, flat = tmp_path / "folders", tmp_path / "flat"
    _put(folders / "alice" / "ex5.py", RIGHT)
    _put(folders / "bob" / "ex5.py", RIGHT, mtime=1_000_000)  # older: must not be the one graded
    _put(folders / "bob" / "ex5_v2.py", EX5 / "extra_output_derivative.py", mtime=2_000_000)
    _put(folders / "carol" / "ex5.py", EX5 / "uses_utils.py")
    _put(folders / "carol" / "utils.py", EX5 / "utils.py")
    _put(flat / "dave_ex5.py", EX5 / "two_mistakes.py")
    _put(flat / "ex5_erin.py", EX5 / "crashes.py")
    _put(flat / "lastfirst_12345_67890_ex5.py", EX5 / "missing_hidden_derivative.py")
    expected = {"alice": RIGHT, "bob": EX5 / "extra_output_derivative.py", "carol": folders / "carol" / "ex5.py",
                "dave": EX5 / "two_mistakes.py", "erin": EX5 / "crashes.py",
                "lastfirst_12345": EX5 / "missing_hidden_derivative.py"}
    return tmp_path, [folders, flat], expected


def test_batch_grades_both_layouts_like_lone_grade(mixed_class):
    tmp_path, paths, expected = mixed_class
    db = tmp_path / "grades.sqlite"
    result = _batch(*map(str, paths), "--exercise", "ex5", "--db", str(db), "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "6 graded, 0 skipped (unchanged), 0 could not grade" in result.stderr
    rows = _rows(db)
    assert set(rows) == set(expected)
    for student, file in expected.items():
        lone, _ = grade_json(file, "--exercise", "ex5")
        row = rows[student]
        assert int(row["score"]) == lone["score"], student
        assert {p["id"]: str(p["score"]) for p in lone["parts"]} == {p: row[p] for p in
                                                                      ("cost", "regularized_cost", "sigmoid_gradient",
                                                                       "gradient", "regularized_gradient")}
        lone_mistakes = list(dict.fromkeys(m["id"] for p in lone["parts"] for m in p["mistakes"]))
        assert row["mistakes"].split() == lone_mistakes, student
    assert rows["bob"]["mistakes"] == "extra_output_derivative"
    assert rows["carol"]["score"] == "100"  # utils.py beside it was importable


def test_rerun_skips_unchanged_and_regrades_changed(mixed_class):
    tmp_path, paths, _ = mixed_class
    db = tmp_path / "grades.sqlite"
    assert _batch(*map(str, paths), "-e", "ex5", "--db", str(db)).exit_code == 0
    again = _batch(*map(str, paths), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0
    assert "0 graded, 6 skipped (unchanged), 0 could not grade" in again.stderr
    shutil.copyfile(RIGHT, tmp_path / "flat" / "dave_ex5.py")
    third = _batch(*map(str, paths), "-e", "ex5", "--db", str(db))
    assert "1 graded, 5 skipped (unchanged)" in third.stderr
    assert _rows(db)["dave"]["score"] == "100"


def test_newest_candidate_wins_and_the_report_says_which(mixed_class, tmp_path):
    _, paths, _ = mixed_class
    db = tmp_path / "g.sqlite"
    _batch(*map(str, paths), "-e", "ex5", "--db", str(db))
    feedback = tmp_path / "feedback"
    result = run_cli("gradebook", "--db", str(db), "--feedback", str(feedback))
    assert result.exit_code == 0, result.output
    text = (feedback / "bob.txt").read_text()
    # the feedback handed back names the student's own files only; the instructor's gradebook names each file
    # as shown, under the PATH it was found in
    assert "Graded ex5_v2.py, one of 2 files; also found: ex5.py" in text
    assert "extra_output_derivative" in text
    folder = paths[0] / "bob"
    [bob] = [e for e in json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)
             if e["student"] == "bob"]
    assert (bob["submission"], bob["passed_over"]) == (f"{folder}/ex5_v2.py", [f"{folder}/ex5.py"])
    data = json.loads((feedback / "bob.json").read_text())
    assert data["student"] == "bob" and data["score"] == 50
    assert sorted(p.name for p in feedback.iterdir() if p.name != ".nn-grader-feedback") == sorted(
        f"{s}.{k}" for s in ("alice", "bob", "carol", "dave", "erin", "lastfirst_12345") for k in ("txt", "json"))


def test_csv_columns_and_json_export(mixed_class):
    tmp_path, paths, _ = mixed_class
    db = tmp_path / "g.sqlite"
    _batch(*map(str, paths), "-e", "ex5", "--db", str(db))
    result = run_cli("gradebook", "--db", str(db), "--exercise", "ex5", "--format", "csv")
    header = result.stdout.splitlines()[0]
    assert header == ("student,exercise,score,max_score,cost,regularized_cost,sigmoid_gradient,gradient,"
                      "regularized_gradient,mistakes,notes")
    exported = json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)
    assert {e["student"]: e["score"] for e in exported}["alice"] == 100
    assert exported[0]["report"]["parts"][0]["id"] == "cost"


def test_zip_of_a_class_folder(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(RIGHT, "class/ann/ex5.py")
        zf.write(EX5 / "extra_output_derivative.py", "class/ben/ex5.py")
        zf.write(EX5 / "two_mistakes.py", "class/smithjo_111_222_ex5.py")
    db = tmp_path / "g.sqlite"
    result = _batch(str(archive), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = _rows(db)
    assert {s: r["score"] for s, r in rows.items()} == {"ann": "100", "ben": "50", "smithjo_111": "50"}
    assert rows["ben"]["mistakes"] == "extra_output_derivative"


def test_a_zip_with_utf8_names_but_no_utf8_flag_keeps_the_names(tmp_path):
    """Info-ZIP's `zip` (Linux, macOS) writes UTF-8 names without the format's UTF-8 flag: they are read as
    unzip reads them, so a zip of a class names its students as the folder does ('Carol Díaz', not mojibake)."""
    name, stand_in = "Carol Díaz", "Carol DXXaz"  # the same number of bytes in UTF-8
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(RIGHT, f"class/{stand_in}/ex5.py")
        zf.write(RIGHT, "class/ann/ex5.py")
    archive.write_bytes(archive.read_bytes().replace(stand_in.encode(), name.encode()))  # as Info-ZIP writes it
    assert not zipfile.ZipFile(archive).getinfo(f"class/{name}/ex5.py".encode().decode("cp437")).flag_bits & 0x800
    db = tmp_path / "g.sqlite"
    assert _batch(str(archive), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert set(_rows(db)) == {name, "ann"}


def test_an_archive_other_than_zip_is_named_not_read_as_a_submission(tmp_path):
    """A .tar.gz (or .7z, .rar) given as a PATH is one line saying it is not read and what to pass instead,
    not "cannot tell the student from the file name"; the other PATHs are graded."""
    _put(tmp_path / "class" / "ann" / "ex5.py", RIGHT)
    archive = tmp_path / "class.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "class", arcname="class")
    result = _batch(str(archive), str(tmp_path / "class"), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2 and "1 graded" in result.stderr
    assert _stderr_lines(result) == [f"grade: {archive}: a .tar.gz archive is not read; unpack it and pass the "
                                     f"folder, or pass a .zip"]


def test_flat_files_cannot_import_a_classmate(tmp_path):
    """A flat-layout file runs from a folder of its own: a classmate's file beside it is not importable."""
    flat = tmp_path / "flat"
    _put(flat / "ann_ex5.py", RIGHT)
    (flat / "spy_ex5.py").write_text(  # every graded function borrows a classmate's file
        "def nn_cost_function(*args):\n    import ann_ex5\n    return ann_ex5.nn_cost_function(*args)\n\n\n"
        "def sigmoid_gradient(z):\n    import ann_ex5\n    return ann_ex5.sigmoid_gradient(z)\n")
    db = tmp_path / "g.sqlite"
    _batch(str(flat), "-e", "ex5", "--db", str(db))
    rows = _rows(db)
    assert rows["ann"]["score"] == "100"
    assert rows["spy"]["score"] == "0"


def test_hostile_submissions_cost_only_their_own_grade(tmp_path):
    folders = tmp_path / "class"
    for name in ("r1", "r2", "r3", "r4"):
        _put(folders / name / "ex5.py", RIGHT)
    _put(folders / "loop" / "ex5.py", HOSTILE / "busy_loop.py")
    _put(folders / "flood" / "ex5.py", HOSTILE / "output_flood.py")
    _put(folders / "forks" / "ex5.py", HOSTILE / "fork_storm.py")
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db), "--jobs", "2", "--timeout", "2")
    assert result.exit_code == 0, result.output
    rows = _rows(db)
    for name in ("r1", "r2", "r3", "r4"):
        assert rows[name]["score"] == "100", (name, rows[name])
    # The flood's own score depends on how fast 30 MB can be printed on this machine (its own
    # timeout); what matters here is that its classmates' scores do not.
    assert rows["flood"]["score"] != ""
    assert int(rows["loop"]["score"]) < 100
    report = json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)
    loop = next(e for e in report if e["student"] == "loop")["report"]
    assert any("did not finish within 2 s" in p["feedback"] for p in loop["parts"])


def test_the_summary_counts_the_students_whose_parts_timed_out_or_crashed(tmp_path):
    """Acceptance 14, A8: "110 graded, 0 skipped (unchanged), 0 could not grade" and exit status 0 said nothing of
    the 9 students whose parts timed out or crashed; only the CSV's notes and the class report did. The summary
    counts them (graded now: a wrong answer is not one) and points to the class report."""
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    _put(folders / "bob" / "ex5.py", EX5 / "extra_output_derivative.py")
    _put(folders / "loop" / "ex5.py", HOSTILE / "busy_loop.py")
    _put(folders / "tess" / "ex5.py", EX5 / "crash_name_typo.py")
    _put(folders / "ivy" / "ex5.py", EX5 / "import_error.py")  # review 23, Q6: 0/100 from an import that fails
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db), "--timeout", "1")
    assert result.exit_code == 0, result.output
    notes = {student: row["notes"] for student, row in _rows(db).items()}
    assert "timeout:" in notes["loop"] and "crash:" in notes["tess"] and "import_error:" in notes["ivy"], notes
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith("5 graded, 0 skipped (unchanged), 0 could not grade in "), summary
    assert summary.endswith("; 3 whose code timed out, crashed or did not import: see grade class-report"), summary


def test_exit_status_and_messages_for_bad_input(tmp_path):
    db = tmp_path / "g.sqlite"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _batch(str(empty), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2
    assert "empty: no submissions found" in result.stderr
    assert "Traceback" not in result.output

    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    (folders / "nobody").mkdir()
    (folders / "nobody" / "notes.txt").write_text("no code here")
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2
    assert "class/nobody: no submission in this student's folder" in result.stderr
    assert "1 graded, 0 skipped (unchanged), 1 could not grade" in result.stderr
    assert _rows(db)["ann"]["score"] == "100"
    assert _rows(db)["nobody"]["notes"].startswith("could not grade: ")

    missing = _batch(str(tmp_path / "nowhere"), "-e", "ex5", "--db", str(db))
    assert missing.exit_code == 2 and "nowhere: no such file or folder" in missing.stderr


def _zip(path: Path, entries: list[tuple[str, bytes]], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_a_zip_over_the_total_limit_says_so(tmp_path, monkeypatch):
    """The total limit and the per-entry limit are told apart; the line says where the total was passed."""
    import importlib

    monkeypatch.setattr(importlib.import_module("grader.batch.unpack"), "MAX_TOTAL_BYTES", 3 << 20)
    noise = np.random.default_rng(0)
    archive = _zip(tmp_path / "class.zip", [(f"{name}/notes.txt", noise.bytes(1 << 20)) for name in "abcd"])
    result = _batch(str(archive), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "class.zip: refused: it would unpack to more than 3 MB (at 'd/notes.txt', 4 entries in all)" in \
        result.stderr


def test_one_students_highly_compressible_files_do_not_refuse_the_class_zip(tmp_path):
    """A notebook of one line printed a hundred thousand times (3 MB that deflate about 300-fold) and an
    8 MB .npy of zeros (about 1000-fold) are a class's files, not a bomb: the class zip is graded (acceptance
    run 9, D4: each refused the whole zip; review 16, F4: so did twenty such files once the ratio was the
    whole zip's). Only the bounds on size refuse a zip (test_unsafe_zips_are_refused_and_nothing_escapes)."""
    from tests import course

    printed = {"output_type": "stream", "name": "stdout", "text": "Cost at parameters: 0.287629\n" * 100_000}
    book = course.notebook(course.cells(), outputs={6: [printed]})
    archive = _zip(tmp_path / "class.zip", [("nora/exercise4.ipynb", book.encode()),
                                            ("otto/ex5.py", RIGHT.read_bytes()),
                                            ("otto/theta_init.npy", bytes(8 << 20))]
                   + [(f"s{n}/ex5.py", RIGHT.read_bytes()) for n in range(20)]
                   + [(f"s{n}/theta_init.npy", bytes(900 << 10)) for n in range(20)])
    sizes = {i.filename: (i.file_size, i.compress_size) for i in zipfile.ZipFile(archive).infolist()}
    assert all(size > 2 << 20 and size > 200 * packed for name, (size, packed) in sizes.items() if name[-1] != "y")
    db = tmp_path / "g.sqlite"
    result = _batch(str(archive), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0 and "22 graded" in result.stderr, result.output
    assert set(r["score"] for r in _rows(db).values()) == {"100"} and {"nora", "otto"} <= set(_rows(db))


@pytest.mark.parametrize("kind, message", [
    ("traversal", "would be written outside the folder"),
    ("absolute", "would be written outside the folder"),
    ("symlink", "is a symbolic link or special file"),
    ("bomb", "refused: it would unpack to more than 512 MB (at 'ann/part8.npy', 10 entries in all) (a zip bomb? "),
    ("huge", "refused: entry 'ann/ex5.py' would unpack to 100 MB, more than the 64 MB an entry may hold"),
    ("not_a_zip", "not a valid zip file"),
])
def test_unsafe_zips_are_refused_and_nothing_escapes(tmp_path, kind, message):
    right = RIGHT.read_bytes()
    archive = tmp_path / f"{kind}.zip"
    if kind == "traversal":
        _zip(archive, [("ann/ex5.py", right), ("../escaped_ex5.py", right)])
    elif kind == "absolute":
        _zip(archive, [("/tmp/escaped_ex5.py", right)])
    elif kind == "symlink":
        _zip(archive, [("ann/ex5.py", right)], symlink="ann/utils.py")
    elif kind == "bomb":  # 9 x 60 MB of zeros, about 60 kB each deflated: refused before a byte is written
        zeros = bytes(60 << 20)
        _zip(archive, [("ann/ex5.py", right)] + [(f"ann/part{n}.npy", zeros) for n in range(9)])
    elif kind == "huge":
        _zip(archive, [("ann/ex5.py", b"#" * (100 << 20))])
    else:
        archive.write_bytes(b"PK\x03\x04 not really")
    other = tmp_path / "other"
    _put(other / "bo" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(archive), str(other), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2
    assert message in result.stderr
    # the summary counts the refused PATH, so a log that keeps only its last line still explains status 2
    assert "1 graded, 0 skipped (unchanged), 0 could not grade, 1 PATH not graded (above) in" \
        in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.output
    assert not (tmp_path.parent / "escaped_ex5.py").exists()
    assert _rows(db)["bo"]["score"] == "100"  # the other PATH was still graded


def test_a_name_spelled_decomposed_is_the_same_student(tmp_path):
    """macOS writes 'José' decomposed (e + a combining accent, NFD), Windows and Linux composed (NFC): the class's
    folder and a Mac-made zip of it, given together, are one student with two candidate files, not two rows
    that print alike (acceptance run 9, D5). Ids are kept composed; files keep their names."""
    import unicodedata

    composed, decomposed = (unicodedata.normalize(form, "José Núñez") for form in ("NFC", "NFD"))
    assert composed != decomposed
    _put(tmp_path / "class" / composed / "ex5.py", EX5 / "extra_output_derivative.py", 1_000_000)
    archive = _zip(tmp_path / "mac.zip", [(f"{decomposed}/ex5.py", RIGHT.read_bytes())])
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), str(archive), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0 and "1 graded" in result.stderr, result.output
    assert list(_rows(db)) == [composed]
    # the name as the Mac's folder spells it removes the row too (review 16, F3)
    removed = run_cli("gradebook", "--db", str(db), "--remove", decomposed)
    assert removed.exit_code == 0 and _rows(db) == {}, removed.output


def test_odd_student_names_are_kept_and_escaped(tmp_path):
    folders = tmp_path / "class"
    names = ["Anne Marie", "Zoë Ødegård", "evil\x1b[2J\x1b[32m100", "<script>alert(1)<\\script>",
             "Mary Ann O'Neil", "Smith, Jo (2)", "jo+ml@uni.example", "王" * 84, "CON", "nul.json", "COM¹",
             "aux .x"]
    for name in names:
        _put(folders / name / "ex5.py", EX5 / "extra_output_derivative.py")
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    # the CSV shows control characters as escapes (review 25 sec, S11)
    assert set(_rows(db)) == {name.replace("\x1b", "\\x1b") for name in names}
    html_path = tmp_path / "r.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(html_path)).exit_code == 0
    page = html_path.read_text()
    assert "Zoë Ødegård" in page and "\x1b" not in page and "\\x1b[2J" in page
    assert "<script" not in page and "&lt;script&gt;alert(1)" in page
    feedback = tmp_path / "fb"
    run_cli("gradebook", "--db", str(db), "--feedback", str(feedback))
    files = sorted(p.name for p in feedback.iterdir() if p.name != ".nn-grader-feedback")  # the folder's marker
    # names every file system takes are kept as they are (an apostrophe, a comma, parentheses, + and @: run 9 D7)
    assert {"Anne Marie.txt", "Zoë Ødegård.txt", "Mary Ann O'Neil.txt", "Smith, Jo (2).txt",
            "jo+ml@uni.example.json"} <= set(files)
    assert not any("\x1b" in f or "<" in f for f in files) and len(files) == 24
    # staff review 2, S7, S8: 84 CJK characters (252 bytes) stopped every feedback file with "File name too long";
    # a Windows device name is never a file's own
    assert all(len(f.encode()) <= 255 for f in files) and any(f.startswith("王" * 60) for f in files)
    assert not any(f.split(".")[0].rstrip(" ").upper() in ("CON", "NUL", "COM¹", "AUX") for f in files), files


def test_csv_cells_a_spreadsheet_would_run_are_text(tmp_path):
    """A student folder named like a formula is exported with a leading apostrophe (CSV injection)."""
    folders = tmp_path / "class"
    names = ['=HYPERLINK("evil.example","click")', "+1+cmd", "@SUM(A1)", "-2+3", "plain", "x\r=cmd|' -c calc'!A0"]
    for name in names:
        _put(folders / name / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db)).exit_code == 0
    rows = _rows(db)
    assert set(rows) == {"'" + name for name in names[:-2]} | {"plain", names[-1].replace("\r", "\\r")}  # S11
    # staff review 2, S1: a carriage return in a cell is quoted, so the CSV has one row per student, read as a
    # file is read (newline=""), and no row begins with the text after it
    exported = run_cli("gradebook", "--db", str(db)).stdout
    (tmp_path / "g.csv").write_text(exported, newline="")
    with open(tmp_path / "g.csv", newline="") as file:
        lines = list(csv.reader(file))
    assert len(lines) == 1 + len(names) and not any(line[0].startswith("=") for line in lines), lines
    assert all(row["score"] == "100" for row in rows.values())  # numbers stay numbers
    assert run_cli("gradebook", "--db", str(db), "--format", "json").stdout.count('"=HYPERLINK(') == 1  # JSON: as is
    # staff review 4, S11: --remove takes an id as the CSV shows it, apostrophe included
    removed = run_cli("gradebook", "--db", str(db), "--remove", "'+1+cmd")
    assert removed.exit_code == 0 and "removed 1 row" in removed.stderr and "'+1+cmd" not in _rows(db), removed.output


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="root without the capabilities that override file permissions: needs root and setpriv")
@pytest.mark.parametrize("closed", ["file", "folder"])
def test_an_unreadable_submission_is_one_clear_line_and_the_rest_are_graded(tmp_path, closed):
    """A classmate's file or folder the grader cannot read (here: root without CAP_DAC_OVERRIDE/READ_SEARCH,
    another user's, mode 000) is "could not grade" with the reason, exit 2, and everyone else is graded."""
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    file = _put(folders / "bo" / "ex5.py", RIGHT)
    for path in [file, file.parent] if closed == "folder" else [file]:
        os.chown(path, 65534, 65534)
        path.chmod(0o000)
    db = tmp_path / "g.sqlite"
    run = subprocess.run(["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                          "--bounding-set=-dac_override,-dac_read_search",
                          sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5", "--db", str(db),
                          "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert f"{folders}/bo" in run.stderr and "cannot be read" in run.stderr and "Permission denied" in run.stderr
    assert "Traceback" not in run.stderr
    with sqlite3.connect(db) as connection:
        got = dict(connection.execute("SELECT student, status FROM grades"))
    connection.close()
    assert got == {"ann": "graded", "bo": "error"}, run.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="root without the capabilities that override file permissions: needs root and setpriv")
def test_a_helper_module_the_grader_cannot_read_is_the_students_line_not_a_crash(tmp_path):
    """Staff review 2, S14: a student's utils.py the grader cannot read (mode 600, another user's) was left out
    of the sandbox's copy, and the student got 0/100 as a crash. It is now "could not grade", naming the file,
    so the staff fix the download's permissions and run again (the rerun grades it)."""
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    student = _put(folders / "di" / "ex5.py", EX5 / "uses_utils.py")
    helper = student.parent / "utils.py"
    helper.write_text("import numpy as np\n\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n")
    for path in (student, helper, student.parent):
        os.chown(path, 65534, 65534)
    helper.chmod(0o600)
    unused = _put(folders / "ann" / "old_stuff" / "scratch.py", RIGHT)  # review 18, R3: a module ann never
    unused.chmod(0o000)  # imports, unreadable too: her grade does not depend on it
    db = tmp_path / "g.sqlite"
    command = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search",
               sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5", "--db", str(db), "--quiet"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert f"{folders}/di/ex5.py: utils.py beside ex5.py cannot be read (Permission denied); not graded" in run.stderr
    assert "Traceback" not in run.stderr
    helper.chmod(0o644)  # the staff fix the permissions: the rerun grades the student
    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0 and "cannot be read" not in rerun.stderr, rerun.stderr
    # root without CAP_DAC_OVERRIDE (a container with its capabilities dropped) grades as root does: the worker
    # entered its 0700 working folder before leaving root for its uid, and every run ended in exit status 70
    assert {s: r["score"] for s, r in _rows(db).items()} == {"ann": "100", "di": "100"}


def test_newer_schema_and_read_only_gradebook_are_clear_errors(tmp_path):
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db)).exit_code == 0
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
    connection.close()
    for args in (["batch", str(folders), "-e", "ex5", "--db", str(db)], ["gradebook", "--db", str(db)]):
        result = run_cli(*args)
        assert result.exit_code == 2
        assert "written by a newer grader (gradebook schema 99" in result.stderr
        assert "Traceback" not in result.output

    readonly = tmp_path / "ro.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(readonly)).exit_code == 0
    readonly.chmod(0o444)
    result = _batch(str(folders), "-e", "ex5", "--db", str(readonly))
    assert result.exit_code == 2
    assert "ro.sqlite: cannot be written (read-only)" in result.stderr
    assert run_cli("gradebook", "--db", str(readonly)).exit_code == 0  # reading still works

    closed = tmp_path / "closed"  # a read-only folder refuses even root, who could write in it anyway
    closed.mkdir()
    shutil.copyfile(readonly, closed / "g.sqlite")  # a good gradebook, writable itself
    closed.chmod(0o555)
    try:
        in_closed = _batch(str(folders), "-e", "ex5", "--db", str(closed / "g.sqlite"))
    finally:
        closed.chmod(0o755)
    assert in_closed.exit_code == 2 and "Traceback" not in in_closed.output
    assert f"its folder {closed} is read-only" in in_closed.stderr
    assert sorted(p.name for p in closed.iterdir()) == ["g.sqlite"]

    nowhere = _batch(str(folders), "-e", "ex5", "--db", str(tmp_path / "no" / "g.sqlite"))
    assert nowhere.exit_code == 2 and "its folder" in nowhere.stderr and "does not exist" in nowhere.stderr

    not_db = tmp_path / "notes.txt"
    not_db.write_text("hello")
    result = _batch(str(folders), "-e", "ex5", "--db", str(not_db))
    assert result.exit_code == 2 and "not an SQLite gradebook" in result.stderr


def _batch_until_a_row_is_recorded(tmp_path: Path, zipped: bool = False,
                                   env: dict | None = None) -> tuple[subprocess.Popen, Path, Path]:
    """A class of right submissions and endless loops (as a zip: an LMS download), graded by `grade batch` in a
    session of its own, returned once the gradebook holds a row (each row is committed on its own)."""
    folders = tmp_path / "class"
    for i in range(6):
        _put(folders / f"s{i}" / "ex5.py", RIGHT if i % 2 else HOSTILE / "busy_loop.py")
    if zipped:
        with zipfile.ZipFile(tmp_path / "class.zip", "w") as archive:
            for file in sorted(folders.rglob("ex5.py")):
                archive.write(file, file.relative_to(folders).as_posix())
    db = tmp_path / "g.sqlite"
    command = [sys.executable, "-m", "grader", "batch", str(tmp_path / "class.zip" if zipped else folders), "-e",
               "ex5", "--db", str(db), "--jobs", "1", "--timeout", "1"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env=env)
    recorded = 0
    for _ in range(600):
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as connection:
                    recorded = connection.execute("SELECT count(*) FROM grades").fetchone()[0]
                connection.close()
            except sqlite3.OperationalError:
                recorded = 0
        if recorded or process.poll() is not None:
            break
        time.sleep(0.1)
    assert recorded >= 1 and process.poll() is None
    return process, folders, db


def _recorded(db: Path) -> dict[str, str]:
    """student -> score of the rows a running batch has committed so far."""
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            rows = dict(connection.execute("SELECT student, score FROM grades").fetchall())
        connection.close()
        return rows
    except sqlite3.OperationalError:
        return {}


def test_a_slot_waiting_out_a_timeout_gets_a_spare_so_the_class_goes_on(tmp_path):
    """--jobs 1, and the first three students sleep through a 60 s timeout: a spare slot for each (a sleep costs
    no CPU) grades the others meanwhile (their rows are committed while the sleepers still wait), with the
    scores lone grades give. Without spares nothing could be recorded before the first call was killed at
    60 s; with one spare per job, as before, not before the second."""
    folders = tmp_path / "class"
    for sleeper in ("a1_sleeps", "a2_sleeps", "a3_sleeps"):
        _put(folders / sleeper / "ex5.py", HOSTILE / "sleep_ignoring_signals.py")
    for student in ("b", "c", "d"):
        _put(folders / student / "ex5.py", RIGHT)
    _put(folders / "e" / "ex5.py", EX5 / "extra_output_derivative.py")
    db = tmp_path / "g.sqlite"
    command = [sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5", "--db", str(db), "--jobs", "1",
               "--timeout", "60"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        for _ in range(450):  # up to 45 s, well before the sleeper's call is killed
            rows = _recorded(db)
            if len(rows) >= 4 or process.poll() is not None:
                break
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()[1]
        assert rows == {"b": 100, "c": 100, "d": 100, "e": 50}, rows
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in stderr, stderr


def test_ctrl_c_while_grade_batch_starts_ends_with_the_interrupted_line_and_130(tmp_path):
    """A Ctrl-C in the batch's first half second, while it still imports numpy and the rest (staff who typed
    the wrong folder): the interrupted line and 130, as later, never a traceback or click's "Aborted!" with
    status 1 (accept3 D7). The signal is sent once the process has mapped numpy's core library: mid-import,
    whatever the machine's speed."""
    _put(tmp_path / "class" / "ann" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    command = [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(db)]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    for _ in range(2000):  # up to 20 s
        try:
            with open(f"/proc/{process.pid}/maps") as maps:
                if "_multiarray_umath" in maps.read():
                    break
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Aborted!" not in stderr, stderr
    assert stderr.rstrip().endswith("run the same command again to grade the rest"), stderr


def test_an_interrupted_regrade_says_how_to_grade_the_rest(tmp_path):
    """Staff review 4, S17: an interrupted --regrade said "run the same command again to grade the rest", but that
    command grades every student again; it now says to leave out --regrade. (Ctrl-C once a row is kept, while a
    student's call sleeps through its --timeout.)"""
    folders = tmp_path / "class"
    _put(folders / "a_right" / "ex5.py", RIGHT)
    _put(folders / "b_sleeps" / "ex5.py", HOSTILE / "sleep_ignoring_signals.py")
    db = tmp_path / "g.sqlite"
    command = [sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5", "--db", str(db), "--jobs", "1",
               "--timeout", "60", "--regrade"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        for _ in range(450):  # up to 45 s, well before the sleeper's call is killed
            if _recorded(db) or process.poll() is not None:
                break
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()[1]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.rstrip().endswith("run it again without --regrade to grade the rest (with it, every student is "
                                    "graded again)"), stderr


def _kept_and_rerun(folders: Path, db: Path) -> None:
    """The gradebook is consistent, and a rerun grades exactly what was not kept. (A row the killed run marked to
    retry, "could not grade" because its sandbox broke, as on a machine loaded past its limits, is graded again
    by design: it is not counted as kept.)"""
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        graded = connection.execute("SELECT count(*) FROM grades WHERE status = 'graded'").fetchone()[0]
        assert connection.execute("SELECT count(*) FROM part_scores").fetchone()[0] == 5 * graded
        kept = connection.execute("SELECT count(*) FROM grades WHERE retry = 0").fetchone()[0]
    connection.close()
    result = _batch(str(folders), "-e", "ex5", "--db", str(db), "--timeout", "1")
    assert result.exit_code == 0, result.output
    assert f"{6 - kept} graded, {kept} skipped (unchanged)" in result.stderr
    assert len(_rows(db)) == 6


def test_a_killed_run_keeps_what_it_graded(tmp_path):
    """SIGKILL halfway: the gradebook stays consistent, and a rerun grades only the rest."""
    process, folders, db = _batch_until_a_row_is_recorded(tmp_path)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    _kept_and_rerun(folders, db)


def test_the_next_batch_removes_the_students_files_a_killed_one_left_in_tmpdir(tmp_path):
    """SIGKILL cannot be caught, so a killed batch leaves its scratch folder (here the class zip, unpacked) in
    $TMPDIR. The next batch removes it, and only what no running batch holds: not another batch's folder while
    that batch runs, nor a folder not yet marked as locked (batch/scratch.py)."""
    from grader.batch.scratch import MARK

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    process, _, db = _batch_until_a_row_is_recorded(tmp_path, zipped=True, env=env)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    [left] = tmp.glob("grade-batch-*")
    assert (left / MARK).exists() and list(left.rglob("ex5.py")), "the killed batch's folder holds the students' files"
    held, unmarked = tmp / "grade-batch-held", tmp / "grade-batch-unmarked"
    held.mkdir()
    (held / MARK).touch()
    unmarked.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys\n"
                               "fd = os.open(sys.argv[1], os.O_RDONLY)\nfcntl.flock(fd, fcntl.LOCK_EX)\n"
                               "print('locked', flush=True)\nsys.stdin.read()", str(held)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        rerun = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "class.zip"), "-e", "ex5",
                                "--db", str(db), "--timeout", "1"], cwd=tmp_path, env=env, capture_output=True,
                               text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        assert sorted(p.name for p in tmp.glob("grade-batch-*")) == ["grade-batch-held", "grade-batch-unmarked"]
    finally:
        holder.communicate("")


def test_ctrl_c_pressed_twice_still_ends_with_the_interrupted_line_and_130(tmp_path):
    """A terminal's Ctrl-C reaches the whole process group; a second one while the batch stops its sandboxes
    and records what it graded is ignored: one line, status 130, never click's "Aborted!" or a traceback."""
    process, folders, db = _batch_until_a_row_is_recorded(tmp_path)
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(0.1)
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:  # it was quicker: nothing left to interrupt
        pass
    _, stderr = process.communicate()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("grade: interrupted: "), stderr
    assert "Aborted" not in stderr and "Traceback" not in stderr, stderr
    _kept_and_rerun(folders, db)


def test_quiet_prints_no_summary(tmp_path):
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    result = _batch(str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"), "--quiet")
    assert result.exit_code == 0 and result.stderr == ""


def test_class_report_names_the_mistakes_with_an_svg_chart(mixed_class):
    tmp_path, paths, _ = mixed_class
    db = tmp_path / "g.sqlite"
    _batch(*map(str, paths), "-e", "ex5", "--db", str(db))
    page_path = tmp_path / "report.html"
    result = run_cli("class-report", "--db", str(db), "-o", str(page_path))
    assert result.exit_code == 0, result.output
    page = page_path.read_text()
    assert page.count("<svg") == 3  # scores, pass rates, mistakes
    chart = page[page.index('aria-label="mistakes, by how many students made them"'):]
    chart = chart[: chart.index("</svg>")]
    assert "(extra_output_derivative): 2 students" in chart and "(missing_hidden_derivative)" in chart
    assert "http://" not in page and "https://" not in page  # inline SVG in HTML needs no xmlns
    assert "<script" not in page
    # bob and dave (two mistakes) multiplied by f'(z(L)); the first sentence of the explanation is shown.
    row = page[page.index("<code>extra_output_derivative</code>"):]
    row = row[: row.index("</tr>")]
    assert ">2<" in row and "bob, dave" in row and "once too often." in row


def test_every_sample_submission_gets_the_same_report_as_a_lone_grade(tmp_path):
    """Scores, per-part feedback, mistakes and notes (but the full-size timing note, off in a batch) of
    every sample submission: one batch run per submission (graded calls and probes together) against
    the lone path's run per function."""
    folders = tmp_path / "class"
    samples = sorted(p for p in EX5.glob("*.py") if p.name != "utils.py")
    for sample in samples:
        _put(folders / sample.stem / "ex5.py", sample)
        if sample.name == "uses_utils.py":
            _put(folders / sample.stem / "utils.py", EX5 / "utils.py")
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db), "--jobs", "2").exit_code == 0
    batch = {e["student"]: e["report"] for e in json.loads(run_cli("gradebook", "--db", str(db),
                                                                   "--format", "json").stdout)}
    for sample in samples:
        lone, _ = grade_json(folders / sample.stem / "ex5.py", "--exercise", "ex5")
        got = batch[sample.stem]
        assert got["score"] == lone["score"], sample.name
        assert [(p["id"], p["score"], p["feedback"], p["mistakes"]) for p in got["parts"]] == \
               [(p["id"], p["score"], p["feedback"], p["mistakes"]) for p in lone["parts"]], sample.name
        assert got["notes"] == _batch_notes(lone["notes"]), sample.name


def test_progress_bar_on_a_terminal(tmp_path):
    """stderr is a terminal (a pty): a progress bar, then the summary; --quiet draws neither."""
    import pty

    folders = tmp_path / "class"
    for name in ("ann", "ben"):
        _put(folders / name / "ex5.py", RIGHT)

    def stderr_on_a_pty(db: str, *extra: str) -> str:
        master, slave = pty.openpty()
        process = subprocess.Popen([sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5", "--db", db,
                                    *extra], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=slave, cwd=tmp_path)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        process.wait()
        os.close(master)
        return b"".join(chunks).decode("utf-8", "replace")

    shown = stderr_on_a_pty("g.sqlite")
    assert "grading" in shown and "2/2" in shown
    assert "2 graded, 0 skipped (unchanged), 0 could not grade" in shown
    assert stderr_on_a_pty("quiet.sqlite", "--quiet") == ""


def test_notebooks_in_a_class_are_graded_like_lone_notebooks(tmp_path):
    """A student who hands in the course's notebook is graded from its code cells, as `grade` does; a
    damaged notebook is that student's could-not-grade line, and the rest of the class is graded."""
    from . import course

    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    course.folder(folders / "ben")  # the course's layout: exercise4.ipynb beside utils.py, the client above
    (folders / "cat").mkdir()
    (folders / "cat" / "exercise4.ipynb").write_text("{not json")
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.stderr
    rows = _rows(db)
    assert rows["ann"]["score"] == "100" and rows["ben"]["score"] == "100", rows
    assert rows["cat"]["score"] == "" and "exercise4.ipynb" in result.stderr


def test_a_notebook_with_large_outputs_is_graded_as_a_lone_grade_does(tmp_path):
    """A notebook's image outputs never run: a 17 MB course notebook (over the 16 MB a .py may have) is graded
    from its code cells, as `grade` does; a .py of that size is refused with its size."""
    from . import course

    image = {"output_type": "display_data", "metadata": {},
             "data": {"image/png": "iVBORw0KGgo" * (1_700_000), "text/plain": "<Figure>"}}
    notebook = course.folder(tmp_path / "class" / "ann", outputs={1: [image]})
    assert notebook.stat().st_size > 16 << 20
    _put(tmp_path / "class" / "bob" / "ex5.py", RIGHT).write_text(RIGHT.read_text() + "#" * (17 << 20))
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    rows = _rows(db)
    assert rows["ann"]["score"] == "100" == str(grade_json(notebook)[0]["score"]), rows["ann"]
    [line] = _stderr_lines(result)
    assert "bob/ex5.py: 17.0 MB, larger than the 16 MB a .py file may have; not graded" in line, line


def test_notebooks_handed_in_alone_are_graded_with_the_course_utils_like_lone_notebooks(tmp_path):
    """Students hand in exercise4.ipynb without the course's utils.py (not their work): each gets the course's
    file in the sandbox, never over a utils.py of their own, and the same report as a lone grade."""
    from . import course

    folders = tmp_path / "class"
    course.alone(folders / "ivy")
    course.alone(folders / "jo")
    (folders / "jo" / "utils.py").write_text(course.UTILS.replace("np.exp(-z)", "np.exp(z)"))  # his own, wrong
    imports = course.IMPORTS.replace("import utils\n", "import utils\nfrom utils import softmax\n")
    cost = course.COST.replace("a3 = utils.sigmoid(", "a3 = softmax(")  # a helper of her own utils.py
    course.alone(folders / "kim", course.replaced(course.cells(cost=cost), course.IMPORTS, imports))
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db), "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    batch = {e["student"]: e["report"] for e in json.loads(run_cli("gradebook", "--db", str(db),
                                                                   "--format", "json").stdout)}
    assert {student: report["score"] for student, report in batch.items()} == {"ivy": 100, "jo": 5, "kim": 0}
    assert "cannot import name 'softmax' from 'utils'" in batch["kim"]["parts"][0]["feedback"]
    for student in batch:
        lone, _ = grade_json(folders / student / "exercise4.ipynb", "--exercise", "ex5")
        assert [(p["id"], p["score"], p["feedback"], p["mistakes"]) for p in batch[student]["parts"]] == \
               [(p["id"], p["score"], p["feedback"], p["mistakes"]) for p in lone["parts"]], student
        assert batch[student]["notes"] == _batch_notes(lone["notes"]), student


def test_two_batches_writing_one_gradebook_at_once(tmp_path):
    """Concurrent writers: two runs over different classes into the same gradebook both keep everything."""
    db = tmp_path / "g.sqlite"
    processes = []
    for group in ("a", "b"):
        folders = tmp_path / group
        for i in range(4):
            _put(folders / f"{group}{i}" / "ex5.py", RIGHT if i % 2 else EX5 / "extra_output_derivative.py")
        processes.append(subprocess.Popen([sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5",
                                           "--db", str(db), "--jobs", "1"], cwd=tmp_path,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        assert "4 graded" in stderr
    rows = _rows(db)
    assert sorted(rows) == [f"{g}{i}" for g in "ab" for i in range(4)]
    assert [rows[s]["score"] for s in sorted(rows)] == ["50", "100"] * 4
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()


def test_an_instructors_own_exercise_from_exercises_dir(tmp_path):
    """The batch finds an instructor's spec by name in --exercises-dir, and names students by it."""
    example = ROOT / "docs" / "example"
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(example / "tanh_net.yaml", course / "tanh_net.yaml")
    _put(tmp_path / "class" / "ann_tanh_net.py", example / "tanh_net.py")
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), "-e", "tanh_net", "--exercises-dir", str(course), "--db", str(db))
    assert result.exit_code == 0, result.stderr
    assert _rows(db)["ann"]["score"] == "100"


def test_a_classmate_holding_threads_leaves_a_threaded_solution_its_own(tmp_path):
    """Issue 9's isolation case: a submission holding 16 threads beside an honest threaded one, graded at the
    same time in two job slots (each slot its own uid, so its own RLIMIT_NPROC)."""
    review = ROOT / "tests" / "hostile" / "review2"
    folders = tmp_path / "class"
    _put(folders / "hog" / "ex5.py", review / "thread_hog.py")
    _put(folders / "honest" / "ex5.py", review / "threaded_correct.py")
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db), "--jobs", "2", "--timeout", "5")
    assert result.exit_code == 0, result.stderr
    rows = _rows(db)
    assert rows["honest"]["score"] == "100", rows["honest"]
    assert rows["hog"]["score"] == "0"


# Finding submissions: nothing is lost, every file says whose it is or why it was not graded (issue 9's
# acceptance review, FAILs 1-3 and its smaller observations).


def _stderr_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("grade: ")]


def test_flat_files_whose_names_do_not_say_whose_are_could_not_grade(tmp_path):
    """A .py/.ipynb in the flat layout that names no exercise or no student is one "could not grade" line
    (the file, what names are expected) and a gradebook row; the course's utils.py and non-code files are not."""
    flat = tmp_path / "flat"
    _put(flat / "ann_ex5.py", RIGHT)
    strays = ["bob.py", "ex5.py", "ex5 (1).py", "frank_hw5.py", "erin_ex55.py", "neural_net.ipynb"]
    for name in strays:
        _put(flat / name, RIGHT)
    _put(flat / "utils.py", EX5 / "utils.py")
    (flat / "readme.txt").write_text("the class's notes")
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    assert "1 graded, 0 skipped (unchanged), 6 could not grade" in result.stderr
    lines = _stderr_lines(result)
    assert len(lines) == 6 and "utils.py" not in result.stderr and "readme" not in result.stderr
    for name in strays:
        line = next(line for line in lines if f"flat/{name}: " in line)
        assert "not graded" in line and "alice_ex5.py" in line, line  # names the file and the names expected
    assert any("flat/bob.py: its name holds no 'ex5', 'ex4' or 'exercise4' as a word" in line for line in lines)
    assert any("flat/ex5.py: names the exercise but not the student" in line for line in lines)
    rows = _rows(db)
    assert rows["ann"]["score"] == "100"
    for name in strays:
        assert rows[str(flat / name)]["notes"].startswith(f"could not grade: {flat / name}: "), rows
    again = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 2 and "0 graded, 1 skipped (unchanged), 6 could not grade" in again.stderr


@pytest.mark.parametrize("exercise", sorted(p.stem for p in (ROOT / "exercises").glob("*.yaml")))
def test_every_shipped_exercise_grades_a_class_as_lone_grades_do(tmp_path, exercise, speed_note_always):
    """A class of each shipped exercise (its solution and its wrong fixtures) gets in the gradebook what lone
    `grade` runs give: the batch's shared expected values and probes fit every network (a regression's y is
    values, not labels: its num_labels probe once crashed the whole batch). All notes but the full-size
    timing note, which a batch gives only with --speed-notes: here every lone grade that runs it gets it."""
    files = [ROOT / "solutions" / f"{exercise}.py", *sorted((SUBMISSIONS / exercise).glob("*.py"))[:3]]
    for number, file in enumerate(files):
        _put(tmp_path / "class" / f"s{number}" / file.name, file)
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), "-e", exercise, "--db", str(db))
    assert result.exit_code == 0 and f"{len(files)} graded" in result.stderr, result.output
    graded = {row["student"]: row["report"] for row in
              json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)}
    for number, file in enumerate(files):
        lone, _ = grade_json(file, "--exercise", exercise)
        batch = graded[f"s{number}"]
        assert (batch["score"], batch["notes"]) == (lone["score"], _batch_notes(lone["notes"])), file.name
        if number == 0 and "full_size:" in (ROOT / "exercises" / f"{exercise}.yaml").read_text():
            assert SPEED_NOTE in [n["id"] for n in lone["notes"]], lone["notes"]  # the solution passes: probed
        assert [(p["id"], p["score"], [m["id"] for m in p["mistakes"]]) for p in batch["parts"]] == \
            [(p["id"], p["score"], [m["id"] for m in p["mistakes"]]) for p in lone["parts"]], file.name
    assert graded["s0"]["score"] == graded["s0"]["max_score"]


def test_a_row_left_under_a_renamed_files_old_name_can_be_removed(tmp_path):
    """The instructor renames a flat file the batch could not place (bob.py -> bob_ex5.py): the rerun grades
    bob, and `grade gradebook --remove` deletes the row under the old name; a name with no row removes
    nothing (not even the names that have one) and says so."""
    flat = tmp_path / "flat"
    _put(flat / "ann_ex5.py", RIGHT)
    _put(flat / "bob.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(flat), "-e", "ex5", "--db", str(db)).exit_code == 2
    (flat / "bob.py").rename(flat / "bob_ex5.py")
    assert _batch(str(flat), "-e", "ex5", "--db", str(db)).exit_code == 0
    stale = str(flat / "bob.py")
    assert set(_rows(db)) == {"ann", "bob", stale}
    typo = run_cli("gradebook", "--db", str(db), "--remove", stale, "--remove", "bobb")
    assert typo.exit_code == 2 and "no grades for 'bobb'; nothing was removed" in typo.stderr, typo.output
    assert set(_rows(db)) == {"ann", "bob", stale}
    other = run_cli("gradebook", "--db", str(db), "-e", "regression", "--remove", stale)
    assert other.exit_code == 2 and "in exercise 'regression'" in other.stderr, other.output
    removed = run_cli("gradebook", "--db", str(db), "--remove", stale)
    assert removed.exit_code == 0, removed.output
    assert removed.stderr.strip() == f"removed 1 row from {db}: {stale} (ex5)"
    assert set(_rows(db)) == {"ann", "bob"}
    again = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0 and "0 graded, 2 skipped (unchanged), 0 could not grade" in again.stderr
    assert "submissions/s" not in again.stderr  # no rate when nothing was graded


def test_lms_downloads_are_grouped_by_student(tmp_path):
    """Canvas's `name[_LATE]_USERID_FILEID_<own name>` and Moodle's `Name_USERID_assignsubmission_file_<own
    name>`: the student is the LMS's student part, whatever the student called the file; a student's files
    are read like a student's folder (helpers beside it are not submissions)."""
    canvas = tmp_path / "canvas"
    _put(canvas / "smithjohn_12345_67890_ex5.py", RIGHT)
    _put(canvas / "leebob_LATE_12347_67892_ex5.py", EX5 / "two_mistakes.py")
    _put(canvas / "doejane_12346_67891_neural_net.py", EX5 / "extra_output_derivative.py")
    _put(canvas / "doejane_12346_67899_utils.py", EX5 / "utils.py")  # her helper, not a second submission
    _put(canvas / "kimlee_12348_67893_a.py", RIGHT)
    _put(canvas / "kimlee_12348_67894_b.py", RIGHT)
    _put(canvas / "Jane Roe_555_assignsubmission_file_network.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(canvas), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    rows = _rows(db)
    assert {s: r["score"] for s, r in rows.items()} == {
        "smithjohn_12345": "100", "leebob_12347": "50", "doejane_12346": "50", "kimlee_12348": "",
        "Jane Roe_555": "100"}
    assert rows["doejane_12346"]["mistakes"] == "extra_output_derivative"
    assert _stderr_lines(result) == [f"grade: {canvas}: kimlee_12348: no file named for ex5 among this student's "
                                     f"files (a.py, b.py); not graded"]


def test_a_wrapper_folder_of_flat_files_is_read_as_the_flat_layout(tmp_path):
    """Assignment5/alice_ex5.py, Assignment5/bob_ex5.py: two students, not one called Assignment5 (as a folder,
    and as a zip however few files it holds); a student's own versions stay that student's."""
    wrapper = tmp_path / "class" / "Assignment5"
    _put(wrapper / "alice_ex5.py", RIGHT)
    _put(wrapper / "bob_ex5.py", EX5 / "extra_output_derivative.py")
    own = tmp_path / "class" / "carol"
    _put(own / "carol_ex5.py", EX5 / "extra_output_derivative.py", mtime=1_000_000)
    _put(own / "carol_ex5_v2.py", EX5 / "two_mistakes.py", mtime=2_000_000)
    _put(own / "ex5_final.py", RIGHT, mtime=3_000_000)
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = _rows(db)
    assert {s: r["score"] for s, r in rows.items()} == {"alice": "100", "bob": "50", "carol": "100"}

    archive = tmp_path / "wrapped.zip"
    _zip(archive, [("Assignment5/alice_ex5.py", RIGHT.read_bytes()),
                   ("Assignment5/bob_ex5.py", (EX5 / "extra_output_derivative.py").read_bytes())])
    lone = tmp_path / "lone.zip"  # one student's folder, zipped: four files, one of them hers
    _zip(lone, [("zoe/ex5.py", RIGHT.read_bytes()), ("zoe/utils.py", (EX5 / "utils.py").read_bytes()),
                ("zoe/scratch.py", b"x = 1\n"), ("zoe/plots.py", b"y = 2\n")])
    zipped = tmp_path / "z.sqlite"
    result = _batch(str(archive), str(lone), "-e", "ex5", "--db", str(zipped))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(zipped).items()} == {"alice": "100", "bob": "50", "zoe": "100"}


def test_a_students_drafts_beside_their_exercise_file_keep_the_folder_one_students(tmp_path):
    """ex5_part1.py and ex5_part2.py read like two students' files, but beside alice's own ex5.py they are her
    drafts: the folder stays one student's, and her ex5.py (the newest here) is graded."""
    _put(tmp_path / "class" / "alice" / "ex5_part1.py", EX5 / "extra_output_derivative.py", mtime=1_000_000)
    _put(tmp_path / "class" / "alice" / "ex5_part2.py", EX5 / "extra_output_derivative.py", mtime=1_500_000)
    _put(tmp_path / "class" / "alice" / "ex5.py", RIGHT, mtime=2_000_000)
    _put(tmp_path / "class" / "bob" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"alice": "100", "bob": "100"}


def test_also_found_names_each_passed_over_file_by_its_path(tmp_path):
    """One student under three PATHs: the report names every file passed over as it names the graded one."""
    sec1, sec2, flat = tmp_path / "sec1", tmp_path / "sec2", tmp_path / "flat"
    _put(sec1 / "alice" / "ex5.py", RIGHT, mtime=1_000_000)
    _put(sec2 / "alice" / "ex5.py", RIGHT, mtime=2_000_000)
    _put(sec2 / "alice" / "ex5_old.py", RIGHT, mtime=500_000)
    _put(flat / "alice_ex5.py", EX5 / "extra_output_derivative.py", mtime=3_000_000)
    db = tmp_path / "g.sqlite"
    assert _batch(str(sec1), str(sec2), str(flat), "-e", "ex5", "--db", str(db)).exit_code == 0
    [alice] = json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)
    assert alice["submission"] == f"{flat}/alice_ex5.py"
    assert alice["passed_over"] == [f"{sec2}/alice/ex5.py", f"{sec2}/alice/ex5_old.py", f"{sec1}/alice/ex5.py"]
    text = sqlite3.connect(db).execute("SELECT report_text FROM grades WHERE student = 'alice'").fetchone()[0]
    assert text.rstrip().endswith(
        f"Graded {flat}/alice_ex5.py, one of 4 files; also found: {sec2}/alice/ex5.py, "
        f"{sec2}/alice/ex5_old.py, {sec1}/alice/ex5.py"), text[-400:]
    page = tmp_path / "r.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    assert f"{sec1}/alice/ex5.py" in page.read_text()
    # the student's copy names files by their own names, and tells apart the two named ex5.py
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "fb")).exit_code == 0
    own = (tmp_path / "fb" / "alice.txt").read_text()
    assert own.rstrip().endswith("Graded alice_ex5.py, one of 4 files; also found: ex5.py (another file of that "
                                 "name), ex5_old.py, ex5.py (another file of that name)"), own[-300:]
    assert str(tmp_path) not in own


def test_why_a_student_folder_has_no_submission_is_said_once_and_accurately(tmp_path):
    """Files but none for the exercise: which were found (bounded); a FIFO named ex5.py: that it is one; a
    damaged notebook: its path once."""
    folders = tmp_path / "class"
    for name in "abcdefg":
        _put(folders / "many" / f"{name}.py", RIGHT)
    _put(folders / "two" / "a.py", RIGHT)
    _put(folders / "two" / "b.ipynb", RIGHT)
    (folders / "pipe").mkdir()
    os.mkfifo(folders / "pipe" / "ex5.py")
    (folders / "nb").mkdir()
    (folders / "nb" / "ex5.ipynb").write_text("{not json")
    (folders / "empty").mkdir()
    (folders / "papers" / "data").mkdir(parents=True)
    (folders / "papers" / "report.pdf").write_bytes(b"%PDF-1.4\n")
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    lines = _stderr_lines(result)
    # staff review 4, S13: files that each define the graded functions are several submissions, not none
    assert f"grade: {folders}/two: several files could be the submission (a.py, b.ipynb), none named for the " \
           f"exercise: keep only the file to grade, named ex5.py or ex5.ipynb, or the course's exercise4.ipynb" in lines
    assert any(line.startswith(f"grade: {folders}/many: several files could be the submission (a.py, b.py, c.py, "
                               "d.py, e.py and 2 more)") for line in lines), lines
    assert f"grade: {folders}/pipe/ex5.py: a FIFO, not a regular file; not graded" in lines
    assert f"grade: {folders}/empty: no submission in this student's folder (expected ex5.py or ex5.ipynb, or the " \
           f"course's exercise4.ipynb), which is empty" in lines
    assert f"grade: {folders}/papers: no submission in this student's folder (expected ex5.py or ex5.ipynb, or the " \
           f"course's exercise4.ipynb); it holds data/, report.pdf" in lines  # acceptance run 10, D8
    notebook = next(line for line in lines if "nb/ex5.ipynb" in line)
    assert notebook.count("ex5.ipynb") == 1 and "cannot be read as a Jupyter notebook" in notebook, notebook
    assert "0 graded, 0 skipped (unchanged), 6 could not grade" in result.stderr


def test_a_version_word_after_the_exercise_is_not_part_of_the_student_id(tmp_path):
    """alice_ex5.py and a later alice_ex5_v2.py are alice's two files (the newest graded), not students alice
    and alice_v2; a flat ex5_final.py names no student; ex5_20231234.py does."""
    flat = tmp_path / "flat"
    _put(flat / "alice_ex5.py", EX5 / "extra_output_derivative.py", mtime=1_000_000)
    _put(flat / "alice_ex5_v2.py", RIGHT, mtime=2_000_000)
    _put(flat / "leo_ex5_final.py", RIGHT)
    _put(flat / "ex5_final.py", RIGHT)
    _put(flat / "ex5_20231234.py", RIGHT)  # a number after the exercise is a student number, not a version
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    assert _stderr_lines(result) == [f"grade: {flat}/ex5_final.py: names the exercise but not the student "
                                     f"(expected e.g. alice_ex5.py or ex5_alice.ipynb); not graded"]
    rows = _rows(db)
    assert {s: r["score"] for s, r in rows.items()} == {"alice": "100", "leo": "100", "20231234": "100",
                                                       str(flat / "ex5_final.py"): ""}
    exported = {e["student"]: e for e in json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)}
    assert exported["alice"]["submission"] == f"{flat}/alice_ex5_v2.py"
    assert exported["alice"]["passed_over"] == [f"{flat}/alice_ex5.py"]


def test_exports_take_the_exercise_names_the_batch_takes(tmp_path):
    """`grade batch -e ex4` records ex5's grades under ex5 (the course's name is an alias): the exports, the
    class report and --remove find them by either name."""
    _put(tmp_path / "class" / "ann" / "ex5.py", RIGHT)
    _put(tmp_path / "class" / "ben" / "ex5.py", RIGHT)
    db = str(tmp_path / "g.sqlite")
    assert _batch(str(tmp_path / "class"), "-e", "ex4", "--db", db).exit_code == 0
    exported = run_cli("gradebook", "--db", db, "-e", "ex4")
    assert exported.exit_code == 0 and exported.stdout.splitlines()[1].startswith("ann,ex5,100,100"), exported.output
    page = tmp_path / "r.html"
    assert run_cli("class-report", "--db", db, "-e", "exercise4", "-o", str(page)).exit_code == 0
    assert "2 students" in page.read_text()
    removed = run_cli("gradebook", "--db", db, "-e", "ex4", "--remove", "ben")
    assert removed.exit_code == 0 and "ben (ex5)" in removed.stderr, removed.output
    unknown = run_cli("gradebook", "--db", db, "-e", "ex9")
    assert unknown.exit_code == 2 and "no grades for exercise 'ex9'" in unknown.stderr


def test_a_batch_gives_the_callers_signal_handlers_back(tmp_path):
    """In-process (a notebook, a test runner), `grade batch` sets its own SIGINT/SIGTERM handlers while it
    runs and restores the caller's afterwards, also when it ends with an error."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    _put(tmp_path / "class" / "ann" / "ex5.py", RIGHT)
    assert _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(tmp_path / "g.sqlite")).exit_code == 0
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    bad = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"), "--regrade",
                 "--dask", "tcp://127.0.0.1:9")
    assert bad.exit_code == 2 and "--dask tcp://127.0.0.1:9" in bad.stderr, bad.output
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_a_class_graded_with_the_course_secret_gets_the_platforms_grades(tmp_path, monkeypatch):
    """Staff review S1, acceptance run 10 D10: without the secret a batch grades on the public cases that
    `grade inspect` shows students, so a file that returns their expected values gets 100; with the secret
    (--secret-file or $GRADER_SECRET) the batch draws the platform's cases and grades as `grade check
    --secret-file` does: the hard-coded file fails, the solution still gets 100. The gradebook records the
    secret's fingerprint, so a rerun with another secret (or none) grades every row again. With --dask the
    secret is refused: it is never sent to workers."""
    from grader.secret import fingerprint

    from .test_platforms import hard_coder, inspect_json

    folders = tmp_path / "class"
    (folders / "cheat").mkdir(parents=True)
    (folders / "cheat" / "ex5.py").write_text(hard_coder(inspect_json()))
    _put(folders / "ann" / "ex5.py", RIGHT)
    _put(folders / "bob" / "ex5.py", EX5 / "extra_output_derivative.py")
    secret_file = tmp_path / "course.secret"
    secret_file.write_text("s" * 32 + "\n")
    db = tmp_path / "g.sqlite"
    public = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert public.exit_code == 0, public.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"ann": "100", "bob": "50", "cheat": "100"}
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "public")).exit_code == 0
    assert "expected" in (tmp_path / "public" / "bob.txt").read_text()  # the public cases' values: no secret

    graded = _batch(str(folders), "-e", "ex5", "--db", str(db), "--secret-file", str(secret_file))
    assert graded.exit_code == 0 and "3 graded, 0 skipped" in graded.stderr, graded.output
    rows = _rows(db)
    for student in ("ann", "bob", "cheat"):
        lone, _ = grade_json(folders / student / "ex5.py", "--exercise", "ex5", "--secret-file", str(secret_file))
        assert rows[student]["score"] == str(lone["score"]), student
    assert rows["cheat"]["score"] == "0" and rows["ann"]["score"] == "100"
    # Review 17, R3: what goes back to students never shows the secret cases' expected values (as on the
    # platforms, platforms/common.redacted): a student could read them and hard-code the next submission.
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "secret")).exit_code == 0
    for student in ("bob", "cheat"):
        text = (tmp_path / "secret" / f"{student}.txt").read_text()
        assert "expected" not in text and "expected" not in (tmp_path / "secret" / f"{student}.json").read_text()
    with sqlite3.connect(db) as connection:
        options = {json.loads(r[0]).get("secret") for r in connection.execute("SELECT grading_options FROM grades")}
    connection.close()
    assert options == {fingerprint(b"s" * 32)}
    monkeypatch.setenv("GRADER_SECRET", "s" * 32)  # the same secret, from the environment: nothing changed
    assert "0 graded, 3 skipped" in _batch(str(folders), "-e", "ex5", "--db", str(db)).stderr
    monkeypatch.setenv("GRADER_SECRET", "t" * 32)
    assert "3 graded, 0 skipped" in _batch(str(folders), "-e", "ex5", "--db", str(db)).stderr
    monkeypatch.delenv("GRADER_SECRET")  # review 17, R12: grades for credit becoming practice grades are said
    assert _batch(str(folders), "-e", "ex5", "--db", str(db)).exit_code == 2  # refused without --regrade
    public_again = _batch(str(folders), "-e", "ex5", "--db", str(db), "--regrade")
    assert "note: 3 rows graded with the course's secret are graded again on the public cases, as no secret " \
           "was given" in public_again.stderr, public_again.stderr
    assert "note:" not in _batch(str(folders), "-e", "ex5", "--db", str(db)).stderr  # public rows: nothing to say
    refused = _batch(str(folders), "-e", "ex5", "--db", str(db), "--secret-file", str(secret_file),
                     "--dask", "tcp://127.0.0.1:9")
    assert refused.exit_code == 2 and "never sent to Dask workers" in refused.stderr, refused.output


def test_grades_on_the_public_cases_say_so_in_the_summary_and_the_class_report(tmp_path):
    """Acceptance 14, A3: a copycat returning `grade inspect`'s expected values got 100, and nothing the staff see
    after `grade batch` and `grade class-report` said the grades were on the public cases (no --secret-file). The
    batch's summary says it in one line (not with --quiet), and the class report at its top; with the secret,
    neither does."""
    from .test_platforms import hard_coder, inspect_json

    folders = tmp_path / "class"
    (folders / "cheat").mkdir(parents=True)
    (folders / "cheat" / "ex5.py").write_text(hard_coder(inspect_json()))
    _put(folders / "ann" / "ex5.py", RIGHT)
    secret_file = tmp_path / "course.secret"
    secret_file.write_text("s" * 32 + "\n")
    said = "graded on the public cases (no --secret-file): for practice, not for credit"
    for secret in ((), ("--secret-file", str(secret_file))):
        db = tmp_path / f"g{len(secret)}.sqlite"
        quiet = _batch(str(folders), "-e", "ex5", "--db", str(db), "--quiet", *secret)
        assert quiet.exit_code == 0 and quiet.stderr == "", quiet.output
        result = _batch(str(folders), "-e", "ex5", "--db", str(db), *secret)
        assert result.exit_code == 0 and "0 graded, 2 skipped" in result.stderr, result.output
        assert (said in result.stderr) == (not secret), result.stderr
        page = tmp_path / f"r{len(secret)}.html"
        assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
        html = page.read_text(encoding="utf-8")
        top = html[html.index("<h1>"):html.index("<h2>")]
        assert ("Graded on the public cases (no --secret-file)" in top) == (not secret), top
        assert ("for practice, not for credit" in html) == (not secret)
    assert _rows(tmp_path / "g0.sqlite")["cheat"]["score"] == "100"


def test_rows_graded_on_other_hidden_cases_than_the_rest_are_said(tmp_path):
    """Staff review 4, S4: a late student graded without the secret (or with another one) beside a class graded
    for credit was recorded without a word, and the class report looked like one class graded for credit. The
    batch now says so in a note, and the class report warns with each group's students; graded again with the
    same secret, both are quiet."""
    from grader.secret import fingerprint

    folders = tmp_path / "class"
    for student in ("ann", "bob"):
        _put(folders / student / "ex5.py", RIGHT)
    _put(tmp_path / "late" / "zed" / "ex5.py", RIGHT)
    secret_file = tmp_path / "course.secret"
    secret_file.write_text("s" * 32)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db), "--secret-file", str(secret_file)).exit_code == 0
    late = _batch(str(tmp_path / "late" / "zed"), "-e", "ex5", "--db", str(db))
    assert late.exit_code == 0, late.output
    assert (f"note: this batch grades on the public cases (no secret), but 2 other rows of the gradebook were graded "
            f"on the secret {fingerprint(b's' * 32)[:12]}: give the same secret") in late.stderr, late.stderr
    page = tmp_path / "page.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    assert (f"Warning: these rows were graded on different hidden cases: 2 with the secret "
            f"{fingerprint(b's' * 32)[:12]} (ann, bob); 1 on the public cases (no secret) (zed)") in page.read_text()
    again = _batch(str(tmp_path / "late" / "zed"), "-e", "ex5", "--db", str(db), "--secret-file", str(secret_file))
    assert again.exit_code == 0 and "note:" not in again.stderr, again.stderr
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    assert "different hidden cases" not in page.read_text()


def test_a_link_to_a_student_folder_is_said_and_not_followed(tmp_path):
    """A class folder where one student's folder is a symbolic link (to a copy elsewhere): the link is not
    followed, as a linked file is not, but the student is a row that says why, not silently lost (a link to
    a folder without code, such as shared data, is not a student)."""
    folders = tmp_path / "class"
    _put(folders / "alice" / "ex5.py", RIGHT)
    _put(tmp_path / "elsewhere" / "bob" / "ex5.py", RIGHT)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ex4data1.mat").write_bytes(b"\0" * 16)
    (folders / "bob").symlink_to(tmp_path / "elsewhere" / "bob")
    (folders / "Data").symlink_to(tmp_path / "data")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "utils.py").write_text("X = 1\n")
    (folders / "course_utils").symlink_to(tmp_path / "shared")  # helpers, no student (review 10, F2)
    _put(tmp_path / "elsewhere" / "erin" / "repo" / "ex5.py", RIGHT)
    (folders / "erin").symlink_to(tmp_path / "elsewhere" / "erin")  # the submission below the folder's top
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "class/bob: a symbolic link to a folder (not followed); not graded" in result.stderr
    assert "class/erin: a symbolic link to a folder (not followed); not graded" in result.stderr
    rows = _rows(db)
    assert set(rows) == {"alice", "bob", "erin"} and rows["alice"]["score"] == "100" and rows["bob"]["score"] == ""

    # a section with one real and one linked student is a section, not one student named after it (review 10, F2d)
    sections = tmp_path / "sections"
    _put(sections / "Sec1" / "ann" / "ex5.py", RIGHT)
    (sections / "Sec1" / "bob").symlink_to(tmp_path / "elsewhere" / "bob")
    _put(sections / "Sec2" / "carol" / "ex5.py", RIGHT)
    _put(sections / "Sec2" / "dan" / "ex5.py", RIGHT)
    db2 = tmp_path / "g2.sqlite"
    linked = _batch(str(sections), "-e", "ex5", "--db", str(db2))
    assert linked.exit_code == 2 and "Sec1/bob: a symbolic link to a folder (not followed)" in linked.stderr
    assert {s: r["score"] for s, r in _rows(db2).items()} == {"ann": "100", "bob": "", "carol": "100", "dan": "100"}


def test_blackboard_downloads_are_one_student_per_username_and_the_last_attempt_wins(tmp_path):
    """Blackboard names each attempt's files `<assignment>_<username>_attempt_<time>_<file>` (a .txt of the
    attempt's details beside them): one row per username, the later attempt graded, the earlier one named.
    Both files have one time (a zip written at once), so the attempt's time in the name decides. Usernames
    with "_" that end alike (john_smith, jane_smith) stay two students (review 10, F1)."""
    download = tmp_path / "download"
    same = 1_764_590_400.0
    _put(download / "Assignment5_jsmith_attempt_2026-11-30-10-00-00_ex5.py", EX5 / "extra_output_derivative.py", same)
    _put(download / "Assignment5_jsmith_attempt_2026-12-01-10-00-00_ex5.py", RIGHT, same)
    (download / "Assignment5_jsmith_attempt_2026-12-01-10-00-00.txt").write_text("Name: J Smith\n")
    _put(download / "Assignment5_mjones_attempt_2026-12-01-09-00-00_exercise4.py", EX5 / "extra_output_derivative.py")
    _put(download / "Assignment5_john_smith_attempt_2026-12-01-09-00-00_ex5.py", RIGHT)
    _put(download / "Assignment5_jane_smith_attempt_2026-12-01-11-00-00_ex5.py", EX5 / "extra_output_derivative.py")
    db = tmp_path / "g.sqlite"
    result = _batch(str(download), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = {student.removeprefix("Assignment5_"): row for student, row in _rows(db).items()}
    assert set(rows) == {"jsmith", "mjones", "john_smith", "jane_smith"}
    assert rows["jsmith"]["score"] == "100" and rows["mjones"]["mistakes"] == "extra_output_derivative"
    assert rows["john_smith"]["score"] == "100" and rows["jane_smith"]["score"] == "50"
    with sqlite3.connect(db) as connection:
        graded, passed_over = connection.execute("SELECT submission, passed_over FROM grades WHERE student = "
                                                 "'Assignment5_jsmith'").fetchone()
    connection.close()
    assert graded.endswith("attempt_2026-12-01-10-00-00_ex5.py")
    assert json.loads(passed_over)[0].endswith("attempt_2026-11-30-10-00-00_ex5.py")


def _receipt(folder: Path, attempt: str, name_line: str) -> None:
    """Blackboard's receipt of an attempt (its first lines as Blackboard writes them)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{attempt}.txt").write_text(f"{name_line}\nAssignment: Homework 5\nDate Submitted: Tuesday, "
                                           f"December 1, 2026 10:00:00 AM EST\nCurrent Grade: Needs Grading\n")


def test_blackboard_students_are_named_by_the_username_their_receipts_give(tmp_path):
    """The receipt beside each attempt names the student ("Name: Jane Smith (jane_smith)"), so the id is the
    username, the same in every assignment: `jsmith`, not `Homework 5_jsmith` (review 11, G8). An attempt
    without a receipt loses the assignment's name the other receipts showed; a receipt that names someone else
    (or no one) changes nothing, and two assignments in one folder keep their full ids rather than merge."""
    download = tmp_path / "download"
    _put(download / "Homework 5_jsmith_attempt_2026-12-01-10-00-00_ex5.py", RIGHT)
    _receipt(download, "Homework 5_jsmith_attempt_2026-12-01-10-00-00", "Name: John Smith (jsmith)")
    _put(download / "Homework 5_jane_smith_attempt_2026-12-01-11-00-00_ex5.py", EX5 / "extra_output_derivative.py")
    _receipt(download, "Homework 5_jane_smith_attempt_2026-12-01-11-00-00", "\ufeffName: Jane Smith (jane_smith)")
    _put(download / "Homework 5_m_jones_attempt_2026-12-01-09-00-00_ex5.py", RIGHT)  # its receipt is lost
    _put(download / "Homework 5_kim_attempt_2026-12-01-09-00-00_ex5.py", RIGHT)
    _receipt(download, "Homework 5_kim_attempt_2026-12-01-09-00-00", "Name: Kim Lee (klee)")  # not kim's name
    db = tmp_path / "g.sqlite"
    result = _batch(str(download), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = _rows(db)
    assert set(rows) == {"jsmith", "jane_smith", "m_jones", "kim"}, rows
    assert rows["jsmith"]["score"] == "100" and rows["jane_smith"]["mistakes"] == "extra_output_derivative"

    both = tmp_path / "both"  # two assignments' downloads poured into one folder
    for assignment in ("Homework 5", "Homework 6"):
        _put(both / f"{assignment}_jsmith_attempt_2026-12-01-10-00-00_ex5.py", RIGHT)
        _receipt(both, f"{assignment}_jsmith_attempt_2026-12-01-10-00-00", "Name: John Smith (jsmith)")
    db2 = tmp_path / "g2.sqlite"
    assert _batch(str(both), "-e", "ex5", "--db", str(db2)).exit_code == 0
    assert set(_rows(db2)) == {"Homework 5_jsmith", "Homework 6_jsmith"}


def test_a_suffix_typed_twice_is_not_part_of_the_student_id(tmp_path):
    """`kim_ex5.py.py` (a file saved with its suffix twice) is kim's, not a student `kim_py`'s."""
    flat = tmp_path / "flat"
    _put(flat / "kim_ex5.py.py", RIGHT)
    _put(flat / "lee_ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(flat), "-e", "ex5", "--db", str(db)).exit_code == 0
    rows = _rows(db)
    assert set(rows) == {"kim", "lee"} and rows["kim"]["score"] == "100", rows


FULL_DISK = """
set -u
mount -t tmpfs -o size=1m tmpfs "$1"
head -c 700000 /dev/zero > "$1/filler"
"$2" -m grader batch "$3" -e ex5 --db "$1/g.sqlite" --timeout 2 --quiet
echo "batch exit $?"
"$2" -m grader gradebook --db "$1/g.sqlite" --format csv > "$4"
"$2" -m grader gradebook --db "$1/g.sqlite" --format csv > /dev/full
echo "full export exit $?"
head -c 2000000 /dev/zero > "$1/more" 2> /dev/null
"$2" -m grader class-report --db "$1/g.sqlite" -o "$1/report.html"
echo "report exit $?"
echo "left: $(ls -A "$1" | tr '\\n' ' ')"
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                    reason="mounts a 1 MB tmpfs in a private mount namespace: needs root and unshare")
def test_a_full_disk_is_one_clear_line_and_what_was_recorded_is_kept(tmp_path):
    """Staff review 2, S3: a gradebook on a disk that fills up mid-batch gave "internal error (cannot rollback -
    no transaction is active)": SQLite had rolled back itself, and a second ROLLBACK hid the real error. Now it
    is one line that says the disk is full and that the rows recorded before are kept. An export to a full
    device is one line too, and a class report that does not fit leaves no empty page behind."""
    folders = tmp_path / "class"
    for i in range(40):
        _put(folders / f"s{i:02d}" / "ex5.py", RIGHT)
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    script = tmp_path / "full.sh"
    script.write_text(FULL_DISK)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", str(script), str(tiny),
                           sys.executable, str(folders), str(tmp_path / "kept.csv")],
                          capture_output=True, text=True, env=env, timeout=300)
    said = done.stdout + done.stderr
    assert "internal error" not in said and "Traceback" not in said, said
    assert "batch exit 2" in said, said
    assert f"{tiny}/g.sqlite: the disk is full (database or disk is full); what was recorded before is kept" in said
    rows = list(csv.DictReader(io.StringIO((tmp_path / "kept.csv").read_text())))
    assert 0 < len(rows) < 40 and all(row["score"] == "100" for row in rows), said  # the rows before are whole
    assert "full export exit 2" in said and "cannot write the export to standard output (No space left" in said
    assert "report exit 2" in said and f"{tiny}/report.html: cannot be written (No space left on device)" in said
    left = next(line for line in done.stdout.splitlines() if line.startswith("left: "))
    assert "report.html" not in left, left  # neither the page nor its part-written copy


def test_a_line_break_in_a_students_folder_name_cannot_forge_a_line(tmp_path):
    """Staff review 2, S10: a folder named "x\\ngrade: all submissions graded; nothing to check" split its
    problem line on the terminal, and its second half read as the grader's own. Line breaks in a line are
    shown as \\n."""
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    (folders / "x\ngrade: all submissions graded; nothing to check").mkdir()
    (folders / "x\ngrade: all submissions graded; nothing to check" / "notes.txt").write_text("nothing")
    result = _batch(str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2
    assert "x\\ngrade: all submissions graded; nothing to check: no submission" in result.stderr, result.stderr
    assert not any(line.startswith("grade: all submissions") for line in result.stderr.splitlines())


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="root without the capabilities that override file permissions: needs root and setpriv")
def test_an_unreadable_path_is_its_own_line_and_the_other_paths_are_graded(tmp_path):
    """Staff review 2, S20: one PATH the grader cannot read (an LMS zip of mode 600, another user's) stopped the
    whole run with click's usage error; a missing PATH was already one line. Now it is one line too."""
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    closed = tmp_path / "section2.zip"
    with zipfile.ZipFile(closed, "w") as archive:
        archive.write(RIGHT, "bo/ex5.py")
    os.chown(closed, 65534, 65534)
    closed.chmod(0o600)
    db = tmp_path / "g.sqlite"
    run = subprocess.run(["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                          "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m", "grader", "batch",
                          str(closed), str(folders), "-e", "ex5", "--db", str(db)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert f"grade: {closed}: cannot be unpacked (Permission denied)" in run.stderr
    assert "Usage:" not in run.stderr and "Traceback" not in run.stderr
    assert "1 graded, 0 skipped (unchanged), 0 could not grade, 1 PATH not graded" in run.stderr


def _cpu_cgroup(tmp_name: str) -> tuple[Path, str, str] | None:
    """A new cgroup of the cpu controller (folder, quota file, its half-CPU value), or None where none can be made."""
    v1 = Path("/sys/fs/cgroup/cpu")
    if (v1 / "cpu.cfs_quota_us").exists() and os.access(v1, os.W_OK):
        return v1 / tmp_name, "cpu.cfs_quota_us", "50000"
    v2 = Path("/sys/fs/cgroup")
    control = v2 / "cgroup.subtree_control"
    if control.exists() and "cpu" in control.read_text().split() and os.access(v2, os.W_OK):
        return v2 / tmp_name, "cpu.max", "50000 100000"
    return None


@pytest.mark.skipif(os.geteuid() != 0 or _cpu_cgroup("probe") is None,
                    reason="makes a cgroup with a CPU quota: needs root and a writable cpu controller")
def test_a_containers_cpu_quota_bounds_the_default_jobs(tmp_path):
    """Staff review 2, S21: in a container limited to half a CPU (docker run --cpus=0.5 sets such a quota) the
    batch still ran one job per host CPU, and calls that pass alone ran out of their time beside each other.
    The default --jobs now counts the quota; `grade doctor` says what it is and why."""
    folder, quota_file, half = _cpu_cgroup(f"nn-grader-test-{os.getpid()}")
    folder.mkdir()
    try:
        (folder / quota_file).write_text(half)
        inside = subprocess.run(["sh", "-c", f'echo $$ > "{folder}/cgroup.procs" && exec "$0" -m grader doctor',
                                 sys.executable], capture_output=True, text=True, timeout=300)
    finally:
        folder.rmdir()
    assert inside.returncode == 0, inside.stderr
    assert "CPUs for grade batch's default --jobs: 1 (a CPU quota of 0.5 CPUs;" in inside.stdout, inside.stdout
    outside = run_cli("doctor")
    assert "CPUs for grade batch's default --jobs: " in outside.output and "quota" not in outside.output
