"""The class report's mistakes: an inline SVG chart ranks them by how many students made them (title and
count on each bar, title and id in its tooltip), beside the table, whose "why it is wrong" is the whole
first sentence of the explanation, never one cut at "e.g." or inside a parenthesis.

A gradebook holding every catalogue mistake (and titles no catalogue has: very long, with markup) is made
from a graded one by rewriting a student's stored report, as an instructor's old or hand-edited gradebook
could be; `grade class-report` must still draw it legibly and escape it.
"""

import csv
import io
import json
import re
import shutil
import sqlite3
from collections import Counter
from html import unescape
from pathlib import Path

import pytest

from .conftest import ROOT, SUBMISSIONS, run_cli
from .test_class_report import SVG, _inside, _svgs

EX5 = SUBMISSIONS / "ex5"
CLASS = {"ann": ROOT / "solutions" / "ex5.py",
         "ben": EX5 / "cost_averaged_over_classes.py", "cy": EX5 / "cost_averaged_over_classes.py",
         "dee": EX5 / "cost_averaged_over_classes.py",
         "eve": EX5 / "hidden_derivative_of_activation.py", "fay": EX5 / "hidden_derivative_of_activation.py",
         "gus": EX5 / "delta_labels_not_one_hot.py"}
CHART = "mistakes, by how many students made them"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("mistakes")
    for student, source in CLASS.items():
        (root / "class" / student).mkdir(parents=True)
        shutil.copyfile(source, root / "class" / student / "ex5.py")
    db = root / "g.sqlite"
    result = run_cli("batch", str(root / "class"), "-e", "ex5", "--db", str(db), "--quiet")
    assert result.exit_code == 0, result.output
    return root, db


def _page(db: Path, out: Path) -> str:
    result = run_cli("class-report", "--db", str(db), "-o", str(out))
    assert result.exit_code == 0, result.output
    return out.read_text()


def _chart(page: str):
    charts = [svg for svg in _svgs(page) if svg.get("aria-label") == CHART]
    assert len(charts) == 1, [svg.get("aria-label") for svg in _svgs(page)]
    return charts[0]


def _rows(chart) -> list[tuple[str, str, float, str]]:
    """(label, count shown, bar width, tooltip) per bar, top to bottom."""
    rows = []
    for group in chart.iter(f"{SVG}g"):
        label, count = (t.text for t in group.iter(f"{SVG}text"))
        bar = float(group.find(f"{SVG}rect").get("width"))
        rows.append((label, count, bar, group.find(f"{SVG}title").text))
    return rows


def _table(page: str) -> dict[str, list[str]]:
    """The mistakes table: id -> [title, students, why it is wrong, who] (text, entities decoded)."""
    section = page.split("<h2>Mistakes, by how many students made them</h2>")[1].split("</table>")[0]
    rows = {}
    for row in section.split("<tr>")[2:]:
        cells = [cell.split("</td>")[0].split(">", 1)[1] for cell in row.split("<td")[1:]]  # after <td ...>
        cells = [unescape(re.sub(r"<[^>]+>", " ", cell)).strip() for cell in cells]
        mistake_id = re.search(r"<code>(.*?)</code>", row).group(1)
        rows[unescape(mistake_id)] = cells
    return rows


