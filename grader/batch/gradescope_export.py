"""Gradescope's "Export Submissions" download: a folder per submission (`submission_123456/`) beside
`submission_metadata.yml`, which names each submission's submitters (Ruby-style keys: `:submitters:`, `:sid:`,
`:email:`, `:name:`, `:created_at:`). The folder's name means nothing to the staff, so each submitter gets the
submission's row under their SID, else their email, else their name, else the folder's name (as without the
metadata). A group submission gives each of its submitters a row of their own, graded from the same file (each
student's grade is theirs, as on Gradescope). A submitter named by two submissions (the export given twice, or a
student in two groups) keeps the newest by Gradescope's `:created_at:` (`latest`), with a note.

The metadata is read with PyYAML's BaseLoader: safe, and every value a string (an SID `007` stays `007`).
Missing or malformed metadata is a one-line note, and the submissions keep their folders' names.
"""

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # discover.py calls this module
    from .discover import Submission

METADATA = "submission_metadata.yml"
# A class's export holds each submission's results too: a few kB each. Parsing costs ~60 bytes of memory per
# byte, so a metadata file past this is refused unread (a 90 MB one took 5.6 GB: review 25 sec, S3).
METADATA_BYTES = 16 << 20
_FOLDER = re.compile(r"^submission_\d+$")
_UNSET = {"", "~", "null", "nil"}
# Gradescope writes Ruby's time: "2026-12-01 10:00:00.123456000 -0800" (fractions and zone optional).
_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.\d+)?\s*(?:(Z|UTC)|([+-]\d\d):?(\d\d))?$")


class MetadataError(Exception):
    """submission_metadata.yml is not what Gradescope writes; str() says what is wrong."""


def _key(mapping: dict, name: str):
    """A Ruby symbol key (`:sid`) or a plain one (`sid`)."""
    return mapping.get(f":{name}", mapping.get(name))


def _submitted(text) -> float | None:
    """Seconds since the epoch of a `:created_at:` time, None when it is missing or not a time."""
    match = _TIME.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    date, clock, utc, hours, minutes = match.groups()
    zone = "+00:00" if utc else f"{hours}:{minutes}" if hours else ""
    try:  # the regex checks the shape only: month 13, 24:00 or a zone of +24:00 is no time either
        return datetime.fromisoformat(f"{date}T{clock}{zone}").timestamp()
    except ValueError:
        return None


def _who(submitter) -> str:
    """A submitter's id: the SID if set, else the email, else the name ("" when none is set)."""
    if not isinstance(submitter, dict):
        return ""
    for name in ("sid", "email", "name"):
        value = _key(submitter, name)
        if isinstance(value, str) and value.strip() not in _UNSET:
            return value.strip()
    return ""


def submission_folder(name: str) -> bool:
    """True for the name of an export's folder of one submission (`submission_123456`)."""
    return bool(_FOLDER.match(name))


def exported(folder: Path) -> bool:
    """True when a folder is laid out as an export: the metadata beside a `submission_123456/` folder."""
    try:
        return (folder / METADATA).is_file() and any(p.is_dir() and _FOLDER.match(p.name) for p in folder.iterdir())
    except OSError:
        return False


