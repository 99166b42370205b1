"""`grade` in a Python without the Linux-only primitives, as on Windows (and, for memfd, macOS).

A bootstrap removes os.fork, os.forkpty and os.memfd_create and makes `import fcntl` and `import resource`
fail (a meta path finder), then runs the grader's CLI. `sys.executable` is swapped for a wrapper that starts
every worker through the same bootstrap, so the workers lack them too. Without GRADER_SANDBOX the grader must
pick the portable runner by itself and grade exactly as the Linux runner does.

What this does not simulate: Windows itself (no fork at the C level, its pipes, taskkill, paths); that part of
portable.py has not run here (README, "Platforms").
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from .conftest import ROOT, SUBMISSIONS

STRIP = textwrap.dedent('''
    import importlib.abc, os, posix, runpy, sys

    for name in ("fork", "forkpty", "memfd_create"):
        for module in (os, posix):
            if hasattr(module, name):
                delattr(module, name)
    BLOCKED = {"fcntl", "resource"}

    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Missing())
    assert not BLOCKED & set(sys.modules), "imported before the bootstrap ran"

    if sys.argv[1] == "worker":  # started by the portable runner as WRAPPER -I spawned.py
        sys.argv = sys.argv[2:]
        runpy.run_path(sys.argv[0], run_name="__main__")
    else:
        sys.executable = WRAPPER
        sys.argv = ["grade", *sys.argv[2:]]
        from grader.prestart import main
        main()
''')


@pytest.fixture(scope="module")
def stripped(tmp_path_factory):
    """A command that runs `grade ARGS` in the stripped interpreter."""
    folder = tmp_path_factory.mktemp("stripped")
    wrapper = folder / "python"
    bootstrap = folder / "strip.py"
    bootstrap.write_text(f"WRAPPER = {str(wrapper)!r}\n" + STRIP)
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = "-I" ] && shift\nexec {sys.executable} -I {bootstrap} worker "$@"\n')
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "GRADER_SANDBOX"}

    def grade(*args: str) -> tuple[dict, int, str]:
        run = subprocess.run([sys.executable, str(bootstrap), "grader", *args, "--format", "json"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=300)
        return json.loads(run.stdout), run.returncode, run.stderr

    return grade


@pytest.mark.skipif(os.name != "posix", reason="the wrapper is a shell script")
def test_the_stripped_interpreter_really_lacks_them(stripped, tmp_path):
    """The probe runs in a worker of the stripped grader: it must see the same gaps."""
    probe = tmp_path / "ex5.py"
    probe.write_text(textwrap.dedent('''
        import importlib, os
        def sigmoid_gradient(z):
            missing = [name for name in ("fork", "memfd_create") if not hasattr(os, name)]
            for module in ("fcntl", "resource"):
                try:
                    importlib.import_module(module)
                except ImportError:
                    missing.append(module)
            raise RuntimeError("MISSING " + " ".join(missing))
    '''))
    report, status, stderr = stripped(str(probe))
    part = next(p for p in report["parts"] if p["id"] == "sigmoid_gradient")
    assert "MISSING fork memfd_create fcntl resource" in part["feedback"], (part, stderr)
    assert report["sandbox"]["runner"] == "portable" and "rlimits" not in report["sandbox"]["layers"]


@pytest.mark.skipif(os.name != "posix", reason="the wrapper is a shell script")
@pytest.mark.parametrize("exercise", ["ex5", "softmax_tanh"])
def test_shipped_solutions_get_full_marks_without_linux_primitives(stripped, exercise):
    report, status, stderr = stripped(str(ROOT / "solutions" / f"{exercise}.py"))
    assert (report["score"], report["max_score"], status) == (report["max_score"], report["max_score"], 0), stderr
    assert report["sandbox"]["runner"] == "portable"


@pytest.mark.skipif(os.name != "posix", reason="the wrapper is a shell script")
def test_a_named_mistake_without_linux_primitives(stripped):
    report, status, stderr = stripped(str(SUBMISSIONS / "ex5" / "extra_output_derivative.py"), "--exercise", "ex5")
    mistakes = {p["id"]: [m["id"] for m in p["mistakes"]] for p in report["parts"]}
    assert (report["score"], status) == (50, 1), stderr
    assert mistakes["gradient"] == mistakes["regularized_gradient"] == ["extra_output_derivative"]
    assert mistakes["cost"] == mistakes["sigmoid_gradient"] == []


@pytest.mark.skipif(os.name != "posix", reason="the wrapper is a shell script")
def test_prints_crashes_and_timeouts_without_linux_primitives(stripped, tmp_path):
    """A file that prints and hangs in the regularized cost: the note and the timeout as on Linux."""
    hangs = (ROOT / "tests" / "timeouts" / "hangs_when_regularized.py").read_text()
    path = tmp_path / "ex5.py"
    printing = "def sigmoid_gradient(z):\n    print('z is', np.shape(z))"
    path.write_text(hangs.replace("def sigmoid_gradient(z):", printing, 1))
    report, status, stderr = stripped(str(path), "--timeout", "1")
    scores = {p["id"]: p["score"] for p in report["parts"]}
    assert scores == {"cost": 30, "regularized_cost": 0, "sigmoid_gradient": 5, "gradient": 40,
                      "regularized_gradient": 0}, stderr
    assert "did not finish within 1 s" in next(p for p in report["parts"] if p["id"] == "regularized_cost")["feedback"]
    assert [n["id"] for n in report["notes"]] == ["prints"]
