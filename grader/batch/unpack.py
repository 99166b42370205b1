"""Unpacking an LMS download (.zip) safely into a private folder.

A zip comes from outside: it may hold `../` or absolute paths, symbolic links, more entries or bytes
than any class needs, or a "zip bomb" whose entries claim small sizes and inflate without end. Every
entry's name is checked before anything is written, symlinks and other special files are refused,
and the bytes written are counted as they are inflated (not taken from the header), so the limits
hold whatever the zip claims. A refused zip writes nothing that stays behind: UnpackError names it
and why, in one line.
"""

import os
import shutil
import stat
import time
import zipfile
from pathlib import Path, PurePosixPath

MAX_ENTRIES = 20_000  # entries written
MAX_LISTED = 200_000  # entries a student's zip may list (a .venv zipped along): only its code is written
MAX_TOTAL_BYTES = 512 << 20  # a class of 1000 students with 500 kB notebooks each fits
MAX_ENTRY_BYTES = 64 << 20
# A notebook: the grader reads it and keeps only its code (grader/submission.py), so its outputs (images the
# student left in it) do not count toward the sandbox's limit; only toward this bound on what is read, in
# a zip or not.
MAX_NOTEBOOK_BYTES = 128 << 20
_ENCRYPTED = 0x1
# A zip refused by the bounds above whose entries inflate more than this many-fold is called a likely bomb in
# its line. The ratio refuses nothing by itself: a class's own files may inflate more (a notebook of one line
# printed a hundred thousand times, a .npy of zeros: acceptance run 9 D4, review 16 F4), and the bounds, on
# the sizes the zip claims (checked before anything is written) and on the bytes really inflated, hold anyway.
MAX_RATIO = 200
_CHUNK = 1 << 16


class UnpackError(Exception):
    """A zip that is refused; the message is one line naming the zip and the reason."""


def _safe_parts(name: str) -> tuple[str, ...] | None:
    """The entry's path as folder names, or None when it could escape the target (absolute, .., drive)."""
    if "\\" in name or "\x00" in name:
        name = name.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = tuple(p for p in path.parts if p not in ("", "."))
    if any(p == ".." or "\x00" in p for p in parts):
        return None
    return parts


_UTF8_FLAG = 0x800


def _utf8_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as unzip shows it. A name without the zip's UTF-8 flag is cp437 by the format, and
    Python decodes it so; but Info-ZIP's `zip` (Linux, macOS) writes UTF-8 names without the flag, and
    'Carol Díaz' would become 'Carol D├¡az', another student than the same class's folder gives. Such a
    name that is valid UTF-8 is read as UTF-8 (a real cp437 name almost never is)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _is_special(info: zipfile.ZipInfo) -> bool:
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip records no Unix type (Windows, writestr)
    return kind not in (0, stat.S_IFREG, stat.S_IFDIR)


def unpack(archive: Path, target: Path, shown: str, wanted=None, room: int | None = None) -> int:
    """Unpack `archive` into the existing empty folder `target`; raise UnpackError when it is refused.

    `wanted` (the entry's folder names -> bool): only those entries are written and checked (the others are
    never written, so nothing in them can escape); `room`: the bytes they may inflate to (MAX_TOTAL_BYTES).
    Returns the bytes written."""
    written, room = 0, MAX_TOTAL_BYTES if room is None else room
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            listed = MAX_ENTRIES if wanted is None else MAX_LISTED
            if len(infos) > listed:
                raise UnpackError(f"{shown}: refused: {len(infos)} entries, more than the limit of {listed}")
            for info in infos:
                info.filename = _utf8_name(info)
            if wanted is not None:  # a name that could escape is refused whatever it holds
                infos = [i for i in infos if not i.is_dir() and (_safe_parts(i.filename) is None
                                                                 or wanted(_safe_parts(i.filename)))]
                if len(infos) > MAX_ENTRIES:
                    raise UnpackError(f"{shown}: refused: {len(infos)} code files, more than the limit of "
                                      f"{MAX_ENTRIES}")
            infos = list({_safe_parts(i.filename) or i.filename: i for i in infos}.values())  # as unzip: the last
            _check_entries(infos, shown, room)
            for info in infos:
                parts = _safe_parts(info.filename)
                if not parts:
                    continue
                destination = target.joinpath(*parts)
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True, mode=0o700)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                written = _extract(zf, info, destination, written, shown, room)
    except UnpackError:
        raise
    except zipfile.BadZipFile as error:
        raise UnpackError(f"{shown}: not a valid zip file ({error})") from None
    except (OSError, RuntimeError, NotImplementedError, ValueError, EOFError) as error:
        # RuntimeError/NotImplementedError: encrypted entries or an unsupported compression method.
        detail = getattr(error, "strerror", None) or str(error)
        raise UnpackError(f"{shown}: cannot be unpacked ({detail})") from None
    return written


def _check_entries(infos: list[zipfile.ZipInfo], shown: str, room: int) -> None:
    claimed = compressed = 0
    for info in infos:
        if _safe_parts(info.filename) is None:
            raise UnpackError(f"{shown}: refused: entry '{info.filename}' would be written outside the folder")
        if _is_special(info):
            raise UnpackError(f"{shown}: refused: entry '{info.filename}' is a symbolic link or special file")
        if info.flag_bits & _ENCRYPTED:
            raise UnpackError(f"{shown}: refused: entry '{info.filename}' is password-protected (zip it again "
                              f"without a password)")
        claimed += info.file_size
        compressed += info.compress_size
        if info.file_size > _entry_limit(info):
            size, limit = _megabytes(info.file_size), _megabytes(_entry_limit(info))
            advice = _bomb(info.file_size, info.compress_size) or \
                (" (clear its outputs and save it again)" if _notebook(info) else "")
            raise UnpackError(f"{shown}: refused: entry '{info.filename}' would unpack to {size}, more than the "
                              f"{limit} an entry may hold{advice}")
        if claimed > room:
            raise UnpackError(f"{shown}: refused: it would unpack to more than {_megabytes(room)} "
                              f"(at '{info.filename}', {len(infos)} entries in all){_bomb(claimed, compressed)}")


