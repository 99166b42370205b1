"""docs/authoring.md's walk-through is true: its YAML is the example spec, and the commands it shows
print what it quotes."""

import re
import shutil

import yaml

from .conftest import ROOT, grade_json, run_cli

DOC = (ROOT / "docs" / "authoring.md").read_text()
EXAMPLE = ROOT / "docs" / "example"


def test_the_documented_yaml_is_the_example_spec():
    block = re.search(r"```yaml\n(# yaml-language-server.*?)```", DOC, re.S).group(1)
    assert yaml.safe_load(block) == yaml.safe_load((EXAMPLE / "tanh_net.yaml").read_text())


def _report(output: str) -> str:
    """A text report without its last line, which names this machine's sandbox layers (the doc shows none)."""
    return output.split("\nSandbox: ")[0].strip()


def test_the_walkthrough_commands_print_what_the_doc_quotes(tmp_path, monkeypatch):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(EXAMPLE / "tanh_net.yaml", course / "tanh_net.yaml")
    monkeypatch.setenv("GRADER_EXERCISES", str(course))
    monkeypatch.chdir(tmp_path)
    assert run_cli("validate", "course/tanh_net.yaml").output.strip() in DOC
    audited = run_cli("audit", "tanh_net")
    shown = "\n".join(audited.output.splitlines()[:4]).replace(str(course), "course")  # the doc's relative path
    assert audited.exit_code == 0 and shown in DOC  # author review 4, E18: the doc said 23 mistakes, then 40
    assert run_cli("starter", "tanh_net", "-o", "student").output.strip() in DOC
    starter = run_cli("student/tanh_net.py")
    table = "\n".join(starter.output.splitlines()[:9])
    assert starter.exit_code == 1 and table in DOC
    shutil.copy(EXAMPLE / "tanh_net.py", tmp_path / "student" / "tanh_net.py")
    solved = run_cli("student/tanh_net.py")
    assert solved.exit_code == 0 and _report(solved.output) in DOC
    report, status = grade_json(tmp_path / "student" / "tanh_net.py", "--train")
    assert status == 0 and report["parts"][-1]["passed"]
    trained = _report(run_cli("student/tanh_net.py", "--train").output).splitlines()
    assert "\n".join(trained[-4:]) in DOC
    text = (tmp_path / "student" / "tanh_net.py").read_text()
    wrong = tmp_path / "student" / "mistake.py"
    wrong.write_text(text.replace("    delta3 = a3 - Y", "    delta3 = (a3 - Y) * a3 * (1 - a3)"))
    mistake = run_cli("student/mistake.py", "--exercise", "tanh_net").output
    assert "| Likely: Extra f′(z(L)) in the output-layer delta\n" in mistake and "[extra_output_derivative]" in mistake


def test_the_documented_validate_errors(tmp_path, monkeypatch):
    text = (EXAMPLE / "tanh_net.yaml").read_text()
    broken = text.replace("loss: cross_entropy", "loss: hinge").replace("returns: [g]", "returns: [gprime]")
    # the doc's file starts with the one-line schema comment of an instructor's folder
    broken = broken.replace("$schema=../../exercises/exercise.schema.json", "$schema=exercise.schema.json")
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "broken_net.yaml").write_text(broken)
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", "course/broken_net.yaml")
    assert result.exit_code == 2
    for line in result.output.strip().splitlines():
        assert line in DOC, line
