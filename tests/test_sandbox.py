"""The sandbox runs student files in child processes and turns everything they do into outcomes."""

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import Call, Limits, ProtocolError, Sandbox, _frame, _Frames, _remove_tree, _seccomp_filter
from grader.sandbox.course import prints_limit

from .conftest import grade_json

FIXTURES = Path(__file__).parent / "sandbox_fixtures"
LIMITS = Limits(timeout=1.0, memory_mb=1024)
ROOT = os.geteuid() == 0
SECCOMP = _seccomp_filter() is not None


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(LIMITS) as sb:
        yield sb


def write(folder: Path, source: str, name: str = "ex5.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def call(*names, args=(), arg_names=None, returns=1, return_names=()) -> Call:
    arg_names = arg_names or tuple(f"a{i}" for i in range(len(args)))
    return Call(tuple(names), tuple(args), tuple(arg_names), returns, tuple(return_names))


def test_values_come_back_as_float64_arrays(sandbox, tmp_path):
    sub = write(tmp_path, "def total(x):\n    return x.sum()\n")
    [out] = sandbox.run(sub, [call("total", args=[np.arange(4.0)])])
    assert out.status == "ok" and out.function == "total" and out.message == ""
    assert out.values[0].dtype == np.float64 and out.values[0].shape == () and out.values[0] == 6.0
    assert out.changed_args == {} and 0 <= out.seconds < 1


def test_two_values_and_argument_kinds(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        def cost(p, n, y, lam, sizes):
            assert type(n) is int and type(lam) is float and sizes == [2, 3]
            assert y.dtype.kind == "i" and y.shape == (3,)
            return float(p.sum() * n + lam), p * 2
        """,
    )
    args = [np.array([1.0, 2.0]), 3, np.array([0, 1, 2]), 0.5, [2, 3]]
    [out] = sandbox.run(sub, [call("cost", args=args, returns=2)])
    assert out.status == "ok", out.message
    assert out.values[0] == 9.5 and out.values[1].tolist() == [2.0, 4.0]


def test_unusual_numbers_become_plain_float64(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        import numpy as np
        class F(float):
            pass
        def odd(z):
            return F(1.5), np.array([1, 2.5], dtype=object), np.matrix([[1, 2]]), [True, 3]
        """,
    )
    [out] = sandbox.run(sub, [call("odd", args=[np.zeros(1)], returns=4)])
    assert out.status == "ok", out.message
    assert all(type(v) is np.ndarray and v.dtype == np.float64 for v in out.values)
    assert [v.tolist() for v in out.values] == [1.5, [1.0, 2.5], [[1.0, 2.0]], [1.0, 3.0]]


def test_in_place_changes_are_reported_and_next_call_gets_fresh_inputs(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        def first(theta, X):
            before = theta[0]
            theta[0] = 0.0
            return before
        """,
    )
    theta, X = np.array([5.0, 6.0]), np.ones((2, 2))
    c = call("first", args=[theta, X], arg_names=["theta", "X"])
    a, b = sandbox.run(sub, [c, c])
    assert a.values[0] == 5.0 and b.values[0] == 5.0
    assert list(a.changed_args) == ["theta"] and a.changed_args["theta"].tolist() == [0.0, 6.0]
    assert theta.tolist() == [5.0, 6.0]


def test_exception_names_type_text_and_student_line(sandbox, tmp_path):
    sub = write(tmp_path, "import numpy as np\n\ndef f(x):\n    y = x\n    return np.ones(3)[5]\n")
    [out] = sandbox.run(sub, [call("f", args=[1])])
    assert out.status == "error" and out.values is None and out.function == "f"
    assert out.message.startswith("IndexError: index 5 is out of bounds")
    assert out.message.endswith("(ex5.py, line 5)")


def test_missing_function_and_alias(sandbox, tmp_path):
    sub = write(tmp_path, "def nnCostFunction():\n    return 1\n")
    missing, alias = sandbox.run(
        sub, [call("sigmoid_gradient", "sigmoidGradient"), call("nn_cost_function", "nnCostFunction")]
    )
    assert missing.status == "missing" and "sigmoid_gradient or sigmoidGradient" in missing.message
    assert alias.status == "ok" and alias.function == "nnCostFunction"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(:\n    pass\n", "SyntaxError: invalid syntax (ex5.py, line 1)"),
        ("import numpy\nimport no_such_module\n", "No module named 'no_such_module' (ex5.py, line 2)"),
        ("raise SystemExit(2)\n", "SystemExit: 2 (ex5.py, line 1)"),
    ],
)
def test_import_failure_marks_every_call(sandbox, tmp_path, source, expected):
    sub = write(tmp_path, source)
    outs = sandbox.run(sub, [call("f"), call("g"), call("h")])
    assert [o.status for o in outs] == ["import_error"] * 3
    assert all(o.message.endswith(expected) for o in outs)


def test_missing_file_is_an_import_error(sandbox, tmp_path):
    [out] = sandbox.run(tmp_path / "nothing.py", [call("f")])
    assert out.status == "import_error" and "nothing.py cannot be read (No such file" in out.message


def test_infinite_loop_times_out_and_skips_the_rest(sandbox, tmp_path):
    """The spin never ends, so that the run returns at all shows the worker was killed; the calls after it
    are skipped, not each given a timeout. (Not timed: a bound of timeout + 1 s on the run failed 4 times
    in 7 at load 11.)"""
    sub = write(tmp_path, "def ok():\n    return 1\n\ndef spin():\n    while True:\n        pass\n")
    outs = sandbox.run(sub, [call("ok"), call("spin"), call("ok"), call("ok")])
    assert [o.status for o in outs] == ["ok", "timeout", "skipped", "skipped"]
    assert outs[1].message == "running spin took longer than 1 s"
    assert "earlier call timed out" in outs[2].message


def test_import_counts_against_the_timeout(sandbox, tmp_path):
    """The import is stopped at the timeout, long before its 60 s sleep would end (bounded by half the sleep,
    not by the timeout: a busy machine stretches the run's own cost)."""
    sub = write(tmp_path, "import time\ntime.sleep(60)\n")
    start = time.monotonic()
    outs = sandbox.run(sub, [call("f"), call("g")])
    assert time.monotonic() - start < 30
    assert [o.status for o in outs] == ["timeout", "skipped"]
    assert outs[0].message == "importing ex5.py took longer than 1 s"


def test_os_exit_is_a_crash_and_sys_exit_an_error(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        import os, sys
        def ok():
            return 1
        def leave():
            sys.exit(4)
        def die():
            os._exit(3)
        """,
    )
    outs = sandbox.run(sub, [call("ok"), call("leave"), call("die"), call("ok")])
    assert [o.status for o in outs] == ["ok", "error", "crash", "skipped"]
    assert outs[1].message.startswith("SystemExit: 4 (ex5.py, line 6)")
    assert outs[2].message == "exited with status 3 while running die"


def test_killed_by_signal(sandbox, tmp_path):
    sub = write(tmp_path, "import os, signal\ndef f():\n    os.kill(os.getpid(), signal.SIGSEGV)\n")
    [out] = sandbox.run(sub, [call("f")])
    assert out.status == "crash" and out.message == "killed by signal SIGSEGV while running f"


def test_memory_limit_gives_memory_error(sandbox, tmp_path):
    sub = write(tmp_path, "import numpy as np\ndef f():\n    return np.ones(10**10).sum()\n")
    [out] = sandbox.run(sub, [call("f")])
    assert out.status == "error" and out.message.startswith("MemoryError")


def test_output_is_captured_per_call_and_nothing_leaks(sandbox, tmp_path, capfd):
    sub = write(
        tmp_path,
        """
        import os, sys
        print("at import")
        def f():
            print("to stdout")
            print("to stderr", file=sys.stderr)
            os.write(1, b"raw fd\\n")
            return 0
        def quiet():
            return 0
        """,
    )
    a, b = sandbox.run(sub, [call("f"), call("quiet")])
    assert a.output.splitlines() == ["at import", "to stdout", "to stderr", "raw fd"]
    assert b.output == ""
    assert capfd.readouterr() == ("", "")


SOME_CALLS_PRINT = """
    import os, sys
    print("at import")
    def quiet(i):
        return i
    def prints(i):
        print("call", int(i), "x" * 5000)  # a long line, so the runner may read it before the last frame
        return i
    def raw(i):
        os.write(1, b"raw %d\\n" % int(i))
        return i
    def writes_a_file(i):
        with open("scratch.txt", "w") as f:
            f.write("not output")
        return i
    """
SOME_CALLS = ["quiet", "prints", "quiet", "quiet", "raw", "prints", "prints", "writes_a_file", "quiet", "raw",
              "quiet"]


def test_each_call_keeps_its_own_output_whether_or_not_the_call_before_printed(sandbox, tmp_path):
    """A call that wrote nothing does not wait for the runner before the next one starts (worker._Writes), so
    the next call's first prints may reach the runner before this call's result: they are still the next
    call's. What the import printed goes with the first call, even one that prints nothing itself."""
    sub = write(tmp_path, SOME_CALLS_PRINT)
    for _ in range(3):
        outcomes = sandbox.run(sub, [call(name, args=(float(i),)) for i, name in enumerate(SOME_CALLS)])
        assert [o.status for o in outcomes] == ["ok"] * len(SOME_CALLS), [o.message for o in outcomes]
        expected = {"quiet": "", "writes_a_file": "", "raw": "raw {}\n", "prints": "call {} " + "x" * 5000 + "\n"}
        for i, (name, outcome) in enumerate(zip(SOME_CALLS, outcomes, strict=True)):
            assert outcome.output == ("at import\n" if i == 0 else "") + expected[name].format(i), (i, name)


def test_calls_that_finished_in_time_are_no_timeouts_when_the_grader_reads_late(tmp_path):
    """A lone grade computes its expected values while the worker runs (`meanwhile`), and reads no outcome
    until then; large results fill the socket, the zygote waits to send, and the worker, whose calls print
    nothing, has gone on meanwhile. The calls' frames were in the pipe in time: none is a timeout (review 9)."""
    sub = write(tmp_path, "import numpy as np\ndef f(i):\n    return np.ones(200_000) * i\n")  # 1.6 MB each
    with Sandbox(Limits(timeout=1.0)) as sb:
        outcomes = sb.run(sub, [call("f", args=(float(i),)) for i in range(4)], meanwhile=lambda: time.sleep(2.5))
    assert [o.status for o in outcomes] == ["ok"] * 4, [o.message for o in outcomes]
    assert [float(o.values[0][-1]) for o in outcomes] == [0.0, 1.0, 2.0, 3.0]


def test_a_worker_waits_for_a_go_only_after_a_call_that_wrote_something(tmp_path):
    """The worker's side of the handshake (worker._Writes), read off its frames: its import frame never waits,
    and a call frame waits when anything was written since the last call frame, by print, os.write or to a
    file, and also after a flood whose bytes past the cap were only counted."""
    sub = write(tmp_path, """
        import os
        print("at import")
        def quiet():
            return 1
        def prints():
            print("hi")
            return 1
        def raw():
            os.write(2, b"r")
            return 1
        def writes_a_file():
            with open("scratch.txt", "w") as f:
                f.write("x")
            return 1
        def floods():
            for _ in range(1000):
                print("y" * 99)
            return 1
        """)
    names = ["quiet", "quiet", "prints", "quiet", "raw", "writes_a_file", "quiet", "floods", "quiet", "quiet"]
    result_r, result_w = os.pipe()
    go_r, go_w = os.pipe()
    output_r, output_w = os.pipe()
    os.write(go_w, b"g" * len(names))  # whatever the worker asks, it never blocks here
    pid = os.fork()
    if pid == 0:  # the worker's side of a run, as zygote._worker sets it up, without the confinement
        try:
            os.chdir(tmp_path)
            for source, target in ((result_w, 3), (go_r, 4), (output_w, 1), (output_w, 2)):
                os.dup2(source, target)
            from grader.sandbox import worker
            worker.capture_output(1000)
            worker._serve(sub, [call(name) for name in names])
        finally:
            os._exit(0)
    for fd in (result_w, go_r, output_w):
        os.close(fd)
    frames, data = _Frames(), b""
    while chunk := os.read(result_r, 1 << 16):
        data += chunk
    os.waitpid(pid, 0)
    printed = b""
    while chunk := os.read(output_r, 1 << 16):
        printed += chunk
    headers = [header for header, _ in frames.feed(data)]
    assert [h["status"] for h in headers] == ["imported"] + ["ok"] * len(names)
    assert [h["waits"] for h in headers] == [False, True, False, True, False, True, True, False, True, False, False]
    assert printed.startswith(b"at import\nhi\nr")


class _ScriptedWorker:
    """relay._relay's view of a worker (zygote._Watch, portable._Worker), playing frames from a script:
    (header, what the worker printed before sending it). Counts the go bytes and when the clock restarts."""

    def __init__(self, frames):
        self.frames, self.log, self.printed = list(frames), [], ""
        self.deadline, self.budget, self.timeout = float("inf"), None, 1.0

    def import_result(self):
        return self.next_frame()

    def next_frame(self):
        header, printed = self.frames.pop(0)
        self.printed += printed
        self.log.append("frame")
        values = [np.array(1.0)] * header.get("values", 0)
        return {"arrays": [["f8", []]] * len(values), **header}, values

    def go(self):
        self.log.append("go")

    def restart_clock(self):
        self.log.append("clock")

    def elapsed(self):
        return 0.0

    def take_output(self, reported=0):
        taken, self.printed = self.printed, ""
        return taken


def _ok(**extra):
    return {"status": "ok", "values": 1, "changed": [], "seconds": 0.0, "function": "f", **extra}


def test_the_runner_lets_a_worker_go_on_only_after_a_frame_that_waits():
    """The go handshake is for calls that printed: after a frame that does not wait, the runner sends no go
    (the worker has started its next call), restarts that call's clock at once, and takes no output with the
    frame: what is in the pipe by then belongs to the next call."""
    from grader.sandbox.relay import _relay

    worker = _ScriptedWorker([({"status": "imported", "waits": False}, ""),
                              (_ok(waits=False), "next call's "), (_ok(waits=True, dropped=0), "own"),
                              (_ok(waits=False), ""), (_ok(), "")])
    outcomes = []
    _relay(worker, Path("ex5.py"), [call("f")] * 4, outcomes.append)
    assert [o.output for o in outcomes] == ["", "next call's own", "", ""]
    # no go before the first two calls nor the fourth; one after the frame that waits; and a frame that does
    # not say (an older or forged one) is waited for
    assert worker.log == ["frame", "clock", "frame", "clock", "frame", "clock", "go", "frame", "clock", "frame"]


@pytest.mark.parametrize("frame, message", [(_ok(waits="no"), "bad wait flag"),
                                            (_ok(waits=False, dropped=5), "does not wait dropped output")])
def test_a_frame_with_a_bad_wait_flag_is_a_crash(frame, message):
    from grader.sandbox.relay import _relay

    worker = _ScriptedWorker([({"status": "imported", "waits": False}, ""), (frame, "")])
    outcomes = []
    _relay(worker, Path("ex5.py"), [call("f")] * 2, outcomes.append)
    assert [o.status for o in outcomes] == ["crash", "skipped"]
    assert message in outcomes[0].message


def test_output_is_truncated(tmp_path):
    sub = write(tmp_path, "def f():\n    print('x' * 1000)\n    return 0\n")
    with Sandbox(Limits(timeout=1.0, output_bytes=100)) as sb:
        [out] = sb.run(sub, [call("f")])
    assert out.status == "ok"
    kept = prints_limit(100)
    assert 0 < kept < 100 and out.output == "x" * kept + f"\n[... {1001 - kept} more bytes of output not kept]"


def test_a_flood_past_the_kept_output_never_reaches_the_pipe(tmp_path):
    """Past Limits.output_bytes a call's prints are counted in the worker, not written (worker._CappedText):
    the runner keeps no more anyway, and reading a flood line by line cost it as much CPU as the printing.
    The count of what was not kept stays exact, in bytes (é is two), whichever stream wrote it."""
    sub = write(
        tmp_path,
        """
        import ctypes, sys
        def written():  # bytes this process has passed to write system calls so far
            ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: its /proc files were root's after setuid
            with open("/proc/self/io") as f:
                return int(next(line for line in f if line.startswith("wchar:")).split()[1])
        def flood():
            before = written()
            for _ in range(20_000):
                print("x" * 49)
                print("é" * 24, file=sys.stderr)
            sys.stdout.buffer.write(b"raw bytes\\n")
            return written() - before
        def after():
            print("fresh")
            return 0
        """,
    )
    with Sandbox(Limits(timeout=5.0, output_bytes=1000)) as sb:
        flood, after = sb.run(sub, [call("flood"), call("after")])
    assert flood.status == "ok", flood.message
    assert flood.values[0] <= prints_limit(1000) < 1000  # without the cap: about 2 MB
    printed = 20_000 * 50 + 20_000 * 49 + 10
    assert flood.output.startswith("x" * 49 + "\n")
    assert flood.output.endswith(f"\n[... {printed - prints_limit(1000)} more bytes of output not kept]")
    assert after.output == "fresh\n"  # each call has a window of its own


def test_a_function_that_runs_out_of_memory_is_not_called_again_with_arguments_as_large(tmp_path):
    """Each call of a memory bomb first fills the whole --memory (about 0.4 s of CPU at 2 GB): after a
    MemoryError, the function's later calls in the run with arguments as large are skipped, as after a timeout;
    a smaller call still runs (a big case that needs too much says nothing of a small one), other functions
    run, and a MemoryError that the function catches itself changes nothing."""
    sub = write(
        tmp_path,
        """
        import numpy as np
        calls = []
        def bomb(x):
            calls.append(x.size)
            hoard = []
            while True:
                hoard.append(np.ones(1 << 20))
        def careful():
            try:
                np.ones(1 << 40)
            except MemoryError:
                return -1.0
        def count():
            return float(len(calls))
        """,
    )
    big, small = np.zeros(1000), np.zeros(10)
    with Sandbox(Limits(timeout=5.0, memory_mb=512)) as sb:
        outs = sb.run(sub, [call("careful"), call("bomb", args=[big]), call("bomb", args=[big]),
                            call("bomb", args=[small]), call("careful"), call("count"), call("bomb", args=[small])])
        again = sb.run(sub, [call("bomb", args=[big])])
    assert [o.status for o in outs] == ["ok", "error", "skipped", "error", "ok", "ok", "skipped"]
    assert outs[1].message.startswith("MemoryError") and outs[3].message.startswith("MemoryError")
    assert outs[2].message == outs[6].message == "not run: a call with arguments as large ran out of memory"
    assert outs[5].values[0] == 2.0  # the bomb ran twice
    assert again[0].status == "error" and again[0].message.startswith("MemoryError")  # a fresh worker calls it


def test_a_call_smaller_in_any_argument_runs_after_a_memory_error(sandbox, tmp_path):
    """Sizes are compared argument by argument, numbers by magnitude: an m×m product that does not fit for a
    large m is still tried with a small one, and the same m again is not (review7 M1)."""
    sub = write(tmp_path, "import numpy as np\ndef f(n):\n    return float(np.ones((int(n), int(n))).sum())\n")
    outs = sandbox.run(sub, [call("f", args=[40000.0]), call("f", args=[4.0]), call("f", args=[40000.0])])
    assert [o.status for o in outs] == ["error", "ok", "skipped"] and outs[1].values[0] == 16.0


def test_the_captured_streams_behave_like_the_usual_ones(tmp_path):
    """Students' files reconfigure sys.stdout (a Windows habit) or write bytes to its buffer: that works as it
    does outside the sandbox."""
    sub = write(
        tmp_path,
        """
        import sys
        sys.stdout.reconfigure(encoding="utf-8")
        print("héllo", sys.stdout.encoding, sys.stdout.line_buffering, sys.stdout.isatty(), sys.stdout.name,
              sys.stdout.mode)
        sys.stdout.buffer.write(b"bytes\\n")
        def f():
            print("in f", flush=True)
            return 0
        def closed():  # past the kept output, then on a closed stdout: the usual ValueError
            print("x" * 2000)
            sys.stdout.close()
            print("more")
        """,
    )
    with Sandbox(Limits(timeout=5.0, output_bytes=1000)) as sb:
        out, shut = sb.run(sub, [call("f"), call("closed")])
    assert out.status == "ok", out.message
    assert out.output == "héllo utf-8 True False 1 w\nbytes\nin f\n"
    assert shut.status == "error" and "I/O operation on closed file" in shut.message


def test_a_flood_that_times_out_keeps_room_for_the_running_line(tmp_path):
    """The worker's prints stop RUNNING_ROOM bytes short of the kept output, so the line the call was running
    when its time ran out (SoftTimer's mark) is still kept after a flood, and the output says it was cut."""
    sub = write(tmp_path, "def f():\n    while True:\n        print('x' * 99)\n")
    with Sandbox(Limits(timeout=2.0, output_bytes=1000)) as sb:
        [out] = sb.run(sub, [call("f")])
    assert out.status == "timeout"
    assert out.output.startswith(("x" * 99 + "\n") * 7)
    # line 3 (the print) nearly always; line 2 when the clock catches the loop's jump back (seen on a busy machine)
    assert re.search(r"\n\[grader: running f line [23]\]\n", out.output), out.output[-300:]
    assert out.output.endswith(" bytes not kept]") and "[... output after the first " in out.output


def test_helper_module_beside_the_submission(sandbox):
    [out] = sandbox.run(FIXTURES / "uses_utils.py", [call("sigmoid_gradient", args=[np.zeros((3, 10))])])
    assert out.status == "ok", out.message
    assert out.values[0].shape == (3, 10) and np.all(out.values[0] == 0.25)


def test_worker_runs_in_an_empty_private_directory_that_is_removed(sandbox, tmp_path):
    sub = write(
        tmp_path, "import os\ndef where():\n    print(os.getcwd())\n    return len(os.listdir('.'))\n"
    )
    [out] = sandbox.run(sub, [call("where")])
    workdir = Path(out.output.strip())
    assert out.values[0] == 0 and workdir != tmp_path and workdir != Path.cwd()
    assert not workdir.exists() and not Path(f"/proc/{sandbox._pid}/root{workdir}").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ex5.py"]  # no __pycache__ either


@pytest.mark.parametrize(
    ("body", "returns", "message"),
    [
        ("return 'abc'", 1, "f returned a str for J, expected numbers"),
        ("return 1.0", 2, "f returned 1 value, expected 2 (J, grad)"),
        ("return 1.0, 2.0, 3.0", 2, "f returned 3 values, expected 2 (J, grad)"),
        ("return None", 2, "f returned None, expected 2 (J, grad)"),
        ("return 1.0, None", 2, "f returned None for grad, expected numbers"),
        ("return 1.0, {}", 2, "f returned a dict for grad, expected numbers"),
    ],
)
def test_bad_returns(sandbox, tmp_path, body, returns, message):
    sub = write(tmp_path, f"def f():\n    {body}\n")
    [out] = sandbox.run(sub, [call("f", returns=returns, return_names=("J", "grad")[:returns])])
    assert out.status == "bad_return" and out.message == message and out.values is None


def test_a_bad_return_keeps_the_values_that_are_numbers_by_position(sandbox, tmp_path):
    """J beside a gradient that is a list of matrices: the course's grader reads J = f(...)[0] for a cost."""
    sub = write(tmp_path, "import numpy as np\ndef f():\n    return 2.5, [np.ones((2, 3)), np.ones((4, 5))]\n")
    [out] = sandbox.run(sub, [call("f", returns=2, return_names=("J", "grad"))])
    assert out.status == "bad_return" and out.message == "f returned a list for grad, expected numbers"
    assert out.values is None and list(out.partial_values) == [0] and out.partial_values[0] == 2.5


def test_a_tuple_longer_than_the_returns_keeps_its_first_values_beside_the_count(sandbox, tmp_path):
    """`return J, grad, cache`: the course reads a cost as f(...)[0], and its sprintf unwraps only a tuple."""
    sub = write(tmp_path, "import numpy as np\ndef t():\n    return 2.5, np.ones(3), {}\n"
                          "def l():\n    return [2.5, np.ones(3), {}]\n")
    [out] = sandbox.run(sub, [call("t", returns=2, return_names=("J", "grad"))])
    assert out.status == "bad_return" and out.message == "t returned 3 values, expected 2 (J, grad)"
    assert out.values is None and list(out.partial_values) == [0, 1] and out.partial_values[0] == 2.5
    assert np.array_equal(out.partial_values[1], np.ones(3))
    [out] = sandbox.run(sub, [call("l", returns=2, return_names=("J", "grad"))])
    assert out.status == "bad_return" and out.message == "l returned 3 values, expected 2 (J, grad)"
    assert out.partial_values == {}


@pytest.mark.parametrize("positions, status, count, dtype", [
    ([0, 1], "ok", 2, np.float64), ([2], "bad_return", 1, np.float64), ([0, 0], "bad_return", 2, np.float64),
    ([0], "bad_return", 0, np.float64), (["0"], "bad_return", 1, np.float64), ({"0": 1}, "bad_return", 1, np.float64),
    ([0, 1, 2], "bad_return", 3, np.float64), ([0], "bad_return", 1, np.int64)])
def test_forged_value_positions_are_a_protocol_error(positions, status, count, dtype):
    from grader.sandbox.protocol import _parse_outcome

    header = {"status": status, "message": "", "seconds": 0.0, "function": None, "values": count, "changed": [],
              "positions": positions}
    f = call("f", returns=2, return_names=("J", "grad"))
    header_without = {k: v for k, v in header.items() if k != "positions"}
    if status == "ok" or dtype is not np.float64:  # refused for its positions alone, not for the rest
        _parse_outcome(header_without, [np.zeros((), dtype)] * count, f)
    with pytest.raises(ProtocolError, match="bad value positions"):
        _parse_outcome(header, [np.zeros((), dtype)] * count, f)


@pytest.mark.parametrize("flag, status, returns", [(1, "ok", 2), ("yes", "ok", 2), (True, "error", 2),
                                                   (True, "ok", 1)])
def test_a_forged_list_flag_is_a_protocol_error(flag, status, returns):
    """The worker says `"list": true` only for an "ok" call of several values that came back as a list."""
    from grader.sandbox.protocol import _parse_outcome

    count = returns if status == "ok" else 0
    header = {"status": status, "message": "", "seconds": 0.0, "function": None, "values": count, "changed": []}
    f = call("f", returns=returns)
    assert _parse_outcome(header, [np.zeros(())] * count, f).returned_list is False
    with pytest.raises(ProtocolError, match="bad list flag"):
        _parse_outcome({**header, "list": flag}, [np.zeros(())] * count, f)


def test_a_list_return_is_told_from_a_tuple(sandbox, tmp_path):
    """Student review 4, F5: the course's submit cell fails on [J, grad], so the outcome says a list came back."""
    sub = write(tmp_path, "import numpy as np\ndef l():\n    return [2.5, np.ones(3)]\n"
                          "def t():\n    return 2.5, np.ones(3)\n")
    listed, paired = sandbox.run(sub, [call(name, returns=2, return_names=("J", "grad")) for name in ("l", "t")])
    assert (listed.status, listed.returned_list, paired.status, paired.returned_list) == ("ok", True, "ok", False)


def test_garbage_on_the_result_channel_is_a_crash(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        import json, os, struct
        def lie():
            head = json.dumps({"status": "ok", "arrays": [["f8", [10**6]]]}).encode()
            os.write(3, struct.pack("<IQ", len(head), 8) + head + bytes(8))
            return 1
        def huge():
            os.write(3, struct.pack("<IQ", 2**31, 2**60))
            return 1
        """,
    )
    outs = sandbox.run(sub, [call("lie"), call("lie")])
    assert [o.status for o in outs] == ["crash", "skipped"]
    assert outs[0].message.startswith("sent the grader something other than its result while running lie: did it ")
    assert "[the grader's check: arrays need more bytes" in outs[0].message  # which check (the report omits it)
    [out] = sandbox.run(sub, [call("huge")])
    assert out.status == "crash" and "frame too large" in out.message


def test_killing_the_zygote_breaks_only_that_sandbox(tmp_path):
    sub = write(tmp_path, "def f():\n    return 1\n")
    with Sandbox(LIMITS) as sb:
        assert sb.run(sub, [call("f")])[0].status == "ok"
        os.kill(sb._pid, signal.SIGKILL)
        first = sb.run(sub, [call("f"), call("f")])
        again = sb.run(sub, [call("f")])
    assert [o.status for o in first] == ["crash", "crash"]
    assert again[0].status == "crash" and "sandbox stopped" in again[0].message
    with Sandbox(LIMITS) as fresh:
        assert fresh.run(sub, [call("missing")])[0].status == "missing"


@pytest.mark.skipif(os.geteuid() != 0, reason="without root, only Landlock 6+ keeps a worker's signals in")
def test_a_worker_cannot_signal_the_zygote_or_the_grader(sandbox, tmp_path):
    sub = write(
        tmp_path,
        f"""
        import os, signal
        def parent():
            os.kill(os.getppid(), signal.SIGKILL)
        def grader():
            os.kill({os.getpid()}, signal.SIGKILL)
        def everyone():
            os.kill(-1, signal.SIGKILL)
        def ok():
            return 1
        """,
    )
    outs = sandbox.run(sub, [call("parent"), call("grader"), call("ok")])
    assert [o.status for o in outs] == ["error", "error", "ok"]
    assert outs[0].message.startswith("PermissionError") and outs[1].message.startswith(
        ("PermissionError", "ProcessLookupError"))
    [out] = sandbox.run(sub, [call("everyone")])  # kill(-1) spares the caller; nobody else is in reach
    assert out.status == "error", out.message
    assert sandbox.run(sub, [call("ok")])[0].status == "ok"


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def exited(pid: int) -> bool:
    """Gone, or a zombie (an orphan waits for this machine's init to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


WAIT_FOR_NUDGE = """
import signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGURG})
def pid():
    signal.sigtimedwait({signal.SIGURG}, 20)  # until the test has seen this worker (see run_watching_workers)
    return 1.0
"""


def run_watching_workers(sb, sub, calls) -> tuple[list, set[int]]:
    """Run while a thread records the zygote's children (host pids) and nudges each with SIGURG, which is
    ignored by default: a submission that waits for the nudge goes on only once it has been seen, so the
    test never races the clock."""
    seen, done = set(), threading.Event()

    def watch():
        while not done.is_set():
            try:
                for pid in children(sb._pid):
                    seen.add(pid)
                    os.kill(pid, signal.SIGURG)
            except OSError:
                pass
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outcomes = sb.run(sub, calls)
    finally:
        done.set()
        watcher.join()
    return outcomes, seen


def test_no_process_remains_after_the_with_block(tmp_path):
    sub = write(tmp_path, WAIT_FOR_NUDGE)
    with Sandbox(LIMITS) as sb:
        zygote = sb._pid
        [out], workers = run_watching_workers(sb, sub, [call("pid")])
    assert out.status == "ok" and len(workers) == 1
    assert gone(zygote) and all(gone(worker) for worker in workers)


def test_leaving_the_with_block_mid_run_stops_everything(tmp_path):
    """An exception in the grader while a worker sleeps: the zygote and the worker still go away."""
    sub = write(tmp_path, "import time\ndef nap():\n    time.sleep(30)\n")
    workers = []

    def interrupt(*_):  # once the worker exists (the zygote may still be starting on a busy machine)
        found = children(zygote)
        if found:
            workers.extend(found)
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.2, 0.05)
    try:
        with pytest.raises(KeyboardInterrupt), Sandbox(Limits(timeout=20)) as sb:
            zygote = sb._pid
            sb.run(sub, [call("nap")])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(workers) == 1
    assert gone(zygote) and gone(workers[0])


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def test_processes_that_escape_the_session_are_killed(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        import subprocess
        def escape():
            subprocess.Popen(["sleep", "30"], start_new_session=True)
            with open("/proc/thread-self/children") as f:  # host pids, whatever the PID namespace
                return int(f.read().split()[0])
        """,
    )
    [out] = sandbox.run(sub, [call("escape")])
    if out.status == "error":  # where seccomp or RLIMIT_NPROC 0 apply, the fork itself is refused
        assert "BlockingIOError" in out.message or "PermissionError" in out.message, out.message
        return
    assert out.status == "ok", out.message  # elsewhere the escaped process is killed after the run
    assert gone(int(out.values[0]))


def test_closing_the_result_channel_is_a_crash(sandbox, tmp_path):
    sub = write(tmp_path, "import os, time\ndef f():\n    os.close(3)\n    time.sleep(30)\n")
    [out] = sandbox.run(sub, [call("f")])
    assert out.status == "crash" and out.message == "closed its result channel while running f"


def test_directories_the_student_locked_are_removed(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        import os
        def lock():
            os.makedirs("a/b")
            open("a/b/f", "w").close()
            os.chmod("a/b", 0)
            os.chmod("a", 0)
            return len(os.getcwd())
        """,
    )
    [out] = sandbox.run(sub, [call("lock")])
    assert out.status == "ok" and runs_left(sandbox) == []


def zygote_view(sandbox: Sandbox) -> Path:
    """The sandbox's folder as its zygote sees it (as root a tmpfs only its mount namespace has)."""
    return Path(f"/proc/{sandbox._pid}/root{sandbox._root}")


def runs_left(sandbox: Sandbox) -> list[str]:
    return [p.name for p in zygote_view(sandbox).iterdir() if p.name.startswith("run-")]


def test_trees_too_deep_for_recursion_are_removed(tmp_path):
    sub = write(
        tmp_path,
        """
        import os
        def dig():
            for _ in range(3000):
                os.mkdir("d")
                os.chdir("d")
            with open("bottom", "wb") as f:
                f.write(b"x" * 4096)
            os.chmod(".", 0)
            return 1
        """,
    )
    with Sandbox(Limits(timeout=60, memory_mb=1024)) as roomy:  # 3000 mkdirs take long on a busy machine
        assert roomy.run(sub, [call("dig")])[0].status == "ok"
        assert runs_left(roomy) == []


def test_remove_tree_handles_depth_locks_and_symlinks(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    tree = tmp_path / "tree"
    deep = tree / "/".join(["d"] * 50)
    deep.mkdir(parents=True)
    (deep / "link").symlink_to(outside)
    (tree / "link").symlink_to(outside / "keep")
    (deep / "locked").mkdir()
    (deep / "locked" / "f").write_text("x")
    (deep / "locked").chmod(0)
    _remove_tree(str(tree))
    assert not tree.exists() and (outside / "keep").read_text() == "x"


@pytest.mark.skipif(not ROOT, reason="the tmpfs needs root")
def test_as_root_the_sandbox_folder_is_a_bounded_tmpfs(sandbox):
    info = os.statvfs(zygote_view(sandbox))
    assert info.f_files == 20000 and info.f_blocks * info.f_frsize == 256 << 20
    assert list(Path(sandbox._root).iterdir()) == []  # the grader sees an empty folder


def _cpu_seconds_of(pid: int) -> float:
    """CPU seconds (user + system) of a process and of the children it reaped, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds_here() -> float:
    """CPU seconds of this thread and of the children this process reaped (a fresh interpreter would count)."""
    import resource

    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_THREAD),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def test_four_small_calls_cost_milliseconds(sandbox, tmp_path):
    """A run forks a worker from the zygote: milliseconds, not the ~100 ms of a fresh interpreter with numpy.
    Counted in CPU time (the zygote, the workers it reaped, this thread and reaped children), not wall
    time: a bound of 0.1 s of wall time per run failed on a busy machine. benchmarks/bench_sandbox_run.py
    gives the figures (about 5-15 ms of CPU per run)."""
    sub = write(tmp_path, "def f(x):\n    return x * 2\n")
    calls = [call("f", args=[np.ones(3)])] * 4
    sandbox.run(sub, calls)
    zygote = sandbox._pid
    before = _cpu_seconds_of(zygote) + _cpu_seconds_here()
    for _ in range(10):
        sandbox.run(sub, calls)
    assert zygote == sandbox._pid  # the same zygote throughout
    per_run = (_cpu_seconds_of(zygote) + _cpu_seconds_here() - before) / 10
    assert per_run < 0.05, per_run


def raw(header, body: bytes = b"") -> bytes:
    head = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<IQ", len(head), len(body)) + head + body


@pytest.mark.parametrize(
    "data",
    [
        raw(b"not json"),
        raw([]),
        raw({"no": "arrays"}),
        raw({"arrays": [["f8", [3]]]}, bytes(16)),  # fewer bytes than the shape needs
        raw({"arrays": [["f8", [1]]]}, bytes(16)),  # bytes no array accounts for
        raw({"arrays": [["O", [1]]]}, bytes(8)),
        raw({"arrays": [["f8", [-1]]]}),
        raw({"arrays": [["f8", [1.5]]]}, bytes(8)),
        struct.pack("<IQ", 2**31, 0),
        struct.pack("<IQ", 2, 2**40),
    ],
)
def test_frames_reject_malformed_input(data):
    with pytest.raises(ProtocolError):
        _Frames().feed(data)


def test_frames_round_trip():
    arrays = [np.arange(6.0).reshape(2, 3), np.array(7, dtype=np.int64), np.zeros((0, 4))]
    data = _frame({"k": "v"}, arrays)
    frames = _Frames()
    assert frames.feed(data[:10]) == []
    [(header, back)] = frames.feed(data[10:])
    assert header["k"] == "v"
    assert [(a.dtype, a.shape) for a in back] == [(np.float64, (2, 3)), (np.int64, ()), (np.float64, (0, 4))]
    assert all(np.array_equal(a, b) for a, b in zip(arrays, back, strict=True))


# ---------------------------------------------------------------- the reviewer's holes


def test_sysv_ipc_and_message_queues_are_refused_and_leave_nothing(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        import ctypes, ctypes.util
        def ipc():
            libc = ctypes.CDLL(None, use_errno=True)
            rt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
            shm = libc.shmget(0x67720001, 1 << 20, 0o1000 | 0o666)
            msg = libc.msgget(0x67720002, 0o1000 | 0o666)
            sem = libc.semget(0x67720003, 1, 0o1000 | 0o666)
            mq = rt.mq_open(b"/grader-test-mq", 0o100 | 2, 0o666, None)
            return [shm, msg, sem, mq]
        """,
    )
    before = sysv_objects()
    [out] = sandbox.run(sub, [call("ipc")])
    assert out.status == "ok", out.message
    assert sysv_objects() - before == set()
    if SECCOMP:
        assert out.values[0].tolist() == [-1, -1, -1, -1]


def sysv_objects() -> set[str]:
    """What `ipcs` lists: every SysV shared memory segment, message queue and semaphore set."""
    found = set()
    for kind in ("shm", "msg", "sem"):
        with open(f"/proc/sysvipc/{kind}") as f:
            found |= {f"{kind} {' '.join(line.split())}" for line in f.readlines()[1:]}
    return found


@pytest.mark.skipif(not SECCOMP, reason="forks are refused by seccomp")
def test_no_new_process_but_threads_work(sandbox, tmp_path):
    sub = write(
        tmp_path,
        """
        import os, subprocess, threading
        import numpy as np
        def fork():
            os.fork()
        def spawn():
            subprocess.run(["true"])
        def thread():
            box = []
            t = threading.Thread(target=lambda: box.append(np.ones(3).sum()))
            t.start()
            t.join()
            return box[0]
        """,
    )
    outs = sandbox.run(sub, [call("fork"), call("spawn"), call("thread")])
    assert [o.status for o in outs] == ["error", "error", "ok"], [o.message for o in outs]
    assert outs[0].message.startswith("PermissionError") and outs[1].message.startswith("PermissionError")
    assert outs[2].values[0] == 3.0


@pytest.mark.skipif(not SECCOMP, reason="sockets are refused by seccomp")
def test_no_socket_of_any_family(sandbox, tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="grader-test-unix-", dir="/tmp"))
    folder.chmod(0o755)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(folder / "s"))
        os.chmod(folder / "s", 0o777)
        listener.listen(1)
        listener.setblocking(False)
        sub = write(
            tmp_path,
            f"""
            import socket
            def unix():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect({str(folder / "s")!r})
            def pair():
                socket.socketpair()
            """,
        )
        outs = sandbox.run(sub, [call("unix"), call("pair")])
        assert [o.status for o in outs] == ["error", "error"]
        assert all(o.message.startswith("PermissionError") for o in outs)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
        shutil.rmtree(folder)


@pytest.mark.skipif(not ROOT, reason="without root the worker runs as the grader's user, from the original folder")
def test_only_files_others_could_read_are_beside_the_submission():
    folder = Path(tempfile.mkdtemp(prefix="grader-test-copy-", dir="/tmp"))
    try:
        folder.chmod(0o755)
        (folder / "utils.py").write_text((FIXTURES / "utils.py").read_text())
        (folder / "utils.py").chmod(0o644)
        (folder / "answers.txt").write_text("secret")
        (folder / "answers.txt").chmod(0o600)
        (folder / "closed").mkdir(mode=0o700)
        (folder / "closed" / "open.txt").write_text("secret too")
        (folder / "closed" / "open.txt").chmod(0o644)
        (folder / "link.txt").symlink_to(folder / "answers.txt")
        sub = write(
            folder,
            """
            import os
            from utils import sigmoid
            def look():
                here = os.path.dirname(__file__)
                print(sorted(os.listdir(here)), sorted(os.listdir(os.path.join(here, "closed"))))
                return sigmoid(0.0)
            """,
        )
        sub.chmod(0o600)  # the submission itself is always there, whatever its mode
        with Sandbox(LIMITS) as sb:
            [out] = sb.run(sub, [call("look")])
        assert out.status == "ok", out.message
        # the owner's Python modules and what others could read; no private file, no link, nothing from
        # inside a closed folder but the owner's modules (none here)
        assert out.values[0] == 0.5 and out.output.strip() == "['closed', 'ex5.py', 'utils.py'] []"

        folder.chmod(0o700)  # a private folder: the owner's helper module still comes along, the rest not
        (folder / "utils.py").chmod(0o600)
        with Sandbox(LIMITS) as sb:
            [out] = sb.run(sub, [call("look")])
        assert out.status == "ok", out.message
        assert out.output.strip() == "['closed', 'ex5.py', 'utils.py'] []"
    finally:
        shutil.rmtree(folder)


def test_results_are_capped_in_the_worker_and_in_the_zygote(tmp_path):
    sub = write(
        tmp_path,
        """
        import json, os, struct
        import numpy as np
        def big():
            return np.ones(200_000)
        def fits():
            return np.ones(1000)
        def forged():
            head = json.dumps({"status": "ok", "message": "", "function": "forged", "seconds": 0.0, "values": 1,
                               "changed": [], "arrays": [["f8", [200_000]]]}).encode()
            os.write(3, struct.pack("<IQ", len(head), 1_600_000) + head)
            os.write(3, bytes(1_600_000))
        """,
    )
    with Sandbox(Limits(timeout=1.0, result_bytes=1 << 20)) as sb:
        outs = sb.run(sub, [call("big"), call("fits"), call("forged"), call("fits")])
    assert [o.status for o in outs] == ["bad_return", "ok", "crash", "skipped"]
    assert outs[0].message == "big returned 1.53 MB of numbers, more than the 1 MB a result may hold"
    assert "frame too large" in outs[2].message


@pytest.mark.parametrize(
    "forgery",
    [
        '{"status": "ok", "message": "", "function": null, "values": 1, "changed": [], "arrays": [["f8", []]], '
        '"seconds": 1' + "0" * 400 + "}",
        '{"status": "ok", "message": "", "function": null, "seconds": 0, "values": 1, "changed": [], '
        '"arrays": [["f8", [0, 268435456]]]}',
        '{"status": ["ok"], "values": 1, "changed": [], "arrays": []}',
        '{"status": "ok", "message": "", "function": {}, "seconds": 0, "values": 1, "changed": [{}], "arrays": []}',
        '{"status": "ok", "arrays": [[["f8"], []]]}',
        '{"status": "ok", "message": "", "function": null, "seconds": 0, "values": 1, "changed": [], '
        '"arrays": [["f8", []]], "dropped": -1}',
        '{"status": "ok", "message": "", "function": null, "seconds": 0, "values": 1, "changed": [], '
        '"arrays": [["f8", []]], "dropped": 1e300}',
    ],
)
def test_a_forged_frame_is_a_crash_of_that_call_only(tmp_path, forgery):
    sub = write(tmp_path, "import numpy as np\ndef f():\n    return np.arange(3.0)\n")
    killer = write(
        tmp_path,
        f"""
        import os, struct, sys, time
        def f():
            head = {forgery!r}.encode()
            os.write(3, struct.pack("<IQ", len(head), 8) + head + bytes(8))
            time.sleep(1)
        """,
        name="killer.py",
    )
    with Sandbox(LIMITS) as sb:
        first = sb.run(sub, [call("f")])
        forged = sb.run(killer, [call("f"), call("f")])
        again = sb.run(sub, [call("f"), call("f")])
    assert first[0].status == "ok"
    assert [o.status for o in forged] == ["crash", "skipped"]
    assert forged[0].message.startswith("sent the grader something other than its result")
    assert [o.status for o in again] == ["ok", "ok"] and again[1].values[0].tolist() == [0.0, 1.0, 2.0]


def test_an_interrupt_before_the_request_is_sent_retires_the_zygote_too(tmp_path, monkeypatch):
    """An interrupt can land after the zygote's first frame is read and before the request goes out (while
    it is built): that run stops the zygote as one interrupted mid-run does, and the sandbox is not used
    again (CI caught the gap once, on a loaded machine, in the test below)."""
    from grader.sandbox import runner

    sub = write(tmp_path, "def f():\n    return 1\n")

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    with Sandbox(Limits(timeout=20)) as sb:
        zygote = sb._pid
        sb.layers  # noqa: B018 - the zygote's first frame is read: the run starts after it
        monkeypatch.setattr(runner, "_request_frame", interrupted)
        with pytest.raises(KeyboardInterrupt):
            sb.run(sub, [call("f")])
        monkeypatch.undo()
        assert gone(zygote) and not sb._busy
        [out] = sb.run(sub, [call("f")])
        assert out.status == "crash" and "interrupted" in out.message


def test_an_interrupted_run_stops_the_zygote(tmp_path):
    sub = write(tmp_path, "import time\ndef nap():\n    time.sleep(30)\ndef f():\n    return 1\n")

    def interrupt(*_):
        raise RuntimeError("interrupted")

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with Sandbox(Limits(timeout=20)) as sb:
            zygote = sb._pid
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with pytest.raises(RuntimeError):
                sb.run(sub, [call("nap")])
            assert gone(zygote) and not sb._busy
            [out] = sb.run(sub, [call("f")])
            assert out.status == "crash" and "interrupted" in out.message
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_ctrl_c_while_the_zygote_starts_neither_stops_it_nor_prints_a_traceback():
    """The zygote shares the grader's process group, so a terminal's Ctrl-C reaches it too, mostly while it
    still imports numpy: it ignores SIGINT from its first instruction (blocked from before the fork until it
    is ignored; the grader stops it itself)."""
    with Sandbox(LIMITS) as sb:
        for _ in range(40):  # through its whole start-up, which takes a few hundred ms at most
            os.kill(sb._pid, signal.SIGINT)
            time.sleep(0.01)
        assert "zygote" in sb.layers and not sb.broken


def test_closing_a_sandbox_whose_zygote_was_already_reaped_is_quiet():
    """An interrupt can land between the reap of a zygote and the note that it was reaped (a batch stopped by
    Ctrl-C while its sandboxes start): closing the sandbox then must not fail with ChildProcessError."""
    with Sandbox(LIMITS) as sb:
        zygote, root = sb._pid, sb._root
        os.kill(zygote, signal.SIGKILL)
        os.waitpid(zygote, 0)
    assert not os.path.exists(root)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_sandbox_folder_goes_when_the_grader_dies_mid_run(tmp_path, how):
    """The zygote sees the grader's socket close, stops the run and removes its folder; nothing stays."""
    tmpdir = Path(tempfile.mkdtemp(prefix="grader-test-tmpdir-", dir="/tmp"))
    tmpdir.chmod(0o755)
    sub = write(tmp_path, "import time\ndef nap():\n    open('file', 'w').close()\n    time.sleep(30)\n")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
        from grader.sandbox import Call, Limits, Sandbox
        with Sandbox(Limits(timeout=30)) as sb:
            print(sb._root, sb._pid, flush=True)
            sb.run({str(sub)!r}, [Call(("nap",), (), (), 1)])
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmpdir)}, start_new_session=True)
    try:
        root, zygote = proc.stdout.readline().split()
        deadline = time.monotonic() + 5
        while not children(int(zygote)) and time.monotonic() < deadline:  # wait for the worker
            time.sleep(0.02)
        time.sleep(0.2)  # it imports and starts its nap
        os.kill(proc.pid, how)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while (os.path.exists(root) or not exited(int(zygote))) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not os.path.exists(root) and exited(int(zygote)) and list(tmpdir.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmpdir, ignore_errors=True)


