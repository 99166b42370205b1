"""`grade batch` on Gradescope's "Export Submissions" download (submission_metadata.yml beside a folder per
submission), through the CLI: rows named by the submitters, not by Gradescope's folder names."""

import zipfile

from .test_batch import EX5, RIGHT, _batch, _put, _rows
from .test_batch_finding import _exported

WRONG = EX5 / "two_mistakes.py"

METADATA = """\
submission_111:
  :submitters:
  - :name: Alice Smith
    :sid: '001234'
    :email: alice@example.edu
  :created_at: 2026-12-01 10:00:00.000000000 -08:00
submission_222:
  :submitters:
  - :name: Bob Lee
    :sid:
    :email: bob@example.edu
  - :name: Carol Chen
    :sid: ''
  :created_at: 2026-12-01 11:00:00.000000000 -08:00
submission_333:
  :submitters:
  - :name: Dave Kim
    :sid: '5678'
  :created_at: 2026-12-02 09:00:00.000000000 -08:00
submission_444:
  :submitters:
  - :name: Dave Kim
    :sid: '5678'
  :created_at: 2026-12-01 09:00:00.000000000 -08:00
"""


def _export(folder, metadata: str | None = METADATA):
    """An export: Dave's newer submission (333) is right and written first, his older one (444) wrong; 555 is
    in no metadata."""
    for number, source in (("111", RIGHT), ("222", WRONG), ("333", RIGHT), ("444", WRONG), ("555", RIGHT)):
        _put(folder / f"submission_{number}" / "ex5.py", source, mtime=1_700_000_000)
    if metadata is not None:
        (folder / "submission_metadata.yml").write_text(metadata)
    return folder


def _notes(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("grade: note:")]


