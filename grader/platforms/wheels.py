"""The grader's own wheel, for the packages: built from its source tree, else rebuilt from its installed files.

A grader installed with `pip install .` (not editable) has no source tree to build from, but pip kept what
the wheel held: the `grader` package's files and the .dist-info folder, all listed in the RECORD with their
sha256. Those files, checked against the RECORD, zipped again with a new RECORD, are the wheel it was
installed from (the binary distribution format, PEP 427; the packaging guide's "Binary distribution format").
"""

import base64
import csv
import hashlib
import importlib.metadata
import io
import stat
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

from .. import __version__

DISTRIBUTION = "nn-grader"
PACKAGE = Path(__file__).resolve().parent.parent  # the running grader package
SOURCE_TREE = PACKAGE.parent
# What the .dist-info folder of the wheel held; the installer's own files (INSTALLER, REQUESTED,
# direct_url.json) are not part of it, and RECORD is written anew.
DIST_INFO_FILES = ("METADATA", "WHEEL", "entry_points.txt", "top_level.txt")
WHEEL_NAME = f"nn_grader-{__version__}-py3-none-any.whl"  # what `pip wheel` makes of the source tree
HOW_TO_BUILD = ("build one from a copy of nn-grader's source with `pip wheel --no-deps /path/to/nn-grader -w dist` "
                f"and pass it with --wheel dist/{WHEEL_NAME}")


class WheelError(Exception):
    """No wheel could be made; str() says why and what to do instead."""


def grader_wheel(folder: Path) -> Path:
    """Write this grader's wheel into folder: from its source tree when it runs from one, else from its install."""
    if is_source_tree(SOURCE_TREE):
        return wheel_from_source_tree(SOURCE_TREE, folder)
    return wheel_from_installed(folder)


def is_source_tree(folder: Path) -> bool:
    """Whether folder is nn-grader's source tree (its pyproject.toml), not some project the package sits in."""
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return project.get("project", {}).get("name") == DISTRIBUTION


def wheel_from_source_tree(tree: Path, folder: Path) -> Path:
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(folder), str(tree)], capture_output=True, text=True)
    wheels = sorted(folder.glob("nn_grader-*.whl"))
    if run.returncode != 0 or not wheels:
        last = (run.stderr.strip().splitlines() or ["no wheel was made"])[-1]
        raise WheelError(f"building the grader's wheel from its source tree {tree} failed ({last}); install "
                         f"setuptools>=70.1 beside the grader, or build the wheel with `pip wheel --no-deps {tree} "
                         f"-w dist` and pass it with --wheel dist/{WHEEL_NAME}")
    return wheels[0]


def record_hash(data: bytes) -> str:
    """A RECORD hash: sha256, urlsafe base64 without its padding."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_from_installed(folder: Path) -> Path:
    """Zip the installed distribution's `grader` files and .dist-info again, with a new RECORD."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise WheelError(f"this grader runs from {PACKAGE}, which is neither a source tree nor an installed "
                         f"{DISTRIBUTION}; {HOW_TO_BUILD}") from None
    files = dist.files or []
    ours = Path(dist.locate_file("grader/__init__.py")).resolve()
    if ours != PACKAGE / "__init__.py" or not any(PurePosixPath(f).parts[:1] == ("grader",) for f in files):
        raise WheelError(f"this grader runs from {PACKAGE}, which is neither a source tree nor the files the "
                         f"installed {DISTRIBUTION} lists (a grader folder copied without its install?), so its "
                         f"wheel cannot be made here; {HOW_TO_BUILD}")
    dist_info = {PurePosixPath(f).parts[0] for f in files if PurePosixPath(f).parts[0].endswith(".dist-info")}
    if len(dist_info) != 1:
        raise WheelError(f"the installed {DISTRIBUTION}'s RECORD does not name its .dist-info folder; {HOW_TO_BUILD}")
    info = dist_info.pop()
    entries: list[tuple[str, bytes, int]] = []
    for file in sorted(files, key=lambda f: (PurePosixPath(f).parts[0] == info, str(f))):  # .dist-info last
        path = PurePosixPath(file)
        if path.parts[0] == "grader":
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue  # compiled by the installer, for its own Python: the next install compiles its own
        elif path.parts[0] != info or (path.parts[1:] not in [(n,) for n in DIST_INFO_FILES]
                                       and path.parts[1:2] != ("licenses",)):
            continue  # the console script (regenerated from entry_points.txt), the installer's own files, RECORD
        where = Path(dist.locate_file(file))
        try:
            data = where.read_bytes()
            mode = where.stat().st_mode
        except OSError as error:
            raise WheelError(f"cannot read the installed grader's {where} ({error.strerror or error}); "
                             f"reinstall nn-grader or {HOW_TO_BUILD}") from None
        if file.hash is not None and (file.hash.mode != "sha256" or record_hash(data) != f"sha256={file.hash.value}"):
            raise WheelError(f"the installed grader's {where} is not the file it was installed with (its RECORD "
                             f"says otherwise), so the wheel would not be the version it claims; reinstall "
                             f"nn-grader or {HOW_TO_BUILD}")
        entries.append((str(path), data, 0o755 if mode & stat.S_IXUSR else 0o644))
    names = {name for name, _, _ in entries}
    missing = [name for name in (f"{info}/METADATA", f"{info}/WHEEL") if name not in names]
    if missing:
        raise WheelError(f"the installed {DISTRIBUTION} lacks {', '.join(missing)}; {HOW_TO_BUILD}")
    tags = _tags(next(data for name, data, _ in entries if name == f"{info}/WHEEL").decode())
    if not tags:
        raise WheelError(f"the installed {DISTRIBUTION}'s WHEEL file names no tag; {HOW_TO_BUILD}")
    output = folder / f"{info.removesuffix('.dist-info')}-{tags}.whl"
    rows = io.StringIO()  # RECORD is CSV: the csv module quotes a path holding a comma or a quote
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerows([name, record_hash(data), len(data)] for name, data, _ in entries)
    writer.writerow([f"{info}/RECORD", "", ""])
    record = rows.getvalue()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in [*entries, (f"{info}/RECORD", record.encode(), 0o644)]:
            member = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            member.external_attr = (stat.S_IFREG | mode) << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, data)
    return output


def _tags(wheel_file: str) -> str:
    """The wheel file name's tag part (py3-none-any) from the WHEEL file's Tag lines, compressed as PEP 425 does."""
    tags = [line.split(":", 1)[1].strip() for line in wheel_file.splitlines() if line.startswith("Tag:")]
    parts = [tag.split("-") for tag in tags if tag.count("-") == 2]
    if not parts:
        return ""
    return "-".join(".".join(sorted({p[i] for p in parts}, key=[q[i] for q in parts].index)) for i in range(3))
