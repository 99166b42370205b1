"""`grade` starts the Linux runner's zygote before it loads numpy (grader/prestart.py, grader/sandbox/launch.py)."""

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader import prestart
from grader.sandbox import Call, Limits, Sandbox, launch

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "ex5.py"
LINUX = os.environ.get("GRADER_SANDBOX", "").strip().lower() != "portable" and sys.platform.startswith("linux")
pytestmark = pytest.mark.skipif(not LINUX, reason="the Linux runner's zygote; prestart of portable workers: "
                                                  "tests/test_portable.py")


def test_the_command_list_is_cli_s():
    """prestart decides before click loads which arguments are a lone grade: its list must be cli.py's."""
    from grader.cli import main

    assert set(prestart.COMMANDS) == set(main.commands) - {"check"}
    assert prestart.lone_grade(["ex5.py"]) and prestart.lone_grade(["check", "ex5.py"])
    assert not prestart.lone_grade(["batch", "class"]) and not prestart.lone_grade(["ex5.py", "--help"])


def test_a_sandbox_adopts_the_zygote_started_early(tmp_path):
    sub = tmp_path / "s.py"
    sub.write_text("def f(x):\n    return x * 2\n")
    launch.start_early()
    early = launch._early[0].pid
    with Sandbox(Limits(timeout=5)) as sandbox:
        assert sandbox._pid == early and not launch._early
        [outcome] = sandbox.run(sub, [Call(("f",), (3.0,), ("x",), 1)])
    assert outcome.status == "ok" and float(outcome.values[0]) == 6.0
    with pytest.raises(ChildProcessError):  # __exit__ reaped it
        os.waitpid(early, os.WNOHANG)


def test_a_zygote_that_died_before_the_sandbox_opened_is_replaced(tmp_path):
    """Killed before adoption (no expected value exists yet): the sandbox starts a fresh one and grades."""
    sub = tmp_path / "s.py"
    sub.write_text("def f(x):\n    return x + 1\n")
    launch.start_early()
    early = launch._early[0]
    os.kill(early.pid, signal.SIGKILL)
    os.waitid(os.P_PID, early.pid, os.WEXITED | os.WNOWAIT)  # dead, not yet reaped
    with Sandbox(Limits(timeout=5)) as sandbox:
        assert sandbox._pid != early.pid
        [outcome] = sandbox.run(sub, [Call(("f",), (1.0,), ("x",), 1)])
    assert outcome.status == "ok" and float(outcome.values[0]) == 2.0
    assert not Path(early.root).exists()


def _started_by(marker: str) -> list[str]:
    """Processes whose command line names this test's own folder (the zygote's carries its sandbox folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(entry.name)
        except OSError:
            pass
    return found


WRONG = ROOT / "tests" / "submissions" / "ex5" / "extra_output_derivative.py"


@pytest.mark.parametrize("args, status", [(["missing.py", "--exercise", "ex5"], 2),
                                          ([str(SOLUTION), "--format", "json"], 0),
                                          ([str(WRONG), "--exercise", "ex5", "--format", "json"], 1)])
def test_grade_leaves_no_zygote_or_folder_behind(tmp_path, args, status):
    """Whether the early zygote grades or the command stops at a usage error, nothing of it outlives `grade`."""
    tmpdir = tempfile.mkdtemp(prefix="grader-prestart-test-", dir="/tmp")  # traversable, so roots go here
    os.chmod(tmpdir, 0o711)
    try:
        env = {**os.environ, "TMPDIR": tmpdir}
        env.pop("GRADER_SANDBOX", None)
        run = subprocess.run([sys.executable, "-m", "grader", *args], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == status, run.stderr
        if status != 2:  # the whole report is out, though `grade` skips the interpreter's teardown (prestart.leave)
            report = json.loads(run.stdout)
            assert (report["score"] == report["max_score"]) == (status == 0) and report["sandbox"]["runner"] == "linux"
            assert "provenance" in report
        else:
            assert "no such file" in run.stderr
        assert os.listdir(tmpdir) == []
        assert _started_by(tmpdir) == []
    finally:
        os.rmdir(tmpdir)


def test_the_grade_script_s_folder_is_not_on_the_workers_path(tmp_path):
    """`grade` runs with its own folder (the environment's bin/) first on sys.path; student code must not get
    it: the graded sigmoid_gradient is right only when no folder on its path holds the `grade` script."""
    script = Path(sys.executable).parent / "grade"
    if not script.exists():
        pytest.skip(f"no grade script beside {sys.executable}")
    source = SOLUTION.read_text().replace(
        "def sigmoid_gradient(z):\n",
        "def sigmoid_gradient(z):\n"
        "    import os as _os, sys as _sys\n"
        "    if any(_os.path.isfile(_os.path.join(p, 'grade')) for p in _sys.path if p):\n"
        "        return z * 0\n", 1)
    assert "_sys.path" in source
    (tmp_path / "ex5.py").write_text(source)
    run = subprocess.run([str(script), str(tmp_path / "ex5.py"), "--format", "json"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    report = json.loads(run.stdout)
    assert report["score"] == report["max_score"], [p["feedback"] for p in report["parts"]]


@pytest.mark.parametrize(("args", "on_dask"), [
    (["batch", "class", "-e", "ex5", "--dask", "tcp://h:8786"], True),
    (["batch", "class", "--dask=tcp://h:8786"], True),
    (["batch", "class", "-e", "ex5"], False),
    (["ex5.py", "--dask"], False),  # a lone grade has no --dask: its sandbox is needed
])
def test_a_dask_batch_starts_no_portable_worker_early(args, on_dask):
    """With --dask the cluster's workers grade; workers started early here would idle for the whole batch
    (review 10, F11)."""
    from grader.prestart import _on_dask

    assert _on_dask(args) is on_dask
