"""Renderers: the course-style text table and the JSON report of the design notes' contract."""

import json
import textwrap

from .grading import Report

_WIDTH = 44  # width of the part-name column, like the course's submit output


def as_dict(report: Report) -> dict:
    network = report.exercise.network
    return {
        "exercise": report.exercise.id,
        "title": report.exercise.title,
        "score": report.score,
        "max_score": report.max_score,
        "notes": [{"id": n.id, "message": n.message} for n in report.notes],
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
    }


def as_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False)


def _style(text: str, colour: str | None, use_colour: bool, bold: bool = False) -> str:
    if not use_colour:
        return text
    import click

    return click.style(text, fg=colour, bold=bold)


def _feedback_line(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_text(report: Report, colour: bool = False) -> str:
    """A table like the course's submit output, then what went wrong and notes."""
    lines = [f"== {report.exercise.title} ({report.exercise.id}): {report.submission}",
             f"== {'Part Name':>{_WIDTH}} |     Score | Feedback",
             f"== {'---------':>{_WIDTH}} |     ----- | --------"]
    for p in report.parts:
        score = f"{p.score:>3} / {p.part.points:>3}"
        score = _style(score, "green" if p.passed else "red", colour)
        lines.append(f"== {p.part.title:>{_WIDTH}} | {score} | {_feedback_line(p.feedback)}")
    total = f"{report.score:>3} / {report.max_score:>3}"
    full = report.score == report.max_score
    lines.append(f"== {'-' * (_WIDTH + 24)}")
    lines.append(f"== {'':>{_WIDTH}} | {_style(total, 'green' if full else 'red', colour, bold=True)} |")

    failed = [p for p in report.parts if not p.passed]
    if failed:
        lines += ["", _style("What went wrong", None, colour, bold=True)]
        explained = set()
        for p in failed:
            lines.append(f"* {p.part.title}")
            by_message: dict[str, list[str]] = {}
            for c in p.checks:
                if not c.passed:
                    by_message.setdefault(c.detail or c.message, []).append(c.case)
            for message, cases in by_message.items():
                where = "every case" if len(cases) == len(p.checks) > 1 else "case " + ", ".join(cases)
                lines += textwrap.wrap(f"{message} ({where})", 100, initial_indent="    ",
                                       subsequent_indent="      ")
            for m in p.mistakes:
                again = " (explained above)" if m in explained else ""
                lines.append(f"    Likely mistake: {m.title} [{m.id}]{again}")
                if m not in explained:
                    lines += [f"      {line}" for line in textwrap.wrap(m.explanation(report.exercise.network), 96)]
                    explained.add(m)
            for line in p.evidence:
                lines += textwrap.wrap(line, 100, initial_indent="    ", subsequent_indent="      ")
    if report.notes:
        lines += ["", _style("Notes (no points taken)", None, colour, bold=True)]
        lines += [f"* {n.message}" for n in report.notes]
    return "\n".join(lines)
