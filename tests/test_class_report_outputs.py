"""What `grade gradebook --feedback DIR` and `grade class-report -o FILE` write, and what they never touch: stale
feedback of a student removed from the gradebook is deleted, anything else in DIR is not; the page is never
written over the gradebook or a file that is not a page; a gradebook graded with two versions of a spec."""

import json
import subprocess
import sys

from .conftest import ROOT, run_cli
from .test_batch import _put

RIGHT = ROOT / "solutions" / "ex5.py"
MARKER = ".nn-grader-feedback"


def _graded(tmp_path, students=("alice", "bob")):
    folders = tmp_path / "class"
    for student in students:
        _put(folders / student / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db))
    assert result.exit_code == 0, result.output
    return db


def test_feedback_of_a_student_removed_from_the_gradebook_is_deleted_and_nothing_else(tmp_path):
    """The feedback folder's marker lists the files the run wrote; the next run deletes those it listed and
    no longer writes (bob, removed from the gradebook), says how many, and leaves every other file alone:
    the instructor's own notes, a file named like a student's that no run wrote."""
    db = _graded(tmp_path)
    out = tmp_path / "feedback"
    first = run_cli("gradebook", "--db", str(db), "--feedback", str(out))
    assert first.exit_code == 0, first.output
    listed = [line.split("\t")[0] for line in (out / MARKER).read_text().splitlines()]
    assert {"alice.txt", "alice.json", "bob.txt", "bob.json"} <= set(listed)
    (out / "README.txt").write_text("the instructor's own")
    (out / "carol.txt").write_text("written by hand")
    assert run_cli("gradebook", "--db", str(db), "--remove", "bob").exit_code == 0
    second = run_cli("gradebook", "--db", str(db), "--feedback", str(out))
    assert second.exit_code == 0, second.output
    assert "removed 2 stale feedback files" in second.stderr, second.stderr
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "README.txt", "alice.json", "alice.txt", "carol.txt"]
    assert (out / "carol.txt").read_text() == "written by hand"
    assert json.loads((out / "alice.json").read_text())["student"] == "alice"
    third = run_cli("gradebook", "--db", str(db), "--feedback", str(out))
    assert "stale" not in third.stderr and sorted(p.name for p in out.iterdir())[-2:] == ["alice.txt", "carol.txt"]


def test_a_run_for_one_exercise_never_deletes_another_exercises_feedback(tmp_path):
    """The marker records the exercises each file was written for: a run deletes only the files an earlier run
    over the same exercises wrote (R2). A run over the whole gradebook, then one with -e ex5 into the same DIR,
    then one with -e ex5_mse: every file stays; bob's ex5 row removed, the next -e ex5 run deletes bob.txt/.json
    and nothing else, and the next run over the whole gradebook its own bob_ex5 files."""
    db = _graded(tmp_path)
    _put(tmp_path / "mse" / "alice" / "ex5_mse.py", ROOT / "solutions" / "ex5_mse.py")
    assert run_cli("batch", str(tmp_path / "mse"), "-e", "ex5_mse", "--db", str(db)).exit_code == 0
    out = tmp_path / "feedback"
    both = {"alice_ex5", "bob_ex5", "alice_ex5_mse"}
    assert run_cli("gradebook", "--db", str(db), "--feedback", str(out)).exit_code == 0
    for exercise in ("ex5", "ex5_mse"):
        result = run_cli("gradebook", "--db", str(db), "--feedback", str(out), "-e", exercise)
        assert result.exit_code == 0 and "stale" not in result.stderr, result.output
        assert {p.stem for p in out.glob("*.txt")} == both | {"alice", "bob"}, exercise
        assert json.loads((out / "alice.json").read_text())["exercise"] == exercise
        assert json.loads((out / "alice_ex5.json").read_text())["exercise"] == "ex5"
    assert run_cli("gradebook", "--db", str(db), "--remove", "bob", "-e", "ex5").exit_code == 0
    _put(tmp_path / "mse" / "bob" / "ex5_mse.py", ROOT / "solutions" / "ex5_mse.py")  # bob stays in the gradebook
    assert run_cli("batch", str(tmp_path / "mse"), "-e", "ex5_mse", "--db", str(db)).exit_code == 0
    for exercise, gone in (("ex5", "bob"), (None, "bob_ex5")):
        result = run_cli("gradebook", "--db", str(db), "--feedback", str(out), *(["-e", exercise] if exercise else []))
        assert result.exit_code == 0, result.output
        assert "removed 2 stale feedback files" in result.stderr, result.stderr
        assert not (out / f"{gone}.txt").exists() and not (out / f"{gone}.json").exists()
    assert {p.stem for p in out.glob("*.txt")} == {"alice", "alice_ex5", "alice_ex5_mse", "bob_ex5_mse"}


