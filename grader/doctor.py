"""`grade doctor`: which sandbox layers are active on this machine.

Nothing here is taken on trust: `layers()` opens a real Sandbox and runs a probe submission in it, which
reports what it can and cannot do (its uid, namespaces, /proc/self/status, a TCP connection to a listener
the doctor opens on 127.0.0.1, a unix socket, a fork, a thread, a SysV shared memory segment, the file system
its working directory is on, a file written beside itself and in /tmp, a signal to the grader). See
docs/security.md for what each layer promises.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import textwrap
from pathlib import Path

from . import sandbox as sb

# Helpers both runners' probes use (each probe is a submission of its own: it imports nothing of ours).
PROBE_HELPERS = textwrap.dedent(
    '''
    def _try(action):
        try:
            action()
            return True
        except Exception:
            return False

    def _write(folder):
        path = os.path.join(folder, "doctor-probe-%d" % os.getpid())
        with open(path, "w") as f:
            f.write("x")
        os.remove(path)

    def _fork():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    ''')

PROBE = textwrap.dedent(
    '''
    import ctypes, json, os, resource, socket, tempfile, threading
    ''') + PROBE_HELPERS + textwrap.dedent(
    '''
    def _thread():
        worker = threading.Thread(target=lambda: None)
        worker.start()
        worker.join()

    def _shm():
        libc = ctypes.CDLL(None, use_errno=True)
        shmid = libc.shmget(0, 4096, 0o1600)  # IPC_PRIVATE, IPC_CREAT
        if shmid < 0:
            raise OSError(ctypes.get_errno(), "shmget")
        libc.shmctl(shmid, 0, None)  # IPC_RMID

    def _filesystem(path):
        path, best, kind = os.path.realpath(path), "", "?"
        with open("/proc/self/mounts") as f:
            for line in f:
                fields = line.split()
                point = fields[1].replace("\\040", " ")
                if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
                    best, kind = point, fields[2]
        return kind

    def probe(grader_pid, grader_net, grader_ipc, own_folder, port):
        status = {}
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                status[key] = value.strip()
        limits = {name: resource.getrlimit(getattr(resource, name))[0]
                  for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC",
                               "RLIMIT_CORE")}
        connect = lambda: socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        facts = {
            "uid": os.getuid(),
            "session": os.getsid(0) == os.getpid(),
            "pid_namespace": os.getppid() == 1,  # the zygote is PID 1 of its own namespace
            "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            "sees_own_folder": os.path.exists(own_folder),
            "network_namespace": os.readlink("/proc/self/ns/net") != grader_net,
            "ipc_namespace": os.readlink("/proc/self/ns/ipc") != grader_ipc,
            "unix_socket": _try(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()),
            "socketpair": _try(lambda: [s.close() for s in socket.socketpair()]),
            "fork": _try(_fork),
            "thread": _try(_thread),
            "shm": _try(_shm),
            "filesystem": _filesystem("."),
            "no_new_privs": status.get("NoNewPrivs") == "1",
            "seccomp": status.get("Seccomp") == "2",
            "inet_socket": _try(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()),
            "connect_loopback": _try(connect),
            "write_own_folder": _try(lambda: _write(own_folder)),
            "write_tmp": _try(lambda: _write("/tmp")),
            "write_cwd": _try(lambda: _write(".")),
            "signal_grader": _try(lambda: os.kill(grader_pid, 0)),
            "stdin": os.readlink("/proc/self/fd/0"),
            "cwd_empty": os.listdir(".") == [],
            "env": sorted(os.environ),
            "limits": limits,
        }
        print(json.dumps(facts))
        return 0
    '''
)

Layer = tuple[str, bool, str]


def _facts(limits: sb.Limits) -> tuple[dict | None, str]:
    """Run the probe in a real sandbox; (facts, problem)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    folder = tempfile.mkdtemp(prefix="grader-doctor-")
    try:
        os.chmod(folder, 0o777)  # writable by anyone: only the sandbox should stop the probe's write
        submission = Path(folder) / "probe.py"
        submission.write_text(PROBE)
        args = (os.getpid(), os.readlink("/proc/self/ns/net"), os.readlink("/proc/self/ns/ipc"), folder,
                listener.getsockname()[1])
        call = sb.Call(("probe",), args, ("grader_pid", "grader_net", "grader_ipc", "own_folder", "port"), 1)
        with sb.Sandbox(limits) as sandbox:
            [outcome] = sandbox.run(submission, [call])
        if outcome.status != "ok":
            return None, f"the probe did not run: {outcome.status} {outcome.message}"
        return {**json.loads(outcome.output.strip().splitlines()[-1]), "layers": sandbox.layers}, ""
    finally:
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)


