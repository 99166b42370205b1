"""The class's report (one self-contained HTML page) and the per-student feedback files.

The page needs no network: inline CSS, inline SVG charts, no script. Every string that a student
controls (ids from file or folder names, messages quoting their output) goes through html.escape.
Sections: score distribution, pass rate per part, the class's mistakes ranked by how many students
made them (a chart, and a table with the first sentence of each explanation and who made it), notes, students who could
not be graded and why, graded students with parts that timed out, crashed or were missing, and students
with several files (which one was graded).
"""

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from html import escape as _escape
from pathlib import Path, PurePath

from .gradebook import Entry, mistake_ids, name_order, note_ids
from .note_titles import TITLES as NOTE_TITLES
from .text import printable


def escape(text: str) -> str:
    """HTML-escaped, with control characters and bidi overrides shown as escapes (text.printable)."""
    return _escape(printable(str(text)))

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:60em;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #eee;
vertical-align:top}td{overflow-wrap:anywhere}td.n,th.n{text-align:right}.muted{color:#666}.students{font-size:.9em;color:#444}
.warning{background:#fff3cd;border:1px solid #e0b000;padding:.5em}
svg text{font-size:12px;fill:#222}.bar{fill:#4a7ebb}.fail{fill:#d9534f}svg+table{margin-top:1em}
"""


ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "cf.", "vs.")  # a full stop after these ends no sentence
_OPENING, _CLOSING = "([{", ")]}"


def first_sentence(text: str) -> str:
    """The text up to the first full stop, ! or ? that ends a sentence: followed by a space or the end,
    outside parentheses and brackets, and not that of an abbreviation (ABBREVIATIONS) or a number's
    decimal point. A text with no such end is returned whole."""
    text = text.strip()
    depth = word = 0  # word: where the word being read starts (one pass: linear in the text's length)
    for at, char in enumerate(text):
        if char.isspace():
            word = at + 1
        elif char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(0, depth - 1)
        elif char in ".!?" and depth == 0 and (at + 1 == len(text) or text[at + 1].isspace()):
            if char != "." or text[word: at + 1].lstrip("\"'“‘").lower() not in ABBREVIATIONS:
                return text[: at + 1]
    return text


FONT = 12  # px, the charts' text size (the CSS's `svg text`)
LABEL_ROOM = 320  # px: the widest the titles' column gets (an 800 px window still shows the whole chart)
_WIDE = set("MWmw@%")


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of a line's width in a sans-serif font (no script measures it on the page):
    room is made from it, so guessing wide only costs some space."""
    return size * sum(map(_em, text))


def _em(char: str) -> float:
    """One character's share of text_width, in ems."""
    return 1.0 if char in _WIDE else 0.8 if char.isupper() else 0.65


def wrap_to(text: str, room: float) -> list[str]:
    """The text in lines of at most `room` px (text_width), broken between words; a word wider than the
    room is cut into lines of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}") <= room:
            lines[-1] += " " + word
            continue
        while len(word) > 1 and text_width(word) > room:
            cut = next(n for n in range(len(word) - 1, 0, -1) if text_width(word[:n]) <= room or n == 1)
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines or [""]


def _histogram(scores: list[float], max_score: int, unit: str = "") -> str:
    """Scores in ten bins of width max/10 (the last includes full marks), as SVG bars with their counts
    above them; the tallest bar leaves room for its count at the top. The axis is marked at the bins' edges,
    0 to the maximum, so full marks show as such (acceptance run 6, L4). `unit`: "%" for scores in per cent."""
    bins = 10
    counts = [0] * bins
    for score in scores:
        counts[min(bins - 1, int(score * bins / max_score)) if max_score else 0] += 1
    width, top, height, bottom, left = 560, FONT + 8, 200, 30, 40  # top: the counts' row
    most = max(counts) or 1
    bar = (width - left) / bins
    parts = [f'<svg role="img" aria-label="score distribution" '
             f'width="{width}" height="{top + height + bottom}" viewBox="0 0 {width} {top + height + bottom}">']
    base = top + height
    for i, count in enumerate(counts):
        h = height * count / most
        low, high = round(i * max_score / bins), round((i + 1) * max_score / bins)
        x = left + i * bar
        parts.append(f'<rect class="bar" x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}">'
                     f'<title>{low}–{high}{unit}: {count}</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">{count}</text>')
    for i in range(bins + 1):
        anchor = "end" if i == bins else "middle"
        parts.append(f'<text x="{left + i * bar:.1f}" y="{base + 16}" text-anchor="{anchor}">'
                     f'{round(i * max_score / bins)}{unit}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#999"/></svg>')
    return "".join(parts)


def fit_to(text: str, room: float) -> str:
    """The text on one line of at most `room` px (text_width), cut with an ellipsis when it is wider."""
    text = " ".join(text.split())
    if text_width(text) <= room:
        return text
    # The longest start that fits with the ellipsis, its widths added up forward in text_width's order
    # (a space adds nothing until a word follows it): linear, not a re-measure of every start.
    ellipsis, ems, cut = _em("…"), 0.0, 0
    for at, char in enumerate(text):
        ems += _em(char)
        if char != " " and FONT * (ems + ellipsis) > room:
            break
        cut = at + 1
    return text[:cut].rstrip() + "…"


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart (_bars)."""

    lines: list[str]  # the label, one or more lines that fit the label column
    share: float  # the bar's length, as a share of the full length (0..1)
    value: str  # shown after the bar
    tooltip: str  # the row's <title>: what the label may have cut off


def _bars(label: str, rows: list[Bar], length: int, track: bool = False) -> str:
    """Horizontal bars, one per row, with their labels right-aligned before them and their values after.
    The labels' column is as wide as the widest line, so no label is cut off (callers make their lines fit);
    `track` draws each bar's full length faintly behind it (a share of 100%)."""
    line, gap, pad = FONT + 3, 8, 6
    value_room = max(text_width(row.value) for row in rows) + pad
    label_room = max(text_width(t) for row in rows for t in row.lines) + pad
    width = math.ceil(label_room + pad + length + value_room)
    heights = [max(18, line * len(row.lines)) + gap for row in rows]
    height = sum(heights) + 2 * pad
    parts = [f'<svg role="img" aria-label="{escape(label)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    y = pad
    x = label_room + pad
    for row, row_height in zip(rows, heights, strict=True):
        parts.append(f"<g><title>{escape(row.tooltip)}</title>")
        first = y + (row_height - gap - line * len(row.lines)) / 2 + FONT  # the lines' block centred on the row
        for n, text in enumerate(row.lines):
            parts.append(f'<text x="{label_room:.1f}" y="{first + n * line:.1f}" text-anchor="end">'
                         f"{escape(text)}</text>")
        middle = y + (row_height - gap) / 2
        if track:
            parts.append(f'<rect class="fail" x="{x:.1f}" y="{middle - 9:.1f}" width="{length}" height="18" '
                         f'opacity="0.25"/>')
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{middle - 9:.1f}" width="{length * row.share:.1f}" '
                     f'height="18"/>')
        parts.append(f'<text x="{x + length + pad:.1f}" y="{middle + FONT / 2 - 1:.1f}">{escape(row.value)}</text></g>')
        y += row_height
    parts.append("</svg>")
    return "".join(parts)


def _pass_rates(rates: list[tuple[str, int, int]]) -> str:
    """One bar per part: the share of graded students who passed it. Titles wider than LABEL_ROOM px wrap."""
    rows = [Bar(wrap_to(title, LABEL_ROOM), passed / total if total else 0.0,
                f"{passed / total if total else 0.0:.0%}", f"{title}: {passed} of {total}")
            for title, passed, total in rates]
    return _bars("pass rate per part", rows, 280, track=True)


MISTAKE_LABEL_ROOM = 470  # px: every catalogue title fits; a longer one is cut with an ellipsis
MISTAKE_BARS = 40  # the most mistakes charted (the catalogue has fewer ids); the table lists them all


def _mistakes_chart(ranked: list[tuple[str, str, int]]) -> str:
    """One bar per mistake (id, title, students), most common first, labelled with its title (cut to one
    line) and count; the row's tooltip holds the whole title and the id."""
    most = max(count for _, _, count in ranked)
    rows = [Bar([fit_to(title, MISTAKE_LABEL_ROOM)], count / most, str(count),
                f"{' '.join(title.split())} ({mistake_id}): {count} student{'s' if count != 1 else ''}")
            for mistake_id, title, count in ranked[:MISTAKE_BARS]]
    chart = _bars("mistakes, by how many students made them", rows, 200)
    if len(ranked) > MISTAKE_BARS:
        chart += f'<p class="muted">The {MISTAKE_BARS} most common are charted; the table lists all {len(ranked)}.</p>'
    return chart


# The gradebook's kind of a part whose calls returned nothing to check (batch.slots.part_failures) -> the
# page's words for it.
_KINDS = {"timeout": "timed out", "crash": "crashed", "import_error": "could not be imported",
          "missing": "missing", "bad_return": "returned nothing usable", "not_run": "not run"}
_CASE = re.compile(r"(.*?) \((?:case [^()]*|every case)\)\.(?:\s|$)", re.S)
REASON_LIMIT = 200  # characters of the failure sentence shown


def did_not_run(graded: list[Entry]) -> list[tuple[str, str, list[str], str]]:
    """(student, what happened, part titles, why) for each graded student's parts that timed out, crashed,
    were missing or were not called after such a part, one row per student and reason. The kind comes from
    the gradebook (`Entry.failures`), the reason from the part's feedback, whose first sentence describes
    that call (grading.part_feedback)."""
    rows: dict[tuple[str, str, str], list[str]] = {}
    for entry in graded:
        for part in entry.report["parts"]:
            failure = entry.failures.get(part["id"])
            if part["passed"] or failure is None:
                continue
            kind = _KINDS.get(failure, failure)
            sentence = _CASE.match(part["feedback"])
            reason = sentence.group(1) if sentence else part["feedback"]
            if failure == "not_run":
                reason = reason.partition(" was not called: ")[2] or reason
            if len(reason) > REASON_LIMIT:
                reason = reason[:REASON_LIMIT - 1] + "…"
            rows.setdefault((entry.student, kind, reason), []).append(part["title"])
    return [(student, kind, titles, reason) for (student, kind, reason), titles in rows.items()]


def _students(names: list[str]) -> str:
    return ", ".join(escape(n) for n in sorted(names, key=name_order))


def render(exercise_id: str, entries: list[Entry]) -> str:
    graded = [e for e in entries if e.report is not None]
    failed = [e for e in entries if e.report is None]
    title = graded[0].report.get("title") if graded else None  # no graded row: the id alone (staff review 4, S19)
    versions = _spec_versions(entries)
    max_score, unit = (graded[0].max_score if graded else 0), ""
    scores: list[float] = [e.score for e in graded]
    mixed = len(versions) > 1
    if mixed:  # scores of different maxima: compared in per cent
        max_score, unit = 100, "%"
        scores = [100 * e.score / e.max_score if e.max_score else 0.0 for e in graded]
    heading = f"{escape(title)} ({escape(exercise_id)})" if title else escape(exercise_id)
    body = [f"<h1>{heading}: class report</h1>"]
    if mixed:
        body.append(_versions_warning(versions))
    secrets = _secrets(graded)
    if len(secrets) > 1:
        body.append(_secrets_warning(secrets))
    elif "" in secrets:  # accept14, A3: a copycat of `grade inspect`'s values got 100 without a word on the page
        body.append('<p class="warning">Graded on the public cases (no --secret-file), the ones <code>grade '
                    "inspect</code> shows students with their expected values: for practice, not for credit (a file "
                    "that returns those values gets full marks). For grades that count, grade the class again with "
                    "the course's secret: grade batch --secret-file FILE.</p>")
    body.append(f"<p>{len(entries)} student{'s' * (len(entries) != 1)}: {len(graded)} graded, {len(failed)} could "
                f"not be graded.")
    if graded:
        full = sum(1 for e in graded if e.score == e.max_score)
        mean = sum(scores) / len(scores)
        body[-1] += (f" Mean score {mean:.1f}{unit}" if unit else f" Mean score {mean:.1f} / {max_score}") + \
            f"; {full} with full marks."
    body[-1] += "</p>"

    body.append("<h2>Score distribution</h2>")
    body.append(_histogram(scores, max_score, unit) if graded else '<p class="muted">No graded submissions.</p>')

    body.append("<h2>Pass rate per part</h2>")
    parts: dict[str, list] = {}
    for entry in graded:
        for part in entry.report["parts"]:
            record = parts.setdefault(part["id"], [part["title"], 0, 0])
            record[1] += bool(part["passed"])
            record[2] += 1
    body.append(_pass_rates([tuple(v) for v in parts.values()]) if parts else '<p class="muted">None.</p>')

    body.append("<h2>Mistakes, by how many students made them</h2>")
    mistakes: dict[str, dict] = {}
    for entry in graded:
        for mistake_id in mistake_ids(entry.report):
            found = next(m for p in entry.report["parts"] for m in p["mistakes"] if m["id"] == mistake_id)
            title = _IN_SOME_LAYERS.sub("", found["title"])  # one row per mistake, wherever each student made it
            record = mistakes.setdefault(mistake_id, {"title": title, "explanation": found["explanation"],
                                                      "students": []})
            record["students"].append(entry.student)
    ranked = sorted(mistakes.items(), key=lambda item: (-len(item[1]["students"]), item[0]))
    if mistakes:
        body.append(_mistakes_chart([(mistake_id, m["title"], len(m["students"])) for mistake_id, m in ranked]))
        body.append('<table><tr><th>Mistake</th><th class="n">Students</th><th>Why it is wrong</th>'
                    '<th>Who</th></tr>')
        for mistake_id, m in ranked:
            body.append(f'<tr><td><b>{escape(m["title"])}</b><br><code>{escape(mistake_id)}</code></td>'
                        f'<td class="n">{len(m["students"])}</td><td>{escape(first_sentence(m["explanation"]))}</td>'
                        f'<td class="students">{_students(m["students"])}</td></tr>')
        body.append("</table>")
    else:
        body.append('<p class="muted">No mistake from the catalogue was found.</p>')

    body.append("<h2>Notes (no points taken)</h2>")
    notes = Counter(n for e in graded for n in note_ids(e.report))
    if notes:
        body.append('<table><tr><th>Note</th><th>What it means</th><th class="n">Students</th><th>Who</th></tr>')
        for note, count in notes.most_common():
            who = [e.student for e in graded if note in note_ids(e.report)]
            body.append(f'<tr><td><code>{escape(note)}</code></td><td>{escape(NOTE_TITLES.get(note, ""))}</td>'
                        f'<td class="n">{count}</td><td class="students">{_students(who)}</td></tr>')
        body.append("</table>")
    else:
        body.append('<p class="muted">No notes.</p>')

    body.append("<h2>Could not be graded</h2>")
    if failed:
        body.append("<table><tr><th>Student</th><th>Why</th></tr>")
        for entry in failed:
            body.append(f"<tr><td>{escape(entry.student)}</td><td>{escape(entry.error or '')}</td></tr>")
        body.append("</table>")
    else:
        body.append('<p class="muted">Every submission was graded.</p>')

    body.append("<h2>Parts that timed out, crashed or were missing</h2>")
    stopped = did_not_run(graded)
    if stopped:
        body.append("<table><tr><th>Student</th><th>What happened</th><th>Parts</th><th>Why</th></tr>")
        for student, kind, titles, reason in stopped:
            body.append(f"<tr><td>{escape(student)}</td><td>{kind}</td><td>{escape(', '.join(titles))}</td>"
                        f"<td>{escape(reason)}</td></tr>")
        body.append("</table>")
    else:
        body.append('<p class="muted">Every part of every graded submission ran.</p>')

    several = [e for e in entries if e.passed_over]
    if several:
        body.append("<h2>Students with several files (which one was graded)</h2>")
        body.append("<table><tr><th>Student</th><th>Graded</th><th>Also found</th></tr>")
        for entry in several:
            body.append(f"<tr><td>{escape(entry.student)}</td><td>{escape(entry.submission or '')}</td>"
                        f"<td>{escape(', '.join(entry.passed_over))}</td></tr>")
        body.append("</table>")

    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(exercise_id)}: class report</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _spec_versions(entries: list[Entry]) -> dict[str, tuple[int, set[int]]]:
    """Spec hash -> (rows, the max scores graded) of each version of the spec the rows were graded with."""
    versions: dict[str, tuple[int, set[int]]] = {}
    for entry in entries:
        key = entry.provenance.get("spec_sha256") or ""
        rows, maxima = versions.get(key, (0, set()))
        versions[key] = (rows + 1, maxima | ({entry.max_score} - {None}))
    return versions


def secret_of(provenance: dict) -> str:
    """The fingerprint of the course's secret a row was graded with, "" for the public cases."""
    options = provenance.get("grading_options")
    return str(options.get("secret") or "") if isinstance(options, dict) else ""


def _secrets(entries: list[Entry]) -> dict[str, list[str]]:
    """Secret fingerprint ("" for none) -> the students graded with it."""
    found: dict[str, list[str]] = {}
    for entry in entries:
        found.setdefault(secret_of(entry.provenance), []).append(entry.student)
    return found


def _secrets_warning(secrets: dict[str, list[str]]) -> str:
    """The visible line that the rows were graded on different hidden cases: some for credit with the course's
    secret, some on the public cases or another secret's (staff review 4, S4: a late student graded without the
    secret looked like the rest)."""
    def said(secret: str, students: list[str]) -> str:
        what = f"with the secret {escape(secret[:12])}" if secret else "on the public cases (no secret)"
        shown = _students(students[:10]) + (f" and {len(students) - 10} more" if len(students) > 10 else "")
        return f"{len(students)} {what} ({shown})"

    listed = "; ".join(said(secret, students) for secret, students in
                       sorted(secrets.items(), key=lambda item: (-len(item[1]), item[0])))
    return (f'<p class="warning">Warning: these rows were graded on different hidden cases: {listed}. Grade them '
            f"again with the course's secret (grade batch --secret-file FILE) to have every row for credit.</p>")


def _versions_warning(versions: dict[str, tuple[int, set[int]]]) -> str:
    """The visible line that the rows were graded with several versions of the spec (the points changed between
    two batches, say): their scores are compared in per cent, and regrading with one spec gives one scale."""
    def said(spec: str, rows: int, maxima: set[int]) -> str:
        out_of = f", out of {' or '.join(str(m) for m in sorted(maxima))}" if maxima else ""
        return f"{escape(spec[:12] or 'unknown')} ({rows} row{'s' * (rows != 1)}{out_of})"

    listed = ", ".join(said(spec, rows, maxima) for spec, (rows, maxima) in
                       sorted(versions.items(), key=lambda item: (-item[1][0], item[0])))
    return (f'<p class="warning">Warning: these rows were graded with {len(versions)} versions of the exercise\'s '
            f"spec (by its SHA-256): {listed}. Scores are compared in per cent; grade the class again with one spec "
            f"(grade batch --regrade) to have them on one scale.</p>")


# A mistake made for some weight matrices only is titled so ("No λ term in the gradient (Theta2 only)":
# diagnosis.in_some_layers); the class's row for it is the mistake's, wherever each student made it.
_IN_SOME_LAYERS = re.compile(r" \(Theta\d+(?: and Theta\d+)* only\)$")


# ---- feedback files ----------------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r"[^\w.\- ',()+@]", re.UNICODE)  # what every file system takes (not Windows' <>:"/\\|?*)


_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                 *(f"{kind}{n}" for kind in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"])}


def file_name(student: str, taken: set[str]) -> str:
    """A file name for the student's feedback: their id where it is safe, made unique when it is not."""
    name = _UNSAFE_NAME.sub("_", student).strip(" .") or "student"
    # at most 180 bytes, so "-<hash>.json" stays within the 255 bytes a file name may have: 84 CJK characters
    # are 252 (staff review 2, S7); a Windows device name (CON, nul.json) is never a file's (S8)
    name = name.encode("utf-8", "surrogateescape")[:180].decode("utf-8", "ignore").strip(" .") or "student"
    if name.split(".")[0].rstrip(" ").upper() in _DEVICE_NAMES:  # "aux .x" is AUX to Windows too (review 18, R14)
        name = "_" + name
    if name.lower() in taken or name != student:
        import hashlib

        name = f"{name}-{hashlib.sha256(student.encode()).hexdigest()[:8]}"
    taken.add(name.lower())
    return name


# Left in a feedback folder so `grade batch` passes it over (it is often written inside the class's folder);
# hidden, and no student's feedback file can have its name (file_name strips leading dots).
FEEDBACK_MARKER = ".nn-grader-feedback"


def write_feedback(entries: list[Entry], folder: Path) -> tuple[int, int]:
    """DIR/<student>.txt (the text report) and DIR/<student>.json for each student; returns the files written
    (not counting the hidden FEEDBACK_MARKER) and the stale ones removed: files an earlier run over the same
    exercises listed in the marker that this run does not write (a student removed from the gradebook). Files
    written for other exercises are kept, and stay listed, so a run with -e ex5 never deletes ex5_mse's feedback
    (review 20, R2). Nothing else is deleted."""
    folder.mkdir(parents=True, exist_ok=True)
    selection = sorted({e.exercise for e in entries})
    before = _listed(folder / FEEDBACK_MARKER)
    taken: set[str] = set()
    written: list[str] = []
    several = len(selection) > 1
    for entry in entries:
        name = file_name(f"{entry.student}_{entry.exercise}" if several else entry.student, taken)
        text = _for_student(entry, _without_sandbox(entry.report_text) if entry.report is not None
                            else f"Could not grade: {entry.error}")
        data = {k: v for k, v in entry.report.items() if k != "sandbox"} if entry.report is not None else {
            "exercise": entry.exercise, "error": _for_student(entry, entry.error or "")}
        if entry.report is not None and entry.submission is not None:  # as the .txt's "Graded ..." line says
            graded, names = _own_names(entry)
            data["graded_file"], data["also_found"] = graded, list(names.values())
            # the batch's own notes name files as the instructor's paths, which the student's text cuts (fix28, R10)
            data["notes"] = [{**note, "message": _for_student(entry, note["message"])}
                             if isinstance(note, dict) and isinstance(note.get("message"), str) else note
                             for note in data.get("notes") or []]
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        (folder / f"{name}.json").write_text(json.dumps({"student": entry.student, **data}, indent=2,
                                                        ensure_ascii=False) + "\n", encoding="utf-8")
        written += [f"{name}.txt", f"{name}.json"]
    present = {name: chosen for name, chosen in before.items() if name not in written
               and (folder / name).is_file() and not (folder / name).is_symlink()}
    stale = [folder / name for name, chosen in present.items() if chosen == selection]
    for path in stale:
        path.unlink()
    listing = [*((name, chosen) for name, chosen in present.items() if chosen != selection),
               *((name, selection) for name in written)]
    lines = [*_MARKER_HEAD, *(f"{name}\t{json.dumps(chosen, ensure_ascii=False)}" for name, chosen in listing)]
    (folder / FEEDBACK_MARKER).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return len(written), len(stale)


# The marker's first lines; the others name the files the runs wrote, each with the exercises its run wrote
# (a JSON list, after a tab): a later run over the same exercises deletes those it no longer writes.
_MARKER_HEAD = ("# Feedback files written by `grade gradebook --feedback`; `grade batch` passes over this folder.",
                "# The files the runs wrote, each after a tab with its run's exercises (a later run over the same "
                "exercises deletes those it no longer writes):")


def _listed(marker: Path) -> dict[str, list[str]]:
    """The feedback files earlier runs wrote, as their marker lists them, each with its run's exercises: plain
    names of .txt/.json files in the folder only (a marker of an older grader, which names no exercises, or one
    edited to name ../x, deletes nothing)."""
    try:
        lines = marker.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    listed = {}
    for line in lines:
        name, _, exercises = line.partition("\t")
        try:
            chosen = json.loads(exercises)
        except (ValueError, RecursionError):
            continue
        if (name.endswith((".txt", ".json")) and not name.startswith((".", "#")) and "/" not in name
                and "\\" not in name and isinstance(chosen, list) and all(isinstance(e, str) for e in chosen)):
            listed[name] = chosen
    return listed


def _without_sandbox(text: str | None) -> str:
    """A report's text without its "Sandbox: ..." paragraph: what confined the code is the staff's business,
    words like "seccomp" and "landlock-abi-7" tell a student nothing (staff review S9)."""
    return "\n\n".join(p for p in (text or "").split("\n\n") if not p.startswith("Sandbox: "))


def _for_student(entry: Entry, text: str) -> str:
    """The text with the instructor's paths (`../class/folders/bob/ex5.py`) cut to the student's own file
    names (`ex5.py`): the first line is rebuilt, as it may be clipped, and the paths are replaced elsewhere."""
    from .report import header_line

    if entry.submission is None:
        return text
    lines = text.split("\n")
    if entry.report is not None:
        title, exercise_id = entry.report.get("title", ""), entry.report.get("exercise", entry.exercise)
        if lines[0] == header_line(title, exercise_id, entry.submission):
            lines[0] = header_line(title, exercise_id, _own_name(entry.submission, entry.exercise))
    text = "\n".join(lines)
    graded, names = _own_names(entry)
    for path in sorted({entry.submission, *names}, key=len, reverse=True):
        text = text.replace(path, graded if path == entry.submission else names[path])
    return text


def _own_names(entry: Entry) -> tuple[str, dict[str, str]]:
    """The graded file's name as the student knows it, and each file passed over's (path -> name). A file
    below the graded one's folder keeps its folders there (`Exercise4/ex5.py` beside `ex5.py`, review 17, R7);
    two of one name otherwise (one student found under two PATHs) are told apart without the instructor's
    folders: "ex5.py (another file of that name)". Only the files the report's "Graded ..." line names count: the
    gradebook's passed_over also keeps, for the staff, the row's old file in another folder (an earlier download,
    another section's student of that name), which is not the student's (review 22, R6)."""
    graded = _own_name(entry.submission, entry.exercise)
    top = PurePath(entry.submission).parent
    said = next((line for line in reversed((entry.report_text or "").split("\n")) if line.startswith("Graded ")), "")
    listed = f", {said.partition('; also found: ')[2]}, "
    own = [p for p in entry.passed_over if f", {p}, " in listed]
    # a file passed over a few folders above the graded one (the starter at the top of the student's folder, the
    # work in Exercise4/: accept15, N3): the graded file keeps its folders from there
    above = [PurePath(p).parent for p in own if top.is_relative_to(PurePath(p).parent)
             and 0 < len(top.parts) - len(PurePath(p).parts) + 1 <= 2]
    if above:
        top = min(above, key=lambda folder: len(folder.parts))
        graded = PurePath(entry.submission).relative_to(top).as_posix()
    names = {}
    for path in own:
        below = PurePath(path)
        names[path] = below.relative_to(top).as_posix() if below.is_relative_to(top) and \
            len(below.parts) > len(top.parts) + 1 else _own_name(path, entry.exercise)
    taken = [graded, *names.values()]
    for path, name in names.items():
        if taken.count(name) > 1:
            names[path] = f"{name} (another file of that name)"
    return graded, names


def _own_name(path: str, exercise_id: str) -> str:
    """The file's name as the student named it: an LMS renames uploads (Canvas's `doejane_12346_67891_ex5.py`
    was the student's `ex5.py`)."""
    from .batch.discover import lms_name

    name = PurePath(path).name or path
    renamed = lms_name(name, (exercise_id,))
    return renamed[1] if renamed else name
