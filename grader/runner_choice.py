"""Which sandbox runner grades here, and the guard for grades that need strong isolation.

Imports nothing but os and sys (and tries fcntl and resource), so `grade` can decide before numpy loads
(prestart.py); `grader.sandbox` re-exports all of it.

`GRADER_SANDBOX=linux|portable` forces a runner; unset, empty or `auto` picks the Linux runner (zygote, fork,
namespaces, seccomp, Landlock) where the platform has what it needs, and the portable runner (one spawned
interpreter per run, portable.py) elsewhere. The portable runner is fine for grading one's own work; a grade
that counts for someone else (batch, the platform adapters, a run with a secret) must refuse it unless told
otherwise: `require_strong_isolation`. A grade for credit (the platform adapters; `grade` and `grade batch`
with the course's secret) also needs private reads (`Limits.private_reads`): `require_private_reads`.
"""
from __future__ import annotations

import os
import sys

RUNNERS = ("linux", "portable")
_VARIABLE = "GRADER_SANDBOX"


class SandboxChoiceError(RuntimeError):
    """GRADER_SANDBOX names no runner, or one this platform cannot run."""


class WeakIsolationError(RuntimeError):
    """A grade that needs strong isolation was asked for on the portable runner."""


def linux_missing() -> str | None:
    """Why the Linux runner cannot run here, or None when it can."""
    if not sys.platform.startswith("linux"):
        return f"this is {sys.platform}, not Linux"
    missing = [f"os.{name}" for name in ("fork", "memfd_create") if not hasattr(os, name)]
    for module in ("fcntl", "resource"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    return f"this Python has no {', '.join(missing)}" if missing else None


def runner_name() -> str:
    """"linux" or "portable": what `Sandbox(...)` opens here (see the module docstring)."""
    wanted = os.environ.get(_VARIABLE, "").strip().lower()
    if wanted not in ("", "auto", *RUNNERS):
        raise SandboxChoiceError(f"{_VARIABLE}={os.environ[_VARIABLE]!r} names no sandbox runner; "
                                 f"expected linux, portable or auto (the default)")
    missing = linux_missing()
    if wanted == "linux" and missing:
        raise SandboxChoiceError(f"{_VARIABLE}=linux, but the Linux sandbox cannot run here ({missing}); "
                                 f"unset it to use the portable runner")
    if wanted == "portable" or (wanted != "linux" and missing):
        return "portable"
    return "linux"


def why_portable() -> str:
    """Why the portable runner is used: forced, or what the Linux runner lacks here."""
    missing = linux_missing()
    return missing if missing else f"{_VARIABLE}=portable"


def require_strong_isolation(allow_weak: bool, what: str) -> None:
    """Refuse `what` (say "batch grading") on the portable runner unless `allow_weak` (--allow-weak-isolation).

    Raises WeakIsolationError (or SandboxChoiceError for a bad GRADER_SANDBOX) with a one-paragraph message.
    """
    if allow_weak or runner_name() != "portable":
        return
    raise WeakIsolationError(
        f"{what} needs the Linux sandbox, but this machine would use the portable runner ({why_portable()}). "
        f"The portable runner is fine for grading your own work, but a submission could read and write your "
        f"files, use the network and signal the grader, so a grade that counts for others is refused. "
        f"Grade on Linux, or pass --allow-weak-isolation to accept weaker isolation.")


PRIVATE_READS = "private-reads"  # the layer a sandbox names when its workers can be kept to their own files


def require_private_reads(layers: list[str], allow_weak: bool, what: str) -> None:
    """Refuse `what` (a grade for credit) on a sandbox whose `layers` lack private reads (no Landlock in the
    kernel and no private file view: sandbox/zygote.py), unless `allow_weak` (--allow-weak-isolation); the
    portable runner never has them. Raises WeakIsolationError with a one-line message."""
    if allow_weak or PRIVATE_READS in layers:
        return
    raise WeakIsolationError(
        f"{what} needs private reads (student code must not read a classmate's file or the grader's), but this "
        f"machine's sandbox cannot hide them: the kernel has no Landlock and workers get no private file view "
        f"(that needs root and mount namespaces). Grade on Linux 5.13+ with Landlock enabled, or pass "
        f"--allow-weak-isolation to accept that a submission may read any file its user can.")
