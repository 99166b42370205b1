"""Resource limits and the worker's identity: rlimits, the unprivileged uid, death with the zygote."""
from __future__ import annotations

import math
import os
import resource

from .libc import _LIBC

_FILE_LIMIT = 16 << 20
_OPEN_FILES = 64
_PR_SET_PDEATHSIG = 1
_UNPRIVILEGED = 65534  # nobody: the uid and gid workers run as when the grader is root
_PROCESSES = 16  # RLIMIT_NPROC for the unprivileged uid (it counts every process of that uid)


def _set_limit(name: str, value: int, hard_extra: int = 0) -> None:
    """Lower a limit, never above the hard limit we already have (raising it would fail)."""
    if not hasattr(resource, name):
        return
    which = getattr(resource, name)
    hard = resource.getrlimit(which)[1]
    cap = math.inf if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(which, (min(value, cap), min(value + hard_extra, cap)))


def _die_with_parent(zygote: int) -> None:
    """If the zygote is killed, the worker must not linger (a sleeping worker uses no CPU time)."""
    if _LIBC is not None:
        import signal  # here, not at the top: launch.py (via slots.py) must import only light modules

        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != zygote:
        os._exit(71)
