"""What a training part costs: `grade --train` against plain `grade`, and where the time goes.

Run: python benchmarks/bench_training.py [--runs N]
Prints the median over N runs (default 5) of:
  grade solutions/ex5.py                 the five graded parts (scipy.optimize is not imported)
  grade solutions/ex5.py --train         plus ex5's training part (the student's function trained by TNC)
  import scipy.optimize                  what importing the optimizer alone costs in a fresh Python
  reference training, in process         the reference's own run (TNC, same data and start)
and the number of student calls the training made (one sandboxed call per function evaluation).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV.setdefault("OPENBLAS_NUM_THREADS", "1")


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def reference_training() -> tuple[float, int]:
    from grader import datasets, training
    from grader.engine.network import cost_and_gradient
    from grader.spec import load

    exercise = load(ROOT / "exercises" / "ex5.yaml")
    part = exercise.training_parts[0]
    data = datasets.build(exercise, part)
    network = exercise.network.with_sizes(data.sizes)
    x0 = datasets.initial_params(network.n_params, part.training.init_seed, part.training.epsilon)
    start = time.perf_counter()
    trained = training.minimize(lambda p: cost_and_gradient(network, p, data.X, data.y, part.lambda_), x0,
                                part.training)
    return time.perf_counter() - start, trained.evaluations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    grade = [sys.executable, "-m", "grader", "solutions/ex5.py"]
    plain = median_seconds(grade, runs)
    trained = median_seconds([*grade, "--train"], runs)
    scipy_import = median_seconds([sys.executable, "-c", "import scipy.optimize"], runs) - \
        median_seconds([sys.executable, "-c", "import numpy"], runs)
    seconds, calls = reference_training()
    print(f"{'grade solutions/ex5.py':<44} {plain * 1000:7.0f} ms")
    print(f"{'grade solutions/ex5.py --train':<44} {trained * 1000:7.0f} ms   "
          f"(+{(trained - plain) * 1000:.0f} ms for {calls} student calls, "
          f"{(trained - plain) / calls * 1000:.1f} ms each)")
    print(f"{'import scipy.optimize (beyond numpy)':<44} {scipy_import * 1000:7.0f} ms")
    print(f"{'reference training, in process':<44} {seconds * 1000:7.0f} ms   ({calls} evaluations)")


if __name__ == "__main__":
    main()
