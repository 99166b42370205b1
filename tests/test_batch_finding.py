"""`grade batch` finding and preparing each student's files (acceptance run 2: D12, D10, D2, D1, D14, D11, D16),
through the CLI, on small classes built here."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import ROOT, grade_json, run_cli
from .test_batch import EX5, RIGHT, _batch, _put, _rows, _stderr_lines
from .test_platforms import run_gradescope

SAME_TIME = 1_700_000_000  # a git clone or a zip written with one timestamp: every file the same time


def _exported(db) -> dict[str, dict]:
    return {e["student"]: e for e in json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)}


def test_the_file_named_only_for_the_exercise_wins_over_drafts_on_equal_times(tmp_path):
    """D12: ex5.py beside ex5_old.py / ex5_test.py / ex5_backup.py with the same modification time (a git
    clone): ex5.py is graded, not the draft the path order happened to prefer; a copy kept aside never wins
    over it even when newer; a real later version (ex5_v2.py) still does when newer, and (staff review 4, S18)
    wins a tie."""
    folders = tmp_path / "class"
    wrong = EX5 / "two_mistakes.py"
    for student, draft in (("s1", "ex5_old.py"), ("s2", "ex5_test.py"), ("s3", "EX5_Backup.py"),
                           ("s4", "exercise4_old.py")):
        _put(folders / student / "ex5.py", RIGHT, mtime=SAME_TIME)
        _put(folders / student / draft, wrong, mtime=SAME_TIME)
    _put(folders / "s5" / "ex5.py", RIGHT, mtime=SAME_TIME)  # cp ex5.py ex5_backup.py, then edited the backup
    _put(folders / "s5" / "ex5_backup.py", wrong, mtime=SAME_TIME + 3600)
    _put(folders / "s6" / "ex5.py", wrong, mtime=SAME_TIME)
    _put(folders / "s6" / "ex5_v2.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "s7" / "ex5.py", wrong, mtime=SAME_TIME)  # a later version, newer: it is the one handed in
    _put(folders / "s7" / "ex5_v2.py", RIGHT, mtime=SAME_TIME + 60)
    flat = tmp_path / "flat"
    _put(flat / "tom_ex5.py", RIGHT, mtime=SAME_TIME)
    _put(flat / "tom_ex5_old.py", wrong, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {f"s{i}": "100" for i in range(1, 8)} | {"tom": "100"}
    exported = _exported(db)
    assert exported["s1"]["submission"] == f"{folders}/s1/ex5.py"
    assert exported["s1"]["passed_over"] == [f"{folders}/s1/ex5_old.py"]  # still named in the report
    assert exported["s5"]["submission"] == f"{folders}/s5/ex5.py"
    assert exported["s6"]["submission"] == f"{folders}/s6/ex5_v2.py"
    assert exported["s7"]["submission"] == f"{folders}/s7/ex5_v2.py"
    assert exported["tom"]["submission"] == f"{flat}/tom_ex5.py"


def test_equal_times_in_a_zip_keep_canvas_upload_order(tmp_path):
    """On equal times Canvas's later upload (the larger file id) still wins, even over a plain ex5.py."""
    canvas = tmp_path / "canvas"
    _put(canvas / "leebob_12347_67892_ex5.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(canvas / "leebob_LATE_12347_67899_ex5-1.py", RIGHT, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    assert _batch(str(canvas), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert _rows(db)["leebob_12347"]["score"] == "100"


def test_the_newest_file_in_a_zip_is_told_by_the_times_the_zip_records(tmp_path):
    """A class zip (an LMS download) records each file's time: alice's later ex5_v2.py is graded even when
    the zip lists it before her first ex5.py, as it is when the folder is unzipped by hand (`unzip` keeps
    the times); unpacking must not date the files by the order it wrote them in. Equal recorded times
    fall to the rules for ties (bob: ex5.py over ex5_old.py, whatever the order)."""
    import zipfile

    wrong = (EX5 / "two_mistakes.py").read_bytes()
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("class/alice/ex5_v2.py", (2024, 3, 2, 10, 0, 0)), RIGHT.read_bytes())
        zf.writestr(zipfile.ZipInfo("class/alice/ex5.py", (2024, 3, 1, 10, 0, 0)), wrong)
        zf.writestr(zipfile.ZipInfo("class/bob/ex5.py", (2024, 3, 1, 10, 0, 0)), RIGHT.read_bytes())
        zf.writestr(zipfile.ZipInfo("class/bob/ex5_old.py", (2024, 3, 1, 10, 0, 0)), wrong)
    db = tmp_path / "g.sqlite"
    assert _batch(str(archive), "-e", "ex5", "--db", str(db)).exit_code == 0
    graded = {s: e["submission"].rsplit("/", 1)[-1] for s, e in _exported(db).items()}
    assert graded == {"alice": "ex5_v2.py", "bob": "ex5.py"}
    assert {s: r["score"] for s, r in _rows(db).items()} == {"alice": "100", "bob": "100"}


def test_jupyters_copy_is_the_same_students_file(tmp_path):
    """D14: Jupyter's "Make a Copy" (`alice_exercise4-Copy1.ipynb`, `copy 2`) is a copy of alice's notebook,
    not a student "alice_Copy1"; her file named for the exercise is graded."""
    from . import course

    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "alice_exercise4.ipynb").write_text(course.notebook(course.cells()))
    (flat / "alice_exercise4-Copy1.ipynb").write_text(course.notebook(course.cells()))
    _put(flat / "bob_ex5 copy 2.py", RIGHT)
    _put(flat / "bob_ex5.py", RIGHT)
    (flat / "utils.py").write_text(course.UTILS)
    for path in flat.iterdir():
        os.utime(path, (SAME_TIME, SAME_TIME))
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert set(_rows(db)) == {"alice", "bob"}
    exported = _exported(db)
    assert exported["alice"]["submission"] == f"{flat}/alice_exercise4.ipynb"
    assert exported["alice"]["passed_over"] == [f"{flat}/alice_exercise4-Copy1.ipynb"]
    assert exported["bob"]["passed_over"] == [f"{flat}/bob_ex5 copy 2.py"]
    assert _stderr_lines(result) == []


def test_flat_notebooks_get_the_course_helpers_lying_beside_them(tmp_path):
    """D10: the course's utils.py among flat submissions is given to each (a correct course notebook calling
    utils.sigmoid gets what a lone `grade` gives it: 100), and only it: a classmate's file is not."""
    from . import course

    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "alice_exercise4.ipynb").write_text(course.notebook(course.cells()))
    (flat / "utils.py").write_text(course.UTILS)
    _put(flat / "bob_ex5.py", EX5 / "uses_utils.py")
    (flat / "spy_ex5.py").write_text(  # borrows a classmate's file: still not importable
        "def nn_cost_function(*args):\n    import bob_ex5\n    return bob_ex5.nn_cost_function(*args)\n\n\n"
        "def sigmoid_gradient(z):\n    import bob_ex5\n    return bob_ex5.sigmoid_gradient(z)\n")
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = _rows(db)
    lone, _ = grade_json(flat / "alice_exercise4.ipynb", "--exercise", "ex5")
    assert lone["score"] == 100
    assert {s: r["score"] for s, r in rows.items()} == {"alice": "100", "bob": "100", "spy": "0"}
    assert rows["spy"]["notes"].startswith("crash:")  # No module named 'bob_ex5'


def test_a_canvas_students_own_files_keep_their_names(tmp_path):
    """D2: Canvas renames every upload (`kimann_12348_67894_utils.py`); the student's own utils.py is put
    beside the submission as utils.py, and wins over the class's; a student who did not upload one gets the
    class's, never a classmate's; the feedback names the notebook as the student uploaded it."""
    from . import course

    canvas = tmp_path / "canvas"
    _put(canvas / "kimann_12348_67893_ex5.py", EX5 / "uses_utils.py")
    _put(canvas / "kimann_12348_67894_utils.py", EX5 / "utils.py")
    (canvas / "parkmin_12349_67895_exercise4.ipynb").write_text(course.notebook(course.cells()))
    (canvas / "parkmin_12349_67896_utils.py").write_text(course.UTILS)
    (canvas / "utils.py").write_text("def sigmoid(z):\n    return 0.5 * z\n")  # the class's: a wrong one
    _put(canvas / "leeann_12350_67897_ex5.py", EX5 / "uses_utils.py")  # no utils of her own: the class's
    db = tmp_path / "g.sqlite"
    result = _batch(str(canvas), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = _rows(db)
    assert {s: r["score"] for s, r in rows.items()} == {"kimann_12348": "100", "parkmin_12349": "100",
                                                       "leeann_12350": "0"}

    # No class helper: leeann gets the sandbox's stand-in for the course's utils, never kimann's, whose own
    # utils.py alone has kim_helper: joe, who imports it, cannot.
    (canvas / "utils.py").unlink()
    (canvas / "kimann_12348_67894_utils.py").write_text((EX5 / "utils.py").read_text() + "\n\ndef kim_helper():\n"
                                                        "    return 1\n")
    joe = RIGHT.read_text().replace("def nn_cost_function(", "def _cost(")
    (canvas / "joeb_12351_67898_ex5.py").write_text(
        f"from utils import kim_helper\n{joe}\n\ndef nn_cost_function(*args):\n    kim_helper()\n"
        f"    return _cost(*args)\n")
    again = tmp_path / "again.sqlite"
    assert _batch(str(canvas), "-e", "ex5", "--db", str(again)).exit_code == 0
    rows = _rows(again)
    assert rows["leeann_12350"]["score"] == rows["kimann_12348"]["score"] == rows["parkmin_12349"]["score"] == "100"
    assert rows["joeb_12351"]["notes"].startswith("import_error:"), rows["joeb_12351"]
    feedback = tmp_path / "feedback"
    assert run_cli("gradebook", "--db", str(again), "--feedback", str(feedback)).exit_code == 0
    text = (feedback / "joeb_12351.txt").read_text()
    assert "ex5.py" in text and "cannot import name 'kim_helper'" in text, text


def test_an_lms_notebooks_messages_name_it_as_uploaded(tmp_path):
    """D2's side issue: a Canvas notebook whose import fails is named `exercise4.ipynb` in its feedback, as
    a lone grade names it, not the grader's `ex5.ipynb`."""
    from . import course

    canvas = tmp_path / "canvas"
    canvas.mkdir()
    cells = course.replaced(course.cells(), course.IMPORTS,
                            course.IMPORTS.replace("import utils\n", "import nosuchmodule as utils\n"))
    (canvas / "parkmin_12349_67895_exercise4.ipynb").write_text(course.notebook(cells))
    db = tmp_path / "g.sqlite"
    assert _batch(str(canvas), "-e", "ex5", "--db", str(db)).exit_code == 0
    feedback = tmp_path / "feedback"
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(feedback)).exit_code == 0
    text = (feedback / "parkmin_12349.txt").read_text()
    assert "(exercise4.ipynb, cell 1, line" in text and "ex5.ipynb" not in text, text


