"""Coursera's feedback.json from a Credit: {"fractionalScore": 0..1, "feedback": "..."}.

The feedback is plain text (no feedbackType, so Coursera shows it as text: nothing is HTML, nothing is
escaped): the same table and explanations as `grade FILE` without the numbers of expected values, then
which file was graded when others named for the exercise were found, then the provenance line. Coursera
cuts feedback at 64 KB; it is clipped below that here.
"""

import json
from pathlib import Path

from ..report import as_text
from .common import EXIT_NO_OUTPUT, Credit, clip, exit_status, grade_for_credit, prepare_folder, redacted, write_json

FEEDBACK_LIMIT = 60_000  # characters; at most 4 bytes each in UTF-8 would pass 64 KB, but the text is ASCII-heavy


def feedback(credit: Credit) -> dict:
    if credit.report is None:
        text = f"Could not grade this submission: {credit.reason}\n\n{credit.provenance_text}"
        return {"fractionalScore": 0.0, "feedback": clip(text, FEEDBACK_LIMIT)}
    report = credit.report
    fraction = report.score / report.max_score if report.max_score else 0.0
    text = "\n\n".join(t for t in (as_text(redacted(report), colour=False), credit.graded_file_text,
                                    credit.provenance_text) if t)
    return {"fractionalScore": round(fraction, 6), "feedback": clip(text, FEEDBACK_LIMIT)}


def run(root: Path, exercise_name: str | None, secret_file: Path | None, limits, part_id: str | None,
        say, complain, allow_weak: bool = False) -> int:
    """Grade ROOT/submission into ROOT/feedback.json (also printed on stdout, as older graders did).
    `allow_weak`: --allow-weak-isolation (common.grade_for_credit)."""
    problem = prepare_folder(root)
    if problem:
        complain(f"{problem}; no feedback.json was written")
        return EXIT_NO_OUTPUT
    credit = grade_for_credit(root / "submission", exercise_name, secret_file, limits, part_id or None, allow_weak)
    data = feedback(credit)
    target = root / "feedback.json"
    problem = write_json(target, data)
    if problem:
        complain(f"{problem}; no feedback.json was written")
        return EXIT_NO_OUTPUT
    say(json.dumps(data, ensure_ascii=False))
    if credit.reason:
        complain(f"could not grade: {credit.reason} (written to {target} with fractionalScore 0)")
    return exit_status(credit)
