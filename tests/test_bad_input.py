"""Bad exercise specs never produce a traceback: every field of every shipped spec, broken in turn."""

import copy

import pytest
import yaml

from .conftest import ROOT, run_cli

SPECS = sorted((ROOT / "exercises").glob("*.yaml"))
WRONG_VALUES = [None, "not-a-valid-name", -3, 2.5, [[1, "x"]], {}]


def _leaves(value, path=()):
    """Every (path, value) in a nested YAML document, containers included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))


def _replaced(document, path, new):
    broken = copy.deepcopy(document)
    if not path:
        return new
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return broken


def _validate(tmp_path, text: str):
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("validate", str(path))  # catch_exceptions=False: a traceback fails the test
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert str(path) in result.output and "Traceback" not in result.output
    return result


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_every_field_broken_in_turn(tmp_path, spec):
    document = yaml.safe_load(spec.read_text())
    rejected = 0
    for path, _ in _leaves(document):
        for wrong in WRONG_VALUES:
            result = _validate(tmp_path, yaml.safe_dump(_replaced(document, path, wrong)))
            rejected += result.exit_code == 2
    assert rejected > 0


@pytest.mark.parametrize("spec", SPECS[:1], ids=["deleting"])
def test_every_key_deleted_in_turn(tmp_path, spec):
    document = yaml.safe_load(spec.read_text())
    for path, _ in _leaves(document):
        if path and isinstance(path[-1], str):
            broken = copy.deepcopy(document)
            target = broken
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]
            _validate(tmp_path, yaml.safe_dump(broken))


@pytest.mark.parametrize("text, words", [
    ("", "is empty"),
    ("   \n# only a comment\n", "is empty"),
    ("id: [unclosed\n", "not valid YAML"),
    ("- a\n- list\n", "expected a mapping"),
    ("just a string", "expected a mapping"),
    ("id: ex\nid: again\n", "appears twice"),
    ("&a [*a]", ""),
    ("x: " + "[" * 5000 + "]" * 5000, ""),
])
def test_malformed_documents(tmp_path, text, words):
    result = _validate(tmp_path, text)
    assert result.exit_code == 2 and words in result.output


def test_huge_and_binary_files(tmp_path):
    huge = tmp_path / "huge.yaml"
    huge.write_text("# padding\n" * 200_000)
    result = run_cli("validate", str(huge))
    assert result.exit_code == 2 and "at most" in result.output
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    result = run_cli("validate", str(binary))
    assert result.exit_code == 2 and "not UTF-8" in result.output
    result = run_cli("validate", str(tmp_path / "missing.yaml"), str(tmp_path))
    assert result.exit_code == 2 and "missing.yaml: cannot be read (no such file)" in result.output
    assert "is a folder" in result.output


def test_a_missing_secret_file_is_said_to_be_missing(tmp_path):
    """Staff review 4, S12: a mistyped --secret-file was "not a regular file"; it is missing."""
    missing = tmp_path / "secret.txt"
    result = run_cli(str(ROOT / "solutions" / "ex5.py"), "--secret-file", str(missing))
    assert result.exit_code == 2, result.output
    assert f"{missing}: the secret file cannot be read (no such file)" in result.output, result.output