def test_moodle_folders_are_grouped_by_student(tmp_path):
    """D1: Moodle's folder download (`Full Name_ID_assignsubmission_file_/`, `..._onlinetext_/`): one student
    `Full Name_ID` (as Moodle's flat download names them, so both downloads give one row), the online text
    beside a file is passed over, and a student with only an online text is one line under the student's id."""
    moodle = tmp_path / "moodle"
    _put(moodle / "Alice Smith_100001_assignsubmission_file_" / "ex5.py", RIGHT)
    _put(moodle / "Dave Lee_100004_assignsubmission_file_" / "neural_net.py", EX5 / "extra_output_derivative.py")
    for student in ("Dave Lee_100004", "Frank Only_100006"):
        text = moodle / f"{student}_assignsubmission_onlinetext_" / "onlinetext.html"
        text.parent.mkdir(parents=True)
        text.write_text("<p>see attached</p>")
    flat = tmp_path / "flat"  # the same class, downloaded as Moodle's flat files, older
    _put(flat / "Alice Smith_100001_assignsubmission_file_ex5.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(moodle), str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    rows = _rows(db)
    assert {s: r["score"] for s, r in rows.items()} == {"Alice Smith_100001": "100", "Dave Lee_100004": "50",
                                                       "Frank Only_100006": ""}
    assert _stderr_lines(result) == [f"grade: {moodle}/Frank Only_100006_assignsubmission_onlinetext_: Frank "
                                     f"Only_100006 submitted no file, only an online text; not graded"]
    assert "1 could not grade" in result.stderr
    assert _exported(db)["Alice Smith_100001"]["passed_over"] == [
        f"{flat}/Alice Smith_100001_assignsubmission_file_ex5.py"]


def test_folders_no_student_made_are_passed_over(tmp_path, monkeypatch):
    """D11: `grade batch .` inside the class's folder, after `grade gradebook --feedback feedback` wrote there
    and Python left a __pycache__: no phantom students, exit 0; the feedback folder is known by the marker
    the feedback writer leaves in it, whatever its name."""
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", RIGHT)
    _put(folders / "bob" / "ex5.py", EX5 / "extra_output_derivative.py")
    (folders / "__pycache__").mkdir()
    (folders / "__pycache__" / "utils.cpython-311.pyc").write_bytes(b"\x00")
    monkeypatch.chdir(folders)
    assert _batch(".", "-e", "ex5").exit_code == 0
    written = run_cli("gradebook", "--feedback", "feedback")
    assert written.exit_code == 0 and "wrote 4 feedback files" in written.stderr, written.output
    assert run_cli("gradebook", "--feedback", "handback").exit_code == 0
    again = _batch(".", "-e", "ex5")
    assert again.exit_code == 0, again.output
    assert "0 graded, 2 skipped (unchanged), 0 could not grade" in again.stderr
    fresh = _batch(".", "-e", "ex5", "--db", str(tmp_path / "fresh.sqlite"))
    assert fresh.exit_code == 0 and "2 graded" in fresh.stderr, fresh.output
    assert set(_rows(tmp_path / "fresh.sqlite")) == {"ann", "bob"}
    (folders / "nobody").mkdir()  # a folder the grader did not write is still a student, as before
    (folders / "nobody" / "notes.txt").write_text("no code here")
    assert _batch(".", "-e", "ex5").exit_code == 2


def test_one_students_folder_as_the_path_is_that_student(tmp_path, monkeypatch):
    """D16: `grade batch class/alice` (to grade one student again into the class's gradebook) grades alice,
    under the id the class run gives her, with the same file; a flat folder with a stray ex5.py, and a class
    folder with one beside the students' folders, are still read as before."""
    folders = tmp_path / "class"
    _put(folders / "alice" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "alice" / "ex5_old.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(folders / "alice" / "utils.py", EX5 / "utils.py")
    _put(folders / "bob" / "ex5.py", EX5 / "extra_output_derivative.py")
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db)).exit_code == 0
    class_run = _exported(db)["alice"]
    _put(folders / "alice" / "ex5.py", EX5 / "extra_output_derivative.py", mtime=SAME_TIME)  # fixed by hand
    result = _batch(str(folders / "alice"), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "1 graded" in result.stderr
    again = _exported(db)
    assert set(again) == {"alice", "bob"}
    assert again["alice"]["submission"] == class_run["submission"] == f"{folders}/alice/ex5.py"
    assert again["alice"]["score"] == 50
    monkeypatch.chdir(folders / "alice")  # grade batch . inside her folder
    here = _batch(".", "-e", "ex5", "--db", str(tmp_path / "here.sqlite"))
    assert here.exit_code == 0, here.output
    assert set(_rows(tmp_path / "here.sqlite")) == {"alice"}
    _put(folders / "carol" / "Exercise4" / "ex5.py", RIGHT)  # acceptance run 10, D3: inside her own subfolder
    monkeypatch.chdir(folders / "carol" / "Exercise4")
    inside = _batch(".", "-e", "ex5", "--db", str(tmp_path / "inside.sqlite"))
    assert inside.exit_code == 0, inside.output
    assert set(_rows(tmp_path / "inside.sqlite")) == {"carol"}

    flat = tmp_path / "flat"
    _put(flat / "ann_ex5.py", RIGHT)
    _put(flat / "ex5.py", RIGHT)
    stray = tmp_path / "stray"
    _put(stray / "ex5.py", RIGHT)
    _put(stray / "cat" / "ex5.py", RIGHT)
    other = tmp_path / "other.sqlite"
    result = _batch(str(flat), str(stray), "-e", "ex5", "--db", str(other))
    assert result.exit_code == 2
    assert set(_rows(other)) == {"ann", "cat", str(flat / "ex5.py"), str(stray / "ex5.py")}


def test_feedback_written_among_submissions_hides_no_student(tmp_path):
    """The feedback folder's marker makes a folder litter only when it holds no submission: feedback written
    into a section's folder (beside its students) must not make that section's students vanish."""
    download = tmp_path / "download"
    for section, students in (("class", ("alice", "bob")), ("Section2", ("carl", "dan"))):
        for student in students:
            _put(download / section / student / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(download), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(download / "class")).exit_code == 0
    fresh = tmp_path / "fresh.sqlite"
    result = _batch(str(download), "-e", "ex5", "--db", str(fresh))
    assert result.exit_code == 0 and "4 graded" in result.stderr, result.output
    assert set(_rows(fresh)) == {"alice", "bob", "carl", "dan"}


def test_a_sectioned_students_draft_does_not_beat_the_file_named_for_them(tmp_path):
    """Two sections with an alice each qualify her id (Section1/alice); her draft alice_ex5_old.py still
    loses to alice_ex5.py on equal times, as it does when her section is graded alone."""
    folders = tmp_path / "class"
    _put(folders / "Section1" / "alice_ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "Section1" / "alice_ex5_old.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(folders / "Section1" / "bob_ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "Section2" / "alice_ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "Section2" / "carl_ex5.py", RIGHT, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = _rows(db)
    assert rows["Section1/alice"]["score"] == "100", rows
    assert _exported(db)["Section1/alice"]["submission"] == f"{folders}/Section1/alice_ex5.py"


def test_a_folder_of_unnamed_files_beside_an_ex5_py_is_not_one_student(tmp_path):
    """A PATH holding ex5.py (the template, say) beside bob.py and carol_nn.py could be a flat folder of
    unnamed submissions: it is read as one, so each file is a "could not grade" line, never silently
    dropped as one student's helpers (a student's own folder with ex5_old.py or utils.py still is one)."""
    for name in ("ex5.py", "bob.py", "carol_nn.py"):
        _put(tmp_path / "class" / name, RIGHT)
    result = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2 and "0 graded" in result.stderr, result.output
    assert len(_stderr_lines(result)) == 3 and all("not graded" in line for line in _stderr_lines(result))


def test_a_students_src_and_tests_folders_are_that_students(tmp_path):
    """alice/src/ex5.py beside alice/tests/test_ex5.py is one student's project, not two students."""
    for student in ("alice", "bob"):
        _put(tmp_path / "class" / student / "src" / "ex5.py", RIGHT)
        (tmp_path / "class" / student / "tests").mkdir()
        (tmp_path / "class" / student / "tests" / "test_ex5.py").write_text("def test_cost():\n    pass\n")
    _put(tmp_path / "class" / "carl" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"alice": "100", "bob": "100", "carl": "100"}


def test_on_equal_times_a_file_named_as_the_final_one_wins_over_the_template(tmp_path):
    """A git clone gives every file one time: ex5_final.py (or _latest, _fixed) beside the untouched ex5.py
    is the one handed in; a plain ex5.py still beats other versions (ex5_v1.py) and side copies."""
    folders = tmp_path / "class"
    _put(folders / "ann" / "ex5.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(folders / "ann" / "ex5_final.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "ben" / "ex5.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(folders / "ben" / "ex5_latest.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "ben" / "ex5_old.py", EX5 / "two_mistakes.py", mtime=SAME_TIME + 60)  # newer, but aside
    _put(folders / "cy" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "cy" / "ex5_v1.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db)).exit_code == 0
    graded = {s: e["submission"].rsplit("/", 1)[-1] for s, e in _exported(db).items()}
    assert graded == {"ann": "ex5_final.py", "ben": "ex5_latest.py", "cy": "ex5.py"}


def _student_zip(path, entries: dict[str, bytes]):
    import zipfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _zipped_course_folder(right: bool = True) -> dict[str, bytes]:
    """A student's zipped Exercise4 folder: their file, their own utils.py (with a function the course's
    stand-in lacks, so the file scores only when the zip's utils.py is beside it), the course's data."""
    source = (EX5 / ("uses_utils.py" if right else "extra_output_derivative.py")).read_text()
    return {"Exercise4/ex5.py": ("from utils import zipped_helper\n" + source).encode(),
            "Exercise4/utils.py": (EX5 / "utils.py").read_bytes() + b"\n\ndef zipped_helper():\n    return 1\n",
            "Exercise4/ex4data1.mat": b"\0" * 4096, "__MACOSX/Exercise4/._ex5.py": b"\0" * 64}


def test_a_students_own_zip_is_opened_and_graded_as_their_folder(tmp_path):
    """A student who zipped their Exercise4 folder (in their folder of an LMS download, or uploaded to Canvas
    as `doejane_12346_67891_Exercise4.zip`, or named `alice_ex5.zip`) is graded from the zip, with the
    zip's own utils.py importable beside their file, and the row names the file inside the zip; a zip
    named for no student among the flat files (the course's own) is no one's, and a file of the student's
    beats their zip (accept2 D4)."""
    _put(tmp_path / "class" / "ann" / "ex5.py", RIGHT)
    _student_zip(tmp_path / "class" / "gina" / "Exercise4.zip", _zipped_course_folder())
    flat = tmp_path / "flat"
    _student_zip(flat / "doejane_12346_67891_Exercise4.zip", _zipped_course_folder(right=False))
    _student_zip(flat / "alice_ex5.zip", _zipped_course_folder())
    _student_zip(flat / "Exercise4.zip", _zipped_course_folder())  # the course's, beside the class: no one's
    _put(flat / "carl_ex5.py", RIGHT)
    _student_zip(flat / "carl_ex5.zip", _zipped_course_folder(right=False))
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0 and "5 graded" in result.stderr, result.output
    exported = _exported(db)
    assert {s: e["score"] for s, e in exported.items()} == \
        {"ann": 100, "gina": 100, "doejane_12346": 50, "alice": 100, "carl": 100}
    assert exported["gina"]["submission"].endswith("class/gina/Exercise4.zip/Exercise4/ex5.py")
    assert exported["doejane_12346"]["submission"].endswith("flat/doejane_12346_67891_Exercise4.zip/Exercise4/ex5.py")
    assert _rows(db)["doejane_12346"]["mistakes"] == "extra_output_derivative"
    assert exported["carl"]["submission"].endswith("flat/carl_ex5.py")
    assert [Path(p).name for p in exported["carl"]["passed_over"]] == ["carl_ex5.zip"]  # named, not hidden


def test_what_a_students_zip_passes_over_is_also_found(tmp_path):
    """A file beats the student's zip, and the zip is named as also found; the files a zip's own choice
    passes over are named too, as in a folder (accept3 D4)."""
    _put(tmp_path / "class" / "nina" / "ex5.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _student_zip(tmp_path / "class" / "nina" / "Exercise4.zip", _zipped_course_folder())
    wrong = (EX5 / "two_mistakes.py").read_bytes()
    _student_zip(tmp_path / "class" / "tia" / "Exercise4.zip",
                 {"Exercise4/ex5.py": RIGHT.read_bytes(), "Exercise4/ex5_old.py": wrong})
    db = tmp_path / "g.sqlite"
    assert _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(db)).exit_code == 0
    exported = _exported(db)
    assert exported["nina"]["score"] == 50 and exported["nina"]["submission"].endswith("nina/ex5.py")
    assert [p.rsplit("/", 2)[-2:] for p in exported["nina"]["passed_over"]] == [["nina", "Exercise4.zip"]]
    assert exported["tia"]["score"] == 100
    assert [p.rsplit("/", 1)[-1] for p in exported["tia"]["passed_over"]] == ["ex5_old.py"]
    assert "tia/Exercise4.zip/Exercise4/ex5_old.py" in exported["tia"]["passed_over"][0]


def test_a_student_with_several_zips_gets_the_one_the_rules_pick_and_the_others_are_named(tmp_path):
    """Several zips in a student's folder are chosen as her files are: a copy kept aside never wins, even when
    newer; the zips not opened are named as also found. A FIFO named like her zip is her line, never a wait
    for ever (the batch is run in a process of its own, with a time limit, to show it ends)."""
    folder = tmp_path / "class" / "ivy"
    _student_zip(folder / "Exercise4_final.zip", {"Exercise4/ex5.py": RIGHT.read_bytes()})
    _student_zip(folder / "Exercise4_old.zip", {"Exercise4/ex5.py": (EX5 / "two_mistakes.py").read_bytes()})
    os.utime(folder / "Exercise4_final.zip", (SAME_TIME, SAME_TIME))
    os.utime(folder / "Exercise4_old.zip", (SAME_TIME + 60, SAME_TIME + 60))  # newer, but kept aside
    (tmp_path / "class" / "jo").mkdir()
    os.mkfifo(tmp_path / "class" / "jo" / "Exercise4.zip")
    db = tmp_path / "g.sqlite"
    done = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "-e", "ex5", "--db",
                           str(db)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "1 graded" in done.stderr and "1 could not grade" in done.stderr, done.stderr
    assert "class/jo: no submission in this student's folder" in done.stderr, done.stderr
    ivy = _exported(db)["ivy"]
    assert ivy["score"] == 100 and "Exercise4_final.zip/Exercise4/ex5.py" in ivy["submission"]
    assert [p.rsplit("/", 1)[-1] for p in ivy["passed_over"]] == ["Exercise4_old.zip"]


def test_a_folder_of_zips_named_for_no_one_is_not_one_student(tmp_path):
    """`alice.zip` and `bob.zip`, alone in a folder: each is reported (whose is it?), not graded as one
    student named after the folder with the other lost (review of the zips change)."""
    _student_zip(tmp_path / "class" / "alice.zip", {"Exercise4/ex5.py": RIGHT.read_bytes()})
    _student_zip(tmp_path / "class" / "bob.zip", {"Exercise4/ex5.py": RIGHT.read_bytes()})
    result = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2 and "0 graded" in result.stderr and "2 could not grade" in result.stderr, \
        result.output
    assert "class" not in _rows(tmp_path / "g.sqlite")


def test_a_students_zip_is_read_as_unzip_reads_it(tmp_path, monkeypatch):
    """Real students' zips (accept3 D8, D9): a zipped .venv beside the work counts only its code files toward
    the entries written; a notebook may be as large in a zip as on its own; an entry zipped twice is the last
    one, as unzip leaves it; a password-protected entry is refused with a line saying what to do."""
    import base64
    import importlib
    import zipfile

    unpack = importlib.import_module("grader.batch.unpack")
    monkeypatch.setattr(unpack, "MAX_ENTRIES", 50)
    monkeypatch.setattr(unpack, "MAX_ENTRY_BYTES", 1 << 20)  # notebooks keep MAX_NOTEBOOK_BYTES
    right, wrong = RIGHT.read_text(), (EX5 / "two_mistakes.py").read_text()
    venv = {f"Exercise4/.venv/lib/site-packages/pkg/m{i}.txt": b"x" for i in range(200)}
    _student_zip(tmp_path / "class" / "ann" / "Exercise4.zip", {**venv, "Exercise4/ex5.py": right.encode()})
    image = base64.b64encode(np.random.default_rng(0).bytes(3 << 19)).decode()  # 2 MB of output, incompressible
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": right, "execution_count": 1,
                           "outputs": [{"output_type": "display_data", "metadata": {},
                                        "data": {"image/png": image}}]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    _student_zip(tmp_path / "class" / "ben" / "Exercise4.zip",
                 {"Exercise4/exercise4.ipynb": json.dumps(notebook).encode()})
    twice = tmp_path / "class" / "hal" / "Exercise4.zip"
    twice.parent.mkdir(parents=True)
    with zipfile.ZipFile(twice, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("Exercise4/ex5.py", wrong)
        zf.writestr("Exercise4/ex5.py", right)
    locked = tmp_path / "class" / "gus" / "Exercise4.zip"
    locked.parent.mkdir(parents=True)
    with zipfile.ZipFile(locked, "w") as zf:
        zf.writestr("Exercise4/ex5.py", right)
    data = bytearray(locked.read_bytes())  # mark the entry encrypted, as a zip tool's password does
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    locked.write_bytes(bytes(data))
    result = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2 and "3 graded" in result.stderr, result.output
    assert {s: r["score"] for s, r in _rows(tmp_path / "g.sqlite").items() if r["score"]} == \
        {"ann": "100", "ben": "100", "hal": "100"}
    [line] = _stderr_lines(result)
    assert "gus/Exercise4.zip: refused: entry 'Exercise4/ex5.py' is password-protected (zip it again" in line, line


def test_a_students_zip_or_folder_given_as_the_path_is_that_student(tmp_path):
    """Zips e-mailed one by one (`grade batch alice.zip`, then bob.zip, into one gradebook), each holding the
    course's Exercise4 folder: each is its own student, named by the zip (they were both "Exercise4", and
    bob's row replaced alice's). A student's folder holding only her zip, given to grade her again, is hers
    (accept3 D1, D6)."""
    alice = _student_zip(tmp_path / "mail" / "alice.zip", {"Exercise4/ex5.py": RIGHT.read_bytes()})
    bob = _student_zip(tmp_path / "mail" / "bob.zip", _zipped_course_folder(right=False))
    _student_zip(tmp_path / "class" / "gina" / "Exercise4.zip", _zipped_course_folder())
    db = tmp_path / "g.sqlite"
    for path in (alice, bob, tmp_path / "class" / "gina"):
        result = _batch(str(path), "-e", "ex5", "--db", str(db))
        assert result.exit_code == 0 and "1 graded" in result.stderr, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"alice": "100", "bob": "50", "gina": "100"}


def test_archives_among_flat_files_are_never_dropped_without_a_line(tmp_path):
    """An archive among the flat files that is not a student's zip to open is a could-not-grade line, as a
    .py file whose name says nothing is: a zip named for no one (`alice.zip`, a TA's `section2.zip`), another
    kind of archive even when named for the student (`bob_ex5.tar.gz`). Only the course's own Exercise4.zip
    beside the class is no one's (accept3 D2)."""
    flat = tmp_path / "flat"
    _put(flat / "zed_ex5.py", RIGHT)
    _student_zip(flat / "alice.zip", {"Exercise4/ex5.py": RIGHT.read_bytes()})
    _student_zip(flat / "section2.zip", {"jan/ex5.py": RIGHT.read_bytes(), "kay/ex5.py": RIGHT.read_bytes()})
    _student_zip(flat / "Exercise4.zip", _zipped_course_folder())
    (flat / "bob_ex5.tar.gz").write_bytes(b"\x1f\x8b not really")
    result = _batch(str(flat), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2 and "1 graded" in result.stderr and "3 could not grade" in result.stderr, \
        result.output
    lines = _stderr_lines(result)
    assert len(lines) == 3, lines
    assert any("alice.zip: a .zip archive whose name does not say whose it is" in line for line in lines), lines
    assert any("section2.zip: a .zip archive whose name does not say whose it is" in line for line in lines), lines
    assert any("bob_ex5.tar.gz: a .tar.gz archive is not opened (only a .zip is)" in line for line in lines), lines


def test_a_students_zip_is_held_to_the_rules_of_a_zip(tmp_path, monkeypatch):
    """A student's zip that would write outside its folder is refused with the zip's line, one that holds
    no submission says so, one larger than a student's zip may be (MAX_STUDENT_ZIP_BYTES, here made small) is
    refused whatever its classmates' zips hold, and one that would pass the batch's bound for the disk
    (MAX_STUDENT_ZIPS_BYTES, made small too) is refused; the other students are graded."""
    import importlib

    unpack = importlib.import_module("grader.batch.unpack")
    flat = tmp_path / "flat"
    _put(flat / "ann_ex5.py", RIGHT)
    _student_zip(flat / "bob_ex5.zip", {"Exercise4/../../../escaped_ex5.py": RIGHT.read_bytes()})
    _student_zip(flat / "cy_ex5.zip", {"Exercise4/notes.txt": b"nothing to grade"})
    _student_zip(flat / "dee_ex5.zip", {"Exercise4/ex5.py": RIGHT.read_bytes(), "Exercise4/v1.py": RIGHT.read_bytes()})
    _student_zip(flat / "eve_ex5.zip", {"Exercise4/ex5.py": RIGHT.read_bytes()})
    _student_zip(flat / "gil_ex5.zip", {"Exercise4/ex5.py": RIGHT.read_bytes()})
    inner = _student_zip(tmp_path / "inner.zip", {"Exercise4/ex5.py": RIGHT.read_bytes()})
    _student_zip(flat / "fay_ex5.zip", {"Exercise4.zip": inner.read_bytes()})
    size = RIGHT.stat().st_size
    monkeypatch.setattr(unpack, "MAX_STUDENT_ZIP_BYTES", size * 3 // 2)  # one copy, not two
    monkeypatch.setattr(unpack, "MAX_STUDENT_ZIPS_BYTES", size * 9 // 5)  # one student's copy, not two
    result = _batch(str(flat), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2 and "2 graded" in result.stderr and "5 could not grade" in result.stderr, \
        result.output
    lines = _stderr_lines(result)
    assert any("bob_ex5.zip: refused" in line and "outside the folder" in line for line in lines), lines
    assert any("cy_ex5.zip: no submission in this zip" in line for line in lines), lines
    assert any("dee_ex5.zip: refused" in line and "would unpack to more than" in line for line in lines), lines
    assert set(_rows(tmp_path / "g.sqlite")) >= {"ann", "eve", "fay"}  # eve's zip, the first opened, is graded
    assert any("gil_ex5.zip: refused" in line and "would unpack to more than" in line for line in lines), lines
    assert any("fay_ex5.zip: it holds only another zip, Exercise4.zip, which is not opened" in line
               for line in lines), lines
    assert run_cli("gradebook", "--db", str(tmp_path / "g.sqlite"), "--feedback", str(tmp_path / "fb")).exit_code == 0
    assert (tmp_path / "fb" / "fay.txt").read_text().startswith("Could not grade: fay_ex5.zip: it holds only another")
    assert not list(tmp_path.rglob("escaped_ex5.py"))


def test_a_helper_named_for_the_exercise_never_beats_the_file_that_defines_the_functions(tmp_path):
    """Staff review S12: ex5.py beside the student's helper module ex5_utils.py (or ex5_plots.py), saved last:
    the helper defines none of the graded functions, so ex5.py is graded (not 0/100, every function missing),
    in a student's folder and among an LMS download's files alike; the helper is still named as also found.
    The Gradescope adapter picks the same file."""
    helpers = "import numpy as np\n\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
    folders = tmp_path / "class"
    _put(folders / "uma" / "ex5.py", RIGHT, mtime=SAME_TIME)
    (folders / "uma" / "ex5_utils.py").write_text(helpers)
    os.utime(folders / "uma" / "ex5_utils.py", (SAME_TIME + 3600, SAME_TIME + 3600))
    canvas = tmp_path / "canvas"
    _put(canvas / "wesjo_12345_67890_ex5.py", RIGHT, mtime=SAME_TIME)
    (canvas / "wesjo_12345_67891_ex5_plots.py").write_text(helpers)
    os.utime(canvas / "wesjo_12345_67891_ex5_plots.py", (SAME_TIME + 3600, SAME_TIME + 3600))
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), str(canvas), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"uma": "100", "wesjo_12345": "100"}
    exported = _exported(db)
    assert exported["uma"]["submission"] == f"{folders}/uma/ex5.py"
    assert exported["uma"]["passed_over"] == [f"{folders}/uma/ex5_utils.py"]
    assert exported["wesjo_12345"]["submission"] == f"{canvas}/wesjo_12345_67890_ex5.py"

    platform = tmp_path / "gradescope"
    shutil.copytree(folders / "uma", platform / "submission")  # the times too
    results, result = run_gradescope(platform, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0, results["output"]


def test_a_helper_named_for_the_exercise_never_hides_a_file_named_for_none_that_defines_the_functions(tmp_path):
    """Staff review 2, S5: neural_net.py (the solution) beside ex5_plots.py (plots, no graded function): only the
    helper is named for the exercise, and it was graded, 0/100, with no word. A file named for the exercise
    that defines none of the graded functions no longer hides one beside it that does; the helper is only
    also found. In a student's folder, in an LMS download and on Gradescope alike."""
    plots = "import numpy as np\n\n\ndef plot_cost(history):\n    return np.asarray(history)\n"
    folders = tmp_path / "class"
    _put(folders / "ann" / "neural_net.py", RIGHT, mtime=SAME_TIME)
    (folders / "ann" / "ex5_plots.py").write_text(plots)
    (folders / "ann" / "utils.py").write_text(plots)  # a course helper: never a candidate
    canvas = tmp_path / "canvas"
    _put(canvas / "parkmin_12345_67890_hw5.py", RIGHT, mtime=SAME_TIME)
    (canvas / "parkmin_12345_67891_ex5_utils.py").write_text(plots)
    _put(folders / "cal" / "ex5.py", RIGHT)  # named and defining: the other file is not read as a candidate
    (folders / "cal" / "mine.py").write_text(plots)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), str(canvas), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"ann": "100", "cal": "100", "parkmin_12345": "100"}
    exported = _exported(db)
    assert exported["ann"]["submission"] == f"{folders}/ann/neural_net.py"
    assert exported["ann"]["passed_over"] == [f"{folders}/ann/ex5_plots.py"]
    assert exported["parkmin_12345"]["submission"] == f"{canvas}/parkmin_12345_67890_hw5.py"
    assert exported["cal"]["passed_over"] == []

    platform = tmp_path / "gradescope"
    shutil.copytree(folders / "ann", platform / "submission")
    results, result = run_gradescope(platform, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0, results["output"]


def test_a_copy_kept_aside_never_hides_the_newer_work_named_for_no_exercise(tmp_path):
    """Acceptance run 11, D1: hw5.py (the work) beside a day-old ex5_old.py, or my_nn.py beside the course's
    ex5_template.py: only the copy kept aside was named for the exercise, so it was graded and the work was
    not even listed. Files that define the graded functions now compete with copies kept aside, and the newest
    wins; a copy kept aside with nothing else beside it is still graded."""
    starter = tmp_path / "starter"
    assert run_cli("starter", "ex5", "-o", str(starter)).exit_code == 0
    folders = tmp_path / "class"
    _put(folders / "chloe" / "ex5_old.py", EX5 / "extra_output_derivative.py", mtime=SAME_TIME)
    _put(folders / "chloe" / "hw5.py", RIGHT, mtime=SAME_TIME + 86400)
    _put(folders / "quin" / "ex5_template.py", starter / "ex5.py", mtime=SAME_TIME)
    _put(folders / "quin" / "my_nn.py", RIGHT, mtime=SAME_TIME + 3600)
    _put(folders / "rex" / "ex5_old.py", RIGHT)  # the only file: graded
    (folders / "rex" / "scratch.py").write_text("import numpy as np\nprint(np.ones(3))\n")
    canvas = tmp_path / "canvas"
    _put(canvas / "doejane_40001_80001_ex5_old.py", EX5 / "extra_output_derivative.py", mtime=SAME_TIME)
    _put(canvas / "doejane_40001_80002_nn.py", RIGHT, mtime=SAME_TIME + 86400)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), str(canvas), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"chloe": "100", "quin": "100", "rex": "100",
                                                              "doejane_40001": "100"}
    exported = _exported(db)
    assert exported["chloe"]["submission"] == f"{folders}/chloe/hw5.py"
    assert exported["chloe"]["passed_over"] == [f"{folders}/chloe/ex5_old.py"]
    assert exported["quin"]["submission"] == f"{folders}/quin/my_nn.py"
    assert exported["doejane_40001"]["submission"] == f"{canvas}/doejane_40001_80002_nn.py"

    platform = tmp_path / "gradescope"
    shutil.copytree(folders / "chloe", platform / "submission")  # the times too
    results, result = run_gradescope(platform, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0, results["output"]
    # review 18, R13: the two a level down, in two folders (old/, new/): the platform grades what the batch does
    deeper = tmp_path / "gradescope2" / "submission"
    _put(deeper / "old" / "ex5_old.py", EX5 / "extra_output_derivative.py", mtime=SAME_TIME)
    _put(deeper / "new" / "hw5.py", RIGHT, mtime=SAME_TIME + 86400)
    results, result = run_gradescope(deeper.parent, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0, results["output"]


def test_a_canvas_resubmission_of_a_file_named_for_no_exercise_is_graded_on_the_later_upload(tmp_path):
    """Acceptance run 11, D6: Canvas names a second upload of nn.py nn-1.py; both define the graded functions,
    so the student was "could not grade: no file named for ex5". They are one file uploaded twice: the later
    upload (Canvas's file id, as the files' times are equal in a zip) is graded, the first is also found."""
    canvas = tmp_path / "canvas"
    _put(canvas / "dupontanne_30002_70002_nn.py", EX5 / "extra_output_derivative.py", mtime=SAME_TIME)
    _put(canvas / "dupontanne_30002_70003_nn-1.py", RIGHT, mtime=SAME_TIME)
    _put(canvas / "leejo_30003_70004_mine.py", RIGHT)  # two different files that both define them: as before
    _put(canvas / "leejo_30003_70005_other.py", RIGHT)
    _put(canvas / "kayla_30004_70006_part-1.py", RIGHT)  # review 18, R12: two files, not one uploaded twice
    _put(canvas / "kayla_30004_70007_part-2.py", EX5 / "extra_output_derivative.py")
    db = tmp_path / "g.sqlite"
    result = _batch(str(canvas), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"dupontanne_30002": "100", "leejo_30003": "",
                                                              "kayla_30004": ""}
    assert _exported(db)["dupontanne_30002"]["passed_over"] == [f"{canvas}/dupontanne_30002_70002_nn.py"]


def test_a_file_named_for_the_exercise_that_imports_the_functions_from_the_students_modules_is_graded(tmp_path):
    """Review 18, R1: ex5.py doing `from cost import nn_cost_function` and `from grad import sigmoid_gradient`
    (or the course's Octave layout, ex4.py beside nnCostFunction.py and sigmoidGradient.py) defines no graded
    function itself, so one of its modules was graded instead: 5/100. A function imported by name counts as the
    file's own; the modules are helpers, as before."""
    folders = tmp_path / "class"
    _put(folders / "alice" / "cost.py", RIGHT)
    _put(folders / "alice" / "grad.py", RIGHT)
    (folders / "alice" / "ex5.py").write_text("from cost import nn_cost_function\nfrom grad import sigmoid_gradient\n")
    _put(folders / "kim" / "nnCostFunction.py", RIGHT)
    _put(folders / "kim" / "sigmoidGradient.py", RIGHT)
    (folders / "kim" / "ex4.py").write_text("from nnCostFunction import (\n    nn_cost_function,\n)\n"
                                            "from sigmoidGradient import sigmoid_gradient\n")
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"alice": "100", "kim": "100"}
    exported = _exported(db)
    assert exported["alice"]["submission"] == f"{folders}/alice/ex5.py"
    assert exported["kim"]["submission"] == f"{folders}/kim/ex4.py"
    platform = tmp_path / "gradescope"
    shutil.copytree(folders / "alice", platform / "submission")
    results, result = run_gradescope(platform, "--exercise", "ex5")
    assert result.exit_code == 0 and results["score"] == 100.0, results["output"]


def test_of_files_named_for_no_exercise_the_only_one_defining_the_functions_is_graded(tmp_path):
    """Staff review S5: a folder with hw5.py (the solution) and scratch.py (three lines, no function) is graded
    as Gradescope grades it (the only file that defines a graded function), not "could not grade"; two files
    that both define one are still "could not grade", with the files named."""
    folders = tmp_path / "class"
    _put(folders / "heidi" / "hw5.py", RIGHT)
    (folders / "heidi" / "scratch.py").write_text("import numpy as np\nx = np.ones(3)\nprint(x)\n")
    _put(folders / "ivan" / "mine.py", RIGHT)
    _put(folders / "ivan" / "also_mine.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    rows = _rows(db)
    assert rows["heidi"]["score"] == "100"
    assert _exported(db)["heidi"]["submission"] == f"{folders}/heidi/hw5.py"
    assert rows["ivan"]["score"] == "" and "several files could be the submission (also_mine.py, mine.py)" in \
        result.output  # staff review 4, S13: several, not none


def test_an_lms_student_who_uploaded_no_code_is_a_line_not_missing(tmp_path):
    """Acceptance run 10, D5 and D6: in an LMS's flat download, a student whose uploads are all of other kinds
    (the notebook exported as .html, a .txt, a .pdf, an ex5.py.txt; Moodle's online text) is "could not grade"
    with one line naming what they uploaded, as Moodle's folder download says it, not silently absent. A
    student with a .py beside a .pdf is graded as before, and a Blackboard receipt is no upload."""
    canvas = tmp_path / "canvas"
    _put(canvas / "smithjohn_12345_67890_ex5.py", RIGHT)
    (canvas / "smithjohn_12345_67899_report.pdf").write_bytes(b"%PDF-1.4\n")
    (canvas / "doejane_12346_67891_exercise4.html").write_text("<html>In [1]: ...</html>")
    (canvas / "roeann_12349_67894_ex5.py.txt").write_text("def nn_cost_function(): pass\n")
    (canvas / "kingmark_12360_text.html").write_text("<p>see my notebook</p>")  # staff review 2, S11: Canvas's
    (canvas / "wuhan_LATE_12362_link.html").write_text("<a href='https://colab.example'>")  # own text and URL
    (canvas / "smithjohn_12345_text.html").write_text("<p>comments</p>")  # beside a file: graded as before
    moodle = tmp_path / "moodle"
    _put(moodle / "Ann Lee_80_assignsubmission_file_ex5.py", RIGHT)
    (moodle / "Li Wei_79_assignsubmission_onlinetext_onlinetext.html").write_text("<p>my answer</p>")
    blackboard = tmp_path / "blackboard"
    _put(blackboard / "A5_jsmith_attempt_2026-12-01-10-00-00_ex5.py", RIGHT)
    (blackboard / "A5_jsmith_attempt_2026-12-01-10-00-00.txt").write_text("Name: John Smith (jsmith)\n")
    (blackboard / "A5_aroe_attempt_2026-12-01-11-00-00.txt").write_text("Name: Ann Roe (aroe)\n")  # text only
    db = tmp_path / "g.sqlite"
    result = _batch(str(canvas), str(moodle), str(blackboard), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    rows = _rows(db)
    assert {s: r["score"] for s, r in rows.items() if r["score"]} == \
        {"smithjohn_12345": "100", "Ann Lee_80": "100", "jsmith": "100"}
    assert f"{canvas}/doejane_12346_67891_exercise4.html: doejane_12346 submitted no .py or .ipynb file, only " \
           f"exercise4.html; not graded" in result.stderr
    assert "roeann_12349 submitted no .py or .ipynb file, only ex5.py.txt" in result.stderr
    assert f"{moodle}/Li Wei_79_assignsubmission_onlinetext_onlinetext.html: Li Wei_79 submitted no file, only an " \
           f"online text; not graded" in result.stderr
    # Review 17, R13: the line handed back to the student names the upload as they named it, not the download
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "fb")).exit_code == 0
    feedback = (tmp_path / "fb" / "doejane_12346.txt").read_text()
    assert str(canvas) not in feedback and "exercise4.html: doejane_12346 submitted no .py" in feedback, feedback
    assert f"{blackboard}/A5_aroe_attempt_2026-12-01-11-00-00.txt: aroe submitted no file, only Blackboard's " \
           f"receipt of the attempt" in result.stderr  # review 17, R10
    assert f"{canvas}/kingmark_12360_text.html: kingmark_12360 submitted no file, only a text entry in Canvas; " \
           f"not graded" in result.stderr
    assert "wuhan_12362 submitted no file, only a website URL in Canvas; not graded" in result.stderr
    assert set(rows) == {"smithjohn_12345", "doejane_12346", "roeann_12349", "Ann Lee_80", "Li Wei_79", "jsmith",
                         "aroe", "kingmark_12360", "wuhan_12362"}
    assert "3 graded, 0 skipped (unchanged), 6 could not grade" in result.stderr


def test_an_untouched_starter_never_hides_the_work_beside_it(tmp_path):
    """Staff review S4 named, and acceptance run 15 (N3) graded: the untouched starter notebook saved after the
    finished ex5.py (pat), a starter ex5.py at the top of a folder above the finished Exercise4/ex5.py (yan), a
    starter ex5.py beside the work in mywork.py (max, review 17, R4) were graded, 0/100, with a line for the
    staff. A file whose graded functions are all the template's stubs is nothing done: the work is graded, and
    the starter is named as also found. A student who handed in nothing but the starter and a file without the
    functions (kim) is still graded 0, and named in the staff's line."""
    starter = tmp_path / "starter"
    assert run_cli("starter", "ex5", "-o", str(starter)).exit_code == 0
    folders = tmp_path / "class"
    _put(folders / "pat" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "pat" / "exercise4.ipynb", starter / "ex5.ipynb", mtime=SAME_TIME + 3600)
    _put(folders / "yan" / "ex5.py", starter / "ex5.py", mtime=SAME_TIME)
    _put(folders / "yan" / "Exercise4" / "ex5.py", RIGHT, mtime=SAME_TIME + 3600)
    _put(folders / "zed" / "ex5.py", starter / "ex5.py")  # nothing else handed in: nothing to point out
    _put(folders / "max" / "ex5.py", starter / "ex5.py")  # review 17, R4: the work is in a file named for nothing
    _put(folders / "max" / "mywork.py", RIGHT)
    (folders / "max" / "plots.py").write_text("import numpy as np\n")  # defines no graded function
    _put(folders / "kim" / "ex5.py", starter / "ex5.py", mtime=SAME_TIME + 3600)
    (folders / "kim" / "ex5_plots.py").write_text("import numpy as np\n")
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    rows = {s: r["score"] for s, r in _rows(db).items()}
    assert rows == {"pat": "100", "yan": "100", "zed": "0", "max": "100", "kim": "0"}, rows
    exported = _exported(db)
    graded = {s: e["submission"].removeprefix(f"{folders}/") for s, e in exported.items()}
    assert graded == {"pat": "pat/ex5.py", "yan": "yan/Exercise4/ex5.py", "zed": "zed/ex5.py",
                      "max": "max/mywork.py", "kim": "kim/ex5.py"}, graded
    assert exported["yan"]["passed_over"] == [f"{folders}/yan/ex5.py"]
    assert exported["pat"]["passed_over"] == [f"{folders}/pat/exercise4.ipynb"]
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "fb")).exit_code == 0
    assert "Graded Exercise4/ex5.py, one of 2 files; also found: ex5.py" in (tmp_path / "fb" / "yan.txt").read_text()
    assert json.loads((tmp_path / "fb" / "yan.json").read_text())["also_found"] == ["ex5.py"]  # R7
    assert "check 1 student graded 0 on a file with nothing done in it (every function missing or the " \
           "template's) though they handed in other files: kim;" in result.stderr, result.stderr
    # staff review 4, S7: said on every run while the rows stand, and kept as a note in the exports
    again = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert "0 graded, 5 skipped" in again.stderr and "check 1 student graded 0 on a file with nothing done in it" \
        in again.stderr, again.stderr
    assert {s for s, r in _rows(db).items() if "work_beside" in r["notes"].split()} == {"kim"}



def test_the_feedback_says_why_a_newer_file_of_stubs_was_not_graded(tmp_path):
    """fix28, R10: the work in ex5.py, then the template's stubs saved later as ex5_final.py (or the starter
    notebook): the work is graded, rightly, and the feedback now says why the newer file was passed over, in the
    text and as a note of the JSON. A file of stubs older than the work (cy's ex5_v1.py) needs no word."""
    starter = tmp_path / "starter"
    assert run_cli("starter", "ex5", "-o", str(starter)).exit_code == 0
    folders = tmp_path / "class"
    _put(folders / "alice" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "alice" / "ex5_final.py", starter / "ex5.py", mtime=SAME_TIME + 3600)
    _put(folders / "bob" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "bob" / "exercise4.ipynb", starter / "ex5.ipynb", mtime=SAME_TIME + 60)
    _put(folders / "cy" / "ex5_v1.py", starter / "ex5.py", mtime=SAME_TIME)
    _put(folders / "cy" / "ex5.py", RIGHT, mtime=SAME_TIME + 3600)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"alice": "100", "bob": "100", "cy": "100"}
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "fb")).exit_code == 0
    for student, newer in (("alice", "ex5_final.py"), ("bob", "exercise4.ipynb")):
        text = (tmp_path / "fb" / f"{student}.txt").read_text()
        why = (f"{newer} is newer than ex5.py but holds only the template's stubs (nothing done in it): ex5.py, the "
               f"file with your work, was graded instead.")
        assert text.rstrip().endswith(f"Graded ex5.py, one of 2 files; also found: {newer}\n{why}"), text
        data = json.loads((tmp_path / "fb" / f"{student}.json").read_text())
        assert (data["graded_file"], data["also_found"]) == ("ex5.py", [newer])
        assert {"id": "newer_stubs_not_graded", "message": why} in data["notes"], data["notes"]
    text = (tmp_path / "fb" / "cy.txt").read_text()
    assert text.rstrip().endswith("Graded ex5.py, one of 2 files; also found: ex5_v1.py"), text
    assert json.loads((tmp_path / "fb" / "cy.json").read_text())["notes"] == []