def test_doctor_shows_the_new_layers():
    from grader import doctor

    rows = {name: (active, detail) for name, active, detail in doctor.layers()}
    for name in ("IPC namespace", "no SysV IPC", "no new processes", "no sockets", "tmpfs root"):
        assert name in rows
    if SECCOMP:
        assert rows["no new processes"][0] and rows["no sockets"][0] and rows["no SysV IPC"][0]
    if ROOT:
        assert rows["IPC namespace"][0] and rows["tmpfs root"][0], rows


def test_each_call_gets_its_own_output_even_when_calls_are_fast(sandbox, tmp_path):
    """The worker starts a call only when the zygote has taken the previous call's output."""
    sub = write(tmp_path, "def f(i):\n    print(f'call {int(i)}')\n    return float(i)\n")
    for _ in range(5):
        outcomes = sandbox.run(sub, [Call(("f",), (float(i),), ("i",), 1) for i in range(6)])
        assert [o.output.strip() for o in outcomes] == [f"call {i}" for i in range(6)]


@pytest.mark.skipif(os.geteuid() != 0, reason="workers switch uid only when the grader is root")
def test_each_open_sandbox_has_a_worker_uid_of_its_own(tmp_path):
    from grader.sandbox.slots import _SLOT_UIDS

    sub = write(tmp_path, "import os\ndef uid():\n    return float(os.getuid())\n")
    with Sandbox(LIMITS, slot=3) as a, Sandbox(LIMITS, slot=3) as b, Sandbox(LIMITS) as c:
        uids = [int(s.run(sub, [call("uid")])[0].values[0]) for s in (a, b, c)]
    assert len(set(uids)) == 3 and all(uid in _SLOT_UIDS for uid in uids)
    with Sandbox(LIMITS, slot=3) as again:  # the slots were given back
        assert again.run(sub, [call("uid")])[0].status == "ok"


