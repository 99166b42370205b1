"""No process that runs student code ever holds an expected value (design notes, "Data flow").

The submission scans its own memory for the bit patterns of the expected J, grad and g. The file stores
each pattern plus one, and the scan compares word + 1, so neither the file nor the scan ever writes a
pattern itself (every temporary array holds words shifted by one or more); a hit means the worker's
memory (inherited from the zygote) holds a reference value.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from .conftest import NO_LANDLOCK, NO_SYS_ADMIN, ROOT

# CI runs this file again with GRADER_SANDBOX=portable: private reads are a layer of the Linux runner, and the
# portable runner refuses a grade for credit without --allow-weak-isolation (tests/test_portable.py).
LINUX_RUNNER = pytest.mark.skipif(os.environ.get("GRADER_SANDBOX", "").strip().lower() == "portable",
                                  reason="private reads are a Linux runner layer; the portable runner refuses a "
                                         "credit grade (tests/test_portable.py)")

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


# ---- private reads: a grade for credit reads only what its run needs (Limits.private_reads) -------------------

GRADE = str(Path(sys.executable).with_name("grade"))  # the installed console script, as graders run it
READER = (Path(__file__).parent / "hostile" / "private_reads" / "classmate_reader.py").read_text()
SOLUTION = (ROOT / "solutions" / "ex5.py").read_text()
SPEC = ROOT / "exercises" / "ex5.yaml"


@pytest.fixture
def open_folder():
    """A folder every user may traverse and read (pytest's tmp_path is not), as a class download often is."""
    folder = Path(tempfile.mkdtemp(prefix="grader-private-reads-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _secret_file(folder: Path) -> Path:
    path = folder.parent / f"{folder.name}.secret"
    path.write_text("a course secret of thirty-two chars")
    return path


def _reader(**placeholders: str) -> str:
    source = READER
    for key, value in placeholders.items():
        source = source.replace(f'{key} = ""', f"{key} = {value!r}")
    return source


def _without_secret() -> dict:
    return {name: value for name, value in os.environ.items() if name != "GRADER_SECRET"}


def _grade(submission: Path, *extra: str, wrap: tuple = (), variable: bool = False
           ) -> tuple[subprocess.CompletedProcess, dict | None]:
    """`variable`: the secret in $GRADER_SECRET (`grade` then runs itself again with it in a pipe), else a file."""
    secret = _secret_file(submission.parent)
    given = {"env": {**os.environ, "GRADER_SECRET": secret.read_text()}} if variable else {}
    try:
        done = subprocess.run([*wrap, GRADE, "check", str(submission), "--exercise", "ex5", "--format", "json",
                               "--timeout", "5", *extra, *([] if variable else ["--secret-file", str(secret)])],
                              cwd=submission.parent, capture_output=True, text=True, timeout=120,
                              start_new_session=True, **given)
    finally:
        secret.unlink()
    try:
        return done, json.loads(done.stdout)
    except ValueError:
        return done, None


def _class(folder: Path) -> tuple[Path, Path]:
    """alice (the reader) and bob (a correct solution, with a line only his file has), each in a folder."""
    for name in ("alice", "bob"):
        (folder / name).mkdir(mode=0o755)
    bob = folder / "bob" / "ex5.py"
    bob.write_text(SOLUTION + "\n# bob's own work, line 4411\n")
    alice = folder / "alice" / "ex5.py"
    alice.write_text(_reader(BESIDE="bob_ex5.py", CLASSMATE=str(bob), SPEC=str(SPEC)))
    return alice, bob


def _assert_nothing_read(done: subprocess.CompletedProcess, report: dict | None) -> None:
    assert report is not None and report["score"] == 5, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 1
    assert "line 4411" not in done.stdout + done.stderr  # bob's file
    assert SPEC.read_text().splitlines()[0] not in done.stdout + done.stderr  # the grader's exercise


@LINUX_RUNNER
@pytest.mark.parametrize("variable", [False, True], ids=["secret-file", "GRADER_SECRET"])
def test_a_credit_grade_reads_no_classmate_file_beside_it(open_folder, variable):
    """The root grader's view hides other folders, but the submission's copy took its owner's Python files
    beside it: the whole class, in a flat download. For credit the copy holds only what the file imports."""
    (open_folder / "bob_ex5.py").write_text(SOLUTION + "\n# bob's own work, line 4411\n")
    alice = open_folder / "alice_ex5.py"
    alice.write_text(_reader(BESIDE="bob_ex5.py", SPEC=str(SPEC)))
    _assert_nothing_read(*_grade(alice, variable=variable))


@LINUX_RUNNER
def test_a_credit_grade_without_a_private_view_reads_no_classmate_or_exercise(open_folder):
    """Without CAP_SYS_ADMIN (Docker's default) there is no private file view: Landlock keeps the worker to
    Python's folders, its run and the copy of the student's own modules."""
    alice, _ = _class(open_folder)
    _assert_nothing_read(*_grade(alice, wrap=NO_SYS_ADMIN))


@LINUX_RUNNER
@pytest.mark.parametrize("importing", ["import utils", "utils = importlib.import_module('utils')",
                                       'utils = __import__("utils")'])
def test_a_correct_submission_with_its_helper_module_gets_full_marks_for_credit(open_folder, importing):
    """Private reads leave what a correct submission needs: numpy, and its own utils.py beside it (imported
    by name, or by a string: review 27, T14), with a classmate's file and an unrelated data file beside it
    left out."""
    folder = open_folder / "carol"
    folder.mkdir(mode=0o755)
    (folder / "utils.py").write_text("import numpy as np\n\ndef sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n")
    (folder / "notes.txt").write_text("not imported")
    submission = folder / "ex5.py"
    submission.write_text(SOLUTION.replace("import numpy as np\n", f"import numpy as np\nimport importlib\n"
                                           f"{importing}\n", 1).replace("g = sigmoid(z)\n", "g = utils.sigmoid(z)\n"))
    for wrap in ((), NO_SYS_ADMIN):
        done, report = _grade(submission, wrap=wrap)
        assert report is not None and report["score"] == 100, (wrap, done.stdout[-3000:], done.stderr[-2000:])
        assert done.returncode == 0
        assert "private-reads" in report["sandbox"]["layers"]
    # a practice grade (no secret) does not keep reads private, and its report does not say it does
    practice = subprocess.run([GRADE, "check", str(submission), "--exercise", "ex5", "--format", "json"],
                              cwd=folder, capture_output=True, text=True, timeout=120, env=_without_secret())
    report = json.loads(practice.stdout)
    assert report["score"] == 100 and "private-reads" not in report["sandbox"]["layers"], report["sandbox"]


@LINUX_RUNNER
def test_a_credit_grade_is_refused_where_reads_cannot_be_kept_private(open_folder):
    """No Landlock and no private view: a grade for credit exits 2 with one line saying why, unless
    --allow-weak-isolation, which grades (and then the classmate's file is within reach, as it says)."""
    alice, _ = _class(open_folder)
    done, report = _grade(alice, wrap=(*NO_SYS_ADMIN, *NO_LANDLOCK))
    assert done.returncode == 2 and report is not None and report.get("score") is None, done.stdout + done.stderr
    assert "private reads" in report["error"] and "--allow-weak-isolation" in report["error"]
    assert "\n" not in report["error"].strip() and "line 4411" not in done.stdout + done.stderr
    done, report = _grade(alice, "--allow-weak-isolation", wrap=(*NO_SYS_ADMIN, *NO_LANDLOCK))
    # read: bob's work scores in its place, and its own sigmoid_gradient was given up for having found it
    assert report is not None and report["score"] == 95, done.stdout[-3000:] + done.stderr[-2000:]


@LINUX_RUNNER
def test_a_class_graded_for_credit_keeps_each_student_to_their_own_files(open_folder):
    """`grade batch` with the secret: alice's reader finds neither bob's folder nor the grader's exercise
    (root without CAP_SYS_ADMIN: Landlock alone), bob's solution gets 100; without Landlock either the batch is
    refused before it grades anyone."""
    _class(open_folder)
    secret, db = _secret_file(open_folder), open_folder.parent / f"{open_folder.name}.sqlite"
    command = [*NO_SYS_ADMIN, GRADE, "batch", str(open_folder), "--exercise", "ex5", "--db", str(db), "--timeout",
               "5", "--jobs", "1", "--quiet", "--secret-file", str(secret)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, start_new_session=True)
        assert done.returncode == 0, done.stderr
        exported = subprocess.run([GRADE, "gradebook", "--db", str(db), "--format", "json"], capture_output=True,
                                  text=True, timeout=60)
        scores = {row["student"]: row["score"] for row in json.loads(exported.stdout)}
        assert scores == {"alice": 5, "bob": 100}, exported.stdout[:2000]
        db.unlink()
        done = subprocess.run([*NO_SYS_ADMIN, *NO_LANDLOCK, *command[len(NO_SYS_ADMIN):]], capture_output=True,
                              text=True, timeout=300, start_new_session=True)
        assert done.returncode == 2 and "private reads" in done.stderr and not db.exists(), done.stderr
        assert "Traceback" not in done.stderr
    finally:
        secret.unlink()
        db.unlink(missing_ok=True)


# the grade's largest process (ru_maxrss of every process it waited for, the zygote and workers included)
PEAK = """
import resource, subprocess, sys
status = subprocess.run(sys.argv[1:]).returncode
print(f"PEAK {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(status)
"""


def _peak_kb(done: subprocess.CompletedProcess) -> int:
    return int(done.stderr.rsplit("PEAK ", 1)[1])


@LINUX_RUNNER
def test_a_huge_helper_costs_a_credit_grade_no_memory_and_its_helpers_are_still_found(open_folder):
    """Review 25, S5: for credit the zygote (root, no rlimit, no timeout) found the modules a submission imports
    with ast.parse of it and of each module beside it that it names: a helper of 300 000 `a;` statements (600 kB,
    imported only on a path never taken) made it hold 500 MB more than a practice grade (4 GB for 4 MB). The
    zygote now scans the bytes, which costs no more than the file; the helpers a correct file needs are still
    found, in an import list and through a helper's own `from ... import` (full marks for credit)."""
    folder = open_folder / "dave"
    folder.mkdir(mode=0o755)
    (folder / "activations.py").write_text("import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n")
    (folder / "scaling.py").write_text("from activations import sigmoid  # noqa: F401\n")
    (folder / "helper.py").write_text("def unused():\n" + ("    " + "a;" * 1000 + "\n") * 300)
    submission = folder / "ex5.py"
    submission.write_text(SOLUTION.replace("import numpy as np\n", "import numpy as np, scaling\n", 1)
                          .replace("    g = sigmoid(z)\n", "    if z is None:\n        import helper  # noqa: F401\n"
                                   "    g = scaling.sigmoid(z)\n"))
    credit, report = _grade(submission, wrap=(sys.executable, "-c", PEAK))
    assert report is not None and report["score"] == 100, credit.stdout[-3000:] + credit.stderr[-2000:]
    assert "private-reads" in report["sandbox"]["layers"]
    practice = subprocess.run([sys.executable, "-c", PEAK, GRADE, "check", str(submission), "--exercise", "ex5",
                               "--format", "json"], cwd=folder, capture_output=True, text=True, timeout=120,
                              env=_without_secret())
    assert json.loads(practice.stdout)["score"] == 100
    assert _peak_kb(credit) < _peak_kb(practice) + (100 << 10), (_peak_kb(credit), _peak_kb(practice))