def test_the_class_mistakes_are_an_inline_svg_chart_ranked_by_students(graded, tmp_path):
    _, db = graded
    page = _page(db, tmp_path / "r.html")
    chart = _chart(page)
    assert chart.get("role") == "img"
    # The counts come from the gradebook's own export, not from the page.
    exported = csv.DictReader(io.StringIO(run_cli("gradebook", "--db", str(db), "--format", "csv").stdout))
    counts: dict[str, int] = {}
    for row in exported:
        for mistake_id in row["mistakes"].split():
            counts[mistake_id] = counts.get(mistake_id, 0) + 1
    assert counts["cost_averaged_over_classes"] == 3 and counts["hidden_derivative_of_activation"] == 2
    table = _table(page)
    rows = _rows(chart)
    assert len(rows) == len(counts) == len(table)
    shown = [int(count) for _, count, _, _ in rows]
    assert shown == sorted(counts.values(), reverse=True)
    most = rows[0][2]
    for (label, count, bar, tooltip), mistake_id in zip(rows, table, strict=True):  # the table's order
        title = table[mistake_id][0].replace(mistake_id, "").strip()
        assert label == title and int(count) == counts[mistake_id], (label, count, mistake_id)
        assert tooltip == f"{title} ({mistake_id}): {count} student{'s' if count != '1' else ''}"
        assert bar == pytest.approx(most * int(count) / shown[0], abs=0.1)
    assert rows[0][0] == "Cost divided by m·K" and rows[0][1] == "3"
    _inside(chart)


def test_why_it_is_wrong_is_the_whole_first_sentence(graded, tmp_path):
    _, db = graded
    table = _table(_page(db, tmp_path / "r.html"))
    assert table["cost_averaged_over_classes"][2] == \
        "You averaged the loss over all m·K entries (e.g. np.mean of the m×K matrix)."
    assert table["hidden_derivative_of_activation"][2] == \
        "In a hidden layer you multiplied by g′(a(l)), e.g. sigmoid_gradient(a2), instead of g′(z(l))."
    assert table["delta_labels_not_one_hot"][2] == ("Your cost uses one-hot label rows, but your output delta "
                                                    "subtracts the label column itself (e.g. a3 − y[:, None], "
                                                    "broadcast across the K outputs).")


LONG = "A title <script>alert('x')</script> & far longer than any column, " * 4


def _with_mistakes(db: Path, copy: Path, mistakes: list[dict]) -> Path:
    """A copy of the gradebook where ann's report names these mistakes (in her first part)."""
    shutil.copyfile(db, copy)
    with sqlite3.connect(copy) as con:
        report = json.loads(con.execute("SELECT report_json FROM grades WHERE student = 'ann'").fetchone()[0])
        report["parts"][0]["mistakes"] = mistakes
        con.execute("UPDATE grades SET report_json = ? WHERE student = 'ann'", (json.dumps(report),))
    con.close()
    return copy


def _catalogue() -> list[dict]:
    """Every catalogue id once, with ex5's title and explanation, as a report carries them."""
    from grader import spec
    from grader.mistakes import CATALOGUE, _example_network

    network = spec.load(ROOT / "exercises" / "ex5.yaml").network
    found = {}
    for m in CATALOGUE:
        where = network if m.applies(network) else _example_network(m, network)
        found.setdefault(m.id, {"id": m.id, "title": m.title, "explanation": m.explanation(where or network)})
    return list(found.values())


def test_the_whole_catalogue_charts_legibly_and_each_first_sentence_is_whole(graded, tmp_path):
    _, db = graded
    catalogue = _catalogue()
    mistakes = [*catalogue, {"id": "long_<b>", "title": LONG, "explanation": "Made up (e.g. here). Rest."}]
    page = _page(_with_mistakes(db, tmp_path / "all.sqlite", mistakes), tmp_path / "r.html")
    chart = _chart(page)
    rows = _rows(chart)
    assert len(rows) == len(mistakes) >= 30  # every one charted...
    _inside(chart)  # ...inside the drawing, one line each, at the page's own text size
    assert len(list(chart.iter(f"{SVG}text"))) == 2 * len(rows)
    height = float(chart.get("viewBox").split()[3])
    assert height >= 24 * len(rows) and float(chart.get("viewBox").split()[2]) <= 760
    # The long title is cut with an ellipsis, whole (and escaped) in the tooltip; every catalogue title is whole.
    long_row = next(row for row in rows if row[3].startswith("A title"))
    assert long_row[0].endswith("…") and LONG.strip().startswith(long_row[0][:-1]) and long_row[0] != LONG.strip()
    assert long_row[3] == f"{LONG.strip()} (long_<b>): 1 student"
    assert {row[0] for row in rows} >= {m["title"] for m in catalogue}
    assert "<script>" not in page and "long_<b>" not in page and "&lt;script&gt;" in page
    # The table's "why it is wrong" is each explanation's whole first sentence.
    table = _table(page)
    for m in catalogue:
        why = table[m["id"]][2]
        assert m["explanation"].startswith(why) and why[-1] in ".!?", (m["id"], why)
        assert _balanced(why), (m["id"], why)
        assert why.split()[-1] not in ("e.g.", "i.e.", "etc.", "(e.g.", "(i.e."), (m["id"], why)
        assert len(why) >= 20, (m["id"], why)
    assert table["long_<b>"][2] == "Made up (e.g. here)."