def test_a_gradescope_export_names_each_row_by_its_submitter(tmp_path):
    """The SID, else the email, else the name; a group gives each submitter a row; a submitter of two
    submissions gets the newer by Gradescope's time (with a note, the other passed over); a folder the metadata
    does not name keeps its name (with a note)."""
    export = _export(tmp_path / "assignment_9_export")
    db = tmp_path / "g.sqlite"
    result = _batch(str(export), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {
        "001234": "100", "bob@example.edu": "50", "Carol Chen": "50", "5678": "100", "submission_555": "100"}
    exported = _exported(db)
    assert exported["5678"]["submission"] == f"{export}/submission_333/ex5.py"
    assert exported["5678"]["passed_over"] == [f"{export}/submission_444/ex5.py"]
    assert exported["Carol Chen"]["submission"] == f"{export}/submission_222/ex5.py"
    assert _notes(result) == [
        f"grade: note: {export}/submission_metadata.yml names no submitter of submission_555; named by the folder",
        f"grade: note: 5678 is a submitter of more than one Gradescope submission: the newest, "
        f"{export}/submission_333/ex5.py, is graded ({export}/submission_444/ex5.py passed over)"]
    again = _batch(str(export / "submission_222"), "-e", "ex5", "--db", str(db), "--regrade")  # one, again
    assert again.exit_code == 0, again.output
    assert set(_rows(db)) == {"001234", "bob@example.edu", "Carol Chen", "5678", "submission_555"}


def test_a_zipped_export_given_twice_is_one_row_per_submitter(tmp_path):
    """The export's zip (its folder at the top) beside the same export unzipped: one row per submitter; with a
    later export, the submission Gradescope records as newer wins, whatever the files' times."""
    export = _export(tmp_path / "assignment_9_export")
    archive = tmp_path / "assignment_9_export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(export.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(tmp_path).as_posix())
    db = tmp_path / "g.sqlite"
    result = _batch(str(archive), str(export), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert set(_rows(db)) == {"001234", "bob@example.edu", "Carol Chen", "5678", "submission_555"}
    assert _rows(db)["5678"]["score"] == "100"
    graded = _exported(db)["5678"]["submission"]  # one of the two copies of submission_333: the note names it (R15)
    assert graded.endswith("/submission_333/ex5.py")
    assert [line for line in _notes(result) if "5678" in line and f"the newest, {graded}, is graded" in line], \
        (graded, _notes(result))
    later = tmp_path / "friday_export"  # a later export: Dave submitted again, by Gradescope's time
    _put(later / "submission_666" / "ex5.py", WRONG, mtime=1_600_000_000)  # an older file time than the others
    (later / "submission_metadata.yml").write_text(
        "submission_666:\n  :submitters:\n  - :sid: '5678'\n  :created_at: 2026-12-04 09:00:00 +00:00\n")
    db = tmp_path / "both.sqlite"
    result = _batch(str(archive), str(later), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert _rows(db)["5678"]["score"] == "50"
    assert _exported(db)["5678"]["submission"] == f"{later}/submission_666/ex5.py"
    assert any("the newest, " + f"{later}/submission_666/ex5.py, is graded" in line for line in _notes(result))


def test_missing_or_malformed_metadata_is_a_note_and_folder_names(tmp_path):
    """No submission_metadata.yml, or one that is not Gradescope's: one note, the folders' names, no traceback."""
    for metadata, said in ((None, "no submission_metadata.yml beside its submission_* folders"),
                           (":submitters: [unclosed\n", "submission_metadata.yml: is not valid YAML (line 2)"),
                           ("- just a list\n", "submission_metadata.yml: expected a mapping of submission folders")):
        export = _export(tmp_path / f"export_{len(said)}", metadata)
        db = tmp_path / f"g_{len(said)}.sqlite"
        result = _batch(str(export), "-e", "ex5", "--db", str(db))
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        assert set(_rows(db)) == {f"submission_{n}" for n in ("111", "222", "333", "444", "555")}
        notes = _notes(result)
        assert len(notes) == 1 and said in notes[0], notes


def test_an_impossible_submission_time_is_no_time_not_a_stop(tmp_path):
    """A `:created_at:` that looks like a time but is none (month 13, 24:00, a zone of +24:00) is read as no
    time: the batch grades every submission, and Dave's two submissions are told apart by their files."""
    for number, bad in enumerate(("2026-13-02 09:00:00 +00:00", "2026-12-02 24:00:00 +00:00",
                                  "2026-12-02 09:00:00 +24:00")):
        export = _export(tmp_path / f"export_{number}",
                         METADATA.replace("2026-12-02 09:00:00.000000000 -08:00", bad))
        db = tmp_path / f"g_{number}.sqlite"
        result = _batch(str(export), "-e", "ex5", "--db", str(db))
        assert result.exit_code == 0, result.output
        assert "internal error" not in result.output
        assert set(_rows(db)) == {"001234", "bob@example.edu", "Carol Chen", "5678", "submission_555"}


def test_rows_graded_before_under_the_folders_names_are_replaced_by_the_submitters(tmp_path):
    """An export graded without its metadata (rows submission_111 ...), then with it: the rows under the folders'
    names that the metadata now names by their submitters are removed, with a note (R16): one row per student,
    Dave's older submission_444 included; submission_555, named by no submitter, keeps its row."""
    export = _export(tmp_path / "export", metadata=None)
    db = tmp_path / "g.sqlite"
    assert _batch(str(export), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert set(_rows(db)) == {f"submission_{n}" for n in ("111", "222", "333", "444", "555")}
    (export / "submission_metadata.yml").write_text(METADATA)
    result = _batch(str(export), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert set(_rows(db)) == {"001234", "bob@example.edu", "Carol Chen", "5678", "submission_555"}
    assert [line for line in _notes(result) if "removed 4 rows" in line
            and "submission_111, submission_222, submission_333, submission_444" in line], _notes(result)


def test_two_exports_in_one_class_folder_give_a_submitter_one_row(tmp_path):
    """class/monday and class/friday, two exports of one assignment: an id the metadata gives names one student
    wherever it lies (R3), so 5678 has one row, graded from the submission Gradescope records as newer."""
    folder = tmp_path / "class"
    for day, numbers, sources, when in (("monday", ("1", "2"), (WRONG, RIGHT), "2026-12-01"),
                                        ("friday", ("7", "8"), (RIGHT, RIGHT), "2026-12-04")):
        for number, source in zip(numbers, sources, strict=True):
            _put(folder / day / f"submission_{number}" / "ex5.py", source, mtime=1_700_000_000)
        (folder / day / "submission_metadata.yml").write_text("".join(
            f"submission_{number}:\n  :submitters:\n  - :sid: '{sid}'\n  :created_at: {when} 10:00:00 +00:00\n"
            for number, sid in zip(numbers, ("5678", "1111" if day == "monday" else "2222"), strict=True)))
    db = tmp_path / "g.sqlite"
    result = _batch(str(folder), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"1111": "100", "2222": "100", "5678": "100"}
    assert _exported(db)["5678"]["submission"] == f"{folder}/friday/submission_7/ex5.py"
    assert _exported(db)["5678"]["passed_over"] == [f"{folder}/monday/submission_1/ex5.py"]


def test_a_submitter_whose_folder_the_export_lacks_is_said(tmp_path):
    """Staff review 4, S10: the metadata names submission_666 (Gus, 9999), but the export holds no such folder:
    Gus was silently absent; a note now names him (the reverse, a folder the metadata does not name, had one)."""
    gus = "submission_666:\n  :submitters:\n  - :name: Gus Ghost\n    :sid: '9999'\n"
    export = _export(tmp_path / "export", METADATA + gus)
    result = _batch(str(export), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"))
    assert result.exit_code == 0, result.output
    assert any("names submitters whose folder the export does not hold, not graded: 9999 (submission_666)" in line
               for line in _notes(result)), result.stderr
    assert not any("does not hold" in line for line in _notes(_batch(str(_export(tmp_path / "full")), "-e", "ex5",
                                                                     "--db", str(tmp_path / "h.sqlite"))))
