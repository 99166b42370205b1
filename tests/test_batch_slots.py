"""Job slots never lose a submission: whatever grading one raises, its result arrives and the batch ends."""

import json
import subprocess
import sys
import threading
import time

from grader.batch.slots import Grader, Result, Task, run_local
from grader.sandbox import Limits, Sandbox
from grader.spec import load
from grader.submission import SubmissionError, for_exercise, prepare

from . import course
from .conftest import ROOT, run_cli

RIGHT = ROOT / "solutions" / "ex5.py"
EXERCISE = ROOT / "exercises" / "ex5.yaml"
LONG_SUM = "SCALE = " + " + ".join(["1.0"] * 600) + "\n"  # nested 600 deep: too deep for the grader's own reading


def test_a_statement_too_deep_to_read_runs_the_file_whole_and_a_notebook_says_why(tmp_path):
    script = tmp_path / "ex5.py"
    script.write_text(LONG_SUM + RIGHT.read_text())
    prepared = prepare(script, {"nnCostFunction", "nn_cost_function", "sigmoidGradient", "sigmoid_gradient"})
    assert prepared.source == script.read_text()  # like a file that does not parse: Python runs it whole
    notebook = course.folder(tmp_path, course.cells() + [("code", LONG_SUM)])
    try:
        prepare(notebook, {"nnCostFunction"})
    except SubmissionError as error:
        assert "nests too deeply" in str(error) and str(notebook) in str(error)
    else:
        raise AssertionError("a notebook the grader cannot read must say so")


