"""`grade class-report` and `grade gradebook --feedback` on one small class built here: the charts' text
stays inside the drawings for any part title, the page lists the parts that timed out, crashed or were
missing, and a student's feedback names only their own file."""

import hashlib
import json
import os
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import ROOT, SUBMISSIONS, run_cli

EX5 = SUBMISSIONS / "ex5"
RIGHT = ROOT / "solutions" / "ex5.py"
LONG_TITLE = "A Part Title Written Out at Great Length by an Instructor Who Likes Words"
LONG_WORD = "Backpropagation" * 4
SVG = "{http://www.w3.org/2000/svg}"


def long_titles_spec(folder: Path) -> Path:
    """ex5's spec with two part titles no fixed column fits: a long sentence, and one 60-letter word."""
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    text = text.replace("title: Feedforward and Cost Function", f"title: {LONG_TITLE}")
    text = text.replace("title: Sigmoid Gradient", f"title: Sigmoid {LONG_WORD}")
    assert LONG_TITLE in text and LONG_WORD in text
    spec = folder / "ex5.yaml"
    spec.write_text(text)
    return spec


def _put(path: Path, source: Path, mtime: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Four full marks (the tallest bar), a mistake, a crash, an endless loop, a missing function, a student
    with two files and one with none; under a deep folder, so the text report's first line is clipped."""
    root = tmp_path_factory.mktemp("report")
    folders = root / ("instructors_folder_" + "x" * 40) / "section"
    for name in ("ann", "ben", "cy", "dee"):
        _put(folders / name / "ex5.py", RIGHT)
    _put(folders / "eve" / "ex5.py", EX5 / "two_mistakes.py")
    _put(folders / "fay" / "ex5.py", EX5 / "crash_name_typo.py")
    _put(folders / "gus" / "ex5.py", ROOT / "tests" / "hostile" / "busy_loop.py")
    _put(folders / "hal" / "ex5.py", EX5 / "missing_function.py")
    _put(folders / "ivy" / "ex5.py", EX5 / "two_mistakes.py", mtime=1_000_000)
    _put(folders / "ivy" / "ex5_v2.py", RIGHT, mtime=2_000_000)
    (folders / "joe").mkdir()
    (folders / "joe" / "readme.txt").write_text("no submission")
    db = root / "g.sqlite"
    result = run_cli("batch", str(folders), "-e", str(long_titles_spec(root)), "--db", str(db), "--timeout", "2")
    assert result.exit_code == 2, result.output  # joe could not be graded
    page = root / "report.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    return root, folders, db, page.read_text()


def _svgs(page: str) -> list[ET.Element]:
    """The page's inline SVG drawings, parsed as XML (they are well-formed on their own) in the SVG namespace,
    which an HTML page gives them without an xmlns (the page holds no http:// at all)."""
    found, start = [], page.find("<svg")
    while start != -1:
        end = page.index("</svg>", start) + len("</svg>")
        drawing = page[start:end]
        assert "xmlns" not in drawing
        found.append(ET.fromstring(drawing.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1)))
        start = page.find("<svg", end)
    return found


