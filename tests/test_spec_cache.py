"""A lone `grade FILE` reads a compiled exercise instead of its YAML (grader/spec_cache.py), and the same report."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import spec, spec_cache
from grader.cli import main
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


def test_a_lone_grade_imports_no_yaml_once_its_exercise_is_compiled():
    """Through the `grade` command itself, as the benchmark runs it: the second grade's own process imports no
    PyYAML (8 ms of its critical path), and prints the same report."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", str(SOLUTION), "--format", "json"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in runs[1].stderr.splitlines() if "import time:" in line]
    assert "grader.spec" in imported and "yaml" not in imported
    first, second = (json.loads(r.stdout) for r in runs)
    assert second == first and second["score"] == second["max_score"]


def test_a_changed_spec_is_read_again(tmp_path, folder):
    """The entry is keyed by the spec's bytes: a change is seen at once, a mistake still told as before."""
    copy = tmp_path / "ex5.yaml"
    shutil.copy(ROOT / "exercises" / "ex5.yaml", copy)
    status, report = _grade(SOLUTION, "--exercise", copy)
    assert status == 0 and len(list(folder.iterdir())) == 1
    text = copy.read_text()
    assert "points: 30" in text
    copy.write_text(text.replace("points: 30", "points: 31", 1))
    status, changed = _grade(SOLUTION, "--exercise", copy)
    assert status == 0 and changed["max_score"] == report["max_score"] + 1 and len(list(folder.iterdir())) == 2
    copy.write_text(text.replace("points: 30", "points: thirty", 1))
    result = CliRunner().invoke(main, ["check", str(SOLUTION), "--exercise", str(copy)])
    assert result.exit_code == 2 and "points" in result.output and "expected a whole number" in result.output
    assert len(list(folder.iterdir())) == 2  # a spec with an error is never kept


@pytest.mark.parametrize("entry", [b"not json", b'{"r": "Popen", "f": ["sh"]}', b'{"r": "Exercise", "f": [1]}',
                                   b'{"t": "abc"}', b"[]"])
def test_a_damaged_or_foreign_entry_is_a_miss_and_is_replaced(entry, folder):
    path = ROOT / "exercises" / "ex5.yaml"
    key = spec_cache.entry_key(path.read_bytes(), str(path))
    folder.mkdir(mode=0o700)
    (folder / f"{key}.json").write_bytes(entry)
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