def test_files_written_a_moment_apart_count_as_written_at_once(tmp_path):
    """Staff review S16: a git clone or a plain `cp -r` writes a student's ex5.py and ex5_v2.py milliseconds
    apart in whatever order; the equal-times rules (a numbered version over the file named only for the
    exercise, staff review 4, S18) decide then, not the copy's order. A version saved minutes later is still the
    newer one."""
    folders = tmp_path / "class"
    _put(folders / "erin" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "erin" / "ex5_v1.py", EX5 / "two_mistakes.py", mtime=SAME_TIME + 0.004)
    _put(folders / "gus" / "ex5.py", EX5 / "two_mistakes.py", mtime=SAME_TIME + 0.004)
    _put(folders / "gus" / "ex5_v2.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "finn" / "ex5.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(folders / "finn" / "ex5_v2.py", RIGHT, mtime=SAME_TIME + 300)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db)).exit_code == 0
    exported = _exported(db)
    assert exported["erin"]["submission"] == f"{folders}/erin/ex5.py"
    assert exported["finn"]["submission"] == f"{folders}/finn/ex5_v2.py"
    assert exported["gus"]["submission"] == f"{folders}/gus/ex5_v2.py"


def test_a_class_named_for_another_exercise_than_the_one_given_is_pointed_out(tmp_path):
    """Staff review S2: `-e ex5_mse` on a class of ex5.py files graded every correct student 5/100 without a
    word. The batch still grades as told, but first says which exercise the files are named for; a class named
    for the exercise given, or by one of its aliases (exercise4.ipynb for ex5), gets no such line."""
    folders = tmp_path / "class"
    for student in ("ann", "ben", "cy"):
        _put(folders / student / "ex5.py", RIGHT)
    wrong = _batch(str(folders), "-e", "ex5_mse", "--db", str(tmp_path / "a.sqlite"))
    assert wrong.exit_code == 0, wrong.output
    assert "grade: note: 3 of the 3 files found are named for ex5, none for ex5_mse: was -e ex5 meant? (grading " \
           "on with ex5_mse)" in wrong.stderr, wrong.stderr
    right = _batch(str(folders), "-e", "ex4", "--db", str(tmp_path / "b.sqlite"))
    assert right.exit_code == 0 and "note:" not in right.stderr, right.output
    spec = tmp_path / "specs" / "ex5_custom.yaml"  # an instructor's own spec, given by its path
    spec.parent.mkdir()
    spec.write_text((ROOT / "exercises" / "ex5.yaml").read_text().replace("id: ex5", "id: ex5_custom", 1)
                    .replace("aliases: [ex4, exercise4]", "aliases: []", 1))
    own = tmp_path / "own"
    for student in ("ann", "ben"):
        _put(own / student / "ex5_custom.py", RIGHT)
    custom = _batch(str(own), "-e", str(spec), "--db", str(tmp_path / "c.sqlite"))
    assert custom.exit_code == 0 and "note:" not in custom.stderr, custom.output


