"""How robust is each shipped exercise's case recipe to the secret? Audit N fixed secrets per exercise.

Run: .venv/bin/python benchmarks/bench_secret_audit.py [N] [EXERCISE...]
Prints, per exercise, how many of the N secrets ("nn-grader audit seed 0", ...) give cases that fail the
audit (as `grade audit EX --secret-seeds N` would), which mistakes then look alike, and the time taken.
"""

import sys
import time

from grader import locate
from grader.audit import audit_secrets
from grader.spec import load


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    names = sys.argv[2:] or list(locate.shipped())
    for name in names:
        start = time.perf_counter()
        results = audit_secrets(load(locate.shipped()[name]), count)
        failed = [r for r in results if not r["ok"]]
        print(f"{name}: {len(failed)} of {count} secrets fail the audit; {time.perf_counter() - start:.0f} s")
        for r in failed:
            print(f"  {r['secret']!r}: {'; '.join(r['problems'])}")


if __name__ == "__main__":
    main()
