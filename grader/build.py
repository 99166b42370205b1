"""Which grader graded: its version and a digest of its own code.

`__version__` stays the same between releases, so on its own it cannot tell a grader whose grading code
changed (an upgrade from a source tree, an edited install) from the one that filled a gradebook, nor a Dask
worker running other code from its client. The build id can: a rerun of `grade batch` regrades what an older
build graded, and a worker of another build is refused.
"""

import hashlib
from functools import cache
from pathlib import Path


@cache
def build_id() -> str:
    """`<version>+<first 12 hex digits of the sha256 of every .py file of the package, by relative path>`."""
    from . import __version__

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{__version__}+{digest.hexdigest()[:12]}"