def _private_reads(available: bool, abi: int) -> Layer:
    """Whether a grade for credit (`Limits.private_reads`) can keep a worker to the files its run needs."""
    how = ("Landlock: reads only in Python's folders, the run and the student's own modules" if abi else
           "the private file view only (no Landlock): the system's and Python's folders, the run and the "
           "student's own modules")
    return ("private reads (grades for credit)", available, how if available else
            "no Landlock and no private file view: grades for credit are refused without --allow-weak-isolation")


def layers(limits: sb.Limits | None = None) -> list[Layer]:
    """(name, active, detail) for every sandbox layer, probed on this machine."""
    limits = limits or sb.Limits(timeout=5.0)
    if sb.runner_name() == "portable":
        from .doctor_portable import layers as portable_layers

        return portable_layers(limits)
    facts, problem = _facts(limits)
    if facts is None:
        return [("sandbox", False, problem)]
    root = os.geteuid() == 0
    lim = facts["limits"]
    nproc = lim["RLIMIT_NPROC"]
    abi = sb._landlock_abi()
    rl = (f"address space {lim['RLIMIT_AS'] >> 20} MB, CPU {lim['RLIMIT_CPU']} s, files up to "
          f"{lim['RLIMIT_FSIZE'] >> 20} MB, {lim['RLIMIT_NOFILE']} open files, "
          f"{'no forks' if nproc == 0 else f'{nproc} processes of its uid'}, core dumps {lim['RLIMIT_CORE']}, "
          f"results up to {limits.result_bytes >> 20} MB per call")
    sockets = [kind for kind in ("inet_socket", "unix_socket", "socketpair") if facts[kind]]
    env_extra = [k for k in facts["env"] if k not in (*sb._KEEP_ENV, "HOME", "TMPDIR")]
    return [
        ("zygote", True, "workers fork from a fresh interpreter (python -I, small environment) that preloaded numpy"),
        ("new session", facts["session"], "setsid per run"),
        ("rlimits", True, rl),
        ("private working directory", facts["cwd_empty"], "empty, removed after each run"),
        ("stdin from /dev/null", facts["stdin"] == "/dev/null", facts["stdin"]),
        ("output capture", True, f"stdout/stderr/fd 1 captured, {limits.output_bytes} bytes kept per call"),
        ("reduced environment", not env_extra, "only " + ", ".join(sb._KEEP_ENV) + ", HOME, TMPDIR"
         + (f"; also {', '.join(env_extra)}" if env_extra else "")),
        ("unprivileged uid", root and facts["uid"] != 0,
         f"workers run as uid {facts['uid']}" + ("" if root else " (the grader is not root: no uid to switch to)")),
        ("PID namespace", facts["pid_namespace"],
         "every process a run started is killed after it" if facts["pid_namespace"] else
         "needs root; without it stray processes are reaped by the zygote as subreaper"),
        ("private /proc", len(facts["processes"]) == 1,
         "a worker sees no process but itself" if len(facts["processes"]) == 1 else
         f"a worker sees {len(facts['processes'])} processes" + ("" if root else " (needs root)")),
        ("private file view", not facts["sees_own_folder"],
         "a worker sees the system's and Python's folders and its own run, not the submission's original "
         "folder, homes, /tmp or the grader's package" if not facts["sees_own_folder"] else
         "a worker sees every file its uid may read" + ("" if root else " (needs root)")),
        ("network namespace", facts["network_namespace"], "only a loopback that is down" if
         facts["network_namespace"] else "needs root"),
        ("IPC namespace", facts["ipc_namespace"], "SysV IPC and POSIX message queues vanish with the zygote"
         if facts["ipc_namespace"] else "needs root"),
        ("no SysV IPC", not facts["shm"], f"a SysV shared memory segment {'was' if facts['shm'] else 'was not'} "
         "created (seccomp also refuses message queues and semaphores)"),
        ("no new processes", not facts["fork"] and facts["thread"],
         f"fork {'succeeded' if facts['fork'] else 'refused'}, a thread {'started' if facts['thread'] else 'refused'}"
         "; RLIMIT_AS bounds the whole submission"),
        ("no sockets", not sockets, "socket() and socketpair() refused, unix sockets included" if not sockets
         else f"allowed: {', '.join(sockets)}"),
        ("tmpfs root", facts["filesystem"] == "tmpfs" and root,
         "working directories on a tmpfs of the zygote's own (256 MB, 20000 inodes), gone with it"
         if facts["filesystem"] == "tmpfs" and root else f"working directories on {facts['filesystem']}"
         + (" (the tmpfs needs root)" if not root else "")),
        ("no network", not facts["connect_loopback"] and not facts["inet_socket"],
         f"TCP connect to a listener on 127.0.0.1 {'succeeded' if facts['connect_loopback'] else 'refused'}; "
         f"AF_INET socket {'allowed' if facts['inet_socket'] else 'refused'}"),
        ("no_new_privs", facts["no_new_privs"], "PR_SET_NO_NEW_PRIVS"),
        ("seccomp", facts["seccomp"], "libseccomp filter: no sockets, forks, SysV IPC, ptrace, mount, namespaces, "
         "bpf"
         if facts["seccomp"] else "libseccomp.so.2 not found or refused"),
        ("Landlock", abi > 0 and not facts["write_own_folder"] and not facts["write_tmp"],
         f"ABI {abi}: writes only in the working directory"
         + (", no TCP" if abi >= 4 else "") + (", signals stay in the run" if abi >= 6 else "")
         if abi else "not in this kernel"),
        _private_reads(sb.PRIVATE_READS in facts["layers"], abi),
        ("files outside the working directory", not (facts["write_own_folder"] or facts["write_tmp"]),
         f"writing beside the submission {'succeeded' if facts['write_own_folder'] else 'refused'}, "
         f"in /tmp {'succeeded' if facts['write_tmp'] else 'refused'}, in its working directory "
         f"{'succeeded' if facts['write_cwd'] else 'refused'}"),
        ("grader out of reach", not facts["signal_grader"],
         f"a signal to the grader {'was allowed' if facts['signal_grader'] else 'was refused'}"),
        ("bubblewrap", False, ("installed, not used (optional)" if shutil.which("bwrap") else
                               "not installed (optional)")),
    ]


def report_text(limits: sb.Limits | None = None) -> str:
    """The text `grade doctor` prints: one line per layer."""
    try:
        runner = sb.runner_name()
    except sb.SandboxChoiceError as error:
        return f"{error}\n"
    rows = layers(limits)
    width = max(len(name) for name, _, _ in rows)
    why = f": {sb.why_portable()}; weaker isolation, fine for grading your own work" \
        if runner == "portable" else ""
    lines = [f"Sandbox runner: {runner}{why}",
             f"Sandbox layers on this machine (grader uid {os.geteuid() if hasattr(os, 'geteuid') else '-'}):"]
    lines += [f"  [{'x' if active else ' '}] {name:<{width}}  {detail}" for name, active, detail in rows]
    lines.append(_cpus_line())
    return "\n".join(lines) + "\n"


def _cpus_line() -> str:
    """The CPUs `grade batch` uses by default here, and why when a container's quota decides it."""
    from .cpus import affinity, usable

    count, quota = usable()
    why = f" (a CPU quota of {quota:g} CPU{'s' if quota != 1 else ''}; {affinity()} to run on)" if quota else ""
    return f"CPUs for grade batch's default --jobs: {count}{why}"


if __name__ == "__main__":  # pragma: no cover
    print(report_text(), end="")
