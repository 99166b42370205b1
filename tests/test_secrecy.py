"""No process that runs student code ever holds an expected value (design notes, "Data flow").

The submission scans its own memory for the bit patterns of the expected J, grad and g. The file stores
each pattern plus one, and the scan compares word + 1, so neither the file nor the scan ever writes a
pattern itself (every temporary array holds words shifted by one or more); a hit means the worker's
memory (inherited from the zygote) holds a reference value.
"""

import json
import subprocess
import sys

import numpy as np

from .conftest import ROOT

SCANNER = '''
import ctypes
import numpy as np

TARGETS = {targets}  # bit pattern + 1 -> name


def _scan():
    keys = np.array(sorted(TARGETS), dtype=np.uint64)
    found = set()
    for line in open("/proc/self/maps"):
        parts = line.split()
        if not parts[1].startswith("r") or (len(parts) > 5 and parts[5].startswith("[v")):
            continue
        low, high = (int(x, 16) for x in parts[0].split("-"))
        if high - low > 512 << 20:
            continue
        live = np.frombuffer((ctypes.c_uint64 * ((high - low) // 8)).from_address(low), dtype=np.uint64)
        shifted = live + np.uint64(1)  # a snapshot: the live memory changes while we look
        found |= {{TARGETS[int(v)] for v in np.unique(shifted[np.isin(shifted, keys)])}}
    return found


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    raise RuntimeError(f"FOUND {{len(_scan())}} of {{len(TARGETS)}}")


def sigmoid_gradient(z):
    raise RuntimeError(f"FOUND {{len(_scan())}} of {{len(TARGETS)}}")
'''


def _shifted_targets() -> dict[int, str]:
    data = json.loads(subprocess.run([sys.executable, "-m", "grader", "inspect", "ex5", "--format", "json"],
                                     capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    targets = {}
    for part in data["parts"]:
        for case in part["cases"]:
            for name, value in case["expected"].items():
                for i, x in enumerate(np.ravel(value)[:3]):
                    shifted = (int(np.float64(x).view(np.uint64)) + 1) % 2**64
                    targets[shifted] = f"{part['id']}/{case['name']}/{name}[{i}]"
    return targets


def test_the_worker_memory_holds_no_expected_value(tmp_path):
    path = tmp_path / "ex5.py"
    path.write_text(SCANNER.format(targets=_shifted_targets()))
    run = subprocess.run([sys.executable, "-m", "grader", str(path), "--format", "json", "--timeout", "10"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    report = json.loads(run.stdout)
    feedback = [p["feedback"] for p in report["parts"]]
    assert all("FOUND 0 of" in f for f in feedback), feedback
