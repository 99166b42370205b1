"""Wall time of `grade` against the cost of starting Python with numpy, with both sandbox runners.

Run: python benchmarks/bench_grade.py [--runs N]
Prints the median over N runs (default 9) of:
  python -c "import numpy"                      the floor: what any numpy tool pays
(each `grade` is the installed console script beside this Python, never `python -m grader`, which would put
the current folder on sys.path)
  grade solutions/ex5.py                        a correct submission (all parts + notes probes)
  grade tests/submissions/ex5/two_mistakes.py   a wrong one (diagnosis, pairs, evidence)
  grade tests/submissions/ex5/slow_loops.py     a correct but loop-heavy one (full-size probe note)
each with the Linux runner (GRADER_SANDBOX=linux) and the portable one (GRADER_SANDBOX=portable, what macOS
and Windows use), each one's ratio to the floor, and the portable runner's ratio to the Linux one (the goal:
at most 2× for a lone `grade ex5.py`). The two runners alternate run by run, so a change in the machine's
load weighs on both alike. Each grade runs as a fresh process, as a student would run it, with bytecode
caching on (as after `pip install`): PYTHONDONTWRITEBYTECODE is removed from the environment, since
recompiling the grader's modules on every run would add ~30 ms. Where the Linux runner cannot run, only the
portable one is timed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
SUBMISSIONS = (("grade solutions/ex5.py", "solutions/ex5.py"),
               ("grade tests/submissions/ex5/two_mistakes.py", "tests/submissions/ex5/two_mistakes.py"),
               ("grade tests/submissions/ex5/slow_loops.py", "tests/submissions/ex5/slow_loops.py"))


def seconds(command: list[str], runner: str | None = None) -> float:
    env = ENV if runner is None else {**ENV, "GRADER_SANDBOX": runner}
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def medians(command: list[str], runners: list[str], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {runner: [] for runner in runners}
    for _ in range(runs):
        for runner in runners:
            times[runner].append(seconds(command, runner))
    return {runner: statistics.median(t) for runner, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    sys.path.insert(0, str(ROOT))
    from grader.sandbox import linux_missing

    runners = ["portable"] if linux_missing() else ["linux", "portable"]
    grade = [str(Path(sys.executable).with_name("grade"))]  # the installed command, as students run it
    floor = statistics.median(seconds([sys.executable, "-c", "import numpy"]) for _ in range(runs))
    label = 'python -c "import numpy"'
    print(f"{label:<48} {floor * 1000:7.0f} ms")
    for label, path in SUBMISSIONS:
        found = medians([*grade, path, "--exercise", "ex5"], runners, runs)
        for runner, median in found.items():
            line = f"{label:<48} {median * 1000:7.0f} ms   {median / floor:4.1f}× the numpy import   {runner}"
            if runner == "portable" and "linux" in found:
                line += f" ({median / found['linux']:.2f}× linux)"
            print(line)


if __name__ == "__main__":
    main()