def test_a_class_with_a_statement_too_deep_to_read_is_graded_in_full(tmp_path):
    """It once stopped a slot's thread, and the batch then waited for that result forever."""
    folders = tmp_path / "class"
    for name, text in (("deep", LONG_SUM + RIGHT.read_text()), ("right", RIGHT.read_text())):
        (folders / name).mkdir(parents=True)
        (folders / name / "ex5.py").write_text(text)
    db = tmp_path / "g.sqlite"
    finished = subprocess.run([sys.executable, "-m", "grader", "batch", str(folders), "-e", "ex5", "--db", str(db),
                               "--jobs", "2", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    report = json.loads(run_cli("gradebook", "--db", str(db), "--format", "json").stdout)
    assert {entry["student"]: entry["score"] for entry in report} == {"deep": 100, "right": 100}


def test_a_grader_error_in_a_slot_is_that_submissions_result_and_the_others_go_on(tmp_path, monkeypatch):
    files = []
    for name in ("broken", "right"):
        (tmp_path / name).mkdir()
        files.append(tmp_path / name / "ex5.py")
        files[-1].write_text(RIGHT.read_text())
    grader = Grader(load(EXERCISE), speed_notes=False)
    real = Grader.grade

    def grade(self, sandbox, task, offer=None):
        if task.student == "broken":
            raise KeyError("a bug")
        return real(self, sandbox, task, offer)

    monkeypatch.setattr(Grader, "grade", grade)
    results = []
    tasks = [Task(path.parent.name, path, f"{path.parent.name}/ex5.py", i) for i, path in enumerate(files)]
    worker = threading.Thread(target=run_local, args=(grader, tasks, 2, Limits(timeout=10.0), results.append,
                                                      threading.Event()), daemon=True)
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive(), "the batch waits for a result that will never come"
    by_student = {r.task.student: r for r in results}
    assert by_student["broken"].error == "broken/ex5.py: internal error while grading (KeyError: 'a bug'); " \
                                         "please report it" and by_student["broken"].retry
    assert by_student["right"].report["score"] == 100


def test_an_unexpected_error_while_reading_a_submission_is_an_internal_error(tmp_path, monkeypatch):
    import grader.submission

    path = tmp_path / "s" / "ex5.py"
    path.parent.mkdir()
    path.write_text(RIGHT.read_text())

    def fail(*args):
        raise MemoryError()

    monkeypatch.setattr(grader.submission, "for_exercise", fail)
    result = Grader(load(EXERCISE), speed_notes=False).grade(None, Task("s", path, "s/ex5.py"))
    assert result.report is None and result.retry
    assert result.error.startswith("s/ex5.py: internal error while grading (MemoryError")



def test_the_grader_parses_python_only_through_the_lock():
    """A batch's job slots are threads; CPython 3.11/3.12 raise a spurious SystemError ("AST constructor
    recursion depth mismatch", gh-106905) when two of them run ast.parse at once. Every parse in the grader
    goes through grader/parsing.py, which takes one lock."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "grader"
    direct = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parse" \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "ast":
                direct.append(f"{path.relative_to(package)}:{node.lineno}")
    assert direct == ["parsing.py:17"], direct


def _stuck_then_quick(monkeypatch, jobs: int, quick: int, seconds: float, release_after: int, stuck: int = 1,
                      busy: bool = False, wait: float = 60) -> dict:
    """run_local over `stuck` submissions that return once `release_after` others are graded (or after `wait`
    seconds), then `quick` others that each take `seconds`, with a stand-in for the grading that records how
    many run at once. `busy`: the stuck ones' sandboxes say their run keeps a CPU busy (else they sleep: a
    sandbox between runs has used no CPU). Returns the most quick ones at once ("quick"), the most of all at
    once ("all") and whether the stuck ones were let go by the others ("released"); every result is checked
    to arrive."""
    grader = Grader(load(EXERCISE), speed_notes=False)
    monkeypatch.setattr(Grader, "prepare", lambda self: None)
    from grader.batch import slots

    monkeypatch.setattr(slots, "STUCK_SECONDS", 1.0)  # ten times a quick one's time: a busy machine cannot blur them
    if busy:
        from grader.sandbox.runner import Sandbox

        monkeypatch.setattr(Sandbox, "run_demand_seconds", lambda self: time.monotonic())  # a whole CPU, always
    released = threading.Event()
    lock, running, most, finished, in_time = threading.Lock(), set(), {"quick": 0, "all": 0}, [], []

    def grade(self, sandbox, task, offer=None):
        with lock:
            running.add(task.student)
            most["all"] = max(most["all"], len(running))
            if not task.student.startswith("stuck"):
                most["quick"] = max(most["quick"], sum(not r.startswith("stuck") for r in running))
        if task.student.startswith("stuck"):
            in_time.append(released.wait(timeout=wait))
        else:
            time.sleep(seconds)
        with lock:
            running.discard(task.student)
            if not task.student.startswith("stuck"):
                finished.append(task.student)
                if len(finished) == release_after:
                    released.set()
        return Result(task, error=f"{task.student}: stand-in")

    monkeypatch.setattr(Grader, "grade", grade)
    names = [f"stuck{i}" for i in range(stuck)] + [f"s{i:03d}" for i in range(quick)]
    tasks = [Task(name, RIGHT, name, i) for i, name in enumerate(names)]
    results = []
    worker = threading.Thread(target=run_local, args=(grader, tasks, jobs, Limits(timeout=10.0), results.append,
                                                      threading.Event()), daemon=True)
    worker.start()
    worker.join(timeout=180)
    assert not worker.is_alive() and released.is_set()
    assert sorted(r.task.student for r in results) == sorted(t.student for t in tasks)
    return {**most, "released": all(in_time)}


def test_a_spare_slot_adds_no_load_beyond_jobs(monkeypatch):
    """--jobs 1, the first submission stuck until three others are graded: a spare slot grades them
    meanwhile; once the stuck one returns, its slot and the spare take turns, never two submissions at once."""
    most = _stuck_then_quick(monkeypatch, jobs=1, quick=10, seconds=0.1, release_after=3)
    assert most["released"], "the others waited for the stuck one: no spare slot"
    assert most["quick"] == 1, f"{most['quick']} submissions ran at once with --jobs 1"


def test_a_spare_opens_while_the_other_slots_keep_delivering_results(monkeypatch):
    """--jobs 2, one submission stuck until all the others are graded, the other slot delivering a result every
    50 ms: a spare still opens after the stuck one's first second (it once opened only after 0.25 s with no
    result at all), so two submissions that are not stuck run at once again."""
    most = _stuck_then_quick(monkeypatch, jobs=2, quick=200, seconds=0.05, release_after=200)
    assert most["released"] and most["quick"] == 2, "no spare took the stuck slot's place while results kept arriving"


def test_every_sleeping_submission_gets_a_spare(monkeypatch):
    """--jobs 1 and three submissions that sleep until three others are graded: a spare for each (a sleep
    costs no CPU), so the others are graded while all three wait. With one spare per job, as before,
    the first two held both slots until their timeouts (acceptance run 7: a class waited out its hangs two
    by two)."""
    most = _stuck_then_quick(monkeypatch, jobs=1, quick=6, seconds=0.05, release_after=3, stuck=3)
    assert most["released"], "a sleeping submission held up the others until its timeout"
    assert most["quick"] == 1, f"{most['quick']} submissions that are not stuck ran at once with --jobs 1"


def test_runs_that_want_a_cpu_are_never_more_than_three_times_jobs(monkeypatch):
    """--jobs 1 and two stuck submissions whose runs keep a CPU busy (an endless loop): the others are graded
    meanwhile on a spare (before, the graded ones counted in a bound of 2 × --jobs with the loops, and four
    loops on --jobs 2 held a class of 108 up for a timeout: acceptance run 8), and never more than three runs
    want a CPU at once: each call keeps at least a third of a CPU."""
    most = _stuck_then_quick(monkeypatch, jobs=1, quick=4, seconds=0.05, release_after=2, stuck=2, busy=True)
    assert most["released"], "the loops held the class up"
    assert most["all"] == 3 and most["quick"] == 1, most


def test_four_loops_on_one_job_leave_no_room_for_more(monkeypatch):
    """--jobs 1 and four stuck loops: three runs want a CPU once the first three are stuck, so no spare opens
    for the fourth or the rest until a loop ends (here, its 6 s timeout: the third loop is stuck after about
    2.5 s, so a slow spare start on a busy machine still has seconds to spare)."""
    most = _stuck_then_quick(monkeypatch, jobs=1, quick=2, seconds=0.05, release_after=1, stuck=4, busy=True, wait=6)
    assert most["all"] == 3, most
    assert not most["released"]


def test_a_hang_both_functions_meet_costs_a_batch_one_timeout_and_the_lone_grade(tmp_path, monkeypatch):
    """sigmoid_gradient sleeps on every call, and nn_cost_function calls it: a grade's first run times out in
    nn_cost_function, then sigmoid_gradient's own run times out too, one after the other (2 × --timeout; in
    a class, the longest wait). In a batch, sigmoid_gradient's own run starts on a spare while the first run
    still waits, and the report is the lone grade's. Judged by order (the own run starts before the first
    run ends, which is --timeout 8 after it started), not by a duration."""
    from grader import grading
    from grader.report import as_dict

    solution = RIGHT.read_text()
    header = "def sigmoid_gradient(z):\n"
    path = tmp_path / "hang" / "ex5.py"
    path.parent.mkdir()
    path.write_text("import time\n\n" + solution.replace(header, header + "    time.sleep(3600)\n", 1))
    runs, run = [], grading.Budget.run

    def timed(self, calls, meanwhile=None, arrived=None):
        started = time.monotonic()
        outcomes = run(self, calls, meanwhile, arrived)
        runs.append(({call.names[0] for call in calls}, started, time.monotonic()))
        return outcomes

    monkeypatch.setattr(grading.Budget, "run", timed)
    exercise, results = load(EXERCISE), []
    run_local(Grader(exercise, speed_notes=False), [Task("hang", path, "hang/ex5.py")], 1, Limits(timeout=8.0),
              results.append, threading.Event())
    [result] = results
    first = next(r for r in runs if "nn_cost_function" in r[0])
    own = [r for r in runs if r[0] == {"sigmoid_gradient"}]
    assert own and own[0][1] < first[2], runs
    with Sandbox(Limits(timeout=8.0)) as sandbox:
        lone = as_dict(grading.grade(exercise, path, sandbox, shown_as="hang/ex5.py",
                                     prepared=for_exercise(path, exercise)))
    assert [(p["id"], p["score"], p["feedback"]) for p in result.report["parts"]] == \
        [(p["id"], p["score"], p["feedback"]) for p in lone["parts"]]
    assert result.report["score"] == lone["score"] == 0


def test_a_hang_only_in_the_later_function_starts_no_extra_run(tmp_path, monkeypatch):
    """sigmoid_gradient sleeps, but nn_cost_function computes g(1 - g) itself: the first run's hang is in
    sigmoid_gradient's own call, past all of nn_cost_function's, and that timeout is kept, so the later
    function's own run is not needed and does not start (it would wait out a second timeout on a spare for
    nothing). STUCK_SECONDS is 3 s here, so nn_cost_function's calls (milliseconds) are surely done by then."""
    from grader import grading
    from grader.batch import slots

    monkeypatch.setattr(slots, "STUCK_SECONDS", 3.0)
    solution = RIGHT.read_text()
    header = "def sigmoid_gradient(z):\n"
    assert "sigmoid_gradient(z2)" in solution, "solutions/ex5.py's backpropagation changed: update this test"
    path = tmp_path / "hang" / "ex5.py"
    path.parent.mkdir()
    path.write_text("import time\n\n" + solution.replace(header, header + "    time.sleep(3600)\n", 1)
                    .replace("sigmoid_gradient(z2)", "sigmoid(z2) * (1 - sigmoid(z2))"))
    runs, run = [], grading.Budget.run

    def recorded(self, calls, meanwhile=None, arrived=None):
        runs.append({call.names[0] for call in calls})
        return run(self, calls, meanwhile, arrived)

    monkeypatch.setattr(grading.Budget, "run", recorded)
    results = []
    run_local(Grader(load(EXERCISE), speed_notes=False), [Task("hang", path, "hang/ex5.py")], 1, Limits(timeout=6.0),
              results.append, threading.Event())
    [result] = results
    assert result.report["score"] == 95, result.report
    assert {"sigmoid_gradient"} not in runs, runs


