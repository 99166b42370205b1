"""Finding exercise specs: the ones shipped with the package, an instructor's folders, by name or file.

An instructor's folders come from GRADER_EXERCISES (a path list, like PATH) and --exercises-dir;
their *.yaml files are found by name (the file's stem) without a reinstall. A name found in two
files is an error naming both: which one is meant would otherwise depend on the search order.
"""

import os
import re
from pathlib import Path

ENVIRONMENT = "GRADER_EXERCISES"


class ExerciseConflict(Exception):
    """Two spec files define the same exercise name, or a listed folder is unusable; str() says which."""


def shipped() -> dict[str, Path]:
    """Exercise id -> spec path: installed as grader/exercises/, or the source tree's exercises/."""
    here = Path(__file__).resolve().parent
    for folder in (here / "exercises", here.parent / "exercises"):
        specs = sorted(folder.glob("*.yaml"))
        if specs:
            return {p.stem: p for p in specs}
    return {}


def folders(extra: tuple[Path, ...] = ()) -> list[Path]:
    """The instructor's folders: GRADER_EXERCISES's entries (empty ones skipped), then `extra`."""
    listed = [Path(p) for p in os.environ.get(ENVIRONMENT, "").split(os.pathsep) if p]
    return [*listed, *extra]


def available(extra: tuple[Path, ...] = ()) -> dict[str, Path]:
    """Name -> spec path for the shipped exercises and every *.yaml / *.yml in the instructor's folders."""
    found = dict(shipped())
    for folder in folders(extra):
        if not folder.is_dir():
            source = f"{ENVIRONMENT}" if folder not in extra else "--exercises-dir"
            raise ExerciseConflict(f"{source}: {folder} is not a folder; expected a folder of exercise YAML files")
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            name = path.stem
            if name in found and found[name].resolve() != path.resolve():
                raise ExerciseConflict(f"the exercise name '{name}' is defined twice: {found[name]} and {path}; "
                                       f"rename one of the files")
            found[name] = path
    return found


def for_submission(submission: Path, available: dict[str, Path]) -> str | None:
    """The exercise a file name points at: its stem, or the longest id it starts with (EX5_v2.py -> ex5)."""
    stem = submission.stem.lower()
    if stem in available:
        return stem
    matches = [i for i in available if re.match(rf"{re.escape(i.lower())}(?![a-z0-9])", stem)]
    return max(matches, key=len) if matches else None
