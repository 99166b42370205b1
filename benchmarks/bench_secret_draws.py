"""How kind are a secret's draws to a student's "safe log", and what does choosing them cost?

Run: .venv/bin/python benchmarks/bench_secret_draws.py [N] [EXERCISE...]
Per exercise, over N fixed secrets ("nn-grader audit seed 0", ...): how far a safe log (ε = 1e-5) moves J
on the public cases (share of the tolerance; the secret's draws are chosen kind only where that is ≤ 1);
the share of the first 32 draws per secret that a safe log leaves within separation.HABIT_SHARE; which draw
each secret keeps; and the time of secret.with_secret (what every grade for credit pays once).
"""

import sys
import time

from grader import locate
from grader import secret as secrets
from grader.cases import build_all
from grader.separation import HABIT_SHARE, habit_shift, kind_to_habits
from grader.spec import load

SAMPLED = 32  # draws per secret for the kind share


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for name in sys.argv[2:] or list(locate.shipped()):
        exercise = load(locate.shipped()[name])
        seeded = secrets.secret_cases(exercise)
        public = build_all(exercise)
        shift, case = habit_shift(exercise, public, seeded + tuple(n for n in public if n not in seeded))
        kind_draws, kept, times = 0, [], []
        for i in range(count):
            secret = f"nn-grader audit seed {i}".encode()
            for draw in range(SAMPLED):
                drawn = secrets._drawn(exercise, secret, draw)
                kind_draws += habit_shift(drawn, build_all(drawn), seeded)[0] <= HABIT_SHARE * exercise.tolerance
            start = time.perf_counter()
            chosen = secrets.with_secret(exercise, secret)
            times.append(time.perf_counter() - start)
            kept.append(next((d for d in range(secrets.KIND_DRAWS)
                              if secrets._drawn(exercise, secret, d).cases == chosen.cases), -1))
        print(f"{name}: public cases: a safe log moves J by {shift / exercise.tolerance:.2g} of the tolerance "
              f"(case {case or '-'}); kind draws sought: {kind_to_habits(exercise, public)}; "
              f"{kind_draws / (count * SAMPLED):.1%} of draws within {HABIT_SHARE:g}")
        print(f"  draws kept: {kept}; with_secret mean {sum(times) / count * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
