"""A lone grade's hidden inputs read back from disk, instead of drawn from numpy's generators each time.

Why: the inputs a lone `grade FILE` sends with its first run (every case of `cases.build_all`, and the speed
note's screening case, `notes.screen_case`) come from seeded numpy Generators, and importing `numpy.random`
(with `secrets`, `hmac` and OpenSSL behind it) costs about 9 ms of the grader's own process, which is a lone
grade's critical path: the request cannot leave before them. The draws are deterministic (cases.py), so they are
kept once as raw arrays and read back. Nothing else about the grade changes: the same arrays, bit for bit, with
the same dtype, shape, memory order and read-only flag (checked before an entry is written).

Never for a grade with the course's secret: its cases are the hidden ones a grade for credit uses, and are kept
nowhere. The key and the folder are spec_cache.py's, with the same reasons: a SHA-256 of the exercise itself
(every seed and shape is in it), of the source that draws from it, and of the grader's, Python's and numpy's
versions; kept beside the grader's own bytecode, written only when Python writes that, privately, and renamed
into place. An entry that does not read back whole is a miss, and the inputs are drawn.

Format (after spec_cache.seal's CRC-32 of all that follows, checked on every read): a magic line, then the
header's length (8 bytes, little-endian), the header (JSON: per case its name, sizes and, per array field, dtype,
shape, memory order, offset and whether it is writable), then the arrays' bytes.
"""

from __future__ import annotations

import json
import mmap
import struct
import sys

import numpy as np

from . import __version__, spec_cache
from .cases import CaseData, build_all
from .spec import Exercise

MAGIC = b"nn-grader inputs 2\n"  # 2: sealed with a CRC-32 (spec_cache.seal)
# Source files whose code decides what an exercise's inputs are (their content is in the key).
_DRAWERS = ("input_cache.py", "cases.py", "notes.py", "engine/network.py")
_ARRAYS = ("X", "y", "params", "z")  # CaseData's array fields, besides the tuple `thetas`
_DTYPES = ("<f8", "<i8")


def load(exercise: Exercise) -> tuple[dict[str, CaseData], CaseData | None]:
    """Every case of `exercise` (`cases.build_all`) and its screening case (`notes.screen_case`, None without
    a full size): from the entry when there is one, else drawn, and kept."""
    key = entry_key(exercise)
    found = read_entry(key) if key is not None else None
    if found is not None:
        return found
    from .notes import screen_case

    inputs = build_all(exercise), (screen_case(exercise) if exercise.full_size is not None else None)
    if key is not None:
        write_entry(key, inputs)
    return inputs


def entry_key(exercise: Exercise) -> str | None:
    """A SHA-256 of the exercise and of what draws its inputs; None for one that does not encode, or where the
    grader's sources cannot be read."""
    try:
        encoded = json.dumps(spec_cache.encode(exercise), separators=(",", ":"), allow_nan=False)
        drawers = spec_cache.sources(_DRAWERS)
    except (TypeError, ValueError, OSError):  # OSError: an install without the grader's sources
        return None
    digest = spec_cache.sha256()
    for part in (MAGIC.decode(), __version__, sys.version, np.__version__, encoded):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(drawers)
    return "inputs-" + digest.hexdigest()


def _entry(key: str):
    return spec_cache.FOLDER / f"{key}.bin"


def read_entry(key: str) -> tuple[dict[str, CaseData], CaseData | None] | None:
    """The inputs kept under `key`, or None (no entry, or one that does not read back whole)."""
    try:
        with open(_entry(key), "rb") as file:
            # A private mapping: no copy of the 3 MB read up front, and writable (an array drawn writable reads
            # back so) without a write ever reaching the file. Entries are replaced by rename, never rewritten.
            data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_COPY)
    except (OSError, ValueError):  # ValueError: an empty file
        return None
    content = spec_cache.unsealed(data)
    return _parse(content) if content is not None else None


