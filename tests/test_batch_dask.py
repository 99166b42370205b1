"""`grade batch --dask` against a distributed.LocalCluster with process workers (the test extra has distributed)."""

import csv
import io
import os
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, SUBMISSIONS, run_cli

distributed = pytest.importorskip("distributed", reason="distributed is in the test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as local:
        yield local


def test_dask_batch_records_the_same_grades_as_local_slots(tmp_path, cluster):
    folders = tmp_path / "class"
    files = {"ann": ROOT / "solutions" / "ex5.py", "ben": SUBMISSIONS / "ex5" / "extra_output_derivative.py",
             "cy": SUBMISSIONS / "ex5" / "two_mistakes.py", "di": SUBMISSIONS / "ex5" / "uses_utils.py",
             "ed": SUBMISSIONS / "ex5" / "crashes.py"}
    for student, source in files.items():
        (folders / student).mkdir(parents=True)
        shutil.copyfile(source, folders / student / "ex5.py")
    shutil.copyfile(SUBMISSIONS / "ex5" / "utils.py", folders / "di" / "utils.py")
    remote, local = tmp_path / "remote.sqlite", tmp_path / "local.sqlite"
    result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(remote), "--dask", cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    assert "5 graded" in result.stderr
    assert run_cli("batch", str(folders), "-e", "ex5", "--db", str(local)).exit_code == 0

    def table(db):
        out = run_cli("gradebook", "--db", str(db)).stdout
        return sorted(tuple(row.values()) for row in csv.DictReader(io.StringIO(out)))

    assert table(remote) == table(local)
    assert dict((r[0], r[2]) for r in table(remote))["ben"] == "50"
    again = run_cli("batch", str(folders), "-e", "ex5", "--db", str(remote), "--dask", cluster.scheduler_address)
    assert "0 graded, 5 skipped (unchanged)" in again.stderr


def test_no_scheduler_is_one_clear_line(tmp_path):
    folders = tmp_path / "class"
    (folders / "ann").mkdir(parents=True)
    shutil.copyfile(ROOT / "solutions" / "ex5.py", folders / "ann" / "ex5.py")
    result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"),
                     "--dask", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert "--dask tcp://127.0.0.1:9: no Dask scheduler answers there" in result.stderr
    assert "Traceback" not in result.output


def test_a_listener_that_is_not_a_scheduler_or_a_wrong_scheme_is_one_clear_line(tmp_path, monkeypatch):
    """Staff review S3: --dask at a port where something else listens (the dashboard's 8787, any web server)
    waited for ever with no output; an http:// address was an "internal error". Both are one line now, and the
    scheduler's own address still works (test above)."""
    import socket

    from grader.batch import dask

    monkeypatch.setattr(dask, "PROBE_SECONDS", 1.0)
    folders = tmp_path / "class"
    (folders / "ann").mkdir(parents=True)
    shutil.copyfile(ROOT / "solutions" / "ex5.py", folders / "ann" / "ex5.py")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (the kernel's backlog) and says nothing
        port = silent.getsockname()[1]
        result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"),
                         "--dask", f"tcp://127.0.0.1:{port}")
    assert result.exit_code == 2, result.output
    assert f"--dask tcp://127.0.0.1:{port}: something listens there but it is not a Dask scheduler (it said " \
           "nothing in 1 s)" in result.stderr, result.output
    wrong = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"),
                    "--dask", "http://127.0.0.1:8787")
    assert wrong.exit_code == 2 and "not a Dask scheduler's address" in wrong.stderr, wrong.output
    assert "internal error" not in wrong.stderr and "Traceback" not in result.output + wrong.output


def test_a_worker_lost_mid_batch_costs_only_a_retry(tmp_path, monkeypatch):
    """SIGKILL one of the cluster's two worker processes once the first result is recorded: every
    submission is still graded, with the score it deserves. The killed worker could not remove the students'
    files it held; they are in a locked scratch folder, which a later batch on that host sweeps."""
    import os
    import signal
    import tempfile
    import threading

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))  # the cluster's worker processes start with it

    folders = _slow_class(tmp_path, 16)
    db = tmp_path / "g.sqlite"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        pids = [worker.process.process.pid for worker in cluster.workers.values()]  # the nannies' workers
        killed = []

        def kill_one_when_something_is_recorded():
            _wait_for_a_row(db)
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

        killer = threading.Thread(target=kill_one_when_something_is_recorded, daemon=True)
        killer.start()
        result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db), "--dask", cluster.scheduler_address)
        killer.join(timeout=60)
    assert killed
    assert result.exit_code == 0, result.output
    out = run_cli("gradebook", "--db", str(db)).stdout
    scores = [row["score"] for row in csv.DictReader(io.StringIO(out))]
    assert scores == ["100"] * 16
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # this process's own $TMPDIR, for the local batch
    assert run_cli("batch", str(folders / "s00"), "-e", "ex5", "--db", str(tmp_path / "later.sqlite")).exit_code == 0
    assert not list(tmp.glob("grade-*")) and not list(tmp.rglob("ex5.py")), list(tmp.rglob("*"))


