"""Where a lone `grade solutions/ex5.py` spends its wall time: a timeline of the grader's own process.

Run: python benchmarks/bench_startup.py [--runs N] [FILE]
Prints, as the median over N runs (default 9), the milliseconds after the interpreter started to run the grader
at which each step began and ended: the zygote's launch (prestart), the imports of click, numpy, yaml and the
grader's modules, reading the exercise, preparing the submission, the one sandbox run of the graded calls
(request sent .. last outcome back; the zygote started at "launch zygote" and imports numpy meanwhile), and the
report. Beside it: `python -c "import numpy"`, the floor the issue measures a lone grade against.

Why a timeline: a lone grade's wall time is the grader's own serial path (its imports, the spec, the cases,
the submission), plus the worker's run; the zygote starts first and is ready long before the grader asks
it anything. So what shortens a grade is what shortens that path. Each grade runs the grader's entry point
(grader.prestart.main, what the `grade` script calls) in a fresh interpreter, with a finder that stamps
when chosen modules start and finish loading and wraps a few functions; the stamps cost well under 1 ms.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# module -> functions of it whose calls are stamped (a module listed is stamped when it loads)
STAMPED = {
    "click": [], "numpy": [], "yaml": [], "numpy.random": [], "grader.spec": ["load"],
    "grader.spec_cache": ["load"], "grader.input_cache": ["load"],
    "grader.cli": ["_prepare"], "grader.submission": [], "grader.grading": ["run_together"],
    "grader.report": ["as_text"], "grader.sandbox.launch": ["start_early"],
}
CHILD = r"""
import importlib.abc, importlib.util, json, sys, time
start = time.perf_counter()
stamps = []
STAMPED = json.loads(sys.argv[1])
sys.argv = ["grade", sys.argv[2]]

class Stamps(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in STAMPED:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        run = spec.loader.exec_module

        def exec_module(module):
            stamps.append(("import " + name, "begin", time.perf_counter() - start))
            run(module)
            stamps.append(("import " + name, "end", time.perf_counter() - start))
            for function in STAMPED[name]:
                setattr(module, function, stamped(getattr(module, function), name + "." + function))
        spec.loader.exec_module = exec_module
        return spec

def stamped(function, name):
    def call(*args, **kwargs):
        stamps.append((name, "begin", time.perf_counter() - start))
        try:
            return function(*args, **kwargs)
        finally:
            stamps.append((name, "end", time.perf_counter() - start))
    return call

sys.meta_path.insert(0, Stamps())
import grader.prestart as prestart
leave = prestart.leave

def report(code):
    stamps.append(("exit", "begin", time.perf_counter() - start))
    sys.stderr.write("\nSTAMPS " + json.dumps(stamps) + "\n")
    leave(code)
prestart.leave = report
prestart.main()
"""
NAMES = {"grader.sandbox.launch.start_early": "launch zygote", "grader.spec.load": "read the exercise (yaml)",
         "grader.spec_cache.load": "read the exercise (compiled or yaml)", "grader.cli._prepare": "prepare submission",
         "grader.input_cache.load": "the cases' inputs (kept or drawn)",
         "grader.grading.run_together": "sandbox run (request .. outcomes)", "grader.report.as_text": "report"}


def one_grade(file: str) -> dict[tuple[str, str], float]:
    """The first stamp of each (step, begin|end) of one grade, in ms."""
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(STAMPED), file], cwd=ROOT, env=ENV,
                          capture_output=True, text=True)
    line = next(line for line in done.stderr.splitlines() if line.startswith("STAMPS "))
    found: dict[tuple[str, str], float] = {}
    for step, edge, seconds in json.loads(line[len("STAMPS "):]):
        found.setdefault((step, edge), seconds * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("file", nargs="?", default="solutions/ex5.py")
    options = parser.parse_args()
    timelines, floors, walls = [], [], []
    for _ in range(options.runs):  # alternate, so that a change in the machine's load weighs on both alike
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], env=ENV)
        floors.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        timelines.append(one_grade(options.file))
        walls.append((time.perf_counter() - began) * 1000)
    print(f'python -c "import numpy": {statistics.median(floors):.0f} ms; this grade, whole process: '
          f"{statistics.median(walls):.0f} ms ({statistics.median(walls) / statistics.median(floors):.2f}×)")
    print(f"{'step':38s} {'begins':>7s} {'ends':>7s} {'takes':>7s}   (ms after the grader's interpreter started)")
    steps = dict.fromkeys(step for timeline in timelines for step, _ in timeline)
    rows = []
    for step in steps:
        begins = statistics.median(t[(step, "begin")] for t in timelines if (step, "begin") in t)
        ends = [t[(step, "end")] for t in timelines if (step, "end") in t]
        rows.append((begins, step, statistics.median(ends) if ends else None))
    for begins, step, ends in sorted(rows):
        name = NAMES.get(step, step)
        if ends is None:
            print(f"{name:38s} {begins:7.1f}")
        else:
            print(f"{name:38s} {begins:7.1f} {ends:7.1f} {ends - begins:7.1f}")
    print("(an import's time includes the imports it starts; the sandbox run includes the worker's start and "
          "the expected values, computed meanwhile)")


if __name__ == "__main__":
    main()