def read_metadata(path: Path) -> dict[str, tuple[list[str], float | None]]:
    """Folder name -> (its submitters' ids, when it was submitted); MetadataError when it cannot be read."""
    import yaml

    try:
        with path.open("rb") as file:
            raw = file.read(METADATA_BYTES + 1)
        if len(raw) > METADATA_BYTES:
            raise MetadataError(f"is larger than {METADATA_BYTES >> 20} MB, more than Gradescope writes for a class")
        # libyaml's BaseLoader when there is one: an export's metadata holds every submission's results
        data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CBaseLoader", yaml.BaseLoader))
    except OSError as error:
        raise MetadataError(f"cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise MetadataError("is not UTF-8 text") from None
    except RecursionError:
        raise MetadataError("is nested too deeply to be Gradescope's") from None
    except MemoryError:
        raise MetadataError("is too large to read in the memory left") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise MetadataError(f"is not valid YAML{f' (line {mark.line + 1})' if mark else ''}") from None
    if not isinstance(data, dict):
        raise MetadataError("expected a mapping of submission folders (submission_123456:) to their submitters")
    metadata = {}
    for folder, entry in data.items():
        submitters = _key(entry, "submitters") if isinstance(entry, dict) else None
        if isinstance(submitters, list):
            ids = list(dict.fromkeys(who for who in map(_who, submitters) if who))
            metadata[folder] = (ids, _submitted(_key(entry, "created_at")))
    return metadata


def by_submitter(found: list["Submission"], folder: Path, label: str) -> tuple[list["Submission"], list[str]]:
    """The submissions of a folder of students, each of its `submission_123456/` folders under its submitters'
    ids when the folder is a Gradescope export; the notes to show (metadata missing, unreadable, incomplete)."""
    ours = [s for s in found if s.own_folder and _FOLDER.match(s.student)
            and f"{s.shown_as}/".startswith(f"{label}/{s.student}/")]
    metadata_file = folder / METADATA
    has_metadata = bool(ours) and metadata_file.is_file()
    if not ours or not (has_metadata or len(ours) > 1):
        return found, []
    if not has_metadata:
        return found, [f"note: {label}: no {METADATA} beside its submission_* folders (a Gradescope export?); "
                       f"its students are named by their folders"]
    return _named(found, ours, metadata_file, f"{label}/{METADATA}")


def one_submission(submission: "Submission", path: Path) -> tuple[list["Submission"], list[str]]:
    """A PATH that is one submission's folder of an export (`grade batch export/submission_123456`, to grade it
    again): under its submitters' ids, as the export's own run names them; the notes to show."""
    home = next((p for p in (path, *path.parents) if p.name == submission.student), None)
    if home is None or not _FOLDER.match(home.name) or not (home.parent / METADATA).is_file():
        return [submission], []
    return _named([submission], [submission], home.parent / METADATA, str(home.parent / METADATA))


def _named(found: list["Submission"], ours: list["Submission"], metadata_file: Path,
           shown: str) -> tuple[list["Submission"], list[str]]:
    """`found`, with those of `ours` (an export's submission folders) under the submitters the metadata names."""
    try:
        metadata = read_metadata(metadata_file)
    except MetadataError as error:
        return found, [f"note: {shown}: {error}; the submissions are named by their folders"]
    exported = {id(s) for s in ours}
    named, unnamed = [], []
    for submission in found:
        if id(submission) not in exported:
            named.append(submission)
            continue
        ids, submitted = metadata.get(submission.student, ([], None))
        if not ids:
            unnamed.append(submission.student)
        named += [replace(submission, student=who, passed_over=list(submission.passed_over), submitted=submitted,
                          export_folders=[submission.student]) for who in ids] or [submission]
    notes = [f"note: {shown} names no submitter of {', '.join(unnamed)}; named by the folder"] if unnamed else []
    # a submission the metadata lists with no folder of its own in the export: said, not silently absent (S10)
    absent = [f"{', '.join(ids)} ({folder})" for folder, (ids, _) in metadata.items()
              if ids and _FOLDER.match(folder) and not (metadata_file.parent / folder).exists()]
    if absent:
        notes.append(f"note: {shown} names submitters whose folder the export does not hold, not graded: "
                     f"{', '.join(absent)}")
    return named, notes


def latest(entries: list["Submission"]) -> tuple[list["Submission"], list["Submission"]]:
    """One student's candidates without those Gradescope records as submitted before another (the export
    given twice, or a student in two submissions), and those; `passed_over` lists them on the one graded."""
    times = [s.submitted for s in entries if s.submitted is not None]
    if len(set(times)) < 2:
        return entries, []
    newest = max(times)
    kept = [s for s in entries if s.submitted is None or s.submitted == newest]
    return kept, [s for s in entries if s.submitted is not None and s.submitted != newest]


def passed_over(chosen: "Submission", older: list["Submission"]) -> str:
    """The note on `chosen`, the candidate graded among those `latest` kept (the export given twice keeps a copy
    of each: the note names the one the row records, review 20 R15), with `older` listed as passed over."""
    chosen.passed_over = chosen.passed_over + [s.shown_as for s in older]
    return (f"note: {chosen.student} is a submitter of more than one Gradescope submission: the newest, "
            f"{chosen.shown_as}, is graded ({', '.join(s.shown_as for s in older)} passed over)")