def test_a_students_temporary_files_go_to_the_runs_own_folder(sandbox, tmp_path):
    """The zygote does not load tempfile (it would slow its start); a student's code that does finds the run's
    private folder through TMPDIR, in every run, and its files go with that folder."""
    sub = write(tmp_path, "import os, tempfile\n"
                          "def temp_here():\n"
                          "    fd, path = tempfile.mkstemp()\n"
                          "    os.close(fd)\n"
                          "    return float(os.path.dirname(path) == tempfile.gettempdir() == os.getcwd())\n")
    first, second = (sandbox.run(sub, [call("temp_here")])[0] for _ in range(2))
    assert first.status == second.status == "ok" and first.values[0] == second.values[0] == 1.0, first.message


def test_matplotlib_is_a_stand_in_unless_one_is_beside_the_submission(sandbox, tmp_path):
    """The zygote looks for matplotlib on sys.path once for all its workers (worker.Ahead); each worker still
    finds a matplotlib.py in the submission's own folder, which wins over the stand-in."""
    import importlib.util

    check = ("import os\n"
             "def is_stand_in():\n"
             "    import matplotlib\n"
             "    assert os.environ['HOME'] == os.environ['TMPDIR'] == os.getcwd()\n"
             "    return float('Stand-in' in (matplotlib.__doc__ or ''))\n")
    (tmp_path / "alone").mkdir()
    (tmp_path / "own").mkdir()
    alone, own = write(tmp_path / "alone", check), write(tmp_path / "own", check)
    write(tmp_path / "own", '"""The student\'s own."""\n', name="matplotlib.py")
    installed = importlib.util.find_spec("matplotlib") is not None
    for _ in range(2):  # the zygote's answer is kept between runs
        [out] = sandbox.run(alone, [call("is_stand_in")])
        assert out.status == "ok" and out.values[0] == (0.0 if installed else 1.0), out.message
        [out] = sandbox.run(own, [call("is_stand_in")])
        assert out.status == "ok" and out.values[0] == 0.0, out.message


