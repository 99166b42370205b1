"""`grade batch` against one hostile student's folder (review 25 sec, S1, S3, S11), through the CLI: what one
student's folder holds changes no classmate's row, and stops no one's grading."""

import os

from .test_batch import EX5, RIGHT, _batch, _put, _rows

SAME_TIME = 1_700_000_000


def _unparseable(path):
    """The solution with a line the parser cannot hold (100 000 unary minus signs: MemoryError in ast.parse),
    in code that never runs."""
    source = RIGHT.read_text().replace("def sigmoid_gradient(z):\n",
                                       "def sigmoid_gradient(z):\n    if False:\n        w = " + "-" * 100_000 + "z\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    os.utime(path, (SAME_TIME, SAME_TIME))
    return path


def test_a_tied_file_the_parser_cannot_hold_stops_no_ones_grading(tmp_path):
    """S3: mallory's ex5.py and "ex5 (1).py" of one time are read to break the tie, and one of them made
    ast.parse raise MemoryError: `grade batch` ended with "internal error" before anyone was graded. The
    unreadable file now loses the tie; everyone is graded."""
    folders = tmp_path / "class"
    for student in ("alice", "bob"):
        _put(folders / student / "ex5.py", RIGHT)
    _unparseable(folders / "mallory" / "ex5.py")
    _put(folders / "mallory" / "ex5 (1).py", RIGHT, mtime=SAME_TIME)
    db = tmp_path / "g.sqlite"
    result = _batch(str(folders), "-e", "ex5", "--db", str(db))
    assert "internal error" not in result.output
    assert result.exit_code == 0, result.output
    assert {s: r["score"] for s, r in _rows(db).items()} == {"alice": "100", "bob": "100", "mallory": "100"}


def test_a_metadata_file_past_the_bound_is_refused_unread_with_a_note_naming_it(tmp_path):
    """S3: submission_metadata.yml was read whole, whatever its size (90 MB: 5.6 GB, or MemoryError and no
    gradebook). Past the bound it is not read: one note names it, the submissions keep their folders' names."""
    from grader.batch.gradescope_export import METADATA_BYTES

    export = tmp_path / "export"
    for number in ("111", "222"):
        _put(export / f"submission_{number}" / "ex5.py", RIGHT)
    metadata = export / "submission_metadata.yml"
    head = b"submission_111:\n  :submitters:\n  - :sid: '001234'\n"
    metadata.write_bytes(head + b"#" * (METADATA_BYTES + 1 - len(head)))
    db = tmp_path / "g.sqlite"
    result = _batch(str(export), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert set(_rows(db)) == {"submission_111", "submission_222"}
    notes = [line for line in result.stderr.splitlines() if line.startswith("grade: note:")]
    assert notes == [f"grade: note: {metadata}: is larger than 16 MB, more than Gradescope writes for a class; the "
                     f"submissions are named by their folders"], result.stderr
    metadata.write_bytes(head + b"#" * (METADATA_BYTES - len(head)))  # at the bound: read
    assert _batch(str(export), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert "001234" in _rows(db)


def test_the_csv_export_shows_control_characters_of_ids_as_escapes(tmp_path):
    """S11: an id a student chose (here an SID in an export's metadata) reached `grade gradebook --format csv`
    with its escape codes, bidi override and NUL raw. The CSV now shows them as escapes, as the other outputs
    do; `--remove` takes the id as the CSV shows it; the JSON export keeps it exact."""
    import json

    from .conftest import run_cli

    export = tmp_path / "export"
    for number in ("1", "2"):
        _put(export / f"submission_{number}" / "ex5.py", RIGHT)
    (export / "submission_metadata.yml").write_text(
        'submission_1:\n  :submitters:\n  - :sid: "evil\\e[31m\\u202e\\0x"\n'
        "submission_2:\n  :submitters:\n  - :sid: plain\n")
    db = tmp_path / "g.sqlite"
    assert _batch(str(export), "-e", "ex5", "--db", str(db)).exit_code == 0
    csv_text = run_cli("gradebook", "--db", str(db), "--format", "csv").stdout
    assert not any(c in csv_text for c in ("\x1b", "\u202e", "\x00")), repr(csv_text)
    shown = "evil\\x1b[31m\\u202e\\x00x"
    assert set(_rows(db)) == {shown, "plain"}
    exported = json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)
    assert {e["student"] for e in exported} == {"evil\x1b[31m\u202e\x00x", "plain"}
    removed = run_cli("gradebook", "--db", str(db), "--remove", shown)
    assert removed.exit_code == 0 and "removed 1 row" in removed.stderr, removed.output
    assert set(_rows(db)) == {"plain"}


WRONG = EX5 / "extra_output_derivative.py"  # 50 points


def _could_not_grade(db) -> dict[str, str]:
    return {s: r["notes"] for s, r in _rows(db).items() if not r["score"]}


def test_a_students_folder_laid_out_as_an_export_names_no_classmate(tmp_path):
    """S1: mallory's folder holding submission_metadata.yml (`:sid: alice`, and 3 ghosts) beside two
    submission_N/ folders was read as a Gradescope export inside the class: alice was graded from mallory's
    planted file (100 -> 50) and the ghosts got rows. Inside a class such a folder is one student's, refused
    with the reason; alice is graded from her own file; an export given as a PATH is still read as one."""
    for folders in (tmp_path / "class", tmp_path / "sections" / "Section1"):
        _put(folders / "alice" / "ex5.py", RIGHT, mtime=SAME_TIME)
        mallory = folders / "mallory"
        _put(mallory / "submission_1" / "ex5_final.py", WRONG, mtime=SAME_TIME + 60)
        _put(mallory / "submission_2" / "ex5.py", RIGHT, mtime=SAME_TIME)
        (mallory / "submission_metadata.yml").write_text(
            "submission_1:\n  :submitters:\n  - :sid: alice\n  - :sid: ghost1\n  - :sid: ghost2\n  - :sid: ghost3\n")
    _put(tmp_path / "sections" / "Section2" / "carol" / "ex5.py", RIGHT)
    _put(tmp_path / "sections" / "Section2" / "dan" / "ex5.py", RIGHT)
    for path in (tmp_path / "class", tmp_path / "sections"):
        db = tmp_path / f"{path.name}.sqlite"
        result = _batch(str(path), "-e", "ex5", "--db", str(db))
        assert result.exit_code == 2, result.output
        rows = _rows(db)
        assert {s for s, r in rows.items() if r["score"]} >= {"alice"} and rows["alice"]["score"] == "100", rows
        assert not {"ghost1", "ghost2", "ghost3", "submission_1", "submission_2"} & set(rows), rows
        assert list(_could_not_grade(db)) == ["mallory"]
        assert "as a Gradescope export does" in rows["mallory"]["notes"], rows["mallory"]
        assert "give an export as a PATH of its own" in rows["mallory"]["notes"]
    alone = tmp_path / "late"  # the only folder of a PATH: still inside it, still one student's
    alone.mkdir()
    (tmp_path / "class" / "mallory").rename(alone / "mallory")
    db = tmp_path / "late.sqlite"
    assert _batch(str(alone), "-e", "ex5", "--db", str(db)).exit_code == 2
    assert list(_rows(db)) == ["mallory"] and "as a Gradescope export does" in _rows(db)["mallory"]["notes"]
    given = tmp_path / "given.sqlite"  # given as a PATH by the staff: an export
    assert _batch(str(alone / "mallory"), "-e", "ex5", "--db", str(given)).exit_code == 0
    assert {s: r["score"] for s, r in _rows(given).items()} == {
        "alice": "50", "ghost1": "50", "ghost2": "50", "ghost3": "50", "submission_2": "100"}