def test_more_mistakes_than_the_chart_holds_are_capped_and_the_table_lists_all(graded, tmp_path):
    _, db = graded
    mistakes = [{"id": f"made_up_{n:02}", "title": f"Made-up mistake {n}", "explanation": "Why."} for n in range(45)]
    page = _page(_with_mistakes(db, tmp_path / "many.sqlite", mistakes), tmp_path / "r.html")
    rows = _rows(_chart(page))
    assert len(rows) == 40 and rows[0][1] == "3"  # the class's most common first, then by id
    assert "The 40 most common are charted; the table lists all 48." in page
    assert len(_table(page)) == 48


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("exercise", sorted(p.name for p in (ROOT / "exercises").glob("*.yaml")))
def test_every_explanation_of_every_exercise_has_a_whole_first_sentence(exercise):
    """As each shipped exercise's network words it (the class report shows the stored explanation)."""
    from grader import spec
    from grader.classreport import first_sentence
    from grader.mistakes import CATALOGUE, _example_network

    network = spec.load(ROOT / "exercises" / exercise).network
    for m in CATALOGUE:
        where = network if m.applies(network) else _example_network(m, network)
        text = m.explanation(where or network)
        first = first_sentence(text)
        assert text.startswith(first) and first[-1] in ".!?" and _balanced(first), (m.key, first)
        assert first.split()[-1].lstrip("(") not in ("e.g.", "i.e.", "etc."), (m.key, first)


@pytest.mark.parametrize("text, first", [
    ("Divide by 2.5 here. Then more.", "Divide by 2.5 here."),
    ("Use a mean (i.e. the average. Not a sum.) of it. Next.", "Use a mean (i.e. the average. Not a sum.) of it."),
    ("Ones, zeros etc. are fine. Next.", "Ones, zeros etc. are fine."),
    ("E.g. this one. Next.", "E.g. this one."),
    ("No end at all (e.g. here", "No end at all (e.g. here"),
    ("Stray ) close. Next!", "Stray ) close."),
])
def test_first_sentence_ends_only_at_a_sentence_end(text, first):
    from grader.classreport import first_sentence

    assert first_sentence(text) == first


def _quadratic_first_sentence(text: str) -> str:
    """first_sentence as it was before it was made linear (it split the whole start at every full stop)."""
    from grader.classreport import _CLOSING, _OPENING, ABBREVIATIONS

    text = text.strip()
    depth = 0
    for at, char in enumerate(text):
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(0, depth - 1)
        elif char in ".!?" and depth == 0 and (at + 1 == len(text) or text[at + 1].isspace()):
            word = text[: at + 1].split()[-1].lstrip("\"'“‘").lower()
            if char != "." or word not in ABBREVIATIONS:
                return text[: at + 1]
    return text


def _quadratic_fit_to(text: str, room: float) -> str:
    """fit_to as it was before it was made linear (it re-measured every start, from the whole text down)."""
    from grader.classreport import text_width

    text = " ".join(text.split())
    if text_width(text) <= room:
        return text
    cut = len(text)
    while cut and text_width(text[:cut].rstrip() + "…") > room:
        cut -= 1
    return text[:cut].rstrip() + "…"