def test_spares_for_sleeping_runs_stop_where_memory_would_not_hold_them_all(monkeypatch, tmp_path):
    """Each spare beyond the first --jobs may hold a run that sleeps now and fills --memory later, so the k-th
    needs room for k runs at --memory (review 12, R2: the check once asked room for one run only). The rule,
    on a machine with 10 GB free, and its place in the batch: with room for two such spares, --jobs 1 and six
    sleeping submissions, four run at once (the slot, the first spare, and two spares the memory allows)."""
    from grader.batch import slots

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemAvailable:   10485760 kB\n")
    limits = Limits(memory_mb=2048)
    assert slots._memory_for(limits, 4, str(meminfo)) and not slots._memory_for(limits, 5, str(meminfo))
    monkeypatch.setattr(slots, "_memory_for", lambda limits, runs: runs <= 2)
    most = _stuck_then_quick(monkeypatch, jobs=1, quick=2, seconds=0.05, release_after=1, stuck=6, wait=10)
    assert most["all"] == 4, most


def test_later_runs_that_never_started_are_never_waited_for():
    """grading.LaterRuns, as `grade` and a batch's slots use it. Once the first run is past the first function
    they are not needed and do not start; `grade` may still ask for them (a later function left undone after a
    crash there), and gets None at once: it waited for ever (CI, test_a_killed_run_keeps_what_it_graded).
    Started ones are waited for, and their outcomes handed over."""
    from grader.grading import LaterRuns

    skipped = LaterRuns(lambda sandbox: {"never": "run"}, first_calls=2)
    skipped.arrived()
    skipped.arrived()
    assert skipped.start() is False
    answers = []
    asking = threading.Thread(target=lambda: answers.append(skipped.claim(needed=True)), daemon=True)
    asking.start()
    asking.join(timeout=30)
    assert not asking.is_alive() and answers == [None]

    class Box:
        broken = None

    started = LaterRuns(lambda sandbox: {"key": "outcome"}, first_calls=2)
    assert started.start() is True and started.start() is False
    threading.Timer(0.2, started.run, args=(Box(),)).start()
    assert started.claim(needed=True) == {"key": "outcome"}


