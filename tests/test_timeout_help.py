"""--timeout's help says what the grader does with it: one call may take that long, but all of a function's
graded calls share GRADED_BUDGET times it (accept4 D10: the help said only "each call", so a correct solution
whose calls each took 2.2 s scored 5/100 under --timeout 3 with nothing in --help to explain why)."""

import re

from .conftest import ROOT, run_cli


def _timeout_help(*command: str) -> str:
    result = run_cli(*command, "--help")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    found = re.search(r"--timeout FLOAT RANGE (.*?) \[default: 10\.0", text)
    assert found, text
    return found.group(1)


def test_every_command_with_a_timeout_states_the_shared_budget():
    from grader.grading import GRADED_BUDGET
    from grader.training import TRAINING_BUDGET

    texts = {command: _timeout_help(*command) for command in (("check",), ("batch",), ("gradescope",),
                                                              ("coursera",))}
    assert len(set(texts.values())) == 1, texts
    text = texts[("check",)]
    assert text.startswith("Seconds one call of a student function may take."), text
    assert f"calls of one function (its import included) share {GRADED_BUDGET:g} times this" in text, text
    assert f"a training part's calls {TRAINING_BUDGET:g} times this" in text, text
    assert "not called again" in text, text
    # The docs say the same.
    for doc in ("security.md", "architecture.md"):
        assert f"share {GRADED_BUDGET:g} × `--timeout`" in (ROOT / "docs" / doc).read_text(), doc
