"""Finding exercise specs: the ones shipped with the package, an instructor's folders, by name or file.

An instructor's folders come from GRADER_EXERCISES (a path list, like PATH) and --exercises-dir;
their *.yaml files are found by name (the file's stem) without a reinstall. A name found in two
files is an error naming both: which one is meant would otherwise depend on the search order.
"""

import os
import re
from pathlib import Path
from typing import NamedTuple

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


def known_names(extra: tuple[Path, ...] = (), excluding: str | None = None) -> tuple[str, ...]:
    """Every known exercise's id and aliases (shipped, GRADER_EXERCISES, `extra` folders): a file named for one
    of them is that exercise's work (ex5_mse.py beside ex5.py), in a batch and on a platform alike. `excluding`:
    an exercise id whose names are left out (the one graded, even from a copy of its spec with fewer aliases)."""
    return tuple(name for name, exercise in every_name(available(extra)).items() if exercise != excluding)


def every_name(available: dict[str, Path], known: dict[str, str] | None = None) -> dict[str, str]:
    """Every exercise's id and alias -> its id; `known` is `aliases(available)` when the caller has it."""
    return {exercise: exercise for exercise in available} | (aliases(available) if known is None else known)


def aliases(available: dict[str, Path], compiled: bool = False) -> dict[str, str]:
    """Alias -> exercise id, from each spec's top-level `aliases` list (read without validating the spec).

    Runs on every `grade FILE`, so it stays cheap: a spec with no top-level `aliases` key (see
    `_may_have_aliases`) is not parsed, and the others are only composed (no values built) to read that key.
    `compiled` (`grade FILE`): a spec compiled already (spec_cache.py) gives its exercise's aliases, the same
    names for a spec that loads (every one a name), without importing PyYAML."""
    found: dict[str, str] = {}
    for exercise, path in available.items():
        names = _declared_aliases(path, compiled)
        for name in names or ():
            if name == exercise:
                continue
            # a name two files claim is an error naming both, as for file names (author review 4, E9: an
            # instructor's alias `ex5` silently lost to the shipped ex5, whose cases the students then got)
            claimed = name if name in available else found.get(name, exercise)
            if claimed != exercise:
                other = available[claimed]
                raise ExerciseConflict(f"the exercise name '{name}' is defined twice: {other} and {path} "
                                       f"(as an alias); rename one of them")
            found[name] = exercise
    return found


def _declared_aliases(path: Path, compiled: bool) -> list[str] | None:
    """The text items of a spec's top-level `aliases` list, in order; None when it cannot be read (an unreadable
    spec is reported when it is used)."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as path.read_text reads it
    except (OSError, UnicodeDecodeError):
        return None
    if not _may_have_aliases(text):
        return []
    if compiled:
        from . import spec_cache

        key = spec_cache.entry_key(data, str(path))
        exercise = spec_cache.read_entry(key) if key is not None else None
        if exercise is not None:
            return list(exercise.aliases)
    import yaml

    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    pairs = root.value if isinstance(root, yaml.MappingNode) else []
    names = next((value for key, value in pairs if isinstance(key, yaml.ScalarNode) and key.value == "aliases"
                  and key.tag == "tag:yaml.org,2002:str"), None)
    return [node.value for node in (names.value if isinstance(names, yaml.SequenceNode) else [])
            if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"]


_FIRST_KEY = re.compile(r"^( *)[^ \t\r\n#%-]", re.M)  # the first line of content (not a comment, directive or ---)


def _may_have_aliases(text: str) -> bool:
    """False only when the text surely has no top-level `aliases` key, without parsing it.

    The top-level keys of a block mapping start their lines at the first key's indentation, so a line
    `aliases:` there (quoted or not) is needed; the functions' own `aliases`, which every shipped spec has,
    are indented further."""
    if re.search(r"^---[ \t]+[^ \t\r\n#]", text, re.M):
        return True  # content on the `---` line: parse to be sure
    first = _FIRST_KEY.search(text)
    if first is None:
        return False
    if text[first.end() - 1] in "{?":
        return True  # a {...} document or a `? key`: parse to be sure
    indent = first.group(1)
    return re.search(rf"""^{indent}(["']?)aliases\1[ \t]*:""", text, re.M) is not None


class NameMatch(NamedTuple):
    """What a submission's file name says: the exercise, the name that matched and the rest (a student id)."""

    exercise: str
    matched: str
    rest: str


class AmbiguousName(Exception):
    """The file name names two or more exercises; str() lists them."""

    def __init__(self, filename: str, matches: list[NameMatch]):
        listed = ", ".join(f"{m.exercise} (from '{m.matched}')" for m in matches)
        super().__init__(f"the file name '{filename}' names more than one exercise: {listed}")
        self.matches = matches


_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")  # "ex5 (1)": a browser's second download


def match_name(filename: str, names: dict[str, str]) -> NameMatch | None:
    """The exercise a file name points at (pure: `names` maps every id and alias to its exercise id).

    The stem is split at _, -, . and spaces (after dropping a "(1)" copy suffix); an exercise matches
    when its name equals one token or a run of tokens joined by _ or -, case-insensitively: exercise4.ipynb,
    ex4.py, jsmith_ex4.py, ex4_jsmith.py, "ex5 (1).py", lastfirst_12345_67890_ex4.py. A match inside a
    longer one (ex5 in ex5_mse) gives way to it. Two exercises left is AmbiguousName; none is None.
    """
    stem = _COPY_SUFFIX.sub("", Path(filename).stem.strip())
    tokens = [(m.start(), m.end()) for m in re.finditer(r"[^\s_.\-]+", stem)]
    lowered = {n.lower(): exercise for n, exercise in names.items()}
    found = []  # (start token, end token, name)
    for i in range(len(tokens)):
        for j in range(i, len(tokens)):
            text = stem[tokens[i][0]:tokens[j][1]].lower()
            if text in lowered:
                found.append((i, j, text))
    found = [f for f in found if not any(g != f and g[0] <= f[0] and f[1] <= g[1] for g in found)]
    if not found:
        return None
    matches = []
    for i, j, text in found:
        rest = "_".join(stem[a:b] for k, (a, b) in enumerate(tokens) if not i <= k <= j)
        matches.append(NameMatch(lowered[text], stem[tokens[i][0]:tokens[j][1]], rest))
    exercises = {m.exercise for m in matches}
    if len(exercises) > 1:
        raise AmbiguousName(Path(filename).name, matches)
    return matches[0]


def for_submission(submission: Path, available: dict[str, Path], known: dict[str, str] | None = None) -> str | None:
    """The exercise a submission's file name points at, by id or alias (see `match_name`); `known` is
    `aliases(available)` when the caller has it."""
    names = every_name(available, known)
    found = match_name(submission.name, names)
    return found.exercise if found else None
