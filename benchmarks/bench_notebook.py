"""Grading a course notebook against grading the same functions as a plain .py (goal: at most 1.5×).

Run: python benchmarks/bench_notebook.py [--runs N]
Writes, in a temporary folder, the course-style folder of tests/course.py: exercise4.ipynb (21 code cells:
magics, data loading, plots, training, the course's grader cells) beside utils.py, plus functions.py, which
holds only the notebook's imports and its two graded functions. Prints the median wall time over N runs
(default 7) of `grade` on each, as a fresh process, and the ratio. Also prints the same for a notebook
carrying 50 MB of image outputs. The three take turns run by run, so a busy machine slows them alike.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

from tests import course  # noqa: E402  (tests/course.py writes the fixtures)


def medians(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command; the commands take turns, so a busy machine slows them alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, measured in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
            measured.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        notebook = course.folder(Path(folder))
        plain = notebook.parent / "functions.py"
        plain.write_text("import numpy as np\nimport utils\n\n\n" + course.COST + "\n\n\n" + course.SIGMOID_GRADIENT
                         + "\n")
        big = course.folder(Path(folder), name="big.ipynb", outputs={3: [{
            "output_type": "display_data", "metadata": {},
            "data": {"image/png": "iVBORw0KGgo" * (50 * 1024 * 1024 // 11), "text/plain": "<Figure>"}}]})
        grade = [sys.executable, "-m", "grader", "check", "--exercise", "ex5"]
        py, nb, large = medians([[*grade, str(plain)], [*grade, str(notebook)], [*grade, str(big)]], runs)
    print(f"{'grade functions.py (the same functions)':<48} {py * 1000:7.0f} ms")
    print(f"{'grade exercise4.ipynb (21 code cells)':<48} {nb * 1000:7.0f} ms   {nb / py:4.2f}× the .py")
    print(f"{'grade big.ipynb (plus 50 MB of outputs)':<48} {large * 1000:7.0f} ms   {large / py:4.2f}× the .py")


if __name__ == "__main__":
    main()