def _bomb(inflated: int, compressed: int) -> str:
    """What a refusal's line adds when the bytes refused would inflate like a zip bomb's."""
    return f" (a zip bomb? {inflated // max(compressed, 1)}-fold)" if inflated > MAX_RATIO * max(compressed, 1) else ""


def _notebook(info: zipfile.ZipInfo) -> bool:
    return info.filename.lower().endswith(".ipynb")


def _entry_limit(info: zipfile.ZipInfo) -> int:
    """A notebook may be as large in a zip as on its own (its outputs are never run); anything else 64 MB."""
    return MAX_NOTEBOOK_BYTES if _notebook(info) else MAX_ENTRY_BYTES


def _megabytes(size: int) -> str:
    """69.3 MB, 3 MB, 512 kB: a bound's size as a person would say it."""
    megabytes = size / (1 << 20)
    if megabytes < 1:
        return f"{size >> 10} kB"
    return f"{megabytes:.0f} MB" if megabytes == round(megabytes) or megabytes >= 10 else f"{megabytes:.1f} MB"


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path, written: int, shown: str,
             room: int) -> int:
    """Copy one entry, counting the bytes really inflated against the limits (headers can lie)."""
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    entry_bytes, limit = 0, _entry_limit(info)
    with zf.open(info) as source, os.fdopen(fd, "wb") as out:
        while chunk := source.read(_CHUNK):
            entry_bytes += len(chunk)
            written += len(chunk)
            if entry_bytes > limit or written > room:
                raise UnpackError(f"{shown}: refused: entry '{info.filename}' inflates past its limits (a zip bomb?)")
            out.write(chunk)
    _date_as_zipped(destination, info)
    return written


def _date_as_zipped(path: Path, info: zipfile.ZipInfo) -> None:
    """Give the file the time the zip records for it (local time, as `unzip` does): which of a student's
    files is the newest is read from it, and an unpacking's own order must not decide that."""
    try:
        stamp = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(path, (stamp, stamp))
    except (OverflowError, ValueError, OSError):  # a date the zip made up (month 0): the unpacking's time stays
        pass


MAX_STUDENT_ZIP_BYTES = 256 << 20  # one student's zip: two notebooks as large as a notebook may be
MAX_STUDENT_ZIPS_BYTES = 4 << 30  # all of a batch's: a guard for the disk, far above any class's code


class StudentArchives:
    """Students' own zips, opened after discovery found one where a student has no submission: a zipped
    Exercise4 folder in the student's folder, or an upload named for the student (`doejane_12346_67891_
    Exercise4.zip`, `alice_ex5.zip`). Only the Python files and notebooks in it are written (the course's
    folder also holds its data, about 8 MB a student; a zip inside it is only named, by an empty file of its
    name, never opened), each zip into a folder of its own, within MAX_STUDENT_ZIP_BYTES whatever the
    classmates' zips hold, and all of one batch's within MAX_STUDENT_ZIPS_BYTES; the rules and messages are
    those of a zip given as a PATH."""

    def __init__(self, scratch: Path, suffixes: tuple[str, ...]):
        self.scratch, self.suffixes, self.left, self.opened = scratch, suffixes, MAX_STUDENT_ZIPS_BYTES, 0

    def open(self, archive: Path, shown: str) -> Path:
        """The folder `archive`'s wanted files are in; UnpackError (one line) when it is refused."""
        if not stat.S_ISREG(os.lstat(archive).st_mode):  # discovery passes regular files only; a FIFO would block
            raise UnpackError(f"{shown}: not a regular file")
        self.opened += 1
        target = self.scratch / f"student-zip-{self.opened}"
        target.mkdir(mode=0o700)
        try:
            self.left -= unpack(archive, target, shown, self._wanted, min(MAX_STUDENT_ZIP_BYTES, self.left))
            self._name_inner_zips(archive, target)
        except UnpackError:
            shutil.rmtree(target, ignore_errors=True)
            raise
        except OSError as error:
            shutil.rmtree(target, ignore_errors=True)
            raise UnpackError(f"{shown}: cannot be unpacked ({error.strerror or error})") from None
        return target

    def _wanted(self, parts: tuple[str, ...]) -> bool:
        return bool(parts) and PurePosixPath(parts[-1]).suffix.lower() in self.suffixes and _visible(parts)

    @staticmethod
    def _name_inner_zips(archive: Path, target: Path) -> None:
        """An empty file for each zip inside (a safe, visible name only), so the student's line can name it."""
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist()[:MAX_ENTRIES]:
                parts = _safe_parts(_utf8_name(info))
                if parts and parts[-1].lower().endswith(".zip") and not info.is_dir() and _visible(parts):
                    target.joinpath(*parts).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    target.joinpath(*parts).touch(mode=0o600)


def _visible(parts: tuple[str, ...]) -> bool:
    return not any(p.startswith((".", "__MACOSX")) for p in parts)