def _estimated_box(text: ET.Element, size: float = 12.0) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a one-line <text>: 0.62 em a character (a plain sans-serif's average,
    independent of the report's own estimate), the ascent above the baseline and the descent below."""
    x, y = float(text.get("x")), float(text.get("y"))
    width = 0.62 * size * len(text.text or "")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor", "start")]
    return left, y - 0.95 * size, left + width, y + 0.25 * size


def _inside(svg: ET.Element) -> int:
    """Asserts that every <text> of the drawing lies inside its viewBox (_estimated_box); how many it has."""
    x0, y0, width, height = map(float, svg.get("viewBox").split())
    texts = list(svg.iter(f"{SVG}text"))
    for text in texts:
        left, top, right, bottom = _estimated_box(text)
        assert x0 <= left and right <= x0 + width and y0 <= top and bottom <= y0 + height, \
            (svg.get("aria-label"), text.text, (left, top, right, bottom), svg.get("viewBox"))
    return len(texts)


def test_every_label_and_count_is_inside_its_drawing(graded_class):
    _, _, _, page = graded_class
    histogram, rates, mistakes = _svgs(page)
    assert sum(_inside(svg) for svg in (histogram, rates, mistakes)) > 20
    axis = max(float(t.get("y")) for t in histogram.iter(f"{SVG}text"))
    counts = sorted(int(t.text) for t in histogram.iter(f"{SVG}text") if float(t.get("y")) < axis)
    assert counts == [1, 3, 5]  # 50 (eve), 0-10 (fay, gus, hal), 90-100 (ann, ben, cy, dee, ivy)...
    # ...under bars whose edges are marked 0 to 100: full marks show as such (acceptance run 6, L4)...
    assert [t.text for t in histogram.iter(f"{SVG}text") if float(t.get("y")) == axis] == \
        [str(n) for n in range(0, 101, 10)]
    # ...every title is shown whole (wrapped onto lines), the long word cut into pieces that fit.
    shown = " ".join(t.text for t in rates.iter(f"{SVG}text"))
    assert all(word in shown for word in LONG_TITLE.split())
    assert "".join(t.text for t in rates.iter(f"{SVG}text") if "Backprop" in t.text and "(" not in t.text) == LONG_WORD


def test_parts_that_timed_out_crashed_or_were_missing_are_listed(graded_class):
    _, _, _, page = graded_class
    section = page[page.index("<h2>Parts that timed out, crashed or were missing</h2>"):]
    section = section[: section.index("</table>")]
    rows = {}
    for row in section.split("<tr>")[2:]:
        cells = [cell.split("</td>")[0] for cell in row.split("<td>")[1:]]
        rows[(cells[0], cells[1])] = cells[2:]
    assert set(rows) == {("fay", "crashed"), ("gus", "timed out"), ("gus", "not run"), ("hal", "missing")}
    parts, why = rows[("gus", "timed out")]
    assert parts == f"{LONG_TITLE}, Neural Network Gradient (Backpropagation)"
    assert why.startswith("nn_cost_function did not finish within 2 s (it was running nn_cost_function at ex5.py")
    assert rows[("gus", "not run")] == ["Regularized Cost Function, Regularized Gradient", "an earlier call timed out"]
    assert rows[("fay", "crashed")][1] == ("nn_cost_function raised NameError: name &#x27;Detla2&#x27; is not "
                                           "defined (ex5.py, line 41)")
    assert "Sigmoid" not in rows[("fay", "crashed")][0]  # sigmoid_gradient passed
    assert rows[("hal", "missing")][1] == "ex5.py defines no function named nn_cost_function or nnCostFunction"
    # The sections before it are as they were: joe is the one who could not be graded.
    could_not = page[page.index("<h2>Could not be graded</h2>"):page.index("<h2>Parts that timed out")]
    assert "joe" in could_not and "fay" not in could_not and "gus" not in could_not


def test_a_class_with_nothing_stopped_says_so(tmp_path):
    _put(tmp_path / "class" / "ann" / "ex5.py", RIGHT)
    _put(tmp_path / "class" / "ben" / "ex5.py", EX5 / "two_mistakes.py")
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(db)).exit_code == 0
    page = tmp_path / "r.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    assert "Every part of every graded submission ran." in page.read_text()


def test_feedback_files_name_only_the_students_own_file(graded_class, tmp_path):
    root, folders, db, _ = graded_class
    result = run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "fb"))
    assert result.exit_code == 0, result.output
    for path in (tmp_path / "fb").iterdir():
        text = path.read_text()
        assert str(root) not in text and "instructors_folder" not in text, (path.name, text[:300])
    ann = (tmp_path / "fb" / "ann.txt").read_text()
    assert ann.splitlines()[0] == "== Neural Network Learning (ex5): ex5.py"
    ivy = (tmp_path / "fb" / "ivy.txt").read_text()
    assert ivy.splitlines()[0] == "== Neural Network Learning (ex5): ex5_v2.py"
    assert "Graded ex5_v2.py, one of 2 files; also found: ex5.py" in ivy
    assert (tmp_path / "fb" / "joe.txt").read_text().startswith("Could not grade: joe: no submission")
    assert json.loads((tmp_path / "fb" / "joe.json").read_text())["error"].startswith("joe: no submission")
    # Staff review S9: what confined the code is the staff's business, not the student's; the JSON says which
    # file was graded, as the text does.
    assert "Sandbox:" not in ann and "seccomp" not in ann and "Sandbox:" in _row_text(db, "ann")
    ivy_json = json.loads((tmp_path / "fb" / "ivy.json").read_text())
    assert "sandbox" not in ivy_json and (ivy_json["graded_file"], ivy_json["also_found"]) == ("ex5_v2.py", ["ex5.py"])
    # The instructor's own exports keep the full paths, and (staff review S14) what each grade depends on.
    exported = {e["student"]: e for e in json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)}
    assert exported["ann"]["submission"] == str(folders / "ann" / "ex5.py")
    provenance = exported["ann"]["provenance"]
    assert provenance["submission_sha256"] == hashlib.sha256((folders / "ann" / "ex5.py").read_bytes()).hexdigest()
    assert provenance["spec_sha256"] and provenance["grader_version"] and provenance["helpers_sha256"]
    assert provenance["grading_options"]["limits"]["timeout"] > 0