def test_the_file_that_defines_more_of_the_graded_functions_wins(tmp_path):
    """Review 17, R8, R1, R2: a helper ex5_utils.py holding sigmoid_gradient only, saved after ex5.py (which
    defines both), is not graded; a notebook whose code lies after 9 MB of outputs still defines its functions
    (the text is read to its end), so a side copy does not beat it; and a file named for no exercise at a
    student's top that defines one function does not hide Exercise4/ex5.py a level down."""
    folders = tmp_path / "class"
    _put(folders / "uma" / "ex5.py", RIGHT, mtime=SAME_TIME)
    (folders / "uma" / "ex5_utils.py").write_text(
        "import numpy as np\n\n\ndef sigmoid_gradient(z):\n    s = 1 / (1 + np.exp(-z))\n    return s * (1 - s)\n")
    os.utime(folders / "uma" / "ex5_utils.py", (SAME_TIME + 3600, SAME_TIME + 3600))
    output = {"output_type": "stream", "name": "stdout", "text": ["x" * (9 << 20)]}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["print('x' * 9437184)"],
         "outputs": [output]},
        {"cell_type": "code", "metadata": {}, "execution_count": 2, "source": RIGHT.read_text().splitlines(True),
         "outputs": []}]}
    (folders / "dave").mkdir()
    (folders / "dave" / "ex5.ipynb").write_text(json.dumps(notebook))
    os.utime(folders / "dave" / "ex5.ipynb", (SAME_TIME + 3600, SAME_TIME + 3600))
    _put(folders / "dave" / "ex5_old.py", EX5 / "cost_not_averaged.py", mtime=SAME_TIME)
    (folders / "pia").mkdir()
    (folders / "pia" / "check.py").write_text("def sigmoid_gradient(z):\n    return z\n")
    (folders / "pia" / "notes.py").write_text("x = 1\n")
    _put(folders / "pia" / "Exercise4" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"uma": "100", "dave": "100", "pia": "100"}
    exported = _exported(db)
    assert exported["uma"]["submission"] == f"{folders}/uma/ex5.py"
    assert exported["dave"]["submission"] == f"{folders}/dave/ex5.ipynb"
    assert exported["pia"]["submission"] == f"{folders}/pia/Exercise4/ex5.py"


