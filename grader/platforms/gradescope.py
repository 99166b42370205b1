"""Gradescope's results.json from a Credit (format: gradescope-autograders.readthedocs.io, "specs").

One test per part (name = the part's title, score, max_score, status, output = the part's feedback with
each likely mistake's id, title and explanation, tags = the mistakes' ids); the top-level output holds
which file was graded when others named for the exercise were found, the notes and the provenance
(grader version, spec and submission sha256, the secret's fingerprint);
extra_data holds the provenance as data. A submission that cannot be graded gets score 0, the reason as
output, and (when the exercise is known) every part at 0 with the reason.

Gradescope always shows the top-level output. So with a visibility other than `visible` the results also set
the top-level `visibility`, and the score line and the notes (which tell how the code did) move out of the
output into a 0-point test titled as notes with that visibility; the output keeps only which file was graded
and the provenance, which say nothing of the result.
"""

from pathlib import Path

from .common import (
    EXIT_NO_OUTPUT,
    Credit,
    clip,
    exit_status,
    grade_for_credit,
    notes_text,
    part_text,
    prepare_folder,
    redacted,
    write_json,
)

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
OUTPUT_LIMIT = 60_000  # characters per output field; the texts are far shorter unless a student prints a lot
NOTES_TEST = "Notes (no points taken)"


def _notes_test(text: str, number: int, visibility: str) -> dict:
    """What the top-level output would tell of the result, as a test Gradescope hides as `visibility` says."""
    return {"name": NOTES_TEST, "number": str(number), "score": 0.0, "max_score": 0.0,
            "output": clip(text, OUTPUT_LIMIT), "output_format": "text", "visibility": visibility}


def results(credit: Credit, visibility: str = "visible") -> dict:
    exercise, report = credit.exercise, credit.report
    if report is not None:
        report = redacted(report)
        tests = [{
            "name": p.part.title, "number": str(i), "score": float(p.score), "max_score": float(p.part.points),
            "status": "passed" if p.passed else "failed",
            "output": clip(part_text(p, exercise.network), OUTPUT_LIMIT), "output_format": "text",
            "tags": [m.id for m in p.mistakes], "visibility": visibility,
        } for i, p in enumerate(report.parts, 1)]
        summary = f"{exercise.title} ({exercise.id}): {report.score} / {report.max_score}"
        if visibility == "visible":
            shown = (summary, credit.graded_file_text, notes_text(report), credit.provenance_text)
        else:  # the score line and the notes tell the result: hidden as the tests are
            tests.append(_notes_test("\n\n".join(t for t in (summary, notes_text(report)) if t), len(tests) + 1,
                                     visibility))
            shown = (credit.graded_file_text, credit.provenance_text)
        output = "\n\n".join(t for t in shown if t)
        score = float(report.score)
    else:
        parts = exercise.parts if exercise is not None else ()
        tests = [{"name": p.title, "number": str(i), "score": 0.0, "max_score": float(p.points), "status": "failed",
                  "output": f"Not graded: {credit.reason}", "output_format": "text", "visibility": visibility}
                 for i, p in enumerate(parts, 1)]
        output = f"Could not grade this submission: {credit.reason}\n\n{credit.provenance_text}"
        score = 0.0
    hidden = {} if visibility == "visible" else {"visibility": visibility}
    return {
        "score": score,
        **hidden,
        "execution_time": round(credit.seconds, 3),
        "output": clip(output, OUTPUT_LIMIT),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"provenance": credit.provenance, "graded": report is not None},
    }


def run(root: Path, exercise_name: str | None, secret_file: Path | None, limits, visibility: str,
        say, complain, allow_weak: bool = False) -> int:
    """Grade ROOT/submission into ROOT/results/results.json; the exit status of `grade gradescope`.
    `allow_weak`: --allow-weak-isolation (common.grade_for_credit)."""
    results_folder = root / "results"
    problem = prepare_folder(results_folder)
    if problem:
        complain(f"{problem}; no results.json was written")
        return EXIT_NO_OUTPUT
    credit = grade_for_credit(root / "submission", exercise_name, secret_file, limits, allow_weak=allow_weak)
    target = results_folder / "results.json"
    problem = write_json(target, results(credit, visibility))
    if problem:
        complain(f"{problem}; no results.json was written")
        return EXIT_NO_OUTPUT
    if credit.reason:
        complain(f"could not grade: {credit.reason} (written to {target} with score 0)")
    else:
        say(f"{credit.exercise.id}: {credit.report.score} / {credit.report.max_score} "
            f"({credit.shown_as}), written to {target}")
        if credit.also_found:
            say(credit.graded_file_text)
    return exit_status(credit)
