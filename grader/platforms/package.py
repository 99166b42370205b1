"""What an instructor uploads: a Gradescope autograder zip, or a folder with a Dockerfile for Coursera.

Both carry this grader as a wheel (built from the source tree it runs from, else from its installed files,
or given with --wheel), the exercise's spec as exercise.yaml, and optionally the course's secret. Installing
needs PyPI only for the dependencies (numpy, scipy, click, PyYAML, nbformat and theirs). docs/platforms.md
explains the workflow and the limits.
"""

import shlex
import stat
import tempfile
import zipfile
from pathlib import Path

from .wheels import WheelError, grader_wheel


class PackageError(Exception):
    """The package cannot be built; str() is the whole message."""


def build_wheel(folder: Path) -> Path:
    """Write this grader's wheel into folder (grader/platforms/wheels.py says how)."""
    try:
        return grader_wheel(folder)
    except WheelError as error:
        raise PackageError(str(error)) from None


def _wheel(given: Path | None, folder: Path) -> Path:
    if given is None:
        return build_wheel(folder)
    if not given.is_file() or not given.name.endswith(".whl"):
        raise PackageError(f"{given}: expected a wheel file (.whl) of nn-grader")
    return given


def _secret_bytes(secret_file: Path | None, exercise) -> bytes | None:
    """The secret to ship, once its cases are known to be gradable and to tell every mistake apart."""
    from .. import secret as secrets
    from ..audit import audit, tolerance_problem
    from ..cases import build_all
    from ..checks import verify_expected
    from ..spec import SpecError

    if secret_file is None:
        return None
    try:
        secret = secrets.read_file(secret_file)
    except secrets.SecretError as error:
        raise PackageError(str(error)) from None
    seeded = secrets.with_secret(exercise, secret)
    try:
        verify_expected(seeded, build_all(seeded))
    except SpecError as error:
        raise PackageError(f"with this secret, {error}; choose another secret") from None
    problems = [f"{r.mistake} {r.problem}" for r in audit(seeded) if not r.ok] + \
        ([tolerance_problem(seeded)] if tolerance_problem(seeded) else [])
    if problems:
        raise PackageError(f"with this secret the hidden cases of {exercise.id} fail the audit "
                           f"({'; '.join(problems)}); choose another secret or add cases "
                           f"(see grade audit {exercise.id} --secret-file FILE)")
    return secret


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: it installs nn-grader from
# the wheel beside this file (its dependencies come from PyPI: numpy, scipy, click, PyYAML, nbformat and theirs).
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        PYTHON="$candidate"; break
    fi
done
if [ -z "$PYTHON" ] || ! "$PYTHON" -m venv --help >/dev/null 2>&1; then
    # Ubuntu 22.04 images have Python 3.10: nn-grader needs 3.11 or later.
    apt-get update  # the image's package lists may be empty or stale: install would not find python3.11
    apt-get install -y python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --quiet "$SOURCE"/nn_grader-*.whl
if [ -f "$SOURCE/secret" ]; then
    chmod 600 "$SOURCE/secret"  # root (the grader) reads it; the student's code runs as another user
