"""Run untrusted student functions in isolated child processes.

Processes::

    grader ──socket──▶ zygote ──fork per run──▶ worker (imports the submission, calls its functions)

The zygote is a fresh interpreter (fork, then exec of `python -I` with a small environment: launch.py),
started by `grade` before the grader loads numpy (prestart.py) and adopted by `Sandbox.__enter__`, or started
there; it learns its limits from the sandbox's first frame. So neither the zygote nor its workers ever held a
page of the grader's memory: no environment, no expected value; the zygote only ever receives inputs. Forking
workers from a zygote that already imported numpy makes a run cost milliseconds instead of a fresh
interpreter's ~100 ms. A worker pays for each page of the zygote's that its Python writes to (the kernel
copies it first), so the zygote works out before each fork what would touch many of them (`worker.Ahead`), and
the worker freezes what it inherited out of the garbage collector's reach (`gc.freeze`) before anything else.

Every message is a length-prefixed frame: a JSON header plus raw float64/int64 bytes, never pickle. Each
reader checks sizes and shapes, and treats what comes from below as untrusted: a worker that writes garbage,
dies or hangs turns into a "crash" or "timeout" outcome, never into an exception in the grader. Arrays of
`_INLINE_BYTES` or more do not go through the socket: the grader writes them into one sealed memfd whose
descriptor travels with the request (SCM_RIGHTS); the zygote maps it read-only and private, every worker
inherits the mapping and copies each argument afresh for each call.

Layers (design.md "Sandbox layers"; docs/security.md says what they promise and which test checks each;
`grader.doctor` shows which are active on a machine). Always: a new session, rlimits (address space, CPU
seconds, file size, open files, processes, no core dumps), an empty private working directory, stdin from
/dev/null, output captured with a cap, results capped at `Limits.result_bytes` per call (checked in the worker
and again by every reader), an environment reduced to a few harmless variables, PR_SET_NO_NEW_PRIVS, seccomp
when libseccomp.so.2 loads (no new process: clone only with CLONE_THREAD, no fork or vfork, clone3 fails with
ENOSYS so glibc falls back to clone; no socket or socketpair of any family; no SysV IPC or POSIX message
queue; no memfd, whose pages RLIMIT_AS does not count; no ptrace, process_vm_*, pidfd_getfd, process_madvise,
kcmp, mount, namespaces, bpf, keyrings, io_uring, modules, kexec, reboot), Landlock when the kernel has it (no
file may be written outside the working directory; with ABI 4+ no TCP connect or bind; with ABI 6+ no signal to a
process outside the run; for a grade for credit, `Limits.private_reads`, no file may be read, listed or run
outside Python's and the system's library folders, the run's folder, a few devices and the copy of the submission,
which then holds only the modules it imports beside it: landlock.read_rules). A credit run where neither Landlock
nor the private view below can hide the rest lacks "private-reads" among its layers, and the command refuses it
without --allow-weak-isolation (`require_private_reads`).
Without new processes, RLIMIT_AS bounds everything a submission holds. When the grader runs as root, also:
the zygote is PID 1 of a new PID namespace and lives in new network and IPC namespaces (only a loopback that
is down; SysV IPC objects die with it) and in a private mount namespace where the sandbox's folder is a tmpfs
(256 MB, 20000 inodes) that the grader never sees and that vanishes with the zygote; each worker chroots
into a view of the system's and Python's folders, its run and a private /proc (namespaces._build_view),
switches to an unprivileged uid/gid of its sandbox's own (slots.py: so RLIMIT_NPROC
bites per sandbox and root-only files stay closed) and runs from a root-owned copy of the submission plus the
files beside it that any user could read anyway. After
every run the zygote, as PID 1 of its namespace, SIGKILLs every other process in it (kill(-1)), and removes
the run's folder iteratively (however deep). Without root, forks are refused by RLIMIT_NPROC 0 as well, and
stray processes are reaped as the zygote is a child subreaper. Every layer falls back gracefully: when the
kernel refuses it, the run goes on without it.

Untrusted frames: any exception while decoding or checking a worker's frame is a ProtocolError, which makes
that call a "crash"; nothing a worker sends can end the zygote. The zygote streams each outcome to the grader
as soon as it is known, then a "done" frame once the worker is reaped and its folder removed. The zygote also
watches the grader's socket during a run: when the grader dies (even by SIGKILL), it stops the run and removes
the sandbox's folder. `Sandbox.__exit__` holds SIGINT and SIGTERM back until its cleanup is done; the zygote
blocks SIGTERM across each fork, so a worker never runs the zygote's own SIGTERM handler (its cleanup).

Choices beyond the brief: `Call.return_names` (optional) names the returned values in messages; output beyond
`Limits.output_bytes` is dropped (by the worker's own sys.stdout and sys.stderr, so a flood costs
no runner CPU) and a one-line note says how much; output printed while importing goes to
the first call's outcome; `run` returns only after the worker is reaped and its directory removed.

Not done: bubblewrap (optional in the design; not installed here). Without root there is no view and no
private /proc.

Files, one layer each (docs/security.md maps every promise to the file that keeps it and the test that proves
it): `protocol.py` the wire format and the values on it; `worker.py` the worker's own code (import, call,
convert); `runner.py` the grader's side (`Sandbox`); `zygote.py` the zygote and a run's lifecycle, including
the order in which a worker confines itself (`_confine`); `namespaces.py` namespaces and mounts; `seccomp.py`;
`landlock.py` (writes, TCP, signals, and a credit run's reads); `launch.py` starting the zygote; `rlimits.py`
rlimits; `slots.py` the workers' uid per open sandbox; `submission_copy.py` the copy of the submission (for a
credit run, only the modules it names in an import, found by a scan, never a parse); `sharedmem.py` large
arguments in a memfd;
`processes.py` and `cleanup.py` ending processes and removing folders; `relay.py` a run's frames as outcomes,
which both runners share. `protocol.py`, `worker.py` and `relay.py` import nothing Linux-only, and importing
this package does not fail where fcntl, resource or os.fork are missing.

Two runners: the Linux one above (`LinuxSandbox`), and `PortableSandbox` (portable.py, one spawned interpreter
per run, for macOS and Windows) with the same wire format and outcomes but far fewer layers. `Sandbox(limits)`
opens the one `runner_choice.runner_name()` picks (GRADER_SANDBOX=linux|portable forces one); both say which they are
(`runner`) and what confines a run (`layers`), and `require_strong_isolation` refuses the portable one for
grades that count for others.
"""