def test_meanwhile_runs_once_after_the_request_and_before_any_outcome(sandbox, tmp_path):
    """`Sandbox.run(meanwhile=...)`: a lone grade's own work (its expected values) overlaps the worker's run;
    it is called once the request is sent, before the first outcome is read, and the outcomes are intact."""
    sub = write(tmp_path, "def total(x):\n    return x.sum()\n")
    order = []
    outcomes = sandbox.run(sub, [call("total", args=(np.arange(3.0),)), call("total", args=(np.ones(2),))],
                           keep=lambda c, o: order.append("outcome") or o, meanwhile=lambda: order.append("meanwhile"))
    assert order == ["meanwhile", "outcome", "outcome"]
    assert [o.values[0][()] for o in outcomes] == [3.0, 2.0]


def test_a_library_a_submission_names_is_loaded_once_and_every_worker_keeps_its_memory_room(tmp_path):
    """A source that names scipy makes the zygote import scipy.special once: a later worker finds it loaded
    (no 0.3 s import per run). A worker's room under --memory (its RLIMIT_AS minus what it has mapped) is the
    same before and after that preload, so a classmate's scipy never costs a student memory."""
    probe = textwrap.dedent("""
        import resource, sys
        LOADED = ("sci" + "py.special") in sys.modules

        def probe():
            with open("/proc/self/statm") as statm:
                mapped = int(statm.read().split()[0]) * resource.getpagesize()
            return float(LOADED), float(resource.getrlimit(resource.RLIMIT_AS)[0] - mapped)
        """)
    uses_scipy = "from scipy.special import expit\n\ndef f(z):\n    return expit(z)\n"
    sub = write(tmp_path, probe)
    with Sandbox(LIMITS) as sandbox:
        [before] = sandbox.run(sub, [call("probe", returns=2)], source=probe)
        [used] = sandbox.run(sub, [call("f", args=[np.zeros(3)])], source=uses_scipy)
        [after] = sandbox.run(sub, [call("probe", returns=2)], source=probe)
    assert before.status == used.status == after.status == "ok", (before, used, after)
    assert used.values[0].tolist() == [0.5, 0.5, 0.5]
    assert (float(before.values[0]), float(after.values[0])) == (0.0, 1.0)  # loaded by the zygote, once
    room_before, room_after = float(before.values[1]), float(after.values[1])
    assert abs(room_after - room_before) < 16 << 20, (room_before / 2**20, room_after / 2**20)


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader can read what a student may not: the copy is root's")
def test_the_submissions_folder_is_reached_without_a_students_link_even_one_swapped_in_late(tmp_path, monkeypatch):
    """The root copy of a submission's folder (and a Dask task's files) are read below a descriptor of that
    folder opened component by component with O_NOFOLLOW (submission_copy._open_folder): a student who owns a
    folder on the way and swaps it for a link to an answer key after the path was checked gets an error, not
    the key (review 11, G2). A link root made in a root folder (/tmp -> /private/tmp) is still followed."""
    from grader.sandbox import submission_copy

    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    (secret / "ex5.py").write_text("KEY = 1\n")
    home = tmp_path / "mallory"
    (home / "repo").mkdir(parents=True)
    (home / "repo" / "ex5.py").write_text("MINE = 1\n")
    os.chown(home, 65534, 65534)
    (home / "link").symlink_to(secret)
    os.lchown(home / "link", 65534, 65534)
    with pytest.raises(OSError):
        submission_copy._open_folder(home / "link")
    real_open = os.open

    def swap_then_open(path, flags, mode=0o777, *, dir_fd=None):
        if path == "repo" and dir_fd is not None:  # after _open_folder's stat saw a folder: the swap
            os.rename(home / "repo", home / "repo.real")
            os.rename(home / "link", home / "repo")
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(submission_copy.os, "open", swap_then_open)
    with pytest.raises(OSError):
        submission_copy._open_folder(home / "repo")
    monkeypatch.setattr(submission_copy.os, "open", real_open)
    root_link = tmp_path / "by_root"
    root_link.symlink_to(home / "repo.real")  # root's link, in a root folder (tmp_path is root's here)
    fd = submission_copy._open_folder(root_link)
    try:
        assert sorted(os.listdir(fd)) == ["ex5.py"]
    finally:
        os.close(fd)