def test_canvas_text_entries_are_read_only_in_a_canvas_download(tmp_path):
    """Review 18, R7: lecture_2026_text.html in a folder of alice_ex5.py files became a phantom student
    'lecture_2026' who could not be graded (exit 2); and a Canvas upload of a file named text.html was taken for
    Canvas's own text entry. Canvas's entries are read as such only in a Canvas download, never an upload."""
    flat = tmp_path / "flat"
    _put(flat / "alice_ex5.py", RIGHT)
    (flat / "lecture_2026_text.html").write_text("<p>notes</p>")
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0 and set(_rows(db)) == {"alice"}, result.output
    canvas = tmp_path / "canvas"
    _put(canvas / "smithjohn_12345_67890_ex5.py", RIGHT)
    (canvas / "doejane_12346_67891_text.html").write_text("<p>an upload named text.html</p>")
    result = _batch(str(canvas), "-e", "ex5", "--db", str(tmp_path / "c.sqlite"))
    assert "doejane_12346 submitted no .py or .ipynb file, only text.html; not graded" in result.stderr, result.stderr


def test_a_students_files_named_for_the_exercise_and_a_word_keep_the_folder_the_students(tmp_path):
    """Staff review 4, S2: a student's folder holding two files named for the exercise plus a word (carl's
    ex5_solution.py beside ex5_scratch.py, ezra's ex5_nn.py beside his helper ex5_utils.py, fred's ex5_part1.py
    and ex5_part2.py) was read as a folder of students `solution`, `scratch`, `nn`, `utils`, ...: the student
    had no row and phantoms had rows graded 0. A Moodle student's folder (its name is the LMS's id of the
    student) is that student's whatever its files are called, and so is a Gradescope export's submission folder.
    Each is one row named by its folder, the file `grade gradescope` picks for the same files graded, the others
    named as also found; files that name two students (alice_ex5.py, bob_ex5.py) still make a section."""
    template = EX5 / "template.py"
    folders = tmp_path / "class"
    _put(folders / "bob" / "ex5.py", RIGHT)
    _put(folders / "carl" / "ex5_solution.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "carl" / "ex5_scratch.py", template, mtime=SAME_TIME)
    _put(folders / "ezra" / "ex5_nn.py", RIGHT, mtime=SAME_TIME)
    (folders / "ezra" / "ex5_utils.py").write_text(
        "import numpy as np\n\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n")  # newer, defines none
    _put(folders / "fred" / "ex5_solution.py", RIGHT, mtime=SAME_TIME + 60)
    for part in ("ex5_part1.py", "ex5_part2.py"):
        _put(folders / "fred" / part, template, mtime=SAME_TIME)
    dee = folders / "Dee Roe_46_assignsubmission_file_"
    _put(dee / "ex5_solution.py", RIGHT, mtime=SAME_TIME + 60)
    _put(dee / "ex5_answers.py", template, mtime=SAME_TIME)
    lee = folders / "Bob Lee_43_assignsubmission_file_"
    _put(lee / "alice_ex5.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(lee / "bob_ex5.py", RIGHT, mtime=SAME_TIME + 60)
    section = folders / "Section1"
    _put(section / "alice_ex5.py", RIGHT)
    _put(section / "ex5_gus.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    exported = _exported(db)
    graded = {s: (e["submission"].removeprefix(f"{folders}/"), sorted(p.removeprefix(f"{folders}/")
                                                                     for p in e["passed_over"]))
              for s, e in exported.items()}
    assert graded == {
        "bob": ("bob/ex5.py", []),
        "carl": ("carl/ex5_solution.py", ["carl/ex5_scratch.py"]),
        "ezra": ("ezra/ex5_nn.py", ["ezra/ex5_utils.py"]),
        "fred": ("fred/ex5_solution.py", ["fred/ex5_part1.py", "fred/ex5_part2.py"]),
        "Dee Roe_46": (f"{dee.name}/ex5_solution.py", [f"{dee.name}/ex5_answers.py"]),
        "Bob Lee_43": (f"{lee.name}/bob_ex5.py", [f"{lee.name}/alice_ex5.py"]),
        "alice": ("Section1/alice_ex5.py", []),
        "gus": ("Section1/ex5_gus.py", [])}, graded
    assert {s: r["score"] for s, r in _rows(db).items()} == dict.fromkeys(graded, "100")
    for student in ("carl", "ezra", "fred"):  # the platform grades the same file of the same folder
        shutil.copytree(folders / student, tmp_path / student / "submission")
        results, _ = run_gradescope(tmp_path / student, "--exercise", "ex5")
        assert f"Graded {graded[student][0].split('/')[-1]}" in results["output"], results["output"]

    export = tmp_path / "export"  # a Gradescope export: the submission folder is its submitter's
    _put(export / "submission_201" / "ex5.py", RIGHT)
    _put(export / "submission_202" / "ex5_solution.py", RIGHT, mtime=SAME_TIME + 60)
    _put(export / "submission_202" / "ex5_answers.py", template, mtime=SAME_TIME)
    (export / "submission_metadata.yml").write_text(
        "submission_201:\n  :submitters:\n  - :name: Alice Smith\n    :sid: '1001'\n"
        "submission_202:\n  :submitters:\n  - :name: Carl Diaz\n    :sid: '1002'\n")
    gradescope = tmp_path / "gs.sqlite"
    result = _batch(str(export), "-e", "ex5", "--db", str(gradescope))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(gradescope).items()} == {"1001": "100", "1002": "100"}
    assert _exported(gradescope)["1002"]["passed_over"] == [f"{export}/submission_202/ex5_answers.py"]


def test_on_equal_times_a_numbered_version_wins_over_the_plain_name(tmp_path):
    """Staff review 4, S18: after `cp -r` of a class (or a git clone) every file has one time, and ex5.py beat the
    student's later ex5_v2.py: the copy graded rita 5/100 where the original folder gave 100. On a tie a numbered
    version (`_v2`, `_2`, `-1`, ` (2)`, a counter after a flat file's name) wins over the plain name, as one
    named as the final one does; `_v1`, a first version, and other versions (`_part1`) still lose to it."""
    folders = tmp_path / "class"
    wrong = EX5 / "two_mistakes.py"
    for student, version in (("rita", "ex5_v2.py"), ("sam", "ex5_2.py"), ("tia", "ex5 (2).py"),
                             ("uma", "ex5-1.py"), ("val", "Exercise4_v3.py")):
        _put(folders / student / "ex5.py", wrong, mtime=SAME_TIME + 1)  # the copy wrote it a moment later
        _put(folders / student / version, RIGHT, mtime=SAME_TIME)
    _put(folders / "wes" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "wes" / "ex5_v1.py", wrong, mtime=SAME_TIME)
    _put(folders / "xan" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "xan" / "ex5_part2.py", wrong, mtime=SAME_TIME)
    flat = tmp_path / "flat"
    _put(flat / "yul_ex5.py", wrong, mtime=SAME_TIME)
    _put(flat / "yul_ex5_v2.py", RIGHT, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    graded = {s: e["submission"].rsplit("/", 1)[-1] for s, e in _exported(db).items()}
    assert graded == {"rita": "ex5_v2.py", "sam": "ex5_2.py", "tia": "ex5 (2).py", "uma": "ex5-1.py",
                      "val": "Exercise4_v3.py", "wes": "ex5.py", "xan": "ex5.py", "yul": "yul_ex5_v2.py"}
    assert {s: r["score"] for s, r in _rows(db).items()} == dict.fromkeys(graded, "100")


def test_on_equal_times_the_higher_number_wins_whatever_its_digits(tmp_path):
    """Review of S18: two numbered versions with one time were ordered by their path as text, so ex5_v9.py beat
    ex5_v10.py ('9' > '1') and "ex5 (2).py" beat "ex5 (12).py". Numbers in the names count as numbers."""
    folders = tmp_path / "class"
    wrong = EX5 / "two_mistakes.py"
    for student, older, newer in (("ana", "ex5_v9.py", "ex5_v10.py"), ("ben", "ex5 (2).py", "ex5 (12).py"),
                                  ("cy", "ex5_v2.py", "ex5_v11.py")):
        _put(folders / student / older, wrong, mtime=SAME_TIME)
        _put(folders / student / newer, RIGHT, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    graded = {s: e["submission"].rsplit("/", 1)[-1] for s, e in _exported(db).items()}
    assert graded == {"ana": "ex5_v10.py", "ben": "ex5 (12).py", "cy": "ex5_v11.py"}


def test_on_equal_times_the_template_downloaded_again_never_wins_over_the_students_work(tmp_path):
    """Review 22, R3: with S18's rule a browser's second download of the template, "ex5 (1).py", beat the
    student's ex5.py on equal times (a `cp -r`, an unzip, one Gradescope upload): 0/100 where it was 100. A file
    whose graded functions are all the template's stubs loses a tie to one with work in it, and a counter 0
    (ex5_0.py) is no later version; ex5_v2_final.py is a final one."""
    folders = tmp_path / "class"
    wrong, template = EX5 / "two_mistakes.py", EX5 / "template.py"
    _put(folders / "ann" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "ann" / "ex5 (1).py", template, mtime=SAME_TIME)
    _put(folders / "bea" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "bea" / "ex5_0.py", wrong, mtime=SAME_TIME)
    _put(folders / "cal" / "ex5.py", wrong, mtime=SAME_TIME)
    _put(folders / "cal" / "ex5_v2_final.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "dee" / "ex5.py", template, mtime=SAME_TIME)  # the student's work is the numbered version
    _put(folders / "dee" / "ex5 (1).py", RIGHT, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    graded = {s: e["submission"].rsplit("/", 1)[-1] for s, e in _exported(db).items()}
    assert graded == {"ann": "ex5.py", "bea": "ex5.py", "cal": "ex5_v2_final.py", "dee": "ex5 (1).py"}
    assert {s: r["score"] for s, r in _rows(db).items()} == dict.fromkeys(graded, "100")


def test_on_equal_times_a_copy_that_does_not_parse_loses_to_the_complete_file(tmp_path):
    """Review 23, Q4: a copy cut off mid-def ("ex5 (1).py", its first lines only, one time with ex5.py after an
    unzip) counted as a file with work in it, won the tie by its number and gave 0 from its SyntaxError."""
    folders = tmp_path / "class"
    _put(folders / "fay" / "ex5.py", RIGHT, mtime=SAME_TIME)
    cut = folders / "fay" / "ex5 (1).py"
    cut.write_text("".join(RIGHT.read_text().splitlines(keepends=True)[:20]) + "def nn_cost_function(nn_params\n")
    os.utime(cut, (SAME_TIME, SAME_TIME))
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert _exported(db)["fay"]["submission"].endswith("/fay/ex5.py") and _rows(db)["fay"]["score"] == "100"


def test_on_equal_times_a_file_the_grader_reads_differently_still_beats_the_starter(tmp_path):
    """Review 24, P3: a right ex5.py beside a same-time starter copy ("ex5 (1).py") lost the tie, 0/100, when no
    def of the graded functions could be read in it: a latin-1 file (not read whole), or one that imports the
    functions from its own module. Only a file that does not parse loses to the starter's stubs."""
    folders = tmp_path / "class"
    template = EX5 / "template.py"
    right = RIGHT.read_text()
    latin = folders / "lia" / "ex5.py"
    latin.parent.mkdir(parents=True)
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n# \xe9l\xe8ve: L\xe9a\n" + right.encode())
    os.utime(latin, (SAME_TIME, SAME_TIME))
    _put(folders / "lia" / "ex5 (1).py", template, mtime=SAME_TIME)
    _put(folders / "max" / "mywork.py", RIGHT, mtime=SAME_TIME)
    importing = folders / "max" / "ex5.py"
    importing.write_text("from mywork import nn_cost_function, sigmoid_gradient  # noqa: F401\n")
    os.utime(importing, (SAME_TIME, SAME_TIME))
    _put(folders / "max" / "ex5 (1).py", template, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    graded = {s: e["submission"].rsplit("/", 1)[-1] for s, e in _exported(db).items()}
    assert graded == {"lia": "ex5.py", "max": "ex5.py"}, graded
    assert {s: r["score"] for s, r in _rows(db).items()} == {"lia": "100", "max": "100"}


def test_on_equal_times_a_graded_name_set_by_an_assignment_counts_as_defined(tmp_path):
    """Review 24, P6: a right ex5.py that defines `_cost` and then sets `nn_cost_function = _cost` counted as
    defining one graded function, its same-time starter copy ("ex5 (1).py") two, so the starter was graded: 0/100.
    An assignment to a graded name counts as its definition, in a .py and in a notebook's JSON."""
    folders = tmp_path / "class"
    template = EX5 / "template.py"
    aliased = RIGHT.read_text().replace("def nn_cost_function(", "def _cost(") + "\nnn_cost_function = _cost\n"
    assert "def nn_cost_function" not in aliased
    ned = folders / "ned" / "ex5.py"
    ned.parent.mkdir(parents=True)
    ned.write_text(aliased)
    os.utime(ned, (SAME_TIME, SAME_TIME))
    _put(folders / "ned" / "ex5 (1).py", template, mtime=SAME_TIME)
    oli = folders / "oli" / "ex5.ipynb"
    oli.parent.mkdir(parents=True)
    oli.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
         "source": aliased.splitlines(keepends=True)}]}, indent=1))
    os.utime(oli, (SAME_TIME, SAME_TIME))
    _put(folders / "oli" / "ex5 (1).py", template, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    graded = {s: e["submission"].rsplit("/", 1)[-1] for s, e in _exported(db).items()}
    assert graded == {"ned": "ex5.py", "oli": "ex5.ipynb"}, graded
    assert {s: r["score"] for s, r in _rows(db).items()} == {"ned": "100", "oli": "100"}


def test_choosing_a_students_file_reads_it_in_one_pass_whatever_it_holds(tmp_path):
    """Review 25 (security), S4: the search for a graded function imported by name looked forward from every
    `import (` to the end of the file, so a 128 kB comment of `import (` held a class's batch up 70 s, and a few MB
    would have held it for days. Each mention of a name now looks back a bounded span for its `import`: the file
    below (1 MB of `import (`, hours before) is read at once, and an import is still found."""
    folders = tmp_path / "class"
    _put(folders / "amy" / "ex5.py", RIGHT, mtime=SAME_TIME)
    stall = folders / "amy" / "ex5_v2.py"
    stall.write_text("# " + "import (" * (1 << 17) + "\n" + "import numpy as np\n")  # defines nothing: amy's ex5.py
    os.utime(stall, (SAME_TIME + 60, SAME_TIME + 60))
    _put(folders / "bo" / "mywork.py", RIGHT, mtime=SAME_TIME)
    importing = folders / "bo" / "ex5.py"
    importing.write_text("from mywork import (\n    nn_cost_function,\n    sigmoid_gradient,\n)  # noqa: F401\n")
    _put(folders / "bo" / "ex5_old.py", EX5 / "template.py", mtime=SAME_TIME + 60)
    db = tmp_path / "g.sqlite"
    result = subprocess.run([sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5", "--db", str(db)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)  # hours, before
    assert result.returncode == 0, result.stderr
    graded = {s: e["submission"].rsplit("/", 1)[-1] for s, e in _exported(db).items()}
    assert graded == {"amy": "ex5.py", "bo": "ex5.py"}, graded
    assert {s: r["score"] for s, r in _rows(db).items()} == {"amy": "100", "bo": "100"}


def test_a_starter_at_the_top_lets_the_next_level_decide_as_no_file_would(tmp_path):
    """Review 26, R3: with a starter at the top of dee's folder, the newest file at any depth below was graded
    (Exercise4/friend/ex5.py, a classmate's, 50) where the same folder without the starter grades the shallowest
    level's (Exercise4/ex5.py, 100). The level below the starter decides, as when the top holds no such file; and
    an empty ex5.py at the top (R11) hides nothing either."""
    starter = tmp_path / "starter"
    assert run_cli("starter", "ex5", "-o", str(starter)).exit_code == 0
    folders = tmp_path / "class"
    _put(folders / "dee" / "ex5.py", starter / "ex5.py", mtime=SAME_TIME)
    _put(folders / "dee" / "Exercise4" / "ex5.py", RIGHT, mtime=SAME_TIME + 60)
    _put(folders / "dee" / "Exercise4" / "friend" / "ex5.py", EX5 / "extra_output_derivative.py",
         mtime=SAME_TIME + 3600)
    (folders / "eve").mkdir(parents=True)
    (folders / "eve" / "ex5.py").write_text("")
    _put(folders / "eve" / "Exercise4" / "ex5.py", RIGHT, mtime=SAME_TIME + 60)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    graded = {s: e["submission"].removeprefix(f"{folders}/") for s, e in _exported(db).items()}
    assert graded == {"dee": "dee/Exercise4/ex5.py", "eve": "eve/Exercise4/ex5.py"}, graded
    assert {s: r["score"] for s, r in _rows(db).items()} == {"dee": "100", "eve": "100"}


def test_a_notebook_whose_grader_cells_submit_renamed_functions_is_work_not_nothing(tmp_path):
    """Review 27, T7: a notebook at the top of zed's folder defines its functions under other names and registers
    them in the course's grader cells (graded so, accept15 N2); counted as "nothing done" since it defines no
    graded name, it let the untouched starter in repo/Exercise4/ be graded: 100 -> 0."""
    from . import course

    starter = tmp_path / "starter"
    assert run_cli("starter", "ex5", "-o", str(starter)).exit_code == 0
    cells = [(kind, text.replace("nnCostFunction", "myCost").replace("sigmoidGradient", "mySigmoidGradient"))
             for kind, text in course.cells()]
    folders = tmp_path / "class"
    (folders / "zed").mkdir(parents=True)
    (folders / "zed" / "exercise4.ipynb").write_text(course.notebook(cells))
    _put(folders / "zed" / "repo" / "Exercise4" / "exercise4.ipynb", starter / "ex5.ipynb", mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert _exported(db)["zed"]["submission"].endswith("zed/exercise4.ipynb"), _exported(db)["zed"]
    assert _rows(db)["zed"]["score"] == "100", _rows(db)["zed"]
