"""`grade batch` against one hostile student's folder (review 25 sec, S1, S3, S8, S11), through the CLI: what one
student's folder holds changes no classmate's row, and stops no one's grading."""

import os

from .test_batch import RIGHT, _batch, _put, _rows

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
