"""The second hostile review (issue 11): each finding, attacked through the installed `grade` as root.

Attacks live in tests/hostile/review2/. Every grade runs as a subprocess in a session of its own, from the
folder a student (or an instructor) would run it from; names that an attack gives its processes and files
carry this test process's pid (`MARK`), so that only what this test started is ever looked for.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = Path(__file__).parent / "hostile" / "review2"
GRADE = str(Path(sys.executable).with_name("grade"))
MARK = f"hostile{os.getpid()}-"
SOLUTION = (ROOT / "solutions" / "ex5.py").read_text()
SIGMOID_ONLY = "import numpy as np\n\ndef sigmoid_gradient(z):\n    g = 1 / (1 + np.exp(-z))\n    return g * (1 - g)\n"

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the layers under attack here need root")


@dataclass
class Graded:
    status: int
    stdout: str
    stderr: str
    peak_mb: float  # the largest resident set of the grader and every process it waited for

    @property
    def report(self) -> dict:
        return json.loads(self.stdout)


def run(command: list[str], cwd: Path, timeout: float = 120.0, env: dict | None = None) -> Graded:
    """Run a command in a session of its own and wait for it with wait4, which reports its peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True, env=env or os.environ)
        killer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Graded(proc.returncode, out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024)


def grade(submission: Path, *extra: str, cwd: Path | None = None, timeout: float = 2.0) -> Graded:
    return run([GRADE, "check", str(submission), "--exercise", "ex5", "--format", "json", "--timeout",
                str(timeout), *extra], cwd or submission.parent)


def attack(name: str, **placeholders: str) -> str:
    source = (ATTACKS / f"{name}.py").read_text().replace("hostile-", MARK)
    for key, value in placeholders.items():
        source = source.replace(f'{key} = ""', f"{key} = {value!r}")
    return source