def _every_catalogue_text() -> set[str]:
    """Every catalogue title, and every explanation as each shipped exercise's network words it."""
    from grader import spec
    from grader.mistakes import CATALOGUE, _example_network

    texts = set()
    for path in sorted((ROOT / "exercises").glob("*.yaml")):
        network = spec.load(path).network
        for m in CATALOGUE:
            where = network if m.applies(network) else _example_network(m, network)
            texts |= {m.title, m.explanation(where or network)}
    return texts


def test_first_sentence_and_fit_to_cut_every_catalogue_text_as_they_did_before_they_were_made_linear():
    from grader.classreport import MISTAKE_LABEL_ROOM, first_sentence, fit_to

    texts = _every_catalogue_text()
    assert len(texts) > 60
    cut = 0
    short = [" e.g.  spaced   out.  Words ", "(e.g. x.) y. z", "\tTab.\tEnd", "W", "…", ""]
    for text in [*texts, LONG, *short]:
        assert first_sentence(text) == _quadratic_first_sentence(text), text
        # (a narrow room costs the old way a re-measure of nearly every start: only short texts get one)
        for room in (0, 5, 7.8, 8, 40, 120.5) if len(text) < 120 else (MISTAKE_LABEL_ROOM,):
            fitted = fit_to(text, room)
            assert fitted == _quadratic_fit_to(text, room), (text, room)
            cut += fitted.endswith("…") and fitted != text
    assert cut > len(texts)  # the comparison covers texts that are cut, not only ones that fit whole


def test_fit_to_measures_each_character_of_a_long_title_a_bounded_number_of_times(monkeypatch):
    from grader import classreport

    measured, em = Counter(), classreport._em

    def counted(char: str) -> float:
        measured[char] += 1
        return em(char)

    monkeypatch.setattr(classreport, "_em", counted)
    fitted = classreport.fit_to("a" * 16_000, classreport.MISTAKE_LABEL_ROOM)
    assert fitted == "a" * (len(fitted) - 1) + "…" and classreport.text_width(fitted) <= classreport.MISTAKE_LABEL_ROOM
    assert measured["a"] <= 2 * 16_000  # once to see it does not fit, then forward only as far as the room
    # (re-measuring every start, as it did, measured ~128 million characters and took 15 s)


def test_first_sentence_of_a_long_hand_edited_explanation_costs_little_cpu():
    import time

    from grader.classreport import first_sentence

    for text in ("e.g. " * 16_000, "x" * 16_000 + ". End.", "(" + "y. " * 16_000):
        start = time.process_time()
        first = first_sentence(text)
        assert time.process_time() - start < 1.0, text[:20]  # it took 7 s when it split every start
        assert first == text.strip() or first == "x" * 16_000 + "."


def test_a_mistake_made_for_one_theta_is_counted_with_the_mistake(tmp_path):
    """A student who forgot the λ terms for Theta2 only and one who forgot them for both Θs made one mistake
    each: one row per mistake in the class report, titled as the catalogue titles it (not "(Theta2 only)"),
    counting both students, as the CSV names both."""
    for student, name in (("ivy", "lambda_term_only_theta1"), ("jon", "missing_gradient_regularization")):
        source = EX5 / f"{name}.py"
        (tmp_path / "class" / student).mkdir(parents=True)
        shutil.copyfile(source, tmp_path / "class" / student / "ex5.py")
    db = tmp_path / "g.sqlite"
    assert run_cli("batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(db), "--quiet").exit_code == 0
    rows = {r["student"]: r["mistakes"] for r in
            csv.DictReader(io.StringIO(run_cli("gradebook", "--db", str(db), "--format", "csv").stdout))}
    assert "missing_gradient_regularization" in rows["ivy"].split() and rows["jon"] == "missing_gradient_regularization"
    page = _page(db, tmp_path / "r.html")
    counts = {label: count for label, count, _, _ in _rows(_chart(page))}
    assert counts.get("No λ term in the gradient") == "2", counts
    assert "only)" not in unescape(page.split(CHART)[1])