def test_only_a_stuck_grades_own_waiting_later_runs_are_queued():
    """_Slots.look queues a grade's later runs when that grade's first run is stuck: not another grade's that
    began on the slot since the look's snapshot (review 13, S4), and not runs already taken back or found not
    needed, for which a spare would open only to discard them (S3)."""
    import contextlib

    from grader.batch.slots import STUCK_SECONDS, _Slots
    from grader.grading import LaterRuns

    class Idle:
        def run_demand_seconds(self):
            return 0.0

    def later(taken_back: bool = False) -> LaterRuns:
        runs = LaterRuns(lambda sandbox: {}, first_calls=1)
        if taken_back:
            runs.claim(needed=False)
        return runs

    with contextlib.ExitStack() as stack:
        slots = _Slots(None, threading.Event(), stack, Limits(), 1)
        slots.sandboxes = [Idle(), Idle(), Idle()]
        stuck_since = time.monotonic() - 2 * STUCK_SECONDS
        mine, newer, claimed = later(), later(), later(taken_back=True)
        slots.busy_since = {0: stuck_since, 1: stuck_since, 2: stuck_since}
        slots.offers = {0: (stuck_since, mine), 1: (stuck_since + 1.5 * STUCK_SECONDS, newer),
                        2: (stuck_since, claimed)}
        slots.look()
        assert list(slots.urgent) == [mine] and 1 in slots.offers and 2 not in slots.offers
        assert slots.later_runs_wait()
        mine.claim(needed=False)
        assert not slots.later_runs_wait()