from ..runner_choice import (  # noqa: F401
    PRIVATE_READS,
    RUNNERS,
    SandboxChoiceError,
    WeakIsolationError,
    linux_missing,
    require_private_reads,
    require_strong_isolation,
    runner_name,
    why_portable,
)

# Everything else loads on first use (PEP 562): `grade` starts the zygote (launch.py) before numpy loads, and
# importing a submodule imports this package first, so this file itself imports nothing heavy.
_LAZY = {
    "_remove_tree": ("cleanup", "_remove_tree"),
    "DEFAULT_LIMITS": ("protocol", "DEFAULT_LIMITS"), "STATUSES": ("protocol", "STATUSES"),
    "Call": ("protocol", "Call"), "Limits": ("protocol", "Limits"), "Outcome": ("protocol", "Outcome"),
    "ProtocolError": ("protocol", "ProtocolError"), "_frame": ("protocol", "_frame"),
    "stopped_at_import": ("protocol", "stopped_at_import"),
    "stopped_by_budget": ("protocol", "stopped_by_budget"),
    "channel_words": ("relay", "channel_words"),
    "_Frames": ("protocol", "_Frames"),
    "_landlock_abi": ("landlock", "_landlock_abi"), "_seccomp_filter": ("seccomp", "_seccomp_filter"),
    "_KEEP_ENV": ("launch", "_KEEP_ENV"), "LinuxSandbox": ("runner", "Sandbox"),
    "PortableSandbox": ("portable", "PortableSandbox"),
}
_LINUX_ONLY = {"_landlock_abi", "_seccomp_filter", "LinuxSandbox"}


def __getattr__(name: str):
    """The names above, each imported from its file when first asked for (`from grader.sandbox import Call`)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    from importlib import import_module

    try:
        value = getattr(import_module(f"{__name__}.{module}"), attribute)
    except ImportError as missing:  # pragma: no cover - not Linux: no fork, fcntl or resource
        if name not in _LINUX_ONLY:
            raise
        value = _unavailable(f"the Linux sandbox needs Linux ({missing})")
    globals()[name] = value
    return value


def _unavailable(why: str):
    class LinuxSandbox:
        def __init__(self, *args, **kwargs):
            raise RuntimeError(why)

    return LinuxSandbox


def Sandbox(limits=None, slot: int | None = None):  # noqa: N802 - used like the class it returns
    """The sandbox of the runner chosen here (`runner_name()`: GRADER_SANDBOX, else what the platform has).

    `slot` (a batch's job slot) gives the Linux runner's workers a uid of their own; the portable runner has
    no uids to give (it is refused for batches unless --allow-weak-isolation)."""
    limits = limits if limits is not None else __getattr__("DEFAULT_LIMITS")
    if runner_name() == "portable":
        return __getattr__("PortableSandbox")(limits)
    return __getattr__("LinuxSandbox")(limits, slot=slot)


__all__ = ["DEFAULT_LIMITS", "STATUSES", "Call", "LinuxSandbox", "Limits", "Outcome", "PortableSandbox",
           "ProtocolError", "Sandbox", "SandboxChoiceError", "WeakIsolationError", "require_private_reads",
           "require_strong_isolation",
           "runner_name", "stopped_at_import", "stopped_by_budget", "channel_words"]