def test_the_class_report_is_written_only_to_a_page(tmp_path):
    """-o that does not end in .html/.htm, the gradebook itself, or any SQLite file (another gradebook, even one
    named .html) is refused with one line and exit 2, and nothing is written over."""
    db = _graded(tmp_path, ("alice",))
    other = tmp_path / "other.html"
    other.write_bytes(db.read_bytes())  # a gradebook under a page's name
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    before = db.read_bytes()
    for output, why in ((db, "the gradebook"), (notes, ".html"), (tmp_path / "report", ".html"),
                        (other, "SQLite")):
        result = run_cli("class-report", "--db", str(db), "-o", str(output))
        assert result.exit_code == 2, (output, result.output)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("grade: ") and str(output) in lines[0] and why in lines[0], \
            lines
    assert db.read_bytes() == before and notes.read_text() == "keep me" and not (tmp_path / "report").exists()
    assert other.read_bytes() == before
    for page in ("page.html", "PAGE.HTM"):
        assert run_cli("class-report", "--db", str(db), "-o", str(tmp_path / page)).exit_code == 0
        assert (tmp_path / page).read_text().startswith("<!DOCTYPE html>")


def test_the_class_report_can_be_written_to_a_stream(tmp_path):
    """-o /dev/stdout (here a pipe) is written as it is: a stream is not a file to refuse by its name, and it is
    never read first (reading /dev/stdout for a gradebook's header waited for ever, on a pipe as on a terminal)."""
    db = _graded(tmp_path, ("alice",))
    done = subprocess.run([sys.executable, "-m", "grader", "class-report", "--db", str(db), "-o", "/dev/stdout"],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("<!DOCTYPE html>") and done.stdout.rstrip().endswith("</html>")
    page = tmp_path / "page.html"  # `-o /dev/stdout > page.html`: /dev/stdout is then a regular file
    with page.open("w") as out:
        done = subprocess.run([sys.executable, "-m", "grader", "class-report", "--db", str(db), "-o", "/dev/stdout"],
                              stdout=out, stderr=subprocess.PIPE, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert page.read_text().startswith("<!DOCTYPE html>")


def test_a_class_graded_with_two_versions_of_the_spec_is_compared_in_per_cent_with_a_warning(tmp_path):
    """Two students graded out of 100, then the instructor gives the sigmoid gradient 25 points instead of 5 and
    grades a third (out of 120): the page compares scores in per cent (all three full marks in the top bin,
    the axis 0-100 %) and warns, naming both versions (their spec hashes) and how many rows each has."""
    import hashlib
    import re

    spec = tmp_path / "specs" / "ex5.yaml"
    spec.parent.mkdir()
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    spec.write_text(text)
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, student in ((first, "ann"), (first, "ben"), (second, "cy")):
        _put(folder / student / "ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(first), "-e", str(spec), "--db", str(db)).exit_code == 0
    old = hashlib.sha256(spec.read_bytes()).hexdigest()
    changed = text.replace("points: 5\n", "points: 25\n", 1)
    assert changed != text
    spec.write_text(changed)
    new = hashlib.sha256(spec.read_bytes()).hexdigest()
    result = run_cli("batch", str(second), "-e", str(spec), "--db", str(db))
    assert result.exit_code == 0, result.output
    page = tmp_path / "r.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    html = page.read_text()
    warning = re.search(r'<p class="warning">(.*?)</p>', html, re.S)
    assert warning, html[:2000]
    said = warning[1]
    assert f"{old[:12]} (2 rows, out of 100)" in said and f"{new[:12]} (1 row, out of 120)" in said, said
    assert "per cent" in said
    assert "3 with full marks" in html and "Mean score 100.0%" in html
    bars = re.findall(r'<rect class="bar"[^>]*><title>([^<]*)</title>', html)
    assert bars[-1] == "90–100%: 3", bars


def test_a_class_report_with_no_graded_row_reads_right(tmp_path):
    """Staff review 4, S19: a gradebook whose only row could not be graded gave "ex5 (ex5): class report" and
    "1 students"."""
    folders = tmp_path / "class"
    (folders / "bob").mkdir(parents=True)
    (folders / "bob" / "ex5.ipynb").write_text("not a notebook")  # could not be graded
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(folders), "-e", "ex5", "--db", str(db)).exit_code == 2
    page = tmp_path / "page.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    text = page.read_text()
    assert "<h1>ex5: class report</h1>" in text and "<p>1 student: " in text, text[:2000]


def test_a_zero_point_parts_csv_column_says_passed_or_failed(tmp_path):
    """Staff review 4, S16: the CSV's column of a 0-point part (the training) said 0 for a training that passed
    and for one that failed. A 0-point part's column says `passed` or `failed`; the scored parts' columns and the
    total stay numbers."""
    import csv
    import io

    spec = tmp_path / "ex5_zero.yaml"
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    assert "    title: Sigmoid Gradient\n    points: 5\n" in text
    spec.write_text(text.replace("id: ex5\n", "id: ex5_zero\n").replace(
        "    title: Sigmoid Gradient\n    points: 5\n", "    title: Sigmoid Gradient\n    points: 0\n"))
    folders = tmp_path / "class"
    _put(folders / "alice" / "ex5.py", RIGHT)
    _put(folders / "bob" / "ex5.py", ROOT / "tests/submissions/ex5/activation_gradient_returns_activation.py")
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(folders), "-e", str(spec), "--db", str(db)).exit_code == 0
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(run_cli("gradebook", "--db", str(db)).stdout))}
    assert {s: (r["sigmoid_gradient"], r["cost"], r["score"], r["max_score"]) for s, r in rows.items()} == {
        "alice": ("passed", "30", "95", "95"), "bob": ("failed", "30", rows["bob"]["score"], "95")}
    assert rows["bob"]["score"].isdigit()