def _parse(data: memoryview) -> tuple[dict[str, CaseData], CaseData | None] | None:
    try:
        if data[:len(MAGIC)] != MAGIC:
            return None
        start = len(MAGIC) + 8
        (length,) = struct.unpack("<Q", data[len(MAGIC):start])
        header = json.loads(bytes(data[start:start + length]))
        body = data[start + length:]
        cases = {case["name"]: _case(case, body) for case in header["cases"]}
        screen = _case(header["screen"], body) if header["screen"] is not None else None
    except Exception:  # whatever the bytes: a deep header's RecursionError too (review 37p, R37P-5); the draws decide
        return None
    return cases, screen


def _case(fields: dict, body: memoryview) -> CaseData:
    arrays = {name: _array(fields[name], body) for name in _ARRAYS}
    return CaseData(str(fields["name"]), tuple(int(n) for n in fields["sizes"]),
                    thetas=tuple(_array(t, body) for t in fields["thetas"]), **arrays)


def _array(field, body: memoryview) -> np.ndarray | None:
    if field is None:
        return None
    dtype, shape, order, offset, writeable = field
    if dtype not in _DTYPES or order not in ("C", "F"):
        raise ValueError("not an inputs entry")
    shape = tuple(int(n) for n in shape)
    count = int(np.prod(shape, dtype=np.int64))
    array = np.frombuffer(body, dtype=np.dtype(dtype), count=count, offset=int(offset))
    array = array.reshape(shape) if order == "C" else array.reshape(shape[::-1]).T
    array.flags.writeable = bool(writeable)  # cases.py's arrays are read-only, the screening case's are not
    return array


def write_entry(key: str, inputs: tuple[dict[str, CaseData], CaseData | None]) -> None:
    """Keep `inputs` under `key` (spec_cache.write_entry's rules); inputs that would not read back exactly as
    they are (another dtype, a layout neither C nor Fortran) are not kept."""
    if sys.dont_write_bytecode:
        return
    cases, screen = inputs
    chunks: list[bytes] = []
    offset = [0]

    def field(array):
        if array is None:
            return None
        if array.dtype.str not in _DTYPES:
            raise ValueError("not kept")
        order = "C" if array.flags.c_contiguous else "F" if array.flags.f_contiguous else None
        if order is None:
            raise ValueError("not kept")
        raw = array.tobytes(order=order)
        chunks.append(raw)
        offset[0] += len(raw)
        return [array.dtype.str, list(array.shape), order, offset[0] - len(raw), bool(array.flags.writeable)]

    def case(data: CaseData):
        return {"name": data.name, "sizes": list(data.sizes), "thetas": [field(t) for t in data.thetas],
                **{name: field(getattr(data, name)) for name in _ARRAYS}}

    try:
        header = json.dumps({"cases": [case(c) for c in cases.values()],
                             "screen": case(screen) if screen is not None else None}).encode()
        blob = MAGIC + struct.pack("<Q", len(header)) + header + b"".join(chunks)
        if _same(_parse(memoryview(bytearray(blob))), inputs):
            spec_cache.write_bytes(_entry(key), blob)
    except (OSError, ValueError, TypeError):
        return


def _same(found, inputs) -> bool:
    """Do the inputs read back equal the ones drawn, field by field, with the same dtype, shape and strides?"""
    if found is None or list(found[0]) != list(inputs[0]) or (found[1] is None) != (inputs[1] is None):
        return False
    pairs = [(found[0][name], inputs[0][name]) for name in inputs[0]]
    pairs += [(found[1], inputs[1])] if inputs[1] is not None else []
    for got, want in pairs:
        if got.name != want.name or got.sizes != want.sizes or len(got.thetas) != len(want.thetas):
            return False
        arrays = [*zip(got.thetas, want.thetas, strict=True), *((getattr(got, n), getattr(want, n)) for n in _ARRAYS)]
        for a, b in arrays:
            if (a is None) != (b is None):
                return False
            if a is not None and (a.dtype != b.dtype or a.shape != b.shape or a.strides != b.strides
                                  or a.flags.writeable != b.flags.writeable or not np.array_equal(a, b)):
                return False
    return True
