"""`grade batch --dask` against a distributed.LocalCluster with process workers (the test extra has distributed)."""

import csv
import io
import shutil

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


def test_a_worker_lost_mid_batch_costs_only_a_retry(tmp_path, monkeypatch):
    """SIGKILL one of the cluster's two worker processes once the first result is recorded: every
    submission is still graded, with the score it deserves. The killed worker could not remove the students'
    files it held; they are in a locked scratch folder, which a later batch on that host sweeps."""
    import os
    import signal
    import sqlite3
    import tempfile
    import threading
    import time

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))  # the cluster's worker processes start with it

    slow = (ROOT / "solutions" / "ex5.py").read_text() + (
        "\n\nimport time as _time\n_right = nn_cost_function\n\n\n"
        "def nn_cost_function(*args, **kwargs):\n    _time.sleep(0.05)\n    return _right(*args, **kwargs)\n")
    folders = tmp_path / "class"
    for i in range(16):
        (folders / f"s{i:02d}").mkdir(parents=True)
        (folders / f"s{i:02d}" / "ex5.py").write_text(slow)
    db = tmp_path / "g.sqlite"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        pids = [worker.process.process.pid for worker in cluster.workers.values()]  # the nannies' workers
        killed = []

        def kill_one_when_something_is_recorded():
            for _ in range(1200):
                try:
                    with sqlite3.connect(db, timeout=5) as connection:
                        if connection.execute("SELECT count(*) FROM grades").fetchone()[0]:
                            break
                except sqlite3.Error:
                    pass
                time.sleep(0.05)
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