@pytest.mark.skipif(os.geteuid() != 0, reason="a mount namespace needs root")
def test_the_copy_reaches_a_folder_the_zygotes_tmpfs_hides_through_the_graders_root(tmp_path):
    """As root the zygote covers closed folders (Python under /root) with a tmpfs in its mount namespace and
    reads submissions through an fd on the grader's "/": the safe walk starts there, and a root link to "/"
    on the way (/proc/self/fd/N itself) must not restart it at the zygote's own, hidden, "/"."""
    hidden = tmp_path / "closed"
    (hidden / "sub").mkdir(parents=True)
    (hidden / "sub" / "ex5.py").write_text("X = 1\n")
    script = textwrap.dedent(f"""
        import ctypes, os
        from pathlib import Path
        from grader.sandbox.submission_copy import _open_folder
        libc = ctypes.CDLL(None, use_errno=True)
        host = os.open("/", os.O_PATH)
        assert libc.unshare(0x00020000) == 0  # CLONE_NEWNS
        assert libc.mount(None, b"/", None, (1 << 14) | (1 << 18), None) == 0  # MS_REC | MS_PRIVATE
        assert libc.mount(b"tmpfs", {str(hidden).encode()!r}, b"tmpfs", 0, b"size=1m") == 0
        assert not os.path.exists({str(hidden / "sub")!r})
        fd = _open_folder(Path({str(hidden / "sub")!r}), f"/proc/self/fd/{{host}}")
        print(sorted(os.listdir(fd)))
        """)
    out = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['ex5.py']"