def test_a_stuck_run_is_idle_only_when_it_neither_ran_nor_waited_to_run_between_two_looks():
    """_Slots.look sorts stuck runs by the CPU they demanded (ran, or waited in a run queue) since the look
    before. A run seen for the first time is busy: its demand since its submission started says nothing (its
    worker may not have existed yet: review 14, T2, where a slow right answer taken for a sleeper lost 25
    points). A loop that waits for a CPU most of the time (starved) demands a whole CPU all the same."""
    import contextlib

    from grader.batch.slots import STUCK_SECONDS, _Slots

    class Measured:
        def __init__(self, per_second: float):
            self.per_second, self.start = per_second, time.monotonic()

        def run_demand_seconds(self):
            return self.per_second * (time.monotonic() - self.start)

    with contextlib.ExitStack() as stack:
        slots = _Slots(None, threading.Event(), stack, Limits(), 1)
        slots.sandboxes = [Measured(0.0), Measured(1.0), Measured(0.02)]
        since = time.monotonic() - 2 * STUCK_SECONDS
        slots.busy_since = {0: since, 1: since, 2: since}
        slots.look()
        assert slots.idle == set() and slots.stuck() == (0, 3)  # first sight: busy, whatever the figure
        time.sleep(0.3)
        slots.look()
        assert slots.idle == {0, 2} and slots.stuck() == (2, 1)


def test_a_submission_that_may_wait_out_its_timeout_is_graded_first(tmp_path):
    """A source with words of a hang (here a `while` loop, which ends) is graded before the class, so that a
    real hang's wait overlaps the others' grading instead of starting at its turn in name order; the others
    keep their order (one slot: the gradebook's rows are written in the order graded)."""
    import sqlite3

    looping = RIGHT.read_text().replace("    m = y.size\n", "    m = 0\n    while m < y.size:\n        m += 1\n", 1)
    assert looping != RIGHT.read_text()
    walk = "    import os\n    list(os.walk('.'))\n    m = y.size\n"
    walking = RIGHT.read_text().replace("    m = y.size\n", walk, 1)
    assert walking != RIGHT.read_text()
    for name, text in (("ann", RIGHT.read_text()), ("bob", RIGHT.read_text()), ("yan", walking), ("zed", looping)):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "ex5.py").write_text(text)
    db = tmp_path / "g.sqlite"
    result = run_cli("batch", str(tmp_path / "class"), "-e", "ex5", "--db", str(db), "--jobs", "1", "--quiet")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as connection:
        order = [row[0] for row in connection.execute("SELECT student, score FROM grades ORDER BY rowid")]
        scores = dict(connection.execute("SELECT student, score FROM grades"))
    connection.close()
    assert order == ["yan", "zed", "ann", "bob"] and scores == {"ann": 100, "bob": 100, "yan": 100, "zed": 100}