fi
"$ROOT/venv/bin/grade" doctor || true
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: it grades /autograder/submission and writes
# /autograder/results/results.json. AUTOGRADER_ROOT and GRADER_PYTHON are for testing the zip elsewhere.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{GRADER_PYTHON:-$ROOT/venv/bin/python}}"
rm -f "$ROOT/results/results.json"
# -P: the folder this runs from is not on the path, so a student's grader/ there is never imported
"$PYTHON" -P -m grader gradescope --root "$ROOT" {arguments}
status=$?
# 0, 1 and 2 wrote results.json (2: could not grade, with the reason in it); 3: it could not be written.
if [ "$status" -le 2 ] && [ -f "$ROOT/results/results.json" ]; then exit 0; fi
# The grader did not start (a broken install?): still give Gradescope a result that says so.
mkdir -p "$ROOT/results" && printf '%s\\n' "{{\\"score\\": 0, \\"output\\": \\"The autograder could not grade \\
this submission (grade exited with status $status; see the autograder's stdout). Please tell the instructor.\\"}}" \\
    > "$ROOT/results/results.json"
exit "$status"
"""


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _ours(path: Path) -> bool:
    """True for a zip this command wrote: its setup.sh, run_autograder, exercise.yaml and nn-grader's wheel."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return {"setup.sh", "run_autograder", "exercise.yaml"} <= names and \
        any(name.startswith("nn_grader-") and name.endswith(".whl") for name in names)


def _check_output(output: Path) -> None:
    """-o must name a zip (Gradescope takes one), and never a file of the staff's other than a zip written here
    before (a gradebook, a notes.zip), which replacing would lose."""
    if output.suffix.lower() != ".zip":
        raise PackageError(f"--output {output}: expected a file name ending in .zip (Gradescope takes a zip); "
                           f"nothing written")
    if (output.exists() or output.is_symlink()) and not (output.is_file() and _ours(output)):
        raise PackageError(f"--output {output}: exists and is not an autograder zip written by "
                           f"`grade package gradescope`; not replaced (remove it or choose another name)")


def gradescope_zip(spec_path: Path, exercise, output: Path, secret_file: Path | None, wheel: Path | None,
                   timeout: float, visibility: str) -> list[str]:
    """Write the autograder zip; returns the names it holds."""
    _check_output(output)
    secret = _secret_bytes(secret_file, exercise)
    # Shell words: the paths are quoted for the shell to expand $ROOT; timeout and visibility are plain.
    words = ["--exercise", '"$ROOT/source/exercise.yaml"']
    words += ["--secret-file", '"$ROOT/source/secret"'] if secret is not None else []
    words += ["--timeout", f"{timeout:g}", "--visibility", shlex.quote(visibility)]
    run_script = RUN_AUTOGRADER.format(arguments=" ".join(words))
    with tempfile.TemporaryDirectory() as scratch:
        wheel_path = _wheel(wheel, Path(scratch))
        temporary = output.with_name(f".{output.name}.tmp")
        try:
            with zipfile.ZipFile(temporary, "w") as archive:
                _add(archive, "setup.sh", SETUP_SH.encode(), 0o755)
                _add(archive, "run_autograder", run_script.encode(), 0o755)
                _add(archive, wheel_path.name, wheel_path.read_bytes(), 0o644)
                _add(archive, "exercise.yaml", spec_path.read_bytes(), 0o644)
                if secret is not None:
                    _add(archive, "secret", secret + b"\n", 0o600)
                names = archive.namelist()
            temporary.replace(output)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise PackageError(f"cannot write {output} ({error.strerror or error})") from None
    return names


DOCKERFILE = """# Coursera custom grader for {exercise} (nn-grader). Build, try and upload it as docs/platforms.md says:
#   docker build -t nn-grader-{exercise} .
#   coursera_autograder grade local nn-grader-{exercise} SAMPLE_FOLDER '{{"partId": "{first_part}"}}' --dst-dir out
# Coursera mounts the submission in /shared/submission/, sets partId, and reads /shared/feedback.json.
# It runs the image without network, as a non-root user, and drops ENV lines: the secret is a file.
FROM python:3.12-slim
COPY . /grader/
RUN python -m venv /grader/venv \\
    && /grader/venv/bin/pip install --no-cache-dir /grader/nn_grader-*.whl \\
    && chmod -R a+rX /grader
ENTRYPOINT ["/grader/venv/bin/grade", "coursera", "--root", "/shared", {arguments}]
"""

COURSERA_README = """nn-grader for Coursera: {exercise}

Files: Dockerfile, the grader's wheel, exercise.yaml (the spec it grades){secret_line}.
Parts (partId -> part): {parts}
Without partId the whole exercise is graded (fractionalScore = score / max score).
Build: docker build -t nn-grader-{exercise} .
Try: coursera_autograder grade local nn-grader-{exercise} FOLDER '{{"partId": "{first_part}"}}' --dst-dir out
     (FOLDER holds a sample {exercise}.py)
Upload: zip the contents of this folder (not the folder) and run coursera_autograder upload (see docs/platforms.md).
"""


def coursera_folder(spec_path: Path, exercise, output: Path, secret_file: Path | None, wheel: Path | None,
                    timeout: float) -> list[str]:
    """Write the Dockerfile folder; returns the names of the files in it."""
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise PackageError(f"{output}: expected a new or empty folder")
    secret = _secret_bytes(secret_file, exercise)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise PackageError(f"{output}: expected a new or empty folder")
    words = ["--exercise", "/grader/exercise.yaml", *(["--secret-file", "/grader/secret"] if secret else []),
             "--timeout", f"{timeout:g}"]
    arguments = ", ".join(f'"{word}"' for word in words)
    parts = ", ".join(f"{p.coursera_part_id or p.id} -> {p.id}" for p in exercise.parts)
    first = exercise.parts[0].coursera_part_id or exercise.parts[0].id
    created = not output.exists()
    # Everything is read (and the wheel built) before the folder is made: a failure leaves nothing behind.
    with tempfile.TemporaryDirectory() as scratch:
        wheel_path = _wheel(wheel, Path(scratch))
        try:
            files = {wheel_path.name: wheel_path.read_bytes(), "exercise.yaml": spec_path.read_bytes()}
        except OSError as error:
            raise PackageError(f"cannot read {error.filename} ({error.strerror or error})") from None
    secret_line = ", secret (the course's secret; keep this folder private)" if secret else ""
    files["Dockerfile"] = DOCKERFILE.format(exercise=exercise.id, first_part=first, arguments=arguments).encode()
    files["README.txt"] = COURSERA_README.format(exercise=exercise.id, parts=parts, first_part=first,
                                                 secret_line=secret_line).encode()
    if secret is not None:
        files["secret"] = secret + b"\n"
    written = []
    try:
        output.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            written.append(output / name)
            written[-1].write_bytes(data)
    except OSError as error:
        for path in written:  # what this run wrote, and the folder when this run made it
            path.unlink(missing_ok=True)
        if created and output.is_dir() and not any(output.iterdir()):
            output.rmdir()
        raise PackageError(f"cannot write {output} ({error.strerror or error})") from None
    return sorted(p.name for p in output.iterdir())
