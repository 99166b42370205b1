"""A lone `grade FILE` reads a compiled exercise instead of its YAML (grader/spec_cache.py) and its hidden inputs
instead of drawing them (grader/input_cache.py), and prints the same report."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import input_cache, spec, spec_cache
from grader.cases import build_all
from grader.cli import main
from grader.notes import screen_case
from grader.sandbox import Call, Limits, Sandbox, runner_name

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "ex5.py"
SHIPPED = sorted((ROOT / "exercises").glob("*.yaml"))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """The cache's folder for this test only, with entries written as Python writes bytecode."""
    where = tmp_path / "specs"
    monkeypatch.setattr(spec_cache, "FOLDER", where)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return where


def _grade(*args) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", *map(str, args), "--format", "json"])
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_exercise_reads_back_as_the_yaml_gives_it(path, folder):
    """Types included (a NamedTuple equals a plain tuple, 1 equals 1.0, so the reprs are compared too)."""
    from_yaml = spec.load(path)
    assert spec_cache.load(path) == from_yaml  # a miss: read as YAML, then kept
    [entry] = folder.iterdir()
    from_entry = spec_cache.load(path)
    assert from_entry == from_yaml and repr(from_entry) == repr(from_yaml)
    assert type(from_entry.functions).__name__ == "mappingproxy"
    assert entry.stat().st_mode & 0o777 == 0o600 and folder.stat().st_mode & 0o777 == 0o700


def test_a_lone_grade_imports_neither_yaml_nor_numpy_random_once_its_exercise_is_compiled():
    """Through the `grade` command itself, as the benchmark runs it: the second grade's own process imports
    neither PyYAML (8 ms of its critical path) nor numpy.random (9 ms), and prints the same report."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", str(SOLUTION), "--format", "json"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in runs[1].stderr.splitlines() if "import time:" in line]
    assert "grader.spec" in imported and "numpy" in imported
    assert "yaml" not in imported and "numpy.random" not in imported
    # nor the zygote's copy of the submission, for the one check the grader makes (sandbox/fitness.py)
    assert "grader.sandbox.fitness" in imported and "grader.sandbox.submission_copy" not in imported
    assert "_socket" in imported and "socket" not in imported  # the C socket does (launch.Started.sock)
    first, second = (json.loads(r.stdout) for r in runs)
    assert second == first and second["score"] == second["max_score"]


def test_a_changed_spec_is_read_again(tmp_path, folder):
    """The entry is keyed by the spec's bytes: a change is seen at once, a mistake still told as before."""
    copy = tmp_path / "ex5.yaml"
    shutil.copy(ROOT / "exercises" / "ex5.yaml", copy)
    status, report = _grade(SOLUTION, "--exercise", copy)
    assert status == 0 and len(list(folder.glob("*.json"))) == 1
    text = copy.read_text()
    assert "points: 30" in text
    copy.write_text(text.replace("points: 30", "points: 31", 1))
    status, changed = _grade(SOLUTION, "--exercise", copy)
    assert status == 0 and changed["max_score"] == report["max_score"] + 1 and len(list(folder.glob("*.json"))) == 2
    copy.write_text(text.replace("points: 30", "points: thirty", 1))
    result = CliRunner().invoke(main, ["check", str(SOLUTION), "--exercise", str(copy)])
    assert result.exit_code == 2 and "points" in result.output and "expected a whole number" in result.output
    assert len(list(folder.glob("*.json"))) == 2  # a spec with an error is never kept


@pytest.mark.parametrize("entry", [b"not json", b'{"r": "Popen", "f": ["sh"]}', b'{"r": "Exercise", "f": [1]}',
                                   b'{"t": "abc"}', b"[]"])