def test_the_csv_for_excel_starts_with_a_bom(tmp_path):
    """Staff review 4, S15: Excel opens a CSV without a byte order mark in the system's code page, so `Émile`
    showed as `Ã‰mile`. `grade gradebook --excel` writes the same CSV as UTF-8 with a BOM; the default output
    stays as it was; --excel with another output than the CSV is one line, exit status 2."""
    db = _graded(tmp_path, students=("Émile", "bob"))
    plain = run_cli("gradebook", "--db", str(db))
    assert plain.exit_code == 0 and not plain.stdout_bytes.startswith(b"\xef\xbb\xbf")
    excel = run_cli("gradebook", "--db", str(db), "--excel")
    assert excel.exit_code == 0, excel.output
    assert excel.stdout_bytes == b"\xef\xbb\xbf" + plain.stdout_bytes
    assert "Émile" in excel.stdout_bytes.decode("utf-8-sig")
    for other in (("--format", "json"), ("--feedback", str(tmp_path / "fb")), ("--remove", "bob")):
        refused = run_cli("gradebook", "--db", str(db), "--excel", *other)
        assert refused.exit_code == 2 and "--excel" in refused.stderr and "Traceback" not in refused.output, other
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert not (tmp_path / "fb").exists()
    assert "--excel" in run_cli("gradebook", "--help").stdout


def test_exports_and_the_class_report_list_students_as_a_person_reads_them(tmp_path):
    """Accept14, A5: the CSV began with "Zoe Brandt_3301" (Moodle's ids start with a capital) and ended with
    "Élodie Marchand_3302", after "zhu": students were sorted by code point. The CSV, the JSON and the class
    report's lists of students sort casefolded and without accents."""
    from .test_batch import EX5, RIGHT

    wrong = EX5 / "extra_output_derivative.py"
    flat = tmp_path / "flat"
    _put(flat / "Zoe Brandt_3301_assignsubmission_file_ex5.py", wrong)
    _put(flat / "zhu_ex5.py", RIGHT)
    _put(flat / "Élodie Marchand_3302_assignsubmission_file_ex5.py", wrong)
    _put(flat / "abe_ex5.py", wrong)
    _put(flat / "Bob_ex5.py", RIGHT)
    _put(flat / "Øyvind_ex5.py", RIGHT)  # review 23, Q5: letters NFKD leaves whole came after z
    _put(flat / "Łukasz_ex5.py", RIGHT)
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(flat), "-e", "ex5", "--db", str(db)).exit_code == 0
    order = ["abe", "Bob", "Élodie Marchand_3302", "Łukasz", "Øyvind", "zhu", "Zoe Brandt_3301"]
    csv_out = run_cli("gradebook", "--db", str(db), "--format", "csv").stdout
    assert [line.split(",")[0] for line in csv_out.splitlines()[1:]] == order, csv_out
    exported = json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)
    assert [e["student"] for e in exported] == order
    page = tmp_path / "r.html"
    assert run_cli("class-report", "--db", str(db), "-o", str(page)).exit_code == 0
    assert '<td class="students">abe, Élodie Marchand_3302, Zoe Brandt_3301</td>' in page.read_text(encoding="utf-8")
