"""One sandbox run shaped like a batch submission's (not a timed test; run it by hand).

Run: OPENBLAS_NUM_THREADS=1 python benchmarks/bench_sandbox_run.py [--runs N] [--file PATH] [--students K]
     [--utils PATH]

Opens one `Sandbox(Limits())` and runs the file (default solutions/ex5.py, its runnable source as `grade
batch` sends it) with the calls a batch's first run makes for exercises/ex5.yaml: every graded call
(`grading.plan_calls`) plus the probes run ahead (`grading._ahead_calls`; no speed screen, as without
--speed-notes). With `--students K` the runs cycle over K copies of the file, each in a folder of its own (a
class: no two runs in a row share a file). With `--utils PATH` each copy gets PATH beside it as its own
utils.py; without it, a file that imports utils gets the course's (grader/sandbox/course_utils.py), so
`--file tests/submissions/ex5/uses_utils.py` with and without `--utils tests/submissions/ex5/utils.py`
compares the two.
Prints per run:
  wall            ms of wall time per `Sandbox.run`
  zygote+workers  ms of CPU time (user + system) of the zygote and the workers it reaped, read from
                  /proc/<zygote>/stat, so it counts only this sandbox's processes (fair on a busy machine)
  grader          ms of CPU time of this process (encoding requests, decoding outcomes)
  page faults     minor faults per run of the zygote and of its worker (each costs a few microseconds:
                  mostly copy-on-write copies of the zygote's pages that the worker's Python writes to)
"""

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import resource  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import grading, spec  # noqa: E402
from grader.cases import build_all  # noqa: E402
from grader.sandbox import Limits, Sandbox  # noqa: E402
from grader.submission import for_exercise  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")


def zygote_cpu(pid: int) -> tuple[float, ...]:
    """CPU seconds: the zygote's own (user, system), the workers' it reaped (user, system); then page faults:
    the zygote's own, the workers'."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (*(int(x) / _TICK for x in fields[11:15]), int(fields[7]) / 1000, int(fields[8]) / 1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--file", type=Path, default=ROOT / "solutions" / "ex5.py")
    parser.add_argument("--students", type=int, default=1)
    parser.add_argument("--utils", type=Path, default=None)
    args = parser.parse_args()
    exercise = spec.load(ROOT / "exercises" / "ex5.yaml")
    cases = build_all(exercise)
    plan = grading.plan_calls(exercise, cases)
    calls = [c for group in plan.values() for c in group.values()]
    calls += list(grading._ahead_calls(exercise, cases, speed=False).values())  # as without --speed-notes
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for i in range(args.students):
            (Path(folder) / f"s{i}").mkdir()
            files.append(Path(folder) / f"s{i}" / "ex5.py")
            shutil.copyfile(args.file, files[-1])
            if args.utils is not None:
                shutil.copyfile(args.utils, files[-1].with_name("utils.py"))
        prepared = [for_exercise(f, exercise) for f in files]
        with Sandbox(Limits()) as sandbox:
            sandbox.layers  # noqa: B018 - wait for the zygote's start-up before measuring
            for f, p in zip(files, prepared, strict=True):  # warm up
                sandbox.run(f, calls, budget=20.0, source=p.source)
            before = zygote_cpu(sandbox._pid)
            own0 = resource.getrusage(resource.RUSAGE_SELF)
            start = time.perf_counter()
            for i in range(args.runs):
                k = i % len(files)
                outcomes = sandbox.run(files[k], calls, budget=20.0, source=prepared[k].source)
            wall = time.perf_counter() - start
            used = [(b - a) / args.runs * 1000 for a, b in zip(before, zygote_cpu(sandbox._pid), strict=True)]
            own1 = resource.getrusage(resource.RUSAGE_SELF)
    bad = [o.message for o in outcomes if o.status != "ok"]
    assert not bad, bad
    n = args.runs
    print(f"{len(calls)} calls per run, {n} runs, {args.students} file(s)"
          + (f", {args.utils} beside each as utils.py" if args.utils else ""))
    print(f"wall             {wall / n * 1000:7.2f} ms per run")
    print(f"zygote+workers   {sum(used[:4]):7.2f} ms CPU per run (zygote: user {used[0]:.2f}, system {used[1]:.2f}; "
          f"workers: user {used[2]:.2f}, system {used[3]:.2f})")
    print(f"page faults      {used[4]:7.0f} zygote, {used[5]:.0f} worker per run")
    grader_cpu = own1.ru_utime - own0.ru_utime + own1.ru_stime - own0.ru_stime
    print(f"grader           {grader_cpu / n * 1000:7.2f} ms CPU per run")


if __name__ == "__main__":
    main()
