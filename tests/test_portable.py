"""The portable runner (grader/sandbox/portable.py): the Linux runner's outcomes from a spawned worker per run.

The central test grades the same small submissions with both runners and wants the same outcomes (status,
message, output, values, changed inputs). The others check what only the portable runner must do itself:
one fresh worker per run that holds no grader module and no secret, the whole process tree killed after a
run and on a timeout, the worker gone when the grader dies, the choice of runner, and the refusal of weak
isolation for grades that count for others.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import (
    Call,
    Limits,
    LinuxSandbox,
    PortableSandbox,
    SandboxChoiceError,
    WeakIsolationError,
    linux_missing,
    require_strong_isolation,
    runner_name,
)
from grader.sandbox.portable import _Pipes

from .conftest import ROOT, SUBMISSIONS, grade_json, run_cli

LIMITS = Limits(timeout=2.0, memory_mb=1024, output_bytes=4096, result_bytes=1 << 20)
LINUX = linux_missing() is None
SOLUTION = ROOT / "solutions" / "ex5.py"


def write(folder: Path, source: str, name: str = "ex5.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def call(name, *args, returns=1):
    return Call((name,), tuple(args), tuple(f"a{i}" for i in range(len(args))), returns)


@pytest.fixture(scope="module")
def portable():
    with PortableSandbox(LIMITS) as sandbox:
        yield sandbox


# Each case: the source, then the calls (all in one run).
CASES = {
    "values_and_changed_inputs": ("""
        import numpy as np
        def f(x):
            x[0] = 7.0
            return x.sum(), np.arange(3)
        """, [call("f", np.ones(4), returns=2), call("f", np.zeros(2), returns=2)]),
    "exception_names_the_line": ("""
        def f():
            return 1 / 0
        """, [call("f")]),
    "missing_function": ("def g():\n    return 1\n", [call("f"), call("g")]),
    "syntax_error": ("def f(:\n", [call("f"), call("f")]),
    "sys_exit_is_an_error": ("import sys\ndef f():\n    sys.exit(3)\n", [call("f")]),
    "os_exit_is_a_crash": ("import os\ndef f():\n    os._exit(3)\ndef g():\n    return 1\n",
                           [call("g"), call("f"), call("g")]),
    "killed_by_a_signal": ("import os, signal\ndef f():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
                           [call("f"), call("f")]),
    "busy_loop_times_out": ("def f():\n    while True:\n        pass\ndef g():\n    return 2\n",
                            [call("g"), call("f"), call("g")]),
    "import_counts_against_the_timeout": ("import time\ntime.sleep(30)\ndef f():\n    return 1\n", [call("f")]),
    "prints_per_call": ("""
        import os, sys
        print("at import")
        def f(i):
            print("call", int(i))
            sys.stderr.write("err %d\\n" % int(i))
            os.write(1, b"raw\\n")
            return i
        """, [call("f", float(i)) for i in range(4)]),
    "prints_on_some_calls": ("""
        import os
        print("at import")
        def f(i):
            if int(i) % 3 == 1:
                print("call", int(i), "x" * 5000)
            elif int(i) % 3 == 2:
                os.write(1, b"raw\\n")
            return i
        """, [call("f", float(i)) for i in (0, 0, 1, 0, 2, 1, 1, 0, 2, 0)]),
    "output_is_capped": ("def f():\n    print('x' * 100000)\n    return 1\n", [call("f")]),
    "huge_result_is_a_bad_return": ("import numpy as np\ndef f():\n    return np.ones(1 << 18)\n", [call("f")]),
    "bad_returns": ("def f():\n    return None\ndef g():\n    return 'text'\ndef h():\n    return 1, 2\n",
                    [call("f"), call("g"), call("h", returns=3)]),
    "forged_frame_is_a_crash": ("""
        import os, struct
        def f():
            head = b'{"status": "ok", "values": 1, "changed": [], "seconds": 1e999, "arrays": [["f8", []]]}'
            os.write(3, struct.pack("<IQ", len(head), 8) + head + bytes(8))
            import time
            time.sleep(1)
            return 1
        """, [call("f"), call("f")]),
    "stdin_is_empty": ("import sys\ndef f():\n    return len(sys.stdin.read())\n", [call("f")]),
    "memory_error_under_the_limit": ("import numpy as np\ndef f():\n    return np.ones(1 << 30).sum()\n",
                                     [call("f")]),
}


@pytest.mark.skipif(not LINUX, reason="compares with the Linux runner")
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_outcomes_as_the_linux_runner(name, portable, tmp_path):
    source, calls = CASES[name]
    sub = write(tmp_path, source)
    with LinuxSandbox(LIMITS) as linux:
        expected = linux.run(sub, calls)
    got = portable.run(sub, calls)
    assert [o.status for o in got] == [o.status for o in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert (mine.message, mine.output, mine.function) == (theirs.message, theirs.output, theirs.function)
        assert [v.tolist() for v in mine.values or ()] == [v.tolist() for v in theirs.values or ()]
        assert {k: v.tolist() for k, v in mine.changed_args.items()} == \
            {k: v.tolist() for k, v in theirs.changed_args.items()}
        assert all(v.dtype == np.float64 for v in mine.values or ())


def test_outcomes_say_what_happened(portable, tmp_path):
    """The same facts without the Linux runner to compare with (as on macOS and Windows)."""
    def run(name):
        source, calls = CASES[name]
        return portable.run(write(tmp_path, source), calls)

    assert [o.status for o in run("busy_loop_times_out")] == ["ok", "timeout", "skipped"]
    assert [o.status for o in run("os_exit_is_a_crash")] == ["ok", "crash", "skipped"]
    assert "exited with status 3 while running f" in run("os_exit_is_a_crash")[1].message
    assert "ZeroDivisionError" in run("exception_names_the_line")[0].message
    outputs = [o.output for o in run("prints_per_call")]
    assert outputs[0].startswith("at import") and all(f"call {i}" in outputs[i] for i in range(4))
    assert "more bytes of output not kept" in run("output_is_capped")[0].output
    assert run("huge_result_is_a_bad_return")[0].status == "bad_return"
    assert [o.status for o in run("forged_frame_is_a_crash")] == ["crash", "skipped"]


def test_one_fresh_worker_per_run(portable, tmp_path):
    """Every call of a run is served by one worker; the next run gets another, that remembers nothing."""
    sub = write(tmp_path, """
        import os
        seen = []
        def f():
            seen.append(1)
            return os.getpid(), len(seen)
        """)
    first = portable.run(sub, [call("f", returns=2)] * 3)
    second = portable.run(sub, [call("f", returns=2)] * 3)
    pids = {int(o.values[0]) for o in first}, {int(o.values[0]) for o in second}
    assert len(pids[0]) == 1 and len(pids[1]) == 1 and pids[0] != pids[1]
    assert [int(o.values[1]) for o in second] == [1, 2, 3]


def test_each_runs_folder_is_removed_however_deep_and_locked(portable, tmp_path):
    sub = write(tmp_path, """
        import os
        def f():
            for _ in range(300):
                os.mkdir("d")
                os.chdir("d")
            open("bottom", "wb").write(b"x" * 4096)
            os.chmod(".", 0)
            return 1
        """)
    assert portable.run(sub, [call("f")])[0].status == "ok"
    # only the folders of the workers started ahead (for the next runs) remain
    assert {p.name for p in Path(portable._root).iterdir()} == {Path(w.workdir).name for w in portable._waiting}


def test_the_worker_holds_no_grader_module_and_no_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "do-not-leak")
    sub = write(tmp_path, """
        import os, sys
        def f():
            grader = [m for m in sys.modules if m == "grader" or m.startswith("grader.")]
            return len(grader), "GRADER_SECRET" in os.environ, len(os.listdir("."))
        """)
    with PortableSandbox(LIMITS) as sandbox:  # opened after the variable is set
        [outcome] = sandbox.run(sub, [call("f", returns=3)])
    assert outcome.status == "ok", outcome.message
    assert [float(v) for v in outcome.values] == [0.0, 0.0, 0.0]


def test_a_worker_that_cannot_start_is_could_not_grade(tmp_path, monkeypatch):
    """No numpy in the interpreter, say: the grade is "could not grade" (exit 2) with the reason, not a zero."""
    from grader import prestart

    broken = [sys.executable, "-c", "import sys; sys.stderr.write('ModuleNotFoundError: numpy'); sys.exit(1)"]
    monkeypatch.setattr(prestart, "command", lambda: broken)
    sub = write(tmp_path, "def f():\n    return 1\n")
    with PortableSandbox(LIMITS) as sandbox:
        outcomes = sandbox.run(sub, [call("f"), call("f")])
        assert [o.status for o in outcomes] == ["crash", "crash"]
        assert "could not start a worker" in sandbox.broken and "ModuleNotFoundError: numpy" in sandbox.broken
    monkeypatch.setenv("GRADER_SANDBOX", "portable")
    result = run_cli(str(SOLUTION), "--format", "json")
    assert result.exit_code == 2 and "could not grade" in json.loads(result.stdout)["error"]


def _gone(pid: int) -> bool:
    """Dead or a zombie (killed, not yet reaped by its new parent)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _gone(pid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("after", ["return", "timeout"])
def test_the_workers_process_tree_is_killed(portable, tmp_path, after):
    """A child the submission started dies with its worker, after a normal run and after a timeout."""
    record = tmp_path / "child.pid"
    sub = write(tmp_path, f"""
        import subprocess, sys
        def f():
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
            open({str(record)!r}, "w").write(str(child.pid))
            while {after == "timeout"}:
                pass
            return 1
        """)
    [outcome] = portable.run(sub, [call("f")])
    if not record.exists():  # forks refused (RLIMIT_NPROC 0 without root): nothing to kill
        assert os.geteuid() != 0 and outcome.status == "error"
        return
    assert outcome.status == ("ok" if after == "return" else "timeout")
    assert _wait_gone(int(record.read_text()))


@pytest.mark.skipif(os.name != "posix" or not Path("/proc/self/stat").exists(), reason="POSIX, reads /proc")
def test_the_worker_goes_when_the_grader_is_killed(tmp_path):
    record = tmp_path / "worker.pid"
    sub = write(tmp_path, f"""
        import os, time
        def f():
            with open({str(record)!r} + ".part", "w") as part:
                part.write(str(os.getpid()))
            os.replace({str(record)!r} + ".part", {str(record)!r})  # whole when it appears (CI read it empty once)
            time.sleep(60)
        """)
    grader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        from pathlib import Path
        from grader.sandbox import Call, Limits, PortableSandbox
        with PortableSandbox(Limits(timeout=120)) as sandbox:
            sandbox.run(Path({str(sub)!r}), [Call(("f",), (), (), 1)])
        """)], cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not record.exists() and time.monotonic() < deadline and grader.poll() is None:
            time.sleep(0.05)
        assert record.exists(), "the worker never started"
        worker = int(record.read_text())
        grader.kill()
        grader.wait()
        assert _wait_gone(worker), "the worker outlived the grader"
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.wait()


def test_polling_strategy_for_windows_pipes():
    """Windows has no select() for pipes: `_Pipes` then polls a byte count (PeekNamedPipe there; here the
    same answer from FIONREAD) and reads only what is waiting, so a read never blocks."""
    fcntl = pytest.importorskip("fcntl")
    import select
    import struct
    import termios

    def pending(fd: int) -> int:
        waiting = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
        return waiting or (-1 if select.select([fd], [], [], 0)[0] else 0)  # readable and empty: EOF

    pipes = _Pipes(pending)
    read, write_end = os.pipe()
    try:
        assert pipes.ready([read], 0.05) == []
        os.write(write_end, b"abc")
        assert pipes.ready([read], 1.0) == [read]
        assert pipes.read(read) == b"abc"
        os.close(write_end)
        write_end = -1
        assert pipes.ready([read], 1.0) == [read] and pipes.read(read) == b""
    finally:
        os.close(read)
        if write_end >= 0:
            os.close(write_end)


def test_polling_pipes_run_a_whole_grade(tmp_path):
    """A run through the polling strategy gives the same outcomes as through select()."""
    fcntl = pytest.importorskip("fcntl")
    import select
    import struct
    import termios

    from grader.sandbox import portable as module

    def pending(fd: int) -> int:
        waiting = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
        return waiting or (-1 if select.select([fd], [], [], 0)[0] else 0)

    source, calls = CASES["prints_per_call"]
    sub = write(tmp_path, source)
    with PortableSandbox(LIMITS) as selecting:
        expected = selecting.run(sub, calls)
    polling = module._Pipes(pending)
    original = module._PIPES
    module._PIPES = polling
    try:
        with PortableSandbox(LIMITS) as sandbox:
            got = sandbox.run(sub, calls)
            assert all(w.pipes is polling for w in sandbox._waiting)
    finally:
        module._PIPES = original
    assert [(o.status, o.output) for o in got] == [(o.status, o.output) for o in expected]


# --- choosing the runner, and refusing weak isolation -----------------------------------------------------------

def test_the_runner_is_chosen_by_platform_or_variable(monkeypatch):
    monkeypatch.delenv("GRADER_SANDBOX", raising=False)
    assert runner_name() == ("linux" if LINUX else "portable")
    monkeypatch.setenv("GRADER_SANDBOX", "portable")
    assert runner_name() == "portable"
    monkeypatch.setenv("GRADER_SANDBOX", "bogus")
    with pytest.raises(SandboxChoiceError, match="expected linux, portable or auto"):
        runner_name()


def test_require_strong_isolation(monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX", "portable")
    with pytest.raises(WeakIsolationError, match="Batch grading needs the Linux sandbox.*--allow-weak-isolation"):
        require_strong_isolation(False, "Batch grading")
    require_strong_isolation(True, "Batch grading")
    if LINUX:
        monkeypatch.setenv("GRADER_SANDBOX", "linux")
        require_strong_isolation(False, "Batch grading")


def test_grading_for_credit_refuses_the_portable_runner_unless_allowed(monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX", "portable")
    monkeypatch.setenv("GRADER_SECRET", "a-course-secret-0123456789abcdef")
    refused = run_cli(str(SOLUTION), "--format", "json")
    assert refused.exit_code == 2
    error = json.loads(refused.stdout)["error"]
    assert "GRADER_SECRET" in error and "portable" in error and "--allow-weak-isolation" in error
    report, status = grade_json(SOLUTION, "--allow-weak-isolation")
    assert (report["score"], status, report["sandbox"]["runner"]) == (100, 0, "portable")
    assert "--allow-weak-isolation" in run_cli("check", "--help").output


@pytest.mark.parametrize("command", [["batch", "class", "-e", "ex5"], ["gradescope", "--root", "root"],
                                     ["coursera", "--root", "root"]])
def test_grades_for_others_refuse_the_portable_runner_unless_allowed(monkeypatch, tmp_path, command):
    monkeypatch.setenv("GRADER_SANDBOX", "portable")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "ex5.py").write_text(SOLUTION.read_text())
    (tmp_path / "root" / "submission").mkdir(parents=True)
    (tmp_path / "root" / "submission" / "ex5.py").write_text(SOLUTION.read_text())
    refused = run_cli(*command)
    assert refused.exit_code == 2 and "--allow-weak-isolation" in refused.stderr, refused.output
    allowed = run_cli(*command, "--allow-weak-isolation")
    assert allowed.exit_code == 0, allowed.output


def test_a_bad_runner_name_is_could_not_grade(monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX", "chroot")
    result = run_cli(str(SOLUTION))
    assert result.exit_code == 2 and "GRADER_SANDBOX='chroot'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("runner", ["linux", "portable"])
def test_every_report_names_its_runner_and_layers(monkeypatch, runner):
    if runner == "linux" and not LINUX:
        pytest.skip("the Linux runner cannot run here")
    monkeypatch.setenv("GRADER_SANDBOX", runner)
    report, status = grade_json(SUBMISSIONS / "ex5" / "extra_output_derivative.py", "--exercise", "ex5")
    assert report["sandbox"]["runner"] == runner and status == 1
    layers = report["sandbox"]["layers"]
    assert ("zygote" in layers) == (runner == "linux") and ("spawn" in layers) == (runner == "portable")
    text = run_cli(str(SOLUTION)).output.splitlines()
    assert [line for line in text if line.startswith("Sandbox: ")][0].startswith(f"Sandbox: {runner} runner (")


def test_doctor_names_the_portable_runner_and_what_it_lacks(monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX", "portable")
    result = run_cli("doctor")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("Sandbox runner: portable")
    assert "[x] fresh interpreter per run" in result.output and "no grader module in it" in result.output
    assert "[ ] unprivileged uid, namespaces, seccomp, Landlock  Linux runner only" in result.output


@pytest.mark.parametrize("args, status", [(["missing.py", "--exercise", "ex5"], 2),
                                          ([str(SOLUTION), "--format", "json"], 0)])
def test_workers_started_with_grade_are_used_or_removed(tmp_path, args, status):
    """`grade` starts its first portable workers before loading numpy (grader/prestart.py); whether the grade
    uses them or stops at a usage error, nothing is left in TMPDIR and no worker outlives it."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**os.environ, "GRADER_SANDBOX": "portable", "TMPDIR": str(tmpdir)}
    run = subprocess.run([sys.executable, "-m", "grader", *args], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == status, run.stderr
    if status == 0:
        assert json.loads(run.stdout)["sandbox"]["runner"] == "portable"
    assert list(tmpdir.iterdir()) == []
    if Path("/proc").is_dir():  # no process still works in that folder
        left = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and os.readlink(entry / "cwd").startswith(str(tmpdir)):
                    left.append(entry.name)
            except OSError:
                pass
        assert left == []


def test_meanwhile_runs_once_after_the_request_and_before_any_outcome(portable, tmp_path):
    """As with the Linux runner (test_sandbox.py): the caller's work overlaps the worker's run."""
    sub = write(tmp_path, "def total(x):\n    return x.sum()\n")
    order = []
    outcomes = portable.run(sub, [call("total", np.arange(3.0)), call("total", np.ones(2))],
                            keep=lambda c, o: order.append("outcome") or o, meanwhile=lambda: order.append("meanwhile"))
    assert order == ["meanwhile", "outcome", "outcome"]
    assert [float(o.values[0]) for o in outcomes] == [3.0, 2.0]


def test_each_calls_cpu_time_comes_back(portable, tmp_path):
    """The speed note reads a call's CPU time in the worker (relay.py keeps it, as the Linux runner does)."""
    sub = write(tmp_path, "def spin(n):\n    total = 0\n    for i in range(int(n)):\n        total += i\n"
                          "    return float(total > 0)\n")
    [out] = portable.run(sub, [call("spin", 3e6)])
    assert out.status == "ok" and 0 < out.cpu_seconds <= out.seconds + 0.05, (out.cpu_seconds, out.seconds)


def test_a_grade_given_the_secret_in_its_environment_leaves_no_folder_behind(tmp_path):
    """Review 17, R6: `grade` starts its first portable workers before it reads anything, and a command given
    $GRADER_SECRET then runs itself again without it (secret.hand_off_environment_secret): the early workers'
    folder was left in $TMPDIR by every such run, a lone grade's and a batch's. They are stopped first now."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "ex5.py").write_text(SOLUTION.read_text())
    env = {**os.environ, "GRADER_SANDBOX": "portable", "GRADER_SECRET": "s" * 32, "TMPDIR": str(tmpdir)}
    for command in (["check", str(tmp_path / "class" / "ann" / "ex5.py"), "--allow-weak-isolation"],
                    ["batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"),
                     "--allow-weak-isolation"]):
        run = subprocess.run([sys.executable, "-m", "grader", *command], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert sorted(p.name for p in tmpdir.iterdir()) == [], command