def _one_student(tmp_path):
    folders = tmp_path / "class"
    (folders / "ann").mkdir(parents=True)
    shutil.copyfile(ROOT / "solutions" / "ex5.py", folders / "ann" / "ex5.py")
    return folders


def test_workers_on_the_portable_runner_are_refused_unless_weak_isolation_is_allowed(tmp_path, monkeypatch):
    """The rule of a local batch holds on each worker, where the submissions run: a macOS or Windows worker
    (here GRADER_SANDBOX=portable) does not grade a class without --allow-weak-isolation. The client only
    records results, so a client on the portable runner (a TA's laptop) is not refused for itself."""
    import json

    folders = _one_student(tmp_path)
    monkeypatch.setenv("GRADER_SANDBOX", "portable")  # the cluster's workers and this client
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as portable:
        refused = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "a.sqlite"),
                          "--dask", portable.scheduler_address)
        assert refused.exit_code == 2
        [worker] = portable.scheduler_info["workers"]
        assert f"--dask {portable.scheduler_address}: the Dask worker at {worker} would use the portable runner " \
               "(GRADER_SANDBOX=portable)" in refused.stderr
        assert "--allow-weak-isolation" in refused.stderr and "Traceback" not in refused.output
        allowed = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "b.sqlite"),
                          "--dask", portable.scheduler_address, "--allow-weak-isolation")
    assert allowed.exit_code == 0, allowed.output
    [row] = json.loads(run_cli("gradebook", "--db", str(tmp_path / "b.sqlite"), "--format", "json").stdout)
    assert row["score"] == 100 and row["report"]["sandbox"]["runner"] == "portable"


WORKER_WITHOUT_THE_GRADER = '''
"""A Dask worker preload: this worker's Python cannot import the grader, as on a host where it is not installed."""
import sys


class NoGrader:
    def find_spec(self, name, path=None, target=None):
        if name == "grader" or name.startswith("grader."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


for name in [n for n in sys.modules if n == "grader" or n.startswith("grader.")]:
    del sys.modules[name]
sys.meta_path.insert(0, NoGrader())
'''


def test_a_worker_without_the_grader_is_one_clear_line(tmp_path):
    preload = tmp_path / "no_grader_preload.py"
    preload.write_text(WORKER_WITHOUT_THE_GRADER)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None, preload=[str(preload)]) as bare:
        result = run_cli("batch", str(_one_student(tmp_path)), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"),
                         "--dask", bare.scheduler_address)
    assert result.exit_code == 2
    assert "cannot run the grader (ModuleNotFoundError" in result.stderr
    assert "install nn-grader" in result.stderr and "internal error" not in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.timeout(240)  # before the fix the second batch waited for ever
def test_a_worker_without_the_grader_that_joins_later_does_not_hold_up_the_next_batch(tmp_path):
    """Staff review S10: once a batch has registered the grader's plugin, a worker without the grader that joins
    fails to load it and stops; the scheduler lists it as closing for minutes (its worker-ttl), and it never
    answers. The next batch asked every listed worker for its facts and waited for ever in silence. The scheduler
    gives a closing worker no task, so the batch now asks only running workers and grades on them."""
    import subprocess
    import sys
    import time

    preload = tmp_path / "no_grader_preload.py"
    preload.write_text(WORKER_WITHOUT_THE_GRADER)
    folders = _one_student(tmp_path)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as local:
        address = local.scheduler_address
        first = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "first.sqlite"), "--dask", address)
        assert first.exit_code == 0, first.output
        good = set(local.scheduler.workers)
        bare = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                 "--no-dashboard", "--preload", str(preload)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            for _ in range(1200):  # it joins, fails to load the plugin, and is left listed as closing
                joined = [w for a, w in local.scheduler.workers.items() if a not in good]
                if joined and joined[0].status.name != "running":
                    break
                time.sleep(0.05)
            assert joined and joined[0].status.name != "running", joined
            # a process of its own with a bound: a batch that hangs again fails here, and the worker is still
            # stopped below (an in-process hang ends the whole test process, with no cleanup)
            second = subprocess.run([sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5", "--db",
                                     str(tmp_path / "second.sqlite"), "--dask", address],
                                    capture_output=True, text=True, timeout=120)
        finally:
            os.killpg(bare.pid, 9)
            bare.wait()
    assert second.returncode == 0, second.stderr
    assert _rows_of(tmp_path / "second.sqlite") == {"ann": "100"}
    said = f"still lists {joined[0].address} that did not answer in 10 s (closing: a worker that failed to start"
    assert said in second.stderr
    assert "Traceback" not in second.stderr


