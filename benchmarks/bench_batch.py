"""`grade batch` per submission beside the same number of lone `grade` runs, and a lone grade's start-up.

Run: python benchmarks/bench_batch.py [--students N] [--jobs J] [--lone L] [--runs R] [--startup-only]
                                       [--wrong] [--scipy] [--hangs H] [--costly]
Prints:
  a class of N correct vectorized submissions (folder per student): batch seconds, submissions/s
  a mixed class of N (right, wrong, loop-style, in turn): batch per submission, lone `grade` per
  submission (L of the same files, one fresh process each, run one after another), and the ratio
  with --wrong: the same for a class of N wrong submissions, each a catalogue mistake (diagnosis, the
  per-Θ blocks and the slope of the student's own cost: what a wrong grade costs beyond a right one)
  with --scipy: the same for N correct submissions whose sigmoid is scipy.special.expit (the sandbox's
  zygote loads scipy.special once instead of every worker importing it: sandbox/preload.py)
  with --hangs H: the mixed class with H students whose code never returns (an endless loop, a sleep, an
  endless loop in a sigmoid_gradient that nn_cost_function calls), at
  --hang-timeout: batch seconds beside lone runs (the hangs timed lone, the others at the mixed figure)
  with --costly: one lone grade of each hostile kind that costs more than its own timeout's worth of work
  would suggest (a memory bomb, whose every call fills the whole --memory; a flood printed line by line,
  which the runner read line by line): wall and CPU seconds (grader, zygote and workers)
  python -c "import numpy" beside a lone `grade solutions/ex5.py` (start-up ratio), and two such imports
  started at once: a lone grade starts two interpreters that each import numpy (the grader's and the
  sandbox's, which must not share the grader's memory), so on this machine that pair is its floor
Targets (issue 9, 2 cores): >= 100 correct submissions/s; mixed class >= 10x faster per submission
than lone runs; a lone grade <= 1.5x the numpy import.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
MIXED = [ROOT / "solutions" / "ex5.py", ROOT / "tests/submissions/ex5/extra_output_derivative.py",
         ROOT / "tests/submissions/ex5/loop_correct.py", ROOT / "tests/submissions/ex5/two_mistakes.py"]
HANGS = [ROOT / "tests/hostile/busy_loop.py", ROOT / "tests/hostile/sleep_ignoring_signals.py"]
# The first line of solutions/ex5.py's sigmoid_gradient: the line flood prints 10 MB, line by line, after it.
SIGMOID_GRADIENT = "def sigmoid_gradient(z):\n"
WRONG = [ROOT / "tests/submissions/ex5" / f"{name}.py" for name in (
    "extra_output_derivative", "missing_hidden_derivative", "labels_off_by_one", "cost_not_averaged",
    "params_reshaped_wrong_order", "regularized_bias_gradient")]


def make_class(folder: Path, files: list[Path], students: int) -> Path:
    for i in range(students):
        (folder / f"s{i:04d}").mkdir(parents=True)
        shutil.copyfile(files[i % len(files)], folder / f"s{i:04d}" / "ex5.py")
    return folder


def batch_seconds(folder: Path, jobs: int, *options: str) -> float:
    db = folder.parent / f"{folder.name}.sqlite"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "batch", str(folder), "-e", "ex5", "--db", str(db),
                    "--jobs", str(jobs), "--quiet", *options], cwd=ROOT, env=ENV, check=False)
    return time.perf_counter() - start


def lone_seconds(files: list[Path], *options: str) -> float:
    start = time.perf_counter()
    for file in files:
        subprocess.run([sys.executable, "-m", "grader", str(file), "--exercise", "ex5", *options], cwd=ROOT, env=ENV,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def with_hangs(args: argparse.Namespace, scratch: Path, per_lone: float) -> None:
    """A mixed class where every (students / hangs)-th student never returns (an endless loop, then a sleep,
    in turn): each costs its --timeout both ways; lone runs of the others are taken as `per_lone` each."""
    step = args.students // args.hangs
    hangs = HANGS + [looping_sigmoid_gradient(scratch)]
    files = [hangs[(i // step) % len(hangs)] if i % step == step // 2 else MIXED[i % len(MIXED)]
             for i in range(args.students)]
    folder = scratch / "hangs"
    for i, file in enumerate(files):
        (folder / f"s{i:04d}").mkdir(parents=True)
        shutil.copyfile(file, folder / f"s{i:04d}" / "ex5.py")
    timeout = ("--timeout", str(args.hang_timeout))
    seconds = batch_seconds(folder, args.jobs, *timeout)
    lone = {file: lone_seconds([file], *timeout) for file in hangs}
    lone_total = sum(lone[f] if f in lone else per_lone for f in files)
    print(f"mixed class with {args.hangs} hangs (--timeout {args.hang_timeout:g}), {args.students} students: "
          f"batch {seconds:6.2f} s   lone runs {lone_total:6.1f} s (hangs timed, the rest at the mixed figure)   "
          f"batch is {lone_total / seconds:5.1f}x faster")


def looping_sigmoid_gradient(scratch: Path) -> Path:
    """The shipped solution with an endless loop in sigmoid_gradient, which its nn_cost_function calls: a lone
    grade waits out two timeouts in a row (the cost function's, then sigmoid_gradient's own run's)."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    assert SIGMOID_GRADIENT in solution, "solutions/ex5.py's sigmoid_gradient changed: update bench_batch"
    path = scratch / "looping_sigmoid_gradient.py"
    path.write_text(solution.replace(SIGMOID_GRADIENT, SIGMOID_GRADIENT + "    while True:\n        pass\n", 1))
    return path


def medians(commands: list[list[list[str]]], runs: int) -> list[float]:
    """Median wall time of each entry (one command, or several started at once and all waited for), the
    entries taking turns (so a busy spell weighs on all alike)."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for together, spent in zip(commands, times, strict=True):
            start = time.perf_counter()
            started = [subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL) for command in together]
            for process in started:
                process.wait()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--lone", type=int, default=20, help="lone grade runs timed (per-submission average)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--runs", type=int, default=7, help="start-up timing runs (median)")
    parser.add_argument("--startup-only", action="store_true", help="only the lone grade's start-up figures")
    parser.add_argument("--hangs", type=int, default=0, help="also a mixed class with this many endless loops")
    parser.add_argument("--hang-timeout", type=float, default=3.0, help="--timeout of the class with hangs")
    parser.add_argument("--wrong", action="store_true", help="also a class of wrong submissions (catalogue mistakes)")
    parser.add_argument("--scipy", action="store_true", help="also a correct class using scipy.special.expit")
    parser.add_argument("--costly", action="store_true", help="also lone grades of a memory bomb and a line flood")
    args = parser.parse_args()
    if not args.startup_only:
        classes(args)
    startup(args.runs)


def classes(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        right = make_class(scratch / "right", MIXED[:1], args.students)
        seconds = batch_seconds(right, args.jobs)
        print(f"batch, {args.students} correct vectorized, --jobs {args.jobs}: {seconds:6.2f} s  "
              f"{args.students / seconds:6.1f} submissions/s  ({seconds / args.students * 1000:.1f} ms each)")
        per_lone = against_lone(args, scratch, "mixed class (right, wrong, loop-style, two mistakes)", MIXED)
        if args.wrong:
            against_lone(args, scratch, f"wrong class ({len(WRONG)} catalogue mistakes in turn)", WRONG)
        if args.scipy:
            against_lone(args, scratch, "correct class with scipy.special.expit as sigmoid", [expit_solution(scratch)])
        if args.hangs:
            with_hangs(args, scratch, per_lone)
        if args.costly:
            costly(scratch)


def costly(scratch: Path) -> None:
    """Wall and CPU seconds (this process's children: the grader, its zygote and workers) of one lone grade each."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    assert SIGMOID_GRADIENT in solution, "solutions/ex5.py's sigmoid_gradient changed: update bench_batch.costly"
    flood = scratch / "flood" / "ex5.py"
    flood.parent.mkdir()
    flood.write_text(solution.replace(SIGMOID_GRADIENT, SIGMOID_GRADIENT + "    for _ in range(100_000):\n"
                                      "        print('x' * 99)\n", 1))
    for title, file in (("memory bomb (tests/hostile/memory_growth.py)", ROOT / "tests/hostile/memory_growth.py"),
                        ("line flood (solutions/ex5.py printing 10 MB per sigmoid_gradient call)", flood)):
        before = os.times()
        wall = lone_seconds([file])
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        print(f"{title}: lone grade {wall:5.2f} s wall, {cpu:5.2f} s CPU")


def against_lone(args: argparse.Namespace, scratch: Path, title: str, files: list[Path]) -> float:
    """A class of `files` in turn: the batch's time per submission beside lone grades of the same files;
    returns the lone grade's seconds per submission."""
    folder = make_class(scratch / f"class{len(list(scratch.iterdir()))}", files, args.students)
    per_batch = batch_seconds(folder, args.jobs) / args.students
    lone_files = [files[i % len(files)] for i in range(args.lone)]
    per_lone = lone_seconds(lone_files) / len(lone_files)
    print(f"{title}, {args.students} students:")
    print(f"  batch per submission {per_batch * 1000:7.1f} ms   lone grade per submission "
          f"{per_lone * 1000:7.1f} ms ({args.lone} runs)   batch is {per_lone / per_batch:5.1f}x faster")
    return per_lone


def expit_solution(scratch: Path) -> Path:
    """The shipped solution with scipy's logistic function as its sigmoid, as many students write it."""
    source = (ROOT / "solutions" / "ex5.py").read_text()
    own = 'def sigmoid(z):\n    """Logistic function, element-wise."""\n    return 1.0 / (1.0 + np.exp(-z))\n'
    assert own in source, "solutions/ex5.py's sigmoid changed: update bench_batch.expit_solution"
    path = scratch / "expit_ex5.py"
    path.write_text(source.replace(own, "from scipy.special import expit as sigmoid\n"))
    return path


def startup(runs: int) -> None:
    numpy_import = [sys.executable, "-c", "import numpy"]
    # as the grade's two interpreters import it: single-threaded BLAS (grader/__init__.py, launch.py)
    single = [sys.executable, "-c", "import os; os.environ['OPENBLAS_NUM_THREADS'] = '1'; import numpy"]
    floor, lone, pair = medians([[numpy_import], [[sys.executable, "-m", "grader", "solutions/ex5.py"]],
                                 [single, single]], runs)
    print(f'python -c "import numpy" {floor * 1000:6.0f} ms   grade solutions/ex5.py {lone * 1000:6.0f} ms   '
          f"ratio {lone / floor:4.2f}x")
    print(f"two numpy imports started at once {pair * 1000:6.0f} ms ({pair / floor:4.2f}x): the floor of a lone grade "
          f"on this machine")


if __name__ == "__main__":
    main()
