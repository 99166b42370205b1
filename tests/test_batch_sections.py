"""`grade batch` on downloads that wrap the students in section folders (download/Section1/alice/ex5.py): each
section is a folder of students, not one student, so every student gets a row of their own; two students of
one name in two sections get two rows; one student's folder with subfolders of their own stays one student."""

import json
import sqlite3
import zipfile
from contextlib import closing

from . import course
from .conftest import run_cli
from .test_batch import EX5, RIGHT, _batch, _put, _rows, _stderr_lines

WRONG = EX5 / "extra_output_derivative.py"  # 50 points: the gradient parts fail


def _exported(db) -> dict[str, dict]:
    result = run_cli("gradebook", "--db", str(db), "--format", "json")
    assert result.exit_code == 0, result.output
    return {entry["student"]: entry for entry in json.loads(result.stdout)}


def _scores(db) -> dict[str, str]:
    return {student: row["score"] for student, row in _rows(db).items()}


def test_sections_of_student_folders_are_read_as_their_students(tmp_path):
    """Sections (and a term's sections, two levels deep) hold students: each student is a row named by their
    folder, graded from their own file, nothing "also found"; a rerun finds the same students unchanged."""
    download = tmp_path / "download"
    _put(download / "Section1" / "alice" / "ex5.py", RIGHT)
    _put(download / "Section1" / "bob" / "ex5.py", WRONG)
    _put(download / "Section2" / "carol" / "ex5.py", RIGHT)
    _put(download / "Section2" / "dave" / "ex5.py", WRONG)
    _put(download / "Spring" / "SectionA" / "erin" / "ex5.py", RIGHT)
    _put(download / "Spring" / "SectionA" / "fay" / "ex5.py", WRONG)
    _put(download / "Spring" / "SectionB" / "gus" / "ex5.py", RIGHT)
    _put(download / "Spring" / "SectionB" / "hal" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(download), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "8 graded, 0 skipped (unchanged), 0 could not grade" in result.stderr
    assert _scores(db) == {"alice": "100", "bob": "50", "carol": "100", "dave": "50",
                           "erin": "100", "fay": "50", "gus": "100", "hal": "100"}
    exported = _exported(db)
    assert exported["bob"]["submission"] == f"{download}/Section1/bob/ex5.py"
    assert exported["fay"]["submission"] == f"{download}/Spring/SectionA/fay/ex5.py"
    assert all(entry["passed_over"] == [] for entry in exported.values())
    again = _batch(str(download), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0 and "0 graded, 8 skipped (unchanged), 0 could not grade" in again.stderr


def test_one_name_in_two_sections_is_two_students_with_their_own_feedback(tmp_path):
    """alice in Section1 and alice in Section2 are two rows, each named by its section; the CSV and the
    feedback files keep them apart (a slash is not a file name: the feedback file's name is cleaned and
    suffixed with a hash of the id)."""
    download = tmp_path / "download"
    _put(download / "Section1" / "alice" / "ex5.py", RIGHT, mtime=1_000_000)
    _put(download / "Section1" / "bob" / "ex5.py", RIGHT)
    _put(download / "Section2" / "alice" / "ex5.py", WRONG, mtime=2_000_000)  # newer: must not hide the other
    _put(download / "Section2" / "carol" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(download), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "4 graded, 0 skipped (unchanged), 0 could not grade" in result.stderr
    rows = _rows(db)
    assert {s: r["score"] for s, r in rows.items()} == {"Section1/alice": "100", "Section2/alice": "50",
                                                        "bob": "100", "carol": "100"}
    assert rows["Section2/alice"]["mistakes"] == "extra_output_derivative" and rows["Section1/alice"]["mistakes"] == ""
    exported = _exported(db)
    assert exported["Section1/alice"]["submission"] == f"{download}/Section1/alice/ex5.py"
    assert exported["Section2/alice"]["passed_over"] == []

    feedback = tmp_path / "feedback"
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(feedback)).exit_code == 0
    written = sorted(p for p in feedback.iterdir() if p.name != ".nn-grader-feedback")  # the folder's marker
    assert len(written) == 8 and all(path.is_file() for path in written)
    by_student = {json.loads(path.read_text())["student"]: path for path in written if path.suffix == ".json"}
    assert set(by_student) == {"Section1/alice", "Section2/alice", "bob", "carol"}
    first, second = by_student["Section1/alice"], by_student["Section2/alice"]
    assert first.name.startswith("Section1_alice-") and second.name.startswith("Section2_alice-")
    assert json.loads(first.read_text())["score"] == 100 and json.loads(second.read_text())["score"] == 50
    assert "extra_output_derivative" in second.with_suffix(".txt").read_text()
    assert "extra_output_derivative" not in first.with_suffix(".txt").read_text()


def test_a_zip_of_a_sectioned_download(tmp_path):
    """The same download zipped, with its top folder and without: the same four students."""
    entries = [("Section1/alice/ex5.py", RIGHT), ("Section1/bob/ex5.py", WRONG),
               ("Section2/carol/ex5.py", RIGHT), ("Section2/alice/ex5.py", WRONG)]
    expected = {"Section1/alice": "100", "bob": "50", "carol": "100", "Section2/alice": "50"}
    for top in ("download/", ""):
        archive = tmp_path / f"class{len(top)}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, source in entries:
                zf.write(source, top + name)
        db = tmp_path / f"g{len(top)}.sqlite"
        result = _batch(str(archive), "-e", "ex5", "--db", str(db))
        assert result.exit_code == 0, result.output
        assert "4 graded, 0 skipped (unchanged), 0 could not grade" in result.stderr
        assert _scores(db) == expected, top
        assert _exported(db)["bob"]["submission"] == f"{archive}/Section1/bob/ex5.py"


def test_sections_of_flat_named_files(tmp_path):
    """Sections holding files named by student (and Canvas's names): every file its student's, the same name
    in two sections two students; a section mixing a named file and a student's folder holds both."""
    download = tmp_path / "download"
    _put(download / "Section1" / "alice_ex5.py", RIGHT, mtime=1_000_000)
    _put(download / "Section1" / "bob_ex5.py", WRONG)
    _put(download / "Section2" / "alice_ex5.py", WRONG, mtime=2_000_000)
    _put(download / "Section2" / "ex5_carol.py", RIGHT)
    _put(download / "Section3" / "smithjo_111_222_ex5.py", RIGHT)
    _put(download / "Section3" / "doejane_333_444_neural_net.py", WRONG)
    _put(download / "Section4" / "erin_ex5.py", RIGHT)
    _put(download / "Section4" / "fay" / "ex5.py", WRONG)
    db = tmp_path / "g.sqlite"
    result = _batch(str(download), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert _scores(db) == {"Section1/alice": "100", "Section2/alice": "50", "bob": "50", "carol": "100",
                           "smithjo_111": "100", "doejane_333": "50", "erin": "100", "fay": "50"}
    exported = _exported(db)
    assert exported["Section2/alice"]["submission"] == f"{download}/Section2/alice_ex5.py"
    assert all(entry["passed_over"] == [] for entry in exported.values())


def test_one_students_folder_with_subfolders_stays_one_student(tmp_path):
    """Inside sections and beside them: a student's old/ and v1/ v2/ drafts, the course's repo/Exercise4/
    layout, Exercise3/ beside Exercise4/: each folder is one student, the newest named file at the shallowest
    level graded, as in a class without sections."""
    download = tmp_path / "download"
    alice = download / "Section1" / "alice"
    _put(alice / "old" / "ex5.py", WRONG, mtime=3_000_000)  # newer, but a level deeper than her own ex5.py
    _put(alice / "ex5_part1.py", WRONG, mtime=1_000_000)
    _put(alice / "ex5.py", RIGHT, mtime=2_000_000)
    course.folder(download / "Section1" / "bob")  # repo/Exercise4/exercise4.ipynb, utils.py beside it
    carol = download / "Section1" / "carol"
    _put(carol / "Exercise4" / "ex5.py", RIGHT)
    (carol / "Exercise3").mkdir()
    (carol / "Exercise3" / "exercise3.py").write_text("x = 1\n")
    dave = download / "Section2" / "dave"
    _put(dave / "v1" / "ex5.py", WRONG, mtime=1_000_000)
    _put(dave / "v2" / "ex5.py", RIGHT, mtime=2_000_000)
    erin = download / "Section2" / "erin"
    _put(erin / "Exercise4" / "ex5.py", WRONG, mtime=1_000_000)
    _put(erin / "Exercise4 (copy)" / "ex5.py", RIGHT, mtime=2_000_000)
    zoe = download / "zoe"  # a student beside the sections
    _put(zoe / "ex5" / "ex5.py", RIGHT)
    _put(zoe / "backup2" / "ex5.py", WRONG, mtime=1_000_000)
    db = tmp_path / "g.sqlite"
    result = _batch(str(download), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert _scores(db) == {"alice": "100", "bob": "100", "carol": "100", "dave": "100", "erin": "100",
                           "zoe": "100"}
    exported = _exported(db)
    assert (exported["alice"]["submission"], exported["alice"]["passed_over"]) == (
        f"{alice}/ex5.py", [f"{alice}/ex5_part1.py", f"{alice}/old/ex5.py"])  # the deeper one: not graded, named
    assert exported["bob"]["submission"] == f"{download}/Section1/bob/repo/Exercise4/exercise4.ipynb"
    assert (exported["dave"]["submission"], exported["dave"]["passed_over"]) == (
        f"{dave}/v2/ex5.py", [f"{dave}/v1/ex5.py"])
    assert exported["erin"]["submission"] == f"{erin}/Exercise4 (copy)/ex5.py"
    assert exported["zoe"]["submission"] == f"{zoe}/ex5/ex5.py"


def test_a_stray_exercise_file_beside_a_sections_students_is_reported_not_graded_as_the_section(tmp_path):
    """Section1/ex5.py (the course's template, say) beside Section1/alice/ and Section1/bob/: the section is
    still a folder of students, and the file whose name tells no student is a could-not-grade line."""
    download = tmp_path / "download"
    _put(download / "Section1" / "ex5.py", EX5 / "template.py")
    _put(download / "Section1" / "alice" / "ex5.py", RIGHT)
    _put(download / "Section1" / "bob" / "ex5.py", WRONG)
    _put(download / "Section2" / "carol" / "ex5.py", RIGHT)
    _put(download / "Section2" / "dave" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(download), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 2, result.output
    assert "4 graded, 0 skipped (unchanged), 1 could not grade" in result.stderr
    assert _stderr_lines(result) == [f"grade: {download}/Section1/ex5.py: names the exercise but not the student "
                                     f"(expected e.g. alice_ex5.py or ex5_alice.ipynb); not graded"]
    assert {s: r for s, r in _scores(db).items() if r} == {"alice": "100", "bob": "50", "carol": "100",
                                                          "dave": "100"}


def test_wrapper_folders_around_the_sections_are_looked_through(tmp_path):
    """download/ML2026/Assignment5/Section1/alice/: the folders that hold only the sections are wrappers, and a
    name in two sections is qualified by the section alone, not by the wrappers' names."""
    sections = tmp_path / "download" / "ML2026" / "Assignment5"
    _put(sections / "Section1" / "alice" / "ex5.py", RIGHT)
    _put(sections / "Section1" / "bob" / "ex5.py", WRONG)
    _put(sections / "Section2" / "alice" / "ex5.py", WRONG)
    _put(sections / "Section2" / "carol" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "download"), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert _scores(db) == {"Section1/alice": "100", "Section2/alice": "50", "bob": "50", "carol": "100"}


def test_a_path_inside_another_path_given_is_read_once(tmp_path):
    """Staff review 2, S16: `grade batch download download/Section1` graded Section1's students twice, as
    'alice' and as 'Section1/alice'... one file, two rows. A PATH inside another PATH given, or given twice, is
    now read once, as part of the outer one, with a note."""
    download = tmp_path / "download"
    _put(download / "Section1" / "alice" / "ex5.py", RIGHT)
    _put(download / "Section1" / "amy" / "ex5.py", RIGHT)
    _put(download / "Section2" / "bob" / "ex5.py", WRONG)
    _put(download / "Section2" / "cy" / "ex5.py", WRONG)
    section3 = download / "section3.zip"  # a class zip lying in the folder: read only as a PATH of its own
    with zipfile.ZipFile(section3, "w") as archive:
        archive.write(RIGHT, "dee/ex5.py")
        archive.write(RIGHT, "eve/ex5.py")
    late = download / ".late"  # review 18, R6: a hidden folder, which reading download passes over
    _put(late / "dan" / "ex5.py", RIGHT)
    _put(late / "eli" / "ex5.py", WRONG)
    db = tmp_path / "g.sqlite"
    inner = download / "Section1"
    result = _batch(str(download), str(inner), str(download), str(section3), str(late), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output  # the zip is no "not opened" line of the folder's: it is read
    assert f"{section3} is inside" not in result.stderr
    assert f"note: {inner} is inside {download}, also given: read once, as part of it" in result.stderr
    assert f"note: {download} is the same as {download}, also given" in result.stderr
    assert f"{late} is inside" not in result.stderr
    assert _scores(db) == {"alice": "100", "amy": "100", "bob": "50", "cy": "50", "dee": "100", "eve": "100",
                           "dan": "100", "eli": "50"}
    assert "8 graded, 0 skipped (unchanged)" in result.stderr


def test_one_of_two_students_of_one_name_graded_again_alone_keeps_the_class_runs_id(tmp_path):
    """Staff review 2, S12: alice in Section1 and in Section2 are 'Section1/alice' and 'Section2/alice'; grading
    download/Section1/alice again alone (after a fix) added a row 'alice' and left the old one. The regrade now
    replaces the row whose recorded file it is."""
    download = tmp_path / "download"
    first = _put(download / "Section1" / "alice" / "ex5.py", WRONG)
    _put(download / "Section1" / "bob" / "ex5.py", RIGHT)
    _put(download / "Section2" / "alice" / "ex5.py", WRONG)
    _put(download / "Section2" / "carol" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(download), "-e", "ex5", "--db", str(db)).exit_code == 0
    first.write_text(RIGHT.read_text())
    again = _batch(str(download / "Section1" / "alice"), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0 and "1 graded, 0 skipped (unchanged)" in again.stderr, again.output
    assert _scores(db) == {"Section1/alice": "100", "Section2/alice": "50", "bob": "100", "carol": "100"}


def test_a_class_graded_in_halves_keeps_the_grade_of_a_students_newer_file(tmp_path):
    """Staff review 2, S4: alice's newer, right file is in SectionA, an older wrong copy in SectionB. Graded at
    once, the newer one counts; graded in two halves, the second half replaced her grade with the older copy's,
    and the summary said only "2 graded". The older file now leaves the row as it was, with a line."""
    download = tmp_path / "download"
    _put(download / "SectionA" / "alice" / "ex5.py", RIGHT, mtime=2_000_000)
    _put(download / "SectionA" / "amy" / "ex5.py", RIGHT)
    older = _put(download / "SectionB" / "alice" / "ex5.py", WRONG, mtime=1_000_000)
    _put(download / "SectionB" / "bob" / "ex5.py", WRONG)
    db = tmp_path / "g.sqlite"
    assert _batch(str(download / "SectionA"), "-e", "ex5", "--db", str(db)).exit_code == 0
    second = _batch(str(download / "SectionB"), "-e", "ex5", "--db", str(db))
    assert second.exit_code == 0, second.output
    assert f"note: alice: {older} is older than {download}/SectionA/alice/ex5.py, which their row was graded " \
           f"from: that grade is kept" in second.stderr
    assert _scores(db) == {"alice": "100", "amy": "100", "bob": "50"}
    assert "1 graded, 0 skipped (unchanged)" in second.stderr


def test_a_row_graded_again_from_another_folders_file_says_so_and_keeps_the_old_file(tmp_path):
    """Staff review 4, S5: Section1 graded, then Section2, into one gradebook: Section2's alice (newer) silently
    replaced Section1's alice, another student perhaps, and the row's "also found" did not even name Section1's
    file. Now a line names the student and both files, and the old file stays in the row's passed_over (not in
    her report: review 22, R6). A student's own newer file in the same folder (bob's ex5_v2.py) is no such case, nor
    is a rerun that finds the row's file unchanged."""
    download = tmp_path / "download"
    first = _put(download / "Section1" / "alice" / "ex5.py", RIGHT, mtime=1_000_000)
    _put(download / "Section1" / "bob" / "ex5.py", WRONG, mtime=1_000_000)
    second = _put(download / "Section2" / "alice" / "ex5.py", WRONG, mtime=2_000_000)
    _put(download / "Section2" / "dan" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(download / "Section1"), "-e", "ex5", "--db", str(db)).exit_code == 0
    _put(download / "Section1" / "bob" / "ex5_v2.py", RIGHT, mtime=2_000_000)
    again = _batch(str(download / "Section1"), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0 and "another folder" not in again.stderr, again.output
    result = _batch(str(download / "Section2"), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    lines = [line for line in _stderr_lines(result) if "another folder" in line]
    assert lines == [f"grade: note: alice: graded now from {second}, in another folder than {first}, which their "
                     f"row was graded from (kept as also found); if they are two students of one name, grade the "
                     f"folder holding both, {download}, as one PATH (not the two folders as two PATHs, which reads "
                     f"them as one student's files): it names each by its folder (Section1/alice and Section2/alice; "
                     f"Section1 and Section2 when those folders hold no other student); then remove the old row: "
                     f"grade gradebook --remove alice"], result.stderr
    alice = _exported(db)["alice"]
    assert (alice["submission"], alice["passed_over"]) == (str(second), [str(first)])
    with closing(sqlite3.connect(db)) as book:
        text = book.execute("SELECT report_text FROM grades WHERE student = 'alice'").fetchone()[0]
    assert "also found" not in text  # the staff's (passed_over), not a file alice handed in (review 22, R6)
    assert _scores(db) == {"alice": "50", "bob": "100", "dan": "100"}
    for rerun in ((), ("--regrade",)):  # unchanged, or graded again: the old file is still named
        again = _batch(str(download / "Section2"), "-e", "ex5", "--db", str(db), *rerun)
        assert again.exit_code == 0 and "another folder" not in again.stderr, again.output
        assert _exported(db)["alice"]["passed_over"] == [str(first)]


def test_both_other_folder_notes_give_one_recipe_that_leaves_no_stale_row(tmp_path):
    """Review 22, R5 and R8: the note for a file older than the row's said "give both PATHs at once" (which reads
    Section1's and Section2's alice as one student's files), the note for a newer one "grade the folder holding
    both in one batch" (which tells them apart, but left the old row `alice` beside `Section1/alice` and
    `Section2/alice` without a word). Both now give the same recipe, with the folder and the row to remove, and
    following it leaves one row per student."""
    for newer in (True, False):
        download = tmp_path / f"download{int(newer)}"
        _put(download / "Section1" / "alice" / "ex5.py", RIGHT, mtime=2_000_000)
        _put(download / "Section1" / "bob" / "ex5.py", RIGHT)
        _put(download / "Section2" / "alice" / "ex5.py", WRONG, mtime=3_000_000 if newer else 1_000_000)
        _put(download / "Section2" / "dan" / "ex5.py", RIGHT)
        db = tmp_path / f"g{int(newer)}.sqlite"
        assert _batch(str(download / "Section1"), "-e", "ex5", "--db", str(db)).exit_code == 0
        second = _batch(str(download / "Section2"), "-e", "ex5", "--db", str(db))
        assert second.exit_code == 0, second.output
        recipe = (f"if they are two students of one name, grade the folder holding both, {download}, as one PATH "
                  f"(not the two folders as two PATHs, which reads them as one student's files): it names each by "
                  f"its folder (Section1/alice and Section2/alice; Section1 and Section2 when those folders hold no "
                  f"other student); then remove the old row: grade gradebook --remove alice")
        assert [line for line in _stderr_lines(second) if "note: alice:" in line][0].endswith(recipe), second.stderr
        followed = _batch(str(download), "-e", "ex5", "--db", str(db))
        assert followed.exit_code == 0, followed.output
        assert set(_scores(db)) == {"alice", "bob", "dan", "Section1/alice", "Section2/alice"}
        removed = run_cli("gradebook", "--db", str(db), "--remove", "alice")
        assert removed.exit_code == 0, removed.output
        assert _scores(db) == {"bob": "100", "dan": "100", "Section1/alice": "100", "Section2/alice": "50"}


def test_the_recipe_names_the_rows_it_makes_when_each_folder_holds_one_student(tmp_path):
    """Review 23, Q7: dl1/alice graded, then dl2/alice alone; the recipe said a batch of the folder holding both
    "names each by its folder", and made rows dl1 and dl2 (a folder holding one student folder is taken for that
    student's). The note now says which names each case gives, and following it gives those rows."""
    _put(tmp_path / "dl1" / "alice" / "ex5.py", RIGHT, mtime=1_000_000)
    _put(tmp_path / "dl2" / "alice" / "ex5.py", WRONG, mtime=2_000_000)
    db = tmp_path / "g.sqlite"
    assert _batch(str(tmp_path / "dl1"), "-e", "ex5", "--db", str(db)).exit_code == 0
    second = _batch(str(tmp_path / "dl2"), "-e", "ex5", "--db", str(db))
    assert second.exit_code == 0, second.output
    assert "it names each by its folder (dl1/alice and dl2/alice; dl1 and dl2 when those folders hold no other " \
           "student); then remove the old row: grade gradebook --remove alice" in second.stderr, second.stderr
    assert _batch(str(tmp_path), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert run_cli("gradebook", "--db", str(db), "--remove", "alice").exit_code == 0
    assert _scores(db) == {"dl1": "100", "dl2": "50"}


def test_the_rows_old_file_in_another_folder_is_not_one_of_the_students_files_in_their_feedback(tmp_path):
    """Review 22, R6: carol's row graded from an earlier download (dl1), then from a new one (dl2) where she changed
    her file: the old file, kept in passed_over for the staff, showed in her own feedback as "Graded ex5.py, one of
    3 files; also found: ex5_old.py, ex5.py (another file of that name)", though she handed in two. Her feedback
    counts her own files only; the gradebook keeps all of them."""
    old = _put(tmp_path / "dl1" / "carol" / "ex5.py", WRONG, mtime=1_000_000)
    _put(tmp_path / "dl1" / "dan" / "ex5.py", RIGHT)
    new = _put(tmp_path / "dl2" / "carol" / "ex5.py", RIGHT, mtime=3_000_000)
    draft = _put(tmp_path / "dl2" / "carol" / "ex5_old.py", WRONG, mtime=2_000_000)
    _put(tmp_path / "dl2" / "dan" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(tmp_path / "dl1"), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert _batch(str(tmp_path / "dl2"), "-e", "ex5", "--db", str(db)).exit_code == 0
    carol = _exported(db)["carol"]
    assert (carol["submission"], carol["passed_over"]) == (str(new), [str(draft), str(old)])
    feedback = tmp_path / "fb"
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(feedback)).exit_code == 0
    text = (feedback / "carol.txt").read_text(encoding="utf-8")
    assert text.rstrip().endswith("Graded ex5.py, one of 2 files; also found: ex5_old.py"), text
    assert "another file of that name" not in text
    report = json.loads((feedback / "carol.json").read_text(encoding="utf-8"))
    assert (report["graded_file"], report["also_found"]) == ("ex5.py", ["ex5_old.py"])


def test_a_student_whose_work_is_in_a_subfolder_graded_again_alone_keeps_the_class_runs_id(tmp_path):
    """Staff review 4, S6: hal's folder holds only repo/Exercise4/ex5.py (a clone of the course's repository).
    The class run names the row `hal`; `grade batch class/hal`, to grade him again after a fix, read his folder
    as a class whose student is `repo` and added a row `repo` beside `hal`. The regrade now replaces the row the
    file was graded under; a file no row was graded from still gets the id its place gives."""
    folders = tmp_path / "class"
    hal = _put(folders / "hal" / "repo" / "Exercise4" / "ex5.py", WRONG)
    _put(folders / "bob" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert _scores(db) == {"hal": "50", "bob": "100"}
    hal.write_text(RIGHT.read_text())
    again = _batch(str(folders / "hal"), "-e", "ex5", "--db", str(db))
    assert again.exit_code == 0 and "1 graded, 0 skipped (unchanged)" in again.stderr, again.output
    assert _scores(db) == {"hal": "100", "bob": "100"}
    _put(folders / "ian" / "repo" / "Exercise4" / "ex5.py", RIGHT)  # new: no row was graded from it
    new = _batch(str(folders / "ian"), "-e", "ex5", "--db", str(db))
    assert new.exit_code == 0, new.output
    assert _scores(db) == {"hal": "100", "bob": "100", "repo": "100"}


def test_a_classmate_who_wrote_fewer_functions_is_no_helper(tmp_path):
    """Review 21, R1: a section of two flat students, ex5_alice.py (both functions) and ex5_bob.py (only the cost,
    a stub), became one student named by the section: bob's file was taken for alice's helper module, and bob
    vanished. A helper defines none of the graded functions; bob is a student."""
    folders = tmp_path / "class"
    _put(folders / "sec1" / "ex5_alice.py", RIGHT)
    (folders / "sec1" / "ex5_bob.py").write_text("import numpy as np\n\n\ndef nnCostFunction(nn_params, a, b, c, X, "
                                                 "y, lambda_=0.0):\n    return 0.0, np.zeros(nn_params.shape)\n")
    _put(folders / "sec2" / "ex5_carl.py", RIGHT)
    _put(folders / "sec2" / "ex5_dana.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert {s: r["score"] for s, r in _rows(db).items()} == {"alice": "100", "bob": "0", "carl": "100", "dana": "100"}


def test_a_row_from_an_earlier_reading_of_a_files_name_is_not_inherited(tmp_path):
    """Review 21, R3: a student without a row took the id of any row graded from the same file, so an id from an
    earlier reading of the file's own name (`nn`, for ezra/ex5_nn.py graded as a file alone) stayed ezra's for
    ever, --regrade or not. Only an id that names a folder the file is in is kept (hal, Section1/alice); the old
    row is said to be graded from a file now another student's."""
    folders = tmp_path / "class"
    _put(folders / "ezra" / "ex5_nn.py", RIGHT)
    _put(folders / "finn" / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert _batch(str(folders / "ezra" / "ex5_nn.py"), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert set(_rows(db)) == {"nn"}
    again = _batch(str(folders), "-e", "ex5", "--db", str(db), "--regrade")
    assert again.exit_code == 0, again.output
    assert set(_rows(db)) == {"nn", "ezra", "finn"}
    assert "note: 1 row of this exercise was graded from a file this batch grades as another student's: nn (now " \
           "ezra); remove it with grade gradebook --remove" in again.stderr, again.stderr


def test_a_new_download_of_the_whole_class_into_another_folder_is_said_in_a_few_lines(tmp_path):
    """Review of S5: a class graded from its first download, then from a second download in another folder,
    moved every row to another folder's file, and the batch printed a note per student (hundreds in a real
    class). The first three are named, the rest counted in one line."""
    first, second = tmp_path / "download1", tmp_path / "download2"
    students = [f"s{i}" for i in range(7)]
    for student in students:
        _put(first / student / "ex5.py", WRONG, mtime=1_000_000)
        _put(second / student / "ex5.py", RIGHT, mtime=2_000_000)
    db = tmp_path / "g.sqlite"
    assert _batch(str(first), "-e", "ex5", "--db", str(db)).exit_code == 0
    result = _batch(str(second), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    lines = [line for line in _stderr_lines(result) if "other folder" in line]
    assert [line.split(":")[2].strip() for line in lines[:3]] == ["s0", "s1", "s2"], lines
    assert lines[3:] == ["grade: note: and 4 more students graded now from files in other folders than the files "
                         "their rows were graded from (the rows keep those as also found: `grade gradebook` shows "
                         "them in passed_over)"], lines
    assert _scores(db) == dict.fromkeys(students, "100")


def test_sections_of_any_name_are_read_beside_a_students_folder(tmp_path):
    """Review 27, T5: a rule that a folder of students beside students' folders needs a section's name (against
    a planted folder, review 25 sec, S8) refused real sections whole: Period3/, TA_Smith/ beside one late student's
    folder gave 1 row of 5. Every student is graded."""
    for folder, student in (("Period3", "ann"), ("Period3", "ben"), ("TA_Smith", "cat"), ("TA_Smith", "dov")):
        _put(tmp_path / "class" / folder / student / "ex5.py", RIGHT)
    _put(tmp_path / "class" / "eli" / "ex5.py", RIGHT)  # handed in late, straight into the class's folder
    db = tmp_path / "g.sqlite"
    result = _batch(str(tmp_path / "class"), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0 and "5 graded" in result.stderr, result.output
    assert sorted(_scores(db).values()) == ["100"] * 5, _scores(db)