def test_a_run_that_loops_demands_cpu_and_one_that_sleeps_demands_none(tmp_path):
    """`run_demand_seconds` is what a batch's job slots sort stuck runs by (batch/slots.py): a loop's figure grows
    while it runs, a sleep's does not, and between runs it is 0."""
    sub = write(tmp_path, "import threading, time\ndef loop():\n    while True:\n        pass\n"
                          "def sleep():\n    time.sleep(3600)\n"
                          "def churn():\n    while True:\n        thread = threading.Thread(target=sum, "
                          "args=(range(200000),))\n        thread.start()\n        thread.join()\n")
    with Sandbox(Limits(timeout=4.0)) as sb:
        assert sb.run_demand_seconds() == 0
        figures = {}
        for name in ("loop", "sleep", "churn"):
            run = threading.Thread(target=sb.run, args=(sub, [call(name)]))
            run.start()
            time.sleep(1.0)  # well into the call (the import takes milliseconds)
            first = sb.run_demand_seconds()
            time.sleep(1.0)
            figures[name] = (first, sb.run_demand_seconds())
            run.join()
        assert sb.run_demand_seconds() == 0
    assert figures["loop"][1] - figures["loop"][0] > 0.5, figures  # ran or waited for a CPU: about 1 s
    assert figures["sleep"][1] - figures["sleep"][0] < 0.1, figures
    # work done by threads that have ended still counts (review 15, N1: it was counted as a sleep); an ended
    # thread's wait for a CPU is gone, so on a busy machine this one grows by its share of a CPU only
    assert figures["churn"][1] - figures["churn"][0] > 0.2, figures


