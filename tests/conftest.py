"""Shared test setup: single-threaded BLAS before numpy loads (the sandbox forks), CLI helpers."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
# What a root grader in a container with Docker's default capabilities has: no CAP_SYS_ADMIN, so no
# namespaces and no private file view; workers still switch uid, and only Landlock keeps their reads private.
NO_SYS_ADMIN = ["setpriv", "--bounding-set", "-sys_admin"]
# A kernel without Landlock, as it answers: the three Landlock calls fail with ENOSYS (seccomp, then exec).
NO_LANDLOCK = [sys.executable, "-c", """
import ctypes, errno, os, sys
lib = ctypes.CDLL("libseccomp.so.2")
lib.seccomp_init.restype = ctypes.c_void_p
lib.seccomp_init.argtypes = [ctypes.c_uint32]
lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
lib.seccomp_load.argtypes = [ctypes.c_void_p]
ctx = lib.seccomp_init(0x7FFF0000)
for number in (444, 445, 446):
    assert lib.seccomp_rule_add(ctx, 0x00050000 | errno.ENOSYS, number, 0) == 0
assert lib.seccomp_load(ctx) == 0
os.execv(sys.argv[1], sys.argv[1:])
"""]


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
