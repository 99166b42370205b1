"""Wall time of `grade` against the cost of starting Python with numpy.

Run: python benchmarks/bench_grade.py [--runs N]
Prints the median over N runs (default 9) of:
  python -c "import numpy"                      the floor: what any numpy tool pays
(each `grade` is the installed console script beside this Python, never `python -m grader`, which would put
the current folder on sys.path)
  grade solutions/ex5.py                        a correct submission (all parts + notes probes)
  grade tests/submissions/ex5/two_mistakes.py   a wrong one (diagnosis, pairs, evidence)
  grade tests/submissions/ex5/slow_loops.py     a correct but loop-heavy one (full-size probe note)
and each one's ratio to the floor. Each grade runs as a fresh process, as a student would run it,
with bytecode caching on (as after `pip install`): PYTHONDONTWRITEBYTECODE is removed from the
environment, since recompiling the grader's modules on every run would add ~30 ms.
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


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    grade = [str(Path(sys.executable).with_name("grade"))]  # the installed command, as students run it
    floor = median_seconds([sys.executable, "-c", "import numpy"], runs)
    label = 'python -c "import numpy"'
    print(f"{label:<48} {floor * 1000:7.0f} ms")
    for label, path in (("grade solutions/ex5.py", "solutions/ex5.py"),
                        ("grade tests/submissions/ex5/two_mistakes.py", "tests/submissions/ex5/two_mistakes.py"),
                        ("grade tests/submissions/ex5/slow_loops.py", "tests/submissions/ex5/slow_loops.py")):
        seconds = median_seconds([*grade, path, "--exercise", "ex5"], runs)
        print(f"{label:<48} {seconds * 1000:7.0f} ms   {seconds / floor:4.1f}× the numpy import")


if __name__ == "__main__":
    main()
