"""`grade batch` telling which exercise and which student a file name is for: another exercise's id that starts
with this one's (ex5_mse beside ex5), and version words after a student's name (ex5_alice_final.py)."""

import json
import os
from pathlib import Path

from .conftest import run_cli
from .test_batch import EX5, RIGHT, _batch, _put, _rows
from .test_batch_finding import SAME_TIME, _exported

MSE_RIGHT = RIGHT.parent / "ex5_mse.py"


def test_a_file_named_for_another_exercise_is_that_exercises_work(tmp_path):
    """ex5_mse.py is ex5_mse's work (a known exercise), not ex5's file of a student called "mse" nor alice's
    ex5 file: with --exercise ex5 the flat files named for ex5_mse make no row, and in a student's folder
    holding both, ex5 grades ex5.py even when ex5_mse.py is newer; with --exercise ex5_mse, ex5_mse.py."""
    flat = tmp_path / "flat"
    _put(flat / "alice_ex5.py", RIGHT)
    _put(flat / "alice_ex5_mse.py", MSE_RIGHT, mtime=SAME_TIME + 60)
    _put(flat / "ex5_mse_bob.py", MSE_RIGHT)
    _put(flat / "bob_ex5.py", RIGHT)
    _put(flat / "ex5_mse.py", MSE_RIGHT)
    _put(flat / "erin_ex5-mse.py", MSE_RIGHT)  # another spelling of ex5_mse (review 20, R5): not "erin_mse"
    _put(flat / "ex5 mse_fay.py", MSE_RIGHT)
    folders = tmp_path / "folders"
    _put(folders / "carol" / "ex5.py", RIGHT, mtime=SAME_TIME)
    _put(folders / "carol" / "ex5_mse.py", MSE_RIGHT, mtime=SAME_TIME + 60)
    _put(folders / "dan" / "ex5.py", RIGHT, mtime=SAME_TIME + 60)
    _put(folders / "dan" / "ex5_mse.py", MSE_RIGHT, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    exported = _exported(db)
    assert sorted(exported) == ["alice", "bob", "carol", "dan"]
    assert exported["alice"]["submission"] == f"{flat}/alice_ex5.py"
    assert exported["alice"]["passed_over"] == []
    assert exported["carol"]["submission"] == f"{folders}/carol/ex5.py"
    assert exported["carol"]["passed_over"] == []
    assert {s: r["score"] for s, r in _rows(db).items()} == dict.fromkeys(exported, "100")

    mse = tmp_path / "mse.sqlite"
    result = _batch(str(folders), "-e", "ex5_mse", "--db", str(mse))
    assert result.exit_code == 0, result.output
    exported = _exported(mse)
    assert {s: e["submission"] for s, e in exported.items()} == {
        "carol": f"{folders}/carol/ex5_mse.py", "dan": f"{folders}/dan/ex5_mse.py"}
    assert {s: r["score"] for s, r in _rows(mse).items()} == {"carol": "100", "dan": "100"}


def test_a_folder_holding_only_another_exercises_file_has_no_submission(tmp_path):
    """A student folder whose only file is ex5_mse.py has no ex5 submission (not its "only .py"), and says so."""
    folders = tmp_path / "class"
    _put(folders / "erin" / "ex5_mse.py", MSE_RIGHT)
    _put(folders / "fay" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    assert "erin: no submission" in result.stderr
    assert "found ex5_mse.py (ex5_mse's file: was -e ex5_mse meant?)" in result.stderr, result.stderr
    assert _rows(db)["fay"]["score"] == "100"


def test_a_flat_folder_of_another_exercises_files_asks_whether_that_exercise_was_meant(tmp_path):
    """Files named for ex5_mse are passed over quietly when grading ex5; when they are all the folder holds, the
    line says so (review 20, R6): it said only "no submissions found"."""
    flat = tmp_path / "mseflat"
    for student in ("amy", "ben"):
        _put(flat / f"{student}_ex5_mse.py", MSE_RIGHT)
    result = _batch(str(flat), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 2, result.output
    assert f"{flat}: no submissions found" in result.stderr
    assert "it holds 2 files named for ex5_mse: was -e ex5_mse meant?" in result.stderr, result.stderr


def test_version_words_after_a_students_name_are_the_files_not_the_students(tmp_path):
    """ex5_alice_final.py, ex5_alice_v2.py, alice_ex5_final2.py, ex5_alice_draft.py are all alice's (one row,
    the newest graded, the others named as also found), not four students; ex5_final.py names no student."""
    flat = tmp_path / "flat"
    wrong = EX5 / "two_mistakes.py"
    _put(flat / "ex5_alice_v2.py", wrong, mtime=SAME_TIME)
    _put(flat / "ex5_alice_draft.py", wrong, mtime=SAME_TIME + 60)
    _put(flat / "alice_ex5_final2.py", wrong, mtime=SAME_TIME + 120)
    _put(flat / "ex5_alice_final.py", RIGHT, mtime=SAME_TIME + 180)
    _put(flat / "bob_ex5.py", RIGHT)
    _put(flat / "ex5_final.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output  # ex5_final.py: whose it is cannot be told
    assert f"{flat}/ex5_final.py: names the exercise but not the student" in result.stderr
    exported = _exported(db)
    assert set(exported) == {"alice", "bob", f"{flat}/ex5_final.py"}
    assert exported["alice"]["submission"] == f"{flat}/ex5_alice_final.py"
    assert sorted(exported["alice"]["passed_over"]) == [f"{flat}/{name}" for name in (
        "alice_ex5_final2.py", "ex5_alice_draft.py", "ex5_alice_v2.py")]
    assert _rows(db)["alice"]["score"] == "100"


def test_a_name_that_ends_like_a_version_word_is_still_the_students(tmp_path):
    """Only unmistakable version words end an id: ex5_nguyen_v.py (Nguyen V.), ex5_jiwoo_bak.py (Bak) and
    ex5_kim_new.py are students of their own, not nguyen's, jiwoo's and kim's versions; a browser's second
    download, "ex5_carol (2).py", is carol's (review 20, R13, R9)."""
    flat = tmp_path / "flat"
    _put(flat / "ex5_nguyen.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(flat / "ex5_nguyen_v.py", RIGHT, mtime=SAME_TIME + 60)
    for name in ("ex5_jiwoo.py", "ex5_jiwoo_bak.py", "ex5_kim.py", "ex5_kim_new.py"):
        _put(flat / name, RIGHT)
    _put(flat / "ex5_carol.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(flat / "ex5_carol (2).py", RIGHT, mtime=SAME_TIME + 60)
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    exported = _exported(db)
    assert sorted(exported) == ["carol", "jiwoo", "jiwoo_bak", "kim", "kim_new", "nguyen", "nguyen_v"]
    assert exported["nguyen"]["submission"] == f"{flat}/ex5_nguyen.py" and exported["nguyen"]["passed_over"] == []
    assert exported["carol"]["submission"] == f"{flat}/ex5_carol (2).py"
    assert exported["carol"]["passed_over"] == [f"{flat}/ex5_carol.py"]


def test_names_that_are_not_utf8_are_graded_and_shown_escaped(tmp_path):
    """Staff review 4, S1: a Windows zip unpacked by `unzip` leaves names that are not UTF-8 (Müller as the bytes
    M\\x81ller). One such folder or file stopped the whole batch with an internal UnicodeEncodeError (SQLite takes
    UTF-8 only), naming no file, and every rerun stopped there. Now each is a student, shown and stored escaped as
    `ls` shows it; a rerun skips them, the exports and the class report work, and so does Gradescope's adapter."""
    root = os.fsencode(tmp_path / "class")
    for student in (b"aa_M\x81ller", b"alice"):
        os.makedirs(os.path.join(root, student))
        _put(Path(os.fsdecode(os.path.join(root, student, b"ex5.py"))), RIGHT)
    _put(Path(os.fsdecode(os.path.join(root, b"J\xf6rg_ex5.py"))), EX5 / "extra_output_derivative.py")
    db = tmp_path / "g.sqlite"
    first = _batch(os.fsdecode(root), "-e", "ex5", "--db", str(db))
    assert first.exit_code == 0 and "3 graded" in first.stderr, first.output
    rows = _rows(db)
    assert {student: row["score"] for student, row in rows.items()} == {
        "aa_M\\x81ller": "100", "alice": "100", "J\\xf6rg": "50"}, rows
    assert rows["J\\xf6rg"]["mistakes"] == "extra_output_derivative"
    again = _batch(os.fsdecode(root), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0 and "0 graded, 3 skipped" in again.stderr, again.output
    feedback = run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "fb"))
    assert feedback.exit_code == 0 and "wrote 6 feedback files" in feedback.stderr, feedback.output
    page = run_cli("class-report", "--db", str(db), "-o", str(tmp_path / "page.html"))
    assert page.exit_code == 0 and "J\\xf6rg" in (tmp_path / "page.html").read_text(), page.output

    folder = os.fsencode(tmp_path / "gs" / "submission")
    os.makedirs(folder)
    _put(Path(os.fsdecode(os.path.join(folder, b"ex5.py"))), EX5 / "template.py", mtime=SAME_TIME)  # older
    _put(Path(os.fsdecode(os.path.join(folder, b"ex5_M\x81ller.py"))), RIGHT)
    graded = run_cli("gradescope", "--root", str(tmp_path / "gs"), "--exercise", "ex5")
    assert graded.exit_code == 0, graded.output
    results = json.loads((tmp_path / "gs" / "results" / "results.json").read_text())
    assert results["score"] == 100.0, results["output"]
    assert "Graded ex5_M\\x81ller.py; also found, not graded: ex5.py" in results["output"], results["output"]


def test_a_could_not_grade_row_of_a_file_since_renamed_is_said(tmp_path):
    """Staff review 4, S8: bob.py told no student ("could not grade", a row named by its path); renamed bob_ex5.py
    it is graded as bob's, but the old row stayed, counted as a student, with nothing said. The rerun says so."""
    folder = tmp_path / "B"
    _put(folder / "alice_ex5.py", RIGHT)
    _put(folder / "bob.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folder), "-e", "ex5", "--db", str(db)).exit_code == 2
    (folder / "bob.py").rename(folder / "bob_ex5.py")
    again = _batch(str(folder), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0, again.output
    assert (f'note: 1 "could not grade" row of this exercise names a file that is no longer there ({folder}/bob.py): '
            f"remove it with grade gradebook --remove") in again.stderr, again.stderr
    assert "no longer there" not in _batch(str(folder), "-e", "ex5", "--db", str(tmp_path / "new.sqlite")).stderr


def test_a_copy_kept_aside_after_the_exercises_name_is_the_students(tmp_path):
    """Staff review 4, S3: alice_ex5_test.py, ..._tmp, ..._scratch, ..._template, ..._starter, ..._skeleton (the
    words docs/batch.md names for a copy kept aside), ex5_bob_scratch.py and Google Drive's "Copy of
    alice_ex5.py" were students alice_test, ..., bob_scratch and "Copy of alice", each graded 0 on a template.
    Each is a copy of alice's (or bob's): one row, the file named only for the exercise graded even when the
    copy is newer, the copies named as also found. A word that is no copy's (solution) still makes an id."""
    flat = tmp_path / "flat"
    template = EX5 / "template.py"
    _put(flat / "alice_ex5.py", RIGHT, mtime=SAME_TIME)
    copies = ["alice_ex5_test.py", "alice_ex5_tmp.py", "alice_ex5-temp.py", "alice_ex5_scratch.py",
              "alice_ex5_template.py", "alice_ex5_starter.py", "alice_ex5 skeleton.py", "Copy of alice_ex5.py"]
    for name in copies:
        _put(flat / name, template, mtime=SAME_TIME + 60)
    _put(flat / "ex5_bob.py", RIGHT, mtime=SAME_TIME)
    _put(flat / "ex5_bob_scratch.py", template, mtime=SAME_TIME + 60)
    _put(flat / "carl_ex5_solution.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    exported = _exported(db)
    assert sorted(exported) == ["alice", "bob", "carl_solution"]
    assert exported["alice"]["submission"] == f"{flat}/alice_ex5.py"
    assert sorted(exported["alice"]["passed_over"]) == sorted(f"{flat}/{name}" for name in copies)
    assert (exported["bob"]["submission"], exported["bob"]["passed_over"]) == (
        f"{flat}/ex5_bob.py", [f"{flat}/ex5_bob_scratch.py"])
    assert {s: r["score"] for s, r in _rows(db).items()} == dict.fromkeys(exported, "100")


def test_a_counter_after_a_students_name_is_a_resubmission(tmp_path):
    """Staff review 4, S14: ex5_eve_1.py and ex5_eve_2.py were two students eve_1 and eve_2. A counter after the
    student's name is a resubmission's, as after the exercise's name (ex5-1, ex5_2): one row, the newest graded.
    A number of a group, or a number that is an id, stays (ex5_group_2.py, ex5_20231234.py)."""
    flat = tmp_path / "flat"
    _put(flat / "ex5_eve_1.py", EX5 / "two_mistakes.py", mtime=SAME_TIME)
    _put(flat / "ex5_eve_2.py", RIGHT, mtime=SAME_TIME + 60)
    _put(flat / "ex5_group_1.py", RIGHT)
    _put(flat / "ex5_group_2.py", RIGHT)
    _put(flat / "ex5_20231234.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    exported = _exported(db)
    assert sorted(exported) == ["20231234", "eve", "group_1", "group_2"]
    assert (exported["eve"]["submission"], exported["eve"]["passed_over"]) == (
        f"{flat}/ex5_eve_2.py", [f"{flat}/ex5_eve_1.py"])
    assert _rows(db)["eve"]["score"] == "100"


def test_a_code_file_saved_with_another_suffix_is_its_students_line(tmp_path):
    """Staff review 4, S20: carl_ex5.py.txt (a mail client's or browser's added .txt) left carl silently absent, while
    an LMS student in the same case gets a line. Its name says whose it is: carl's "could not grade" row, saying why.
    A handout beside the class (ex5_rubric.txt) names no student."""
    folder = tmp_path / "UP"
    _put(folder / "alice_ex5.py", RIGHT)
    _put(folder / "carl_ex5.py.txt", RIGHT)
    (folder / "ex5_rubric.txt").write_text("the rubric")
    db = tmp_path / "g.sqlite"
    result = _batch(str(folder), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    assert f"{folder}/carl_ex5.py.txt: carl submitted no .py or .ipynb file, only carl_ex5.py.txt" in result.stderr
    assert set(_rows(db)) == {"alice", "carl"}


def test_two_files_that_could_be_the_submission_are_said_to_be_several(tmp_path):
    """Staff review 4, S13: a student's folder holding Untitled.py and Untitled1.py, both defining the graded
    functions and neither named for the exercise, was "no submission in this student's folder"; there are two,
    as the platforms say. One of them alone is graded."""
    folders = tmp_path / "class"
    _put(folders / "u1" / "Untitled.py", RIGHT)
    _put(folders / "u1" / "Untitled1.py", RIGHT)
    _put(folders / "u2" / "Untitled.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    assert (f"{folders}/u1: several files could be the submission (Untitled.py, Untitled1.py), none named for the "
            f"exercise: keep only the file to grade, named ex5.py or ex5.ipynb") in result.stderr, result.stderr
    assert _rows(db)["u2"]["score"] == "100"


def test_another_known_exercises_files_in_a_flat_folder_are_passed_over(tmp_path):
    """Staff review 4, S9: in a flat folder of every exercise's files, alice_deep_relu.py graded as ex5 was a "could
    not grade: whose submission it is cannot be told" row, and the batch exited 2. It is deep_relu's work, passed
    over as ex5_mse's files are; graded as deep_relu it is alice's."""
    flat = tmp_path / "F"
    _put(flat / "alice_ex5.py", RIGHT)
    _put(flat / "alice_deep_relu.py", RIGHT.parent / "deep_relu.py")
    _put(flat / "bob_deep_relu.py", RIGHT.parent / "deep_relu.py")
    db = tmp_path / "g.sqlite"
    ex5 = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert ex5.exit_code == 0 and "cannot be told" not in ex5.stderr, ex5.output
    assert set(_rows(db)) == {"alice"}
    deep = _batch(str(flat), "-e", "deep_relu", "--db", str(tmp_path / "d.sqlite"))
    assert deep.exit_code == 0 and set(_rows(tmp_path / "d.sqlite")) == {"alice", "bob"}, deep.output


def test_students_merged_by_a_counter_after_their_name_are_said(tmp_path):
    """Review 21, R13: ex5_kim_7.py and ex5_kim_12.py became one student kim without a word in the batch's output
    (only the row's report said "also found"): two Kims told apart by a number lost one silently. A line on stderr
    names the merged files, as the line for untouched files does, --quiet or not. Files whose ids need no counter
    dropped (ex5_kim_2.py beside ex5_kim_2_v2.py: one id, kim_2) or that keep their number (ex5_group_2.py) are
    not in it, nor (review 22, R9) an ordinary resubmission beside the plain name (ex5_bo.py, ex5_bo_2.py), which
    named every such student in one long line; the line names files, not paths, and only rows graded in this run:
    a rerun that grades nothing says nothing."""
    flat = tmp_path / "flat"
    _put(flat / "ex5_kim_7.py", RIGHT, mtime=SAME_TIME)
    _put(flat / "ex5_kim_12.py", RIGHT, mtime=SAME_TIME + 60)
    _put(flat / "ex5_eve_2.py", RIGHT, mtime=SAME_TIME)
    _put(flat / "ex5_eve_2_v2.py", RIGHT, mtime=SAME_TIME + 60)
    _put(flat / "ex5_group_2.py", RIGHT)
    _put(flat / "alice_ex5.py", RIGHT)
    _put(flat / "ex5_bo.py", RIGHT)
    _put(flat / "ex5_bo_2.py", RIGHT)
    for quiet in ((), ("--quiet",)):
        db = tmp_path / f"g{len(quiet)}.sqlite"
        result = _batch(str(flat), "-e", "ex5", "--db", str(db), *quiet)
        assert result.exit_code == 0, result.output
        merged = [line for line in result.stderr.splitlines() if "number after" in line]
        assert len(merged) == 1, result.stderr
        assert "1 student's files differ only by a number after the name" in merged[0], merged
        assert "kim (ex5_kim_7.py, ex5_kim_12.py)" in merged[0], merged  # numbers as numbers (review 23, Q9)
        assert str(flat) not in merged[0] and len(merged[0]) < 300, merged
        assert "ex5_bo" not in merged[0] and "eve" not in merged[0] and "group" not in merged[0] \
            and "alice" not in merged[0], merged
        assert sorted(_exported(db)) == ["alice", "bo", "eve", "group_2", "kim"]
    again = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0 and "0 graded" in again.stderr, again.output
    assert "number after" not in again.stderr, again.stderr


def test_flat_files_taken_for_the_courses_own_are_named_in_one_line(tmp_path):
    """Review 31, X14: `key_ex5.html`, the upload of a student whose id is a word of the course (key, notes, ...),
    was silently nobody's, like the course's ex5_handout.pdf beside the class: no row and no line. They are still
    nobody's (a course's handout is no phantom student, X15), but one line names them."""
    flat = tmp_path / "flat"
    _put(flat / "alice_ex5.py", RIGHT)
    for name in ("key_ex5.html", "ex5_handout.pdf", "Exercise4_instructions.pdf"):
        (flat / name).write_bytes(b"%PDF-1.4\n" if name.endswith(".pdf") else b"<!DOCTYPE html>\n<html></html>\n")
    (flat / "utils.py").write_text("def sigmoid(z):\n    return z\n")  # the course's helper: not a course word
    db = tmp_path / "g.sqlite"
    result = _batch(str(flat), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0 and set(_rows(db)) == {"alice"}, result.output
    [line] = [line for line in result.stderr.splitlines() if "course's own" in line]
    assert "3 files taken for the course's own" in line and "not graded and in no student's row" in line, line
    assert "Exercise4_instructions.pdf, ex5_handout.pdf, key_ex5.html" in line and "utils.py" not in line, line
