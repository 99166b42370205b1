"""Heavy libraries a submission imports, loaded once in the zygote instead of once per worker (Linux runner).

A student who writes `from scipy.special import expit` makes every worker import scipy.special: about 0.3 s
of CPU per run, often more than the rest of that student's grade, and a grade has several runs. When a
request's source names scipy, the zygote imports scipy.special itself, once; every later worker of that zygote
(in a batch, every later student of that job slot) finds it loaded.

What the zygote imports is fixed here, never taken from the source: the source is only searched for the
word. The library holds nothing of the grader's, and the zygote imports it from the grader's own package
folders (`python -I`), never from the student's folder.

Fairness: a worker's address-space limit (--memory) counts every page mapped, and the loaded library maps
about 100 MB. So a worker forked after the preload gets that much more limit (`extra_bytes`), and each
student has the same room as without the preload, whether or not a classmate's code loaded it first.
"""
from __future__ import annotations

import os

LIBRARY = "scipy.special"
_tried = False
extra_bytes = 0  # address space the preload mapped: added to every later worker's RLIMIT_AS


def preload(source: str | None) -> None:
    """Import LIBRARY once, if this run's source mentions scipy; any failure is left for the worker to meet."""
    global _tried, extra_bytes
    if _tried or source is None or "scipy" not in source:
        return
    _tried = True
    before = _address_space()
    try:
        __import__(LIBRARY)
    except Exception:  # the student's own import says what is wrong, in the worker
        pass
    extra_bytes = max(0, _address_space() - before)  # what it mapped, even when it failed half-way


def _address_space() -> int:
    """This process's mapped bytes, as RLIMIT_AS counts them (the first field of /proc/self/statm, in pages)."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