def _row_text(db, student: str) -> str:
    with sqlite3.connect(db) as connection:
        text = connection.execute("SELECT report_text FROM grades WHERE student = ?", (student,)).fetchone()[0]
    connection.close()
    return text


def test_feedback_files_name_an_lms_upload_as_the_student_named_it(tmp_path):
    """Canvas renames every upload (`doejane_12346_67891_ex5.py`, the student's `ex5.py`; her resubmission
    `ex5-1.py`): the feedback handed back names the files as she named them, the export as downloaded."""
    canvas = tmp_path / "canvas"
    _put(canvas / "doejane_12346_67891_ex5.py", EX5 / "two_mistakes.py", mtime=1_000_000)
    _put(canvas / "doejane_LATE_12346_67899_ex5-1.py", EX5 / "extra_output_derivative.py", mtime=2_000_000)
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(canvas), "-e", "ex5", "--db", str(db)).exit_code == 0
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(tmp_path / "fb")).exit_code == 0
    text = (tmp_path / "fb" / "doejane_12346.txt").read_text()
    assert text.splitlines()[0] == "== Neural Network Learning (ex5): ex5-1.py", text
    assert "Graded ex5-1.py, one of 2 files; also found: ex5.py" in text and "67899" not in text, text
    exported = json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)
    assert exported[0]["submission"] == str(canvas / "doejane_LATE_12346_67899_ex5-1.py")


# Right on the course's case, whose m is 16, except for a doubled cost; endless on every other case.
WRONG_THEN_ENDLESS = '''
import numpy as np
from solution import nn_cost_function as right, sigmoid_gradient


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    if X.shape[0] != 16:
        while True:
            pass
    J, grad = right(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    return 2 * J, grad
'''


def test_a_part_that_timed_out_after_a_wrong_value_is_listed_with_the_timeout(tmp_path):
    """The part's feedback leads with the call that stopped, so the page's reason for "timed out" is the
    timeout, not the wrong value an earlier case returned; the student's report still says both."""
    _put(tmp_path / "class" / "kim" / "solution.py", RIGHT)
    (tmp_path / "class" / "kim" / "ex5.py").write_text(WRONG_THEN_ENDLESS)
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(db), "--timeout", "1").exit_code == 0
    page = tmp_path / "r.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    section = page.read_text().split("<h2>Parts that timed out, crashed or were missing</h2>")[1]
    row = section[section.index("<td>kim</td>"):section.index("</tr>", section.index("<td>kim</td>"))]
    assert "<td>timed out</td>" in row and "Feedforward and Cost Function" in row, row
    assert "did not finish within 1 s" in row and "case coursera" not in row, row
    report = json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)[0]["report"]
    feedback = next(p["feedback"] for p in report["parts"] if p["id"] == "cost")
    first, _, second = feedback.partition(". ")
    assert "did not finish within 1 s" in first and "(case coursera)" in second, feedback


def test_every_note_id_has_words_in_the_class_report_and_the_docs():
    """The class report's notes table says what each id means, from one table that docs/batch.md lists; a
    note added to the grader without words there fails here."""
    import re

    from grader.note_titles import TITLES

    used = {m for path in (ROOT / "grader").rglob("*.py") for m in re.findall(r'Note\("(\w+)"', path.read_text())}
    assert used and used == set(TITLES), used ^ set(TITLES)
    docs = (ROOT / "docs" / "batch.md").read_text()
    assert all(f"| `{note}` | {words} |" in docs for note, words in TITLES.items())


def test_the_notes_table_says_what_each_note_means(tmp_path):
    _put(tmp_path / "class" / "ann" / "ex5.py", EX5 / "prints.py")
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(db)).exit_code == 0
    page = tmp_path / "r.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    notes = page.read_text().split("<h2>Notes (no points taken)</h2>")[1].split("</table>")[0]
    assert "<td><code>prints</code></td><td>the function prints while it runs</td>" in notes, notes


def test_a_report_written_through_a_link_or_into_a_read_only_folder_lands_where_it_did(graded_class, tmp_path):
    """Review 18, R9: writing the page beside its target and renaming it over (so a full disk leaves no empty
    page) replaced a link with a file, leaving the link's target empty, and failed for a writable file in a folder
    that is not. Those are written in place, as before."""
    _, _, db, page = graded_class
    target = tmp_path / "www" / "real.html"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "www" / "report.html"
    link.symlink_to(target)
    assert run_cli("class-report", "--db", str(db), "-o", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text() == page
    closed = tmp_path / "ro"
    closed.mkdir()
    (closed / "r.html").write_text("old")
    (closed / "r.html").chmod(0o666)
    closed.chmod(0o555)
    try:
        assert run_cli("class-report", "--db", str(db), "-o", str(closed / "r.html")).exit_code == 0
    finally:
        closed.chmod(0o755)
    assert (closed / "r.html").read_text() == page
