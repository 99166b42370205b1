"""What an appeal needs to reproduce a grade: grader version, spec hash, submission hash, secret fingerprint."""

import hashlib
from pathlib import Path

from . import __version__
from . import secret as secrets


def sha256_of(path: Path | str | None) -> str | None:
    """The file's sha256 (hex), or None when there is no readable file."""
    if path is None:
        return None
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def provenance(spec_path: str | None, submission: Path | None, secret: bytes | None) -> dict:
    """`secret_fingerprint` is None when the public cases were used."""
    return {
        "grader_version": __version__,
        "spec_sha256": sha256_of(spec_path),
        "submission_sha256": sha256_of(submission),
        "secret_fingerprint": secrets.fingerprint(secret) if secret is not None else None,
    }


def as_text(data: dict) -> str:
    cases = (f"hidden cases seeded by the course's secret (fingerprint {data['secret_fingerprint']})"
             if data["secret_fingerprint"] else "the public hidden cases (no secret)")
    return (f"Graded by nn-grader {data['grader_version']} with {cases}; exercise spec sha256 "
            f"{data['spec_sha256'] or 'unknown'}; submission sha256 {data['submission_sha256'] or 'unknown'}.")