def test_a_student_folder_reaches_the_worker_as_a_local_batch_sees_it(tmp_path, cluster):
    """A task carries what the local sandbox's copy of the student's folder holds (sandbox/submission_copy.py):
    a helper module below 70 other files, and a package of helpers. A cap of its own (64 files, the folder's
    top level only) dropped both, and the student got 0 on Dask and 100 locally."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    student = tmp_path / "class" / "kate"
    (student / "helpers").mkdir(parents=True)
    for i in range(70):
        (student / f"h{i:02d}.py").write_text(f"VALUE = {i}\n")
    (student / "zz_helper.py").write_text("import numpy as np\n\n\ndef logistic(z):\n    return 1 / (1 + np.exp(-z))\n")
    (student / "helpers" / "__init__.py").write_text("")
    (student / "helpers" / "scale.py").write_text("ONE = 1.0\n")
    checked = "def sigmoid_gradient(z):\n    assert ONE == 1.0 and logistic(0) == 0.5\n"
    (student / "ex5.py").write_text("from zz_helper import logistic\nfrom helpers.scale import ONE\n"
                                    + solution.replace("def sigmoid_gradient(z):\n", checked, 1))
    remote, local = tmp_path / "remote.sqlite", tmp_path / "local.sqlite"
    result = run_cli("batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(remote),
                     "--dask", cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    assert run_cli("batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(local)).exit_code == 0
    out = {db: next(csv.DictReader(io.StringIO(run_cli("gradebook", "--db", str(db)).stdout)))
           for db in (remote, local)}
    assert out[local]["score"] == "100", out[local]
    assert out[remote] == out[local]


@pytest.mark.parametrize("other", ["version", "code"])
def test_a_worker_with_another_grader_version_is_refused(tmp_path, other):
    """The gradebook records the client's grader build, and a rerun regrades by it: a worker of another build
    would make that record untrue. Here a preload makes the worker's grader say 0.0.1-other, or has the worker
    import a copy of the grader with one line added (same 0.1.0, other code: grader/build.py)."""
    preload = tmp_path / "other_grader_preload.py"
    if other == "version":
        preload.write_text("import grader\ngrader.__version__ = '0.0.1-other'\n")
    else:
        copy = tmp_path / "other"
        shutil.copytree(ROOT / "grader", copy / "grader", ignore=shutil.ignore_patterns("__pycache__"))
        with (copy / "grader" / "report.py").open("a") as report:
            report.write("# one more line: another build\n")
        preload.write_text(f"import sys\nsys.path.insert(0, {str(copy)!r})\n")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None, preload=[str(preload)]) as cluster:
        result = run_cli("batch", str(_one_student(tmp_path)), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"),
                         "--dask", cluster.scheduler_address)
    assert result.exit_code == 2, result.output
    from grader.build import build_id

    worker = "0.0.1-other+" if other == "version" else "0.1.0+"
    assert f"has nn-grader {worker}" in result.stderr and f"this client {build_id()}:" in result.stderr, \
        result.stderr
    assert "Traceback" not in result.output


def test_a_portable_worker_that_joins_after_the_check_is_retired_and_its_task_graded_elsewhere(tmp_path, monkeypatch):
    """Workers can join a cluster at any time: one that joins after the client checked the workers (here the
    only one, started once the tasks are at the scheduler) is held to the same rule by the grader's worker
    plugin; the client retires it (else it would fail every task it is given, in milliseconds) and the task
    is graded by the next good worker."""
    import threading
    import time

    folders = _one_student(tmp_path)
    with distributed.LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        seen = []

        def a_portable_worker_then_a_good_one():
            _a_portable_worker_once_tasks_wait(cluster, monkeypatch)
            for _ in range(1200):  # joined, refused, retired
                seen.extend(a for a in cluster.scheduler.workers if a not in seen)
                if seen and not cluster.scheduler.workers:
                    break
                time.sleep(0.05)
            monkeypatch.delenv("GRADER_SANDBOX")
            cluster.scale(2)

        joiner = threading.Thread(target=a_portable_worker_then_a_good_one, daemon=True)
        joiner.start()
        address = cluster.scheduler_address
        result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"), "--dask", address)
        joiner.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert f"no Dask worker has joined {address} yet: the batch waits for one" in result.stderr
    assert f"the Dask worker at {seen[0]} would use the portable runner" in result.stderr
    assert "it is retired from the cluster" in result.stderr and "Traceback" not in result.output
    assert _rows_of(tmp_path / "g.sqlite") == {"ann": "100"}


def _rows_of(db) -> dict[str, str]:
    return {row["student"]: row["score"]
            for row in csv.DictReader(io.StringIO(run_cli("gradebook", "--db", str(db)).stdout))}


def test_a_student_whose_file_cannot_be_read_when_sent_is_that_students_line(tmp_path, cluster, monkeypatch):
    """A file gone or swapped for a link between discovery and the moment its task is sent: that student is
    "could not grade" (retried next run), the others are graded (it was an internal error for the whole class)."""
    from grader.batch import dask, task_files

    folders = tmp_path / "class"
    for student in ("ann", "mallory"):
        (folders / student).mkdir(parents=True)
        shutil.copyfile(ROOT / "solutions" / "ex5.py", folders / student / "ex5.py")
    real = task_files.read_task_files

    def mallory_swaps_her_file(path):
        if path.parent.name == "mallory":
            path.unlink()
            path.symlink_to(ROOT / "solutions" / "ex5.py")
        return real(path)

    monkeypatch.setattr(dask, "read_task_files", mallory_swaps_her_file)
    db = tmp_path / "g.sqlite"
    result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db), "--dask", cluster.scheduler_address)
    assert result.exit_code == 2 and "internal error" not in result.output
    assert "mallory/ex5.py: ex5.py is a symbolic link; grade the file itself" in result.stderr
    assert _rows_of(db) == {"ann": "100", "mallory": ""}


def test_task_files_follow_no_link_and_take_only_the_owners_python_files(tmp_path):
    """What a Dask task carries (batch/task_files.py), read as the local root copy reads: nothing through a
    link (a student could point one at a file only the grader may read), no data files, and (as root) no
    Python file of another user (review 10, F3 and F5)."""
    from grader.batch.task_files import Unreadable, read_task_files, write_task_files

    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    (secret / "key.py").write_text("ANSWER = 42\n")
    student = tmp_path / "kate"
    (student / "pkg").mkdir(parents=True)
    (student / "ex5.py").write_text("import helper\n")
    (student / "helper.py").write_text("X = 1\n")
    (student / "pkg" / "__init__.py").write_text("")
    (student / "linked.py").symlink_to(secret / "key.py")
    (student / "keys").symlink_to(secret)
    (student / "data.txt").write_text("1.0\n")
    (student / "a\\..\\..\\x.py").write_text("Y = 2\n")  # a name a Windows worker would read as folders
    if os.geteuid() == 0:
        (student / "ta_only.py").write_text("KEY = 42\n")
        os.chown(student / "ta_only.py", 65534, 65534)
    files = read_task_files(student / "ex5.py")
    assert sorted(files) == ["ex5.py", "helper.py", "pkg/__init__.py"]
    (student / "ex5.py").unlink()
    (student / "ex5.py").symlink_to(secret / "key.py")
    with pytest.raises(Unreadable, match="symbolic link"):
        read_task_files(student / "ex5.py")
    target = tmp_path / "task"
    target.mkdir()
    write_task_files(target, {"ex5.py": b"x", "../up.py": b"x", "/abs.py": b"x", "a\\..\\b.py": b"x",
                              "C:\\x.py": b"x", "pkg/m.py": b"x"}, "ex5.py")
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*.py")) == ["ex5.py", "pkg/m.py"]
    assert not (tmp_path / "up.py").exists()


def test_a_worker_whose_sandboxes_broke_is_retired_and_the_class_finishes(tmp_path):
    """SIGKILL the zygote of one of two workers mid-batch: the submission it was grading is "could not grade"
    (retried next run), the worker is retired (it waited for a working sandbox forever), and the rest of the
    class is graded by the other worker."""
    import signal
    import threading

    folders = _slow_class(tmp_path, 12)
    db = tmp_path / "g.sqlite"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as two:
        worker = next(iter(two.workers.values())).process.process.pid  # a nanny's worker process
        killed = []

        def kill_its_zygote_when_something_is_recorded():
            _wait_for_a_row(db)
            children = Path(f"/proc/{worker}/task/{worker}/children").read_text().split()
            for pid in children:  # the worker's zygote (its only child process)
                os.kill(int(pid), signal.SIGKILL)
                killed.append(pid)

        killer = threading.Thread(target=kill_its_zygote_when_something_is_recorded, daemon=True)
        killer.start()
        result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db), "--dask", two.scheduler_address)
        killer.join(timeout=60)
    assert killed, "the worker had no zygote to kill"
    scores = _rows_of(db)
    assert len(scores) == 12 and set(scores.values()) <= {"100", ""}, scores
    assert list(scores.values()).count("") <= 1, result.stderr  # at most the one being graded in the killed zygote
    assert "Traceback" not in result.output


def _slow_class(tmp_path, students: int):
    """Right submissions whose cost function sleeps 50 ms per call: a batch long enough to act on mid-way."""
    slow = (ROOT / "solutions" / "ex5.py").read_text() + (
        "\n\nimport time as _time\n_right = nn_cost_function\n\n\n"
        "def nn_cost_function(*args, **kwargs):\n    _time.sleep(0.05)\n    return _right(*args, **kwargs)\n")
    folders = tmp_path / "class"
    for i in range(students):
        (folders / f"s{i:02d}").mkdir(parents=True)
        (folders / f"s{i:02d}" / "ex5.py").write_text(slow)
    return folders


def _wait_for_a_row(db) -> None:
    """Until the batch has recorded a first result (at most a minute)."""
    import sqlite3
    import time

    for _ in range(1200):
        try:
            with sqlite3.connect(db, timeout=5) as connection:
                if connection.execute("SELECT count(*) FROM grades").fetchone()[0]:
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.05)


ONE_WORKER_CANNOT_OPEN_A_SANDBOX = '''
"""A Dask worker preload: the first worker to start cannot open a sandbox (as with a full TMPDIR there)."""
import os

from grader.batch import slots

try:
    os.close(os.open(os.environ["MARK"], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
except FileExistsError:
    pass
else:
    def open_sandbox(*args, **kwargs):
        raise OSError(28, "No space left on device (simulated)")

    slots.open_sandbox = open_sandbox
'''


def test_a_worker_that_cannot_open_a_sandbox_is_retired_and_the_class_is_graded(tmp_path, monkeypatch):
    """One bad worker host among good ones costs a retry, not the batch (it was an internal error that
    graded nobody; review 11, G4)."""
    preload = tmp_path / "break_one_worker.py"
    preload.write_text(ONE_WORKER_CANNOT_OPEN_A_SANDBOX)
    monkeypatch.setenv("MARK", str(tmp_path / "broken-once"))
    folders = tmp_path / "class"
    for i in range(8):
        (folders / f"s{i}").mkdir(parents=True)
        shutil.copyfile(ROOT / "solutions" / "ex5.py", folders / f"s{i}" / "ex5.py")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None, preload=[str(preload)]) as mixed:
        result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"),
                         "--dask", mixed.scheduler_address)
    assert result.exit_code == 0, result.output
    assert "cannot open a sandbox (OSError: [Errno 28] No space left on device (simulated))" in result.stderr
    assert set(_rows_of(tmp_path / "g.sqlite").values()) == {"100"}


def test_a_refused_worker_that_cannot_be_retired_does_not_bounce_a_student_for_ever(tmp_path, monkeypatch):
    """A worker that refuses and stays (a scheduler that does not retire it, or a supervisor that restarts it
    at the same address) would be handed the same task again and again: after MAX_REFUSED refusals the student
    is "could not grade", retried next run, and the batch ends (review 11, G3)."""
    import threading

    from grader.batch import dask

    monkeypatch.setattr(distributed.Client, "retire_workers", lambda self, *a, **k: {})
    folders = _one_student(tmp_path)
    with distributed.LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        joiner = threading.Thread(target=_a_portable_worker_once_tasks_wait, args=(cluster, monkeypatch),
                                  daemon=True)
        joiner.start()
        result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(tmp_path / "g.sqlite"),
                         "--dask", cluster.scheduler_address)
        joiner.join(timeout=60)
    assert result.exit_code == 2, result.output
    assert f"ann/ex5.py: not graded: refused {dask.MAX_REFUSED + 1} times by Dask workers" in result.stderr
    assert _rows_of(tmp_path / "g.sqlite") == {"ann": ""}


def _a_portable_worker_once_tasks_wait(cluster, monkeypatch) -> None:
    """Start a worker on the portable runner once the batch's tasks are at the scheduler (after the client
    checked the workers there were: none)."""
    import time

    for _ in range(1200):
        if cluster.scheduler.tasks:
            break
        time.sleep(0.05)
    monkeypatch.setenv("GRADER_SANDBOX", "portable")
    cluster.scale(1)


def test_task_files_are_read_where_the_os_has_no_nofollow_opens(tmp_path):
    """A Windows client or worker: grader.batch.dask imports there (it raised AttributeError at import, an
    internal error for the whole batch), and the files are read by path, links and junctions left out
    (review 11, G5). Simulated here in a Python whose os lacks O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK, O_CLOEXEC."""
    import subprocess
    import sys

    student = tmp_path / "kate"
    (student / "pkg").mkdir(parents=True)
    (student / "ex5.py").write_text("import helper\n")
    (student / "helper.py").write_text("X = 1\n")
    (student / "pkg" / "m.py").write_text("")
    (student / "data.txt").write_text("1\n")
    (student / "linked.py").symlink_to(student / "helper.py")
    script = (
        "import os, sys\n"
        "for name in ('O_NOFOLLOW', 'O_DIRECTORY', 'O_NONBLOCK', 'O_CLOEXEC'):\n"
        "    delattr(os, name)\n"
        "import grader.batch.dask\n"
        "from grader.batch.task_files import read_task_files\n"
        "from pathlib import Path\n"
        "print(sorted(read_task_files(Path(sys.argv[1]))))\n")
    out = subprocess.run([sys.executable, "-c", script, str(student / "ex5.py")], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['ex5.py', 'helper.py', 'pkg/m.py']"


@pytest.mark.skipif(os.geteuid() != 0, reason="another user's file needs root to make")
def test_task_files_take_a_helper_anyone_may_read_where_the_folders_are_open(tmp_path):
    """As the local root copy does: a .py of another user that anyone may read, in folders open to others
    (a TA's utils.py in a student's folder), is sent; the same file in a closed folder is not (review 11, G7)."""
    import tempfile

    from grader.batch.task_files import read_task_files

    open_root = Path(tempfile.mkdtemp(prefix="grader-test-open-", dir="/tmp"))
    try:
        for root, expected in ((open_root, ["ex5.py", "utils.py"]), (tmp_path, ["ex5.py"])):
            student = root / "kate"
            student.mkdir()
            (student / "ex5.py").write_text("import utils\n")
            (student / "utils.py").write_text("X = 1\n")
            os.chown(student / "utils.py", 65534, 65534)
            for folder in (root, student):
                folder.chmod(0o755)
            (student / "utils.py").chmod(0o644)
            assert sorted(read_task_files(student / "ex5.py")) == expected, root
    finally:
        shutil.rmtree(open_root)


@pytest.mark.timeout(240)
def test_a_scheduler_lost_mid_batch_is_one_line_and_what_was_graded_is_kept(tmp_path, capfd):
    """Staff review 2, S15: a scheduler killed mid-batch gave "internal error (ClosedClientError ...)", or one
    "could not grade" line per student left (their tasks were cancelled). It is now one line; the rows recorded
    before are kept, and the same command grades the rest once a scheduler is back."""
    import signal
    import socket
    import subprocess
    import sys
    import threading

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"], **quiet)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                               "--no-dashboard"], **quiet)
    folders, db = _slow_class(tmp_path, 40), tmp_path / "g.sqlite"
    try:
        killer = threading.Thread(target=lambda: (_wait_for_a_row(db), os.killpg(scheduler.pid, signal.SIGKILL)),
                                  daemon=True)
        killer.start()
        result = run_cli("batch", str(folders), "-e", "ex5", "--db", str(db), "--dask", address)
        killer.join(timeout=60)
    finally:
        for process in (scheduler, worker):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
    assert result.exit_code == 2, result.output
    assert f"--dask {address}: lost the Dask scheduler mid-batch" in result.stderr, result.stderr
    assert "what was graded is kept" in result.stderr and "could not grade" not in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    logged = capfd.readouterr().err  # distributed's own handler writes to the process's stderr (review 18, R4)
    assert "Traceback" not in logged and "distributed.client - ERROR" not in logged, logged[-3000:]
    kept = _rows_of(db)
    assert 0 < len(kept) < 40 and set(kept.values()) == {"100"}, kept
