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
