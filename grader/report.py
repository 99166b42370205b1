"""Renderers: the course-style text table and the JSON report of the design notes' contract."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

from .text import printable

if TYPE_CHECKING:  # only for annotations: the class's feedback files read header_line without numpy
    from .grading import Report

WIDTH = 100  # the text report fits a 100-column terminal


def as_dict(report: Report) -> dict:
    network = report.exercise.network
    return {
        "exercise": report.exercise.id,
        "title": report.exercise.title,
        "score": report.score,
        "max_score": report.max_score,
        "sandbox": report.sandbox,
        "parts": [
            {
                "id": p.part.id,
                "title": p.part.title,
                "score": p.score,
                "max_score": p.part.points,
                "passed": p.passed,
                "feedback": p.feedback,
                "mistakes": [{"id": m.id, "title": m.title, "explanation": m.explanation(network)}
                             for m in p.mistakes],
                "evidence": p.evidence,
            }
            for p in report.parts
        ],
        "notes": [{"id": n.id, "message": n.message} for n in report.notes],  # after the parts, shortest first
    }


def as_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False)


def _style(text: str, colour: str | None, use_colour: bool, bold: bool = False) -> str:
    if not use_colour:
        return text
    import click

    return click.style(text, fg=colour, bold=bold)


FEEDBACK_ROOM = 30  # the Feedback column's least width


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wrap(text: str, indent: str, more: str = "  ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + more,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]


def _short_feedback(p) -> str:
    """The table's Feedback column: the verdict in a few words; the details follow below the table."""
    if p.passed:
        return p.feedback if p.part.check == "training" else "Nice work!"  # the figures, beside the reference's
    if [m.id for m in p.mistakes] == ["not_implemented"]:
        return "Not written yet"
    if p.mistakes:  # titles, not ids: "regularization_of_accumulated_gr…" read as jargon cut mid-word (F14)
        return "Likely: " + "; ".join(m.title for m in p.mistakes)
    failed = next(c for c in p.checks if not c.passed)
    return failed.message


def _feedback_cell(p, room: int) -> list[str]:
    """The Feedback column's lines: the mistakes' titles wrap onto lines of their own (student review 4, F14:
    cut to the column, their ids read "Likely: gradient_regularization_not_aver…"); anything else is cut to
    one line, its whole text following below the table."""
    text = _short_feedback(p)
    if p.passed or not p.mistakes:
        return [_clip(text, room)]
    return textwrap.wrap(text, room, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)


def _failures(p) -> list[str]:
    """A failed part's messages, each with the cases it happened on."""
    by_message: dict[str, list[str]] = {}
    for c in p.checks:
        if not c.passed:
            by_message.setdefault(c.detail or c.message, []).append(c.case)
    return [f"{message} ({'every case' if len(cases) == len(p.checks) > 1 else 'case ' + ', '.join(cases)})"
            for message, cases in by_message.items()]


def _what_went_wrong(failed: list, network) -> list[str]:
    """Parts with the same failures, mistakes and evidence are told once; each explanation once."""
    groups: dict[tuple, list] = {}
    for p in failed:
        key = (tuple(_failures(p)), tuple(m.id for m in p.mistakes), tuple(p.evidence))
        groups.setdefault(key, []).append(p)
    lines, explained = [], set()
    for (failures, _, evidence), parts in groups.items():
        lines += _wrap("* " + "; ".join(p.part.title for p in parts), "", "  ")
        for failure in failures:
            lines += _wrap(failure, "    ")
        for m in parts[0].mistakes:
            lines += _wrap(f"Likely mistake: {m.title} [{m.id}]" + (" (explained above)" if m in explained else ""),
                           "    ")
            if m not in explained:
                lines += _wrap(m.explanation(network), "      ", "")
                explained.add(m)
        for line in evidence:
            lines += _wrap(line, "    ")
    return lines


def header_line(title: str, exercise_id: str, submission: str) -> str:
    """The text report's first line; a feedback file rebuilds it with the student's own file name."""
    return _clip(printable(f"== {title} ({exercise_id}): {submission}"), WIDTH)  # a name may hold escapes


def as_text(report: Report, colour: bool = False) -> str:
    """A table like the course's submit output, then what went wrong (each explanation once) and notes."""
    width = max(len("Part Name"), *(len(p.part.title) for p in report.parts))
    # a long part title leaves the column at least FEEDBACK_ROOM wide: the table is then wider than WIDTH
    feedback_room = max(FEEDBACK_ROOM, WIDTH - (3 + width + 3 + 9 + 3))
    lines = [header_line(report.exercise.title, report.exercise.id, report.submission),
             f"== {'Part Name':>{width}} |     Score | Feedback",
             f"== {'---------':>{width}} |     ----- | --------"]
    for p in report.parts:
        score = _style(f"{p.score:>3} / {p.part.points:>3}", "green" if p.passed else "red", colour)
        first, *more = _feedback_cell(p, feedback_room)
        lines.append(f"== {p.part.title:>{width}} | {score} | {first}")
        lines += [f"== {'':>{width}} | {'':>9} | {line}" for line in more]
    total = f"{report.score:>3} / {report.max_score:>3}"
    full = report.score == report.max_score
    lines.append(f"== {'-' * (width + 24)}")
    lines.append(f"== {'':>{width}} | {_style(total, 'green' if full else 'red', colour, bold=True)} |")

    failed = [p for p in report.parts if not p.passed]
    if failed:
        lines += ["", _style("What went wrong", None, colour, bold=True)]
        lines += _what_went_wrong(failed, report.exercise.network)
    if report.notes:
        lines += ["", _style("Notes (no points taken)", None, colour, bold=True)]
        for n in report.notes:
            lines += _wrap("* " + n.message, "", "  ")
    if report.sandbox:
        lines += ["", *_wrap(sandbox_line(report.sandbox), "", "  ")]
    return "\n".join(lines)


def sandbox_line(sandbox: dict) -> str:
    """The report's last line: which runner ran the student's code, and what confined it."""
    line = f"Sandbox: {sandbox['runner']} runner ({', '.join(sandbox['layers'])})"
    if sandbox["runner"] == "portable":
        line += "; weaker isolation than on Linux, fine for grading your own work (see `grade doctor`)"
    return line
