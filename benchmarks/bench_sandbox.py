"""Sandbox speed: what one run costs (not a timed test; run `python benchmarks/bench_sandbox.py`).

Prints, for a trivial student function:
  tiny call       ms per `Sandbox.run` with one call on a 3-element array
  16 MB call      ms per `Sandbox.run` with one call on a 5000x400 float64 array (the grader's timing probe)
  batch of 64     ms per isolated call, averaged over one run of 64 small calls
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.sandbox import Call, Limits, Sandbox  # noqa: E402

SOURCE = "def f(x):\n    return x.shape[0]\n"


def per_run(sandbox: Sandbox, sub: Path, calls: list[Call], repeat: int) -> float:
    sandbox.run(sub, calls)  # warm up
    start = time.perf_counter()
    for _ in range(repeat):
        outcomes = sandbox.run(sub, calls)
    assert all(o.status == "ok" for o in outcomes), [o.message for o in outcomes]
    return (time.perf_counter() - start) / repeat * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        sub = Path(folder) / "ex5.py"
        sub.write_text(SOURCE)
        tiny = Call(("f",), (np.ones(3),), ("x",), 1)
        big = Call(("f",), (np.random.default_rng(0).standard_normal((5000, 400)),), ("x",), 1)
        with Sandbox(Limits(timeout=10)) as sandbox:
            print(f"tiny call        {per_run(sandbox, sub, [tiny], 50):7.2f} ms per run")
            print(f"16 MB call       {per_run(sandbox, sub, [big], 20):7.2f} ms per run")
            print(f"batch of 64      {per_run(sandbox, sub, [tiny] * 64, 10) / 64:7.3f} ms per call")


if __name__ == "__main__":
    main()
