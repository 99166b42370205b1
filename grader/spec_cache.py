"""Exercise specs compiled once: a lone `grade FILE` reads the validated exercise back instead of its YAML.

Why: a lone grade's own process is its critical path (the zygote is ready well before the grader asks it anything),
and PyYAML's import (8 ms) plus walking the spec's nodes (2 ms) were about a tenth of it, for a file that rarely
changes. Only `grade FILE` (`grade check`) uses this; `validate`, `inspect`, batches and the platforms read the YAML.

What is kept: the `Exercise` that `spec.from_bytes` built from a spec's bytes, written as JSON of plain values and
the spec's own record types (never pickle: reading an entry runs no code of its). Only an exercise that loaded
without error is kept, so every message about a bad spec still comes from reading the YAML.

The key (the entry's file name) is a SHA-256 of everything the exercise could depend on: the spec's bytes and the
path it was read under (both are in the exercise), that path resolved (a relative `mat:` path is kept resolved
against the spec's real folder), this module's and the spec reader's source (spec.py and the engine's
vocabularies), the grader's version, Python's and numpy's versions, and PyYAML's installed file. An entry that
does not decode into an exercise is a miss, and the YAML is read.

Where: `grader/__pycache__/specs/`, beside the grader's own compiled modules, and written only when Python writes
those (not under PYTHONDONTWRITEBYTECODE or -B). An entry decides what a grade expects, so it must be out of reach
of student code, and there it is exactly as far out of reach as the grader's code itself: a sandbox that lets a
submission write there (the portable runner, or the Linux runner without root and without Landlock, on an install
the grading user owns) already lets it rewrite the grader's modules; a sandbox that does not (the Linux runner as
root, or with Landlock) keeps it from both. Where the folder cannot be written, nothing is kept and each grade
reads the YAML, as before. Entries are written to a fresh private file, flushed to the disk and renamed into place
(0600, in a 0700 folder), so a reader never sees half an entry, and each carries a CRC-32 of its content checked on
read (`seal`), so a damaged one is a miss, rewritten by that grade.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib
from pathlib import Path
from types import MappingProxyType

from . import __version__
from .engine.network import Network
from .spec import (
    MAX_SPEC_BYTES,
    Case,
    Dataset,
    Exercise,
    FullSize,
    Function,
    Part,
    Training,
    Values,
    from_bytes,
)

try:  # see `sha256`
    from _sha2 import sha256 as _new_sha256  # Python 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256 as _new_sha256  # Python 3.11
    except ImportError:  # a build without Python's own hashes
        from hashlib import sha256 as _new_sha256

PACKAGE = Path(__file__).resolve().parent
FOLDER = PACKAGE / "__pycache__" / "specs"
FORMAT = 2  # bump when the encoding below changes (2: sealed with a CRC-32, `seal`)
KEEP = 32  # entries kept in the folder (`_prune`)
MAX_ENTRY_BYTES = 16 * 2**20  # a larger entry is not kept (`write_bytes`): the folder holds at most KEEP of these
# The record types an exercise is made of: an entry may name only these.
_RECORDS = {cls.__name__: cls for cls in (Exercise, Network, Function, Values, Case, Part, Dataset, Training, FullSize)}
# Source files whose code decides what a spec's bytes become (their content is in the key).
_READERS = ("spec_cache.py", "spec.py", "engine/network.py", "engine/activations.py", "engine/losses.py")
_SCALARS = (str, int, float, bool, type(None))


def load(path: Path) -> Exercise:
    """`spec.load(path)`, from the compiled entry when there is one; else read as YAML, and kept when valid.

    A path that is not a regular file, or too large, goes to `spec.load`, which says why in its words."""
    from .spec import load as read_yaml

    try:
        if not path.is_file() or path.stat().st_size > MAX_SPEC_BYTES:
            return read_yaml(path)
        data = path.read_bytes()
    except OSError:
        return read_yaml(path)
    key = entry_key(data, str(path))
    found = read_entry(key) if key is not None else None
    if found is not None:
        return found
    exercise = from_bytes(data, str(path))  # a SpecError goes to the caller; nothing is kept
    if key is not None:
        write_entry(key, exercise)
    return exercise


def entry_key(data: bytes, file: str) -> str | None:
    """The entry's name: a SHA-256 of the spec's bytes and path and of everything that reads them; None when one
    of those cannot be read (an install without the grader's sources): then nothing is kept or read.

    The path both as given and resolved (symlinks followed, against the current folder): the reader resolves a
    relative `mat:` path against the spec's real folder and keeps the result, so the same typed path from another
    course folder, or through a switched symlink, is another entry (review 37p, R37P-1)."""
    import numpy

    digest = sha256()
    try:
        for part in (str(FORMAT), __version__, sys.version, numpy.__version__, _yaml_stamp(), file,
                     os.path.realpath(file)):
            digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(sources(_READERS))
    except OSError:
        return None
    digest.update(data)
    return digest.hexdigest()


def sources(names: tuple[str, ...]) -> bytes:
    """The grader's source files of these names (relative to the package), each followed by a NUL. Raises OSError."""
    return b"".join((PACKAGE / name).read_bytes() + b"\0" for name in names)


def sha256():
    """A new SHA-256 from Python's own implementation, which hashlib falls back to: hashlib itself loads OpenSSL
    (`_hashlib`), 2 ms of a lone grade that nothing else there needs. The same digest either way."""
    return _new_sha256()


def _yaml_stamp() -> str:
    """PyYAML's installed file (its path, size and time): another version may read the same bytes otherwise.
    Found without importing it, which is what the cache saves."""
    from importlib.util import find_spec

    found = find_spec("yaml")
    origin = found.origin if found is not None else None
    if not origin:
        return "no yaml"
    info = os.stat(origin)
    return f"{origin}:{info.st_size}:{info.st_mtime_ns}"


def read_entry(key: str) -> Exercise | None:
    """The exercise kept under `key`, or None (no entry, or one that does not decode into an exercise)."""
    try:
        with open(FOLDER / f"{key}.json", "rb") as file:
            content = unsealed(file.read(4 * MAX_SPEC_BYTES + 1))
        if content is None:
            return None
        exercise = decode(json.loads(bytes(content)))
    except Exception:  # whatever the bytes (review 37p, R37P-5): an entry only saves time, the YAML decides
        return None
    return exercise if isinstance(exercise, Exercise) else None


def write_entry(key: str, exercise: Exercise) -> None:
    """Keep `exercise` under `key`, when Python would write bytecode and the folder can be written; an exercise
    that does not encode, or would not read back equal, is not kept. Never raises for the cache's sake."""
    if sys.dont_write_bytecode:
        return
    try:
        encoded = encode(exercise)
        if decode(encoded) != exercise:
            return
        text = json.dumps(encoded, separators=(",", ":"), allow_nan=False).encode("utf-8")
        write_bytes(FOLDER / f"{key}.json", text)
    except (OSError, TypeError, ValueError, RecursionError):
        return


def write_bytes(path: Path, data: bytes) -> None:
    """Write an entry whole or not at all: into a fresh 0600 file of the 0700 folder, sealed (`seal`), flushed to
    the disk, then renamed over `path`, so a reader (another grade at the same time, or the next one after a
    crash) sees the old entry, none, or the new one (review 37p, R37P-2: without the fsync a power cut could leave
    the renamed file zero-filled). Raises OSError.

    An entry over MAX_ENTRY_BYTES is not written, so the folder stays within KEEP × 16 MB (review 37p, R37P-4: a
    valid spec's inputs made a 147 MB entry, 4.7 GB for a folder of them); a grade whose inputs are that large
    takes seconds, and the 10 ms saved do not matter to it."""
    if len(data) > MAX_ENTRY_BYTES:
        return
    os.makedirs(path.parent, mode=0o700, exist_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(seal(data))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    _prune(path.parent)


def seal(content: bytes) -> bytes:
    """`content` after its CRC-32 (4 bytes, little-endian): an entry whose bytes changed after it was written (disk
    errors, a crash before the data reached the disk) is told from a valid one, which the length and structure
    checks alone did not do (review 37p, R37P-2: zeroed inputs gave wrong files full marks). 1 ms per 3 MB entry,
    where a SHA-256 would cost 10. A check against damage, not against a writer: see docs/security.md "Cost"."""
    return struct.pack("<I", zlib.crc32(content)) + content


def unsealed(data) -> memoryview | None:
    """The content of a sealed entry (`seal`), without copying it; None when its CRC-32 does not match."""
    view = memoryview(data)
    if len(view) < 4 or struct.unpack("<I", view[:4])[0] != zlib.crc32(view[4:]):
        return None
    return view[4:]


def _prune(folder: Path) -> None:
    """Keep the folder's newest `KEEP` entries: each change of a spec or of the grader makes new ones (an inputs
    entry is about 3 MB), and an entry whose key nothing makes any more is never read again."""
    try:
        entries = sorted((e for e in os.scandir(folder) if e.is_file(follow_symlinks=False)),
                         key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns, reverse=True)
        for entry in entries[KEEP:]:
            os.unlink(entry.path)
    except OSError:  # another grade pruned it first
        pass


def encode(value):
    """JSON-ready form: a record as {"r": type name, "f": fields}, a mapping as {"m": [[key, value], ...]}, a
    tuple as {"t": [...]}, scalars as they are. Anything else (a list, a numpy value) raises TypeError."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind.__name__ in _RECORDS and _RECORDS[kind.__name__] is kind:
        return {"r": kind.__name__, "f": [encode(v) for v in value]}
    if kind is MappingProxyType:
        return {"m": [[encode(k), encode(v)] for k, v in value.items()]}
    if kind is tuple:
        return {"t": [encode(v) for v in value]}
    raise TypeError(f"cannot keep a {kind.__name__} in a compiled spec")


def decode(value):
    """The inverse of `encode`; a record's type must be one of `_RECORDS`, with exactly its fields."""
    if type(value) in _SCALARS:
        return value
    if type(value) is not dict or len(value) != (2 if "r" in value else 1):
        raise ValueError("not a compiled spec")
    if "r" in value:
        record = _RECORDS[value["r"]]
        fields = value["f"]
        if type(fields) is not list or len(fields) != len(record._fields):
            raise ValueError("not a compiled spec")
        return record(*(decode(v) for v in fields))
    items = value.get("m", value.get("t"))
    if type(items) is not list:
        raise ValueError("not a compiled spec")
    if "m" in value:
        return MappingProxyType({decode(k): decode(v) for k, v in items})
    return tuple(decode(v) for v in items)
