"""How many CPUs this process may use: its CPU affinity, and a container's CPU quota.

`grade batch` runs that many submissions at once by default. Python's os.cpu_count() and sched_getaffinity()
do not see a quota (`docker run --cpus=0.5` sets one, as do most cloud graders): a batch there ran one job per
host CPU on half a CPU, so calls that pass alone ran out of their --timeout beside each other (staff review 2,
S21). The quota is the tightest of this process's cgroup and the cgroups above it: cgroup v2's `cpu.max`
("50000 100000" is half a CPU, "max 100000" none), cgroup v1's `cpu.cfs_quota_us` / `cpu.cfs_period_us`
(-1: none). Only the standard library; read once per command.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
SELF = Path("/proc/self/cgroup")


def affinity() -> int:
    """The CPUs this process may run on (all of the machine's where there is no affinity to ask)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def usable() -> tuple[int, float | None]:
    """(CPUs to use: the affinity, no more than the quota rounded up, at least 1; the quota in CPUs or None)."""
    quota = cgroup_quota()
    count = affinity()
    return (max(1, min(count, math.ceil(quota))) if quota else count), quota


def cgroup_quota() -> float | None:
    """The tightest CPU quota over this process's cgroups and their parents, in CPUs; None without one."""
    try:
        lines = SELF.read_text().splitlines()
    except OSError:
        return None
    quotas = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":  # cgroup v2: one hierarchy
            quotas += _up_from(CGROUP_ROOT, path, _v2_quota)
        elif "cpu" in controllers.split(","):  # cgroup v1: the cpu controller's own hierarchy
            mount = CGROUP_ROOT / controllers
            quotas += _up_from(mount if mount.is_dir() else CGROUP_ROOT / "cpu", path, _v1_quota)
    return min(quotas) if quotas else None


def _up_from(mount: Path, path: str, read) -> list[float]:
    """The quotas set on the cgroup at `path` below `mount` and on each cgroup above it, up to the mount (in a
    container the mount is often the container's own cgroup, whatever `path` says)."""
    found = []
    current = mount / path.strip("/") if path.strip("/") else mount
    while True:
        quota = read(current)
        if quota is not None:
            found.append(quota)
        if current == mount or mount not in current.parents:
            break
        current = current.parent
    if not (mount / path.strip("/")).is_dir():  # the path is the host's: the container sees its cgroup as the mount
        quota = read(mount)
        if quota is not None:
            found.append(quota)
    return found


def _v2_quota(folder: Path) -> float | None:
    try:
        limit, period = (folder / "cpu.max").read_text().split()[:2]
        return int(limit) / int(period) if limit != "max" and int(period) > 0 else None
    except (OSError, ValueError):
        return None


def _v1_quota(folder: Path) -> float | None:
    try:
        limit = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return limit / period if limit > 0 and period > 0 else None