def test_a_damaged_or_foreign_entry_is_a_miss_and_is_replaced(entry, folder):
    path = ROOT / "exercises" / "ex5.yaml"
    key = spec_cache.entry_key(path.read_bytes(), str(path))
    folder.mkdir(mode=0o700)
    (folder / f"{key}.json").write_bytes(spec_cache.seal(entry))
    assert spec_cache.load(path) == spec.load(path)
    assert spec_cache.read_entry(key) == spec.load(path)


def test_nothing_is_kept_where_python_writes_no_bytecode(folder, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert spec_cache.load(ROOT / "exercises" / "ex5.yaml") == spec.load(ROOT / "exercises" / "ex5.yaml")
    assert not folder.exists()


@pytest.mark.parametrize("change", ["grader", "python", "numpy", "path"])
def test_the_key_changes_with_the_grader_python_numpy_and_the_path(change, monkeypatch):
    import numpy

    path = ROOT / "exercises" / "ex5.yaml"
    data, file = path.read_bytes(), str(path)
    before = spec_cache.entry_key(data, file)
    if change == "grader":
        monkeypatch.setattr(spec_cache, "__version__", "0.0.0-other")
    elif change == "python":
        monkeypatch.setattr(sys, "version", sys.version + " other")
    elif change == "numpy":
        monkeypatch.setattr(numpy, "__version__", "0.0.0-other")
    else:
        file = "exercises/ex5.yaml"
    assert spec_cache.entry_key(data, file) != before
    assert spec_cache.entry_key(data + b"\n", str(path)) != before


def test_student_code_cannot_write_the_cache_s_folder(tmp_path):
    """Where the sandbox keeps a submission from writing the grader's files it keeps it from the entries too."""
    with Sandbox(Limits(timeout=10.0)) as sandbox:
        layers = sandbox.layers
        if runner_name() != "linux" or not ({"unprivileged-uid"} & set(layers) or
                                            any(name.startswith("landlock") for name in layers)):
            pytest.skip("this sandbox lets a submission write the grader's own files (docs/security.md)")
        target = spec_cache.FOLDER
        sub = tmp_path / "ex5.py"
        sub.write_text("import os\n"
                       "def attack():\n"
                       "    written = 0.0\n"
                       f"    for folder in ({str(target)!r}, {str(target.parent)!r}):\n"
                       "        try:\n"
                       "            os.makedirs(folder, exist_ok=True)\n"
                       "            with open(os.path.join(folder, 'planted.json'), 'w') as f:\n"
                       "                f.write('{}')\n"
                       "            written += 1.0\n"
                       "        except OSError:\n"
                       "            pass\n"
                       "    return written\n")
        [outcome] = sandbox.run(sub, [Call(("attack",), (), (), 1)])
    assert outcome.status == "ok" and float(outcome.values[0]) == 0.0
    assert not (target / "planted.json").exists() and not (target.parent / "planted.json").exists()


def _drawn(exercise):
    return build_all(exercise), (screen_case(exercise) if exercise.full_size is not None else None)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_exercise_s_inputs_read_back_bit_for_bit(path, folder):
    """Values, dtype, shape, strides and the read-only flag (cases.py's arrays are frozen, the screening
    case's are not) of every case and of the screening case."""
    exercise = spec.load(path)
    assert input_cache._same(input_cache.load(exercise), _drawn(exercise))  # a miss: drawn, then kept
    assert [p.suffix for p in folder.iterdir()] == [".bin"]
    found = input_cache.read_entry(input_cache.entry_key(exercise))
    assert input_cache._same(found, _drawn(exercise))
    assert all(not c.X.flags.writeable for c in found[0].values() if c.X is not None)


def test_a_grade_with_the_secret_keeps_no_inputs(tmp_path, folder):
    """The secret's cases are the hidden ones of a grade for credit: never written anywhere."""
    secret = tmp_path / "secret"
    secret.write_text("a course secret of some length\n")
    status, report = _grade(SOLUTION, "--secret-file", secret)
    assert status == 0 and report["score"] == report["max_score"]
    assert not folder.exists()  # nor the spec's entry: a credit grade uses no entry at all (R37P-3)
    status, _ = _grade(SOLUTION)
    assert status == 0 and sorted(p.suffix for p in folder.iterdir()) == [".bin", ".json"]


@pytest.mark.parametrize("entry", [b"", input_cache.MAGIC, input_cache.MAGIC + b"\xff" * 8,
                                   input_cache.MAGIC + b"\x02\0\0\0\0\0\0\0{}", b"not an entry at all"])
def test_a_damaged_inputs_entry_is_a_miss_and_is_replaced(entry, folder):
    exercise = spec.load(ROOT / "exercises" / "ex5.yaml")
    key = input_cache.entry_key(exercise)
    folder.mkdir(mode=0o700)
    (folder / f"{key}.bin").write_bytes(spec_cache.seal(entry))  # intact, as written: its content is what is wrong
    assert input_cache._same(input_cache.load(exercise), _drawn(exercise))
    assert input_cache._same(input_cache.read_entry(key), _drawn(exercise))


def test_a_truncated_inputs_entry_is_a_miss(folder):
    exercise = spec.load(ROOT / "exercises" / "ex5.yaml")
    input_cache.load(exercise)
    [entry] = folder.iterdir()
    entry.write_bytes(entry.read_bytes()[:-8])
    assert input_cache.read_entry(input_cache.entry_key(exercise)) is None


@pytest.mark.parametrize("change", ["seed", "numpy", "grader"])
def test_the_inputs_key_changes_with_the_exercise_numpy_and_the_grader(change, monkeypatch):
    import numpy

    exercise = spec.load(ROOT / "exercises" / "ex5.yaml")
    before = input_cache.entry_key(exercise)
    if change == "seed":
        name, case = next((n, c) for n, c in exercise.cases.items() if c.random_seed is not None)
        reseeded = case._replace(random_seed=case.random_seed + 1)
        exercise = exercise._replace(cases=type(exercise.cases)({**exercise.cases, name: reseeded}))
    elif change == "numpy":
        monkeypatch.setattr(numpy, "__version__", "0.0.0-other")
    else:
        monkeypatch.setattr(input_cache, "__version__", "0.0.0-other")
    assert input_cache.entry_key(exercise) != before


def test_the_key_s_sha256_is_hashlib_s():
    import hashlib

    digest = spec_cache.sha256()
    digest.update(b"nn-grader" * 1000)
    assert digest.hexdigest() == hashlib.sha256(b"nn-grader" * 1000).hexdigest()


def test_only_the_newest_entries_are_kept(folder, monkeypatch):
    monkeypatch.setattr(spec_cache, "KEEP", 3)
    for i in range(5):
        spec_cache.write_bytes(folder / f"entry{i}.json", b"{}")
        os.utime(folder / f"entry{i}.json", ns=(i * 10**9, i * 10**9))
    spec_cache.write_bytes(folder / "entry5.json", b"{}")
    assert sorted(p.name for p in folder.iterdir()) == ["entry3.json", "entry4.json", "entry5.json"]


def test_without_the_grader_s_sources_nothing_is_kept_and_the_grade_is_the_same(folder, monkeypatch):
    """An install that ships no .py files of the grader (only bytecode) cannot key an entry: it reads the YAML."""
    status, report = _grade(SOLUTION)
    monkeypatch.setattr(spec_cache, "FOLDER", folder.parent / "other")
    monkeypatch.setattr(spec_cache, "_READERS", (*spec_cache._READERS, "no_such_module.py"))
    monkeypatch.setattr(input_cache, "_DRAWERS", (*input_cache._DRAWERS, "no_such_module.py"))
    assert _grade(SOLUTION) == (status, report) and status == 0
    assert not (folder.parent / "other").exists()


def _plant_points(path: Path, extra: int) -> Path:
    """A planted spec entry, as student code that could write the folder would make it: the exercise with
    `extra` more points on its first part. Returns the entry's file."""
    exercise = spec.load(path)
    first = exercise.parts[0]
    planted = exercise._replace(parts=(first._replace(points=first.points + extra), *exercise.parts[1:]))
    key = spec_cache.entry_key(path.read_bytes(), str(path))
    spec_cache.write_entry(key, planted)
    [entry] = spec_cache.FOLDER.glob("*.json")
    return entry


@pytest.mark.parametrize("how", ["credit", "portable"])
def test_a_credit_or_portable_grade_neither_reads_nor_writes_the_cache(how, tmp_path, folder, monkeypatch):
    """Review 37p, R37P-3: portable-runner student code (the grader's user) could plant an entry that a later grade
    read, a credit grade included. A credit grade trusts only the YAML; a portable grade reads no entry and makes
    none: the planted one is ignored, and nothing is added or changed in the folder."""
    path = ROOT / "exercises" / "ex5.yaml"
    truth = _grade(SOLUTION, "--exercise", path)[1]["max_score"]
    shutil.rmtree(folder)
    entry = _plant_points(path, 1000)
    assert _grade(SOLUTION, "--exercise", path)[1]["max_score"] == truth + 1000  # a practice grade reads it
    shutil.rmtree(folder)
    entry = _plant_points(path, 1000)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    args = [SOLUTION, "--exercise", path]
    if how == "credit":
        secret = tmp_path / "secret"
        secret.write_text("a course secret of some length\n")
        args += ["--secret-file", secret]
    else:
        monkeypatch.setenv("GRADER_SANDBOX", "portable")
    status, report = _grade(*args)
    assert status == 0 and report["max_score"] == report["score"] == truth
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before and entry.exists()


def _course_year(folder: Path, seed: int, examples: int) -> None:
    """A course folder holding ex5 with a relative `mat:` path, and its own Data/ex4data1.mat."""
    import numpy as np
    from scipy.io import savemat

    from grader.datasets import digits

    (folder / "Data").mkdir(parents=True)
    X, y = digits(seed, examples, 0.6)
    savemat(folder / "Data" / "ex4data1.mat", {"X": X, "y": np.where(y == 0, 10, y).reshape(-1, 1).astype(np.uint8)})
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    start = text.index("      data: {generated: digits")
    line = "      data: {mat: Data/ex4data1.mat, hidden: [10], wrap_labels: true}"
    (folder / "ex5_mat.yaml").write_text(text[:start] + line + text[text.index("\n", start):])


def _training_feedback(*args) -> str:
    status, report = _grade(SOLUTION, *args, "--train")
    assert status == 0, report
    return next(p["feedback"] for p in report["parts"] if "Accuracy" in (p.get("feedback") or ""))


@pytest.mark.parametrize("how", ["cwd", "symlink"])
def test_the_same_spec_path_in_another_folder_trains_on_that_folder_s_data(how, tmp_path, folder, monkeypatch):
    """Review 37p, R37P-1: the entry holds the `mat:` path resolved against the spec's real folder, but was keyed
    by the path as typed: a relative --exercise from another course folder, or an absolute one through a switched
    symlink, trained on the first folder's data (another cohort's accuracy, or exit 2 once it was deleted)."""
    _course_year(tmp_path / "y2025", 11, 200)
    _course_year(tmp_path / "y2026", 23, 120)
    truth = {}
    for year in ("y2025", "y2026"):  # each folder's own result, from its YAML alone
        monkeypatch.setattr(sys, "dont_write_bytecode", True)
        truth[year] = _training_feedback("--exercise", tmp_path / year / "ex5_mat.yaml")
    assert truth["y2025"] != truth["y2026"]
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    for year in ("y2025", "y2026"):
        if how == "cwd":
            monkeypatch.chdir(tmp_path / year)
            got = _training_feedback("--exercise", "ex5_mat.yaml")
        else:
            current = tmp_path / "current"
            current.unlink(missing_ok=True)
            current.symlink_to(tmp_path / year)
            got = _training_feedback("--exercise", current / "ex5_mat.yaml")
        assert got == truth[year]
    assert len(list(folder.glob("*.json"))) == 2


def _damaged(entry: Path, change) -> bytes:
    """`entry` with `change` made to its content, as a disk error or a crash could leave it: whatever precedes the
    content (a checksum) is left as it was. Returns the bytes it held."""
    data = entry.read_bytes()
    start = data.index(input_cache.MAGIC[:16]) if entry.suffix == ".bin" else data.index(b"{")
    entry.write_bytes(data[:start] + change(data[start:]))
    return data


def _zero_arrays(content: bytes) -> bytes:
    start = len(input_cache.MAGIC) + 8 + int.from_bytes(content[len(input_cache.MAGIC):len(input_cache.MAGIC) + 8],
                                                        "little")
    return content[:start] + bytes(len(content) - start)


def _more_points(content: bytes) -> bytes:
    exercise = spec_cache.decode(json.loads(content))
    first = exercise.parts[0]
    exercise = exercise._replace(parts=(first._replace(points=first.points + 1000), *exercise.parts[1:]))
    return json.dumps(spec_cache.encode(exercise), separators=(",", ":")).encode()


@pytest.mark.parametrize("which", ["inputs", "spec"])
def test_a_damaged_entry_that_still_parses_is_never_used_and_is_rewritten(which, folder):
    """Review 37p, R37P-2: an entry damaged in its body but whole in its structure was used: with zeroed inputs,
    labels_off_by_one scored 50 instead of 5; a changed number in the spec's entry changed the marks."""
    wrong = ROOT / "tests" / "submissions" / "ex5" / "labels_off_by_one.py"
    path = ROOT / "exercises" / "ex5.yaml"
    truth = _grade(wrong, "--exercise", path)
    [entry] = folder.glob("*.bin" if which == "inputs" else "*.json")
    written = _damaged(entry, _zero_arrays if which == "inputs" else _more_points)
    assert _grade(wrong, "--exercise", path) == truth and truth[1]["score"] == 5
    assert entry.read_bytes() == written


@pytest.mark.parametrize("which", ["inputs", "spec"])
def test_an_entry_nested_too_deep_to_parse_falls_back_quietly(which, folder):
    """Review 37p, R37P-5: an inputs header of 200000 '[' raised RecursionError, which the reader did not catch:
    `grade` exited 2 with "internal error" instead of drawing the inputs."""
    path = ROOT / "exercises" / "ex5.yaml"
    truth = _grade(SOLUTION, "--exercise", path)
    [entry] = folder.glob("*.bin" if which == "inputs" else "*.json")
    deep = b"[" * 200000
    content = input_cache.MAGIC + len(deep).to_bytes(8, "little") + deep if which == "inputs" else deep
    entry.write_bytes(spec_cache.seal(content))  # intact as written: a hostile or buggy writer's
    assert _grade(SOLUTION, "--exercise", path) == truth and truth[0] == 0


def test_an_entry_over_the_size_cap_is_not_kept(tmp_path, folder):
    """Review 37p, R37P-4: the folder was bounded by its number of entries only, and a valid spec's inputs made a
    147 MB entry. This one's (a screening case of 3000 hidden units) would be about 20 MB, over the 16 MB cap: the
    grade reads its spec's entry as usual but keeps no inputs."""
    text = (ROOT / "exercises" / "ex5.yaml").read_text()
    big = tmp_path / "ex5_big.yaml"
    big.write_text(text.replace("full_size: {sizes: [400, 25, 10], examples: 5000}",
                                "full_size: {sizes: [400, 3000, 10], examples: 1000}", 1))
    assert big.read_text() != text
    for _ in range(2):
        status, report = _grade(SOLUTION, "--exercise", big)
        assert status == 0 and report["score"] == report["max_score"]
    assert [p.suffix for p in folder.iterdir()] == [".json"]