def test_the_demand_is_not_known_where_no_schedstat_can_be_read(monkeypatch):
    """A kernel without schedstat files: the run's demand is not known (None: the batch counts it as busy), not
    0.0, which made every loop look like a sleep (review 15, N2)."""
    import builtins

    from grader.sandbox import processes

    def no_schedstat(path, *args, **kwargs):
        if str(path).endswith("/schedstat"):
            raise FileNotFoundError(path)
        return builtins.open(path, *args, **kwargs)

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert processes.descendants_demand_seconds(os.getpid()) is not None
        monkeypatch.setattr(processes, "open", no_schedstat, raising=False)
        assert processes.descendants_demand_seconds(os.getpid()) is None
    finally:
        child.kill()
        child.wait()


def test_the_copy_spends_nothing_below_a_folder_it_could_not_make(tmp_path):
    """The root copy's walk (submission_copy._copy_tree over _files_beside): when a folder cannot be made in the
    sandbox (its tmpfs full of inodes; here a file already holds the name), nothing below it is copied and it
    spends none of the copy's file budget, so the files after it are still copied (review 13, S6)."""
    from grader.sandbox.submission_copy import _copy_tree

    source, target = tmp_path / "source", tmp_path / "target"
    (source / "a_package").mkdir(parents=True)
    (source / "a_package" / "inner.py").write_text("x = 1\n")
    (source / "b.py").write_text("y = 2\n")
    (source / "c.py").write_text("z = 3\n")
    target.mkdir()
    (target / "a_package").write_text("not a folder")
    folder = os.open(source, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _copy_tree(folder, target, 3, [2, 1 << 20], os.getuid(), False)
    finally:
        os.close(folder)
    assert sorted(p.name for p in target.iterdir()) == ["a_package", "b.py", "c.py"]


# Mounts at or below Python's and the system's folders that a worker sees read-write (its own /proc/self/mountinfo)
WRITABLE_MOUNTS = '''
import os
import sys

import numpy as np


def _writable():
    folders = {os.path.realpath(p) for p in (*sys.path[1:], sys.prefix, sys.base_prefix, "/usr", "/etc", "/lib") if p}
    found = []
    for line in open("/proc/self/mountinfo"):
        point, options = line.split()[4], line.split()[5].split(",")
        if "ro" not in options and any(point == f or point.startswith(f + "/") for f in folders):
            found.append(point)
    return found


def sigmoid_gradient(z):
    found = _writable()
    if found:
        raise RuntimeError(f"mounted read-write: {found}")
    g = 1.0 / (1.0 + np.exp(-z))
    return g * (1 - g)
'''


@pytest.mark.skipif(not ROOT, reason="only a root grader gives workers a view of their own (namespaces._build_view)")
def test_every_python_and_system_folder_in_the_view_is_read_only(tmp_path):
    """Review 25, S10: the view bound Python's folders recursively and made only the top of each read-only, so
    the zygote's own binds below it (lib/python3.11 and lib-dynload, under a closed /root) stayed read-write in
    every worker's view: only file modes and Landlock refused writes there."""
    submission = tmp_path / "ex5.py"
    submission.write_text(WRITABLE_MOUNTS)
    report, status = grade_json(submission, "--exercise", "ex5")
    part = next(p for p in report["parts"] if p["id"] == "sigmoid_gradient")
    assert status == 1 and part["passed"], part["feedback"]
