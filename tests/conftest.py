"""Shared test setup: single-threaded BLAS before numpy loads (the sandbox forks), CLI helpers."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"


def run_cli(*args: str):
    """Invoke `grade ARGS...` in-process; returns click's Result."""
    from grader.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def grade_json(path: Path, *extra: str) -> tuple[dict, int]:
    """Grade a file through the CLI with --format json; returns (report, exit status)."""
    result = run_cli("check", str(path), "--format", "json", *extra)
    return json.loads(result.stdout), result.exit_code


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def sandbox_runs(monkeypatch):
    """Every (call, outcome) a grade runs in this test, in order (outcome None: the run's time was used up).

    What a grade ran, counted instead of timed: a test that bounds a grade's wall time fails on a busy
    machine (GUIDE: no wall-clock races)."""
    from grader import grading

    ran = []
    run = grading.Budget.run

    def counted(self, calls, meanwhile=None, arrived=None):
        outcomes = run(self, calls, meanwhile, arrived)
        ran.extend(zip(calls, outcomes or [None] * len(calls), strict=True))
        return outcomes

    monkeypatch.setattr(grading.Budget, "run", counted)
    return ran


def argument(call, name: str, default=None):
    """A sandbox call's argument by name (default when the function takes no such argument)."""
    return call.args[call.arg_names.index(name)] if name in call.arg_names else default