@pytest.fixture
def open_folder():
    """A folder every user may traverse and read (unlike pytest's tmp_path under /tmp/pytest-of-root, 0700):
    what a worker could read there, only the sandbox keeps from it."""
    folder = Path(tempfile.mkdtemp(prefix="grader-review-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def student_folder(parent: Path, name: str, source: str, filename: str = "ex5.py") -> Path:
    folder = parent / name
    folder.mkdir(mode=0o755)
    (folder / filename).write_text(source)
    return folder / filename


def background(submission: Path, timeout: float) -> subprocess.Popen:
    return subprocess.Popen([GRADE, "check", str(submission), "--exercise", "ex5", "--format", "json",
                             "--timeout", str(timeout)], cwd=submission.parent, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """End a background grade the way a user's Ctrl-C would (its sandbox cleans up), then for sure."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


# 1. the entry points never import from the current folder


@pytest.mark.parametrize("entry", [[sys.executable, "-m", "grader"], [GRADE]], ids=["python -m grader", "grade"])
def test_a_module_beside_the_submission_never_runs_in_the_grader(tmp_path, entry):
    submission = student_folder(tmp_path, "student", SIGMOID_ONLY)
    shutil.copy(ATTACKS / "yaml.py", submission.parent / "yaml.py")
    graded = run([*entry, "ex5.py", "--format", "json", "--timeout", "2"], submission.parent)
    assert not (submission.parent / "hostile-yaml-ran").exists()
    assert graded.status == 1 and graded.report["score"] == 5, graded.stderr[-2000:]


# 3. symbolic links to what the student cannot read


@as_root
def test_a_submission_that_is_a_link_to_a_closed_file_is_refused(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    (keys / "ex5.py").write_text(SOLUTION)
    (keys / "ex5.py").chmod(0o600)
    student = tmp_path / "student"
    student.mkdir(mode=0o755)
    (student / "ex5.py").symlink_to(keys / "ex5.py")
    (student / "linked").symlink_to(keys)
    for path in (student / "ex5.py", student / "linked" / "ex5.py"):
        os.lchown(path if path.is_symlink() else path.parent, 65534, 65534)  # the student made the link
        graded = grade(path, cwd=student)
        assert graded.status == 1 and graded.report["score"] == 0, graded.stdout[:2000]
        assert "symbolic link" in graded.report["parts"][0]["feedback"]


# 4. (and issue 10, item 4) only what the submission needs: no course folder, no solutions, no grader


@as_root
def test_a_worker_reads_neither_the_course_folder_nor_the_grader(open_folder):
    import grader

    course = open_folder / "course"
    (course / "solutions").mkdir(parents=True, mode=0o755)
    (course / "solutions" / "ex5.py").write_text(SOLUTION)  # world-readable, as files usually are
    (course / "answer_key.py").write_text(SOLUTION)
    source = attack("course_reader", COURSE=str(course), REPO=str(ROOT), PACKAGE=str(Path(grader.__file__).parent))
    submission = student_folder(course, "alice", source)
    graded = grade(submission, cwd=course)
    assert graded.status == 1 and graded.report["score"] == 5, graded.stdout[:3000]
    assert "found" not in graded.stdout


# 5. the grader's memory does not grow with what student calls return


# The installed grade's entry point, run so that it writes its own peak memory (not its children's) at exit.
_OWN_PEAK = ("import atexit, resource, sys\n"
             "out = sys.argv.pop(1)\n"
             "atexit.register(lambda: open(out, 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))\n"
             "from grader.cli import main\n"
             "sys.argv[0] = 'grade'\n"
             "main()\n")


def _own_peak_mb(tmp_path, name: str, source: str) -> tuple[float, Graded]:
    submission = student_folder(tmp_path, name, source)
    peak = tmp_path / f"{name}.peak"
    graded = run([sys.executable, "-c", _OWN_PEAK, str(peak), "check", str(submission), "--exercise", "ex5",
                  "--format", "json", "--timeout", "10"], submission.parent)
    return int(peak.read_text()) / 1024, graded


@as_root
def test_huge_returns_of_the_slope_check_do_not_grow_the_grader(tmp_path):
    """The grader process holds about one result at a time: 32 slope calls returning 30 MB each cost it no
    more than one such result over the same attack returning small gradients (the zygote and the worker are
    bounded by --memory like any run; the grader has no such limit). Without the bound: about 900 MB more."""
    huge_mb, graded = _own_peak_mb(tmp_path, "huge", attack("huge_slope"))
    assert graded.status == 1 and graded.report["score"] == 5, graded.stdout[:3000]
    small_mb, _ = _own_peak_mb(tmp_path, "small", attack("huge_slope").replace("np.ones(30 << 17)",
                                                                               "np.ones(nn_params.shape)"))
    assert huge_mb - small_mb < 4 * 30, f"the grader peaked at {huge_mb:.0f} MB, against {small_mb:.0f} MB"
    assert huge_mb < 600, f"the grader peaked at {huge_mb:.0f} MB"


def test_bounded_keeps_only_the_shape_of_a_return_larger_than_every_input():
    """grading.bounded, as every grading run applies it: a value, changed input or partial value with more
    numbers than the call's largest input keeps its shape only (a changed input is dropped); an outcome
    with none is kept as it came."""
    import numpy as np

    from grader.grading import bounded
    from grader.sandbox.protocol import Call, Outcome

    call = Call(("f",), (np.zeros(4), 2.0), ("x", "lam"), 2)
    small, huge = np.arange(4.0), np.ones((3, 5))
    fine = Outcome("ok", (small, small[:1]), "", changed_args={"x": small}, partial_values={})
    assert bounded(call, fine) is fine
    late = Outcome("bad_return", None, "", changed_args={"x": small, "y": huge}, partial_values={0: small, 1: huge})
    kept = bounded(call, late)
    assert kept.values is None and list(kept.changed_args) == ["x"] and kept.changed_args["x"] is small
    assert kept.partial_values[0] is small and kept.partial_values[1].shape == (3, 5)
    assert np.isnan(kept.partial_values[1]).all() and kept.partial_values[1].strides == (0, 0)  # one number
    wide = bounded(call, Outcome("ok", (small[:1], huge), ""))
    assert np.array_equal(wide.values[0], small[:1])
    assert wide.values[1].shape == (3, 5) and np.isnan(wide.values[1]).all() and wide.values[1].strides == (0, 0)


# 6. one submission holding threads does not starve another graded at the same time


def marked_threads(name: str) -> int:
    count = 0
    for task_comm in Path("/proc").glob("[0-9]*/task/[0-9]*/comm"):
        try:
            count += task_comm.read_text().strip() == name[:15]
        except OSError:
            pass
    return count


@as_root
def test_threads_held_by_one_grade_leave_a_concurrent_one_its_own(tmp_path):
    hog = background(student_folder(tmp_path, "hog", attack("thread_hog")), timeout=60)
    try:
        deadline = time.monotonic() + 60
        while marked_threads(f"{MARK}hog") < 12 and time.monotonic() < deadline and hog.poll() is None:
            time.sleep(0.05)
        assert marked_threads(f"{MARK}hog") >= 12, "the hog never started its threads"
        graded = grade(student_folder(tmp_path, "honest", (ATTACKS / "threaded_correct.py").read_text()),
                       timeout=10.0)
        held = marked_threads(f"{MARK}hog")
    finally:
        stop(hog)
    assert held >= 12  # the honest grade ran while the hog held its threads
    assert graded.status == 0 and graded.report["score"] == 100, graded.stdout[:3000]


# 7. an oversized submission is the student's problem


def test_an_oversized_submission_scores_zero_with_a_size_message(tmp_path):
    submission = student_folder(tmp_path, "student", SIGMOID_ONLY)
    with open(submission, "r+b") as f:
        f.truncate(300 << 20)  # sparse: 300 MB on paper, nothing on disk
    graded = grade(submission)
    assert graded.status == 1 and graded.report["score"] == 0, graded.stdout[:2000] + graded.stderr[-2000:]
    assert "300 MB, more than the 16 MB" in graded.report["parts"][0]["feedback"]


# 8. every name goes through the printable filter


def test_terminal_escapes_in_a_file_name_never_reach_the_terminal(tmp_path):
    submission = student_folder(tmp_path, "student", SIGMOID_ONLY, filename="ex5\x1b[2J\x1b[31m.py")
    graded = run([GRADE, submission.name, "--exercise", "ex5", "--timeout", "2"], submission.parent)
    assert graded.status == 1 and "ex5\\x1b[2J\\x1b[31m.py" in graded.stdout
    missing = run([GRADE, "gone\x1b[2J.py", "--exercise", "ex5"], submission.parent)
    assert missing.status == 2 and "gone\\x1b[2J.py" in missing.stderr
    assert "\x1b" not in graded.stdout + graded.stderr + missing.stdout + missing.stderr


# 9. option-like names


def test_files_named_like_options_are_graded_after_a_double_dash(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    for name in ("--help", "-h", "--version"):
        (folder / name).write_text(SOLUTION)
    for command in ([GRADE, "--exercise", "ex5", "--format", "json", "--", "--help"],
                    [GRADE, "check", "--exercise", "ex5", "--format", "json", "--", "-h"]):
        graded = run(command, folder)
        assert graded.status == 0 and graded.report["score"] == 100, graded.stderr[-2000:]
    for name in ("--version", "--help", "-h"):  # never status 0 (full marks) for a file of that name
        ambiguous = run([GRADE, name], folder)
        assert ambiguous.status == 2 and f"grade -- {name}" in ambiguous.stderr
    version = run([GRADE, "--version"], tmp_path)  # no such file here: the option, as documented
    assert version.status == 0 and "version" in version.stdout


# 10. no other process, no other student's file


@as_root
def test_a_classmate_graded_at_the_same_time_is_out_of_reach(open_folder):
    victim = student_folder(open_folder, "bob", (ATTACKS / "slow_victim.py").read_text())
    victim.parent.chmod(0o755)
    running = background(victim, timeout=60)
    try:
        source = attack("classmate", VICTIM=str(victim))
        graded = grade(student_folder(open_folder, "mallory", source))
        victim_running = running.poll() is None
    finally:
        stop(running)
    assert victim_running
    assert graded.status == 1 and graded.report["score"] == 5, graded.stdout[:3000]
