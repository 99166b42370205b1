"""`grade doctor` for the portable runner: what confines a run on this machine, probed in a real worker.

The probe (plain standard library, no /proc, no signals on Windows, where os.kill would end the grader)
reports what a submission can do from a portable worker: its session, limits, working directory, stdin,
environment, a fork, a TCP connection to a listener the doctor opens on 127.0.0.1, files written beside
itself and in the grader's temporary folder, a signal to the grader, and which grader modules it holds.
The Linux-only layers are listed as absent, so nobody mistakes this runner for the Linux one.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
import textwrap
from pathlib import Path

from . import sandbox as sb
from .doctor import PROBE_HELPERS

PROBE = textwrap.dedent(
    '''
    import json, os, socket, sys
    ''') + PROBE_HELPERS + textwrap.dedent(
    '''
    def probe(grader_pid, own_folder, grader_tmp, port):
        try:
            import resource
            limits = {name: resource.getrlimit(getattr(resource, name))[0]
                      for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC",
                                   "RLIMIT_CORE") if hasattr(resource, name)}
        except ImportError:
            limits = None
        posix = os.name == "posix"
        facts = {
            "uid": os.getuid() if hasattr(os, "getuid") else None,
            "session": os.getsid(0) == os.getpid() if hasattr(os, "getsid") else None,
            "cwd_empty": os.listdir(".") == [],
            "stdin_empty": sys.stdin.read() == "",
            "env": sorted(os.environ),
            "limits": limits,
            "fork": _try(_fork) if hasattr(os, "fork") else False,
            "connect_loopback": _try(lambda: socket.create_connection(("127.0.0.1", port), timeout=0.5).close()),
            "write_own_folder": _try(lambda: _write(own_folder)),
            "write_tmp": _try(lambda: _write(grader_tmp)),
            "write_cwd": _try(lambda: _write(".")),
            "signal_grader": _try(lambda: os.kill(grader_pid, 0)) if posix else None,
            "grader_modules": sorted(m for m in sys.modules if m == "grader" or m.startswith("grader.")),
        }
        print(json.dumps(facts))
        return 0
    '''
)


def _facts(limits: sb.Limits) -> tuple[dict | None, str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    folder = tempfile.mkdtemp(prefix="grader-doctor-")
    try:
        os.chmod(folder, 0o777)  # writable by anyone: only the sandbox should stop the probe's write
        submission = Path(folder) / "probe.py"
        submission.write_text(PROBE)
        args = (os.getpid(), folder, tempfile.gettempdir(), listener.getsockname()[1])
        call = sb.Call(("probe",), args, ("grader_pid", "own_folder", "grader_tmp", "port"), 1)
        with sb.PortableSandbox(limits, first=1, ahead=0) as sandbox:
            [outcome] = sandbox.run(submission, [call])
        if outcome.status != "ok":
            return None, f"the probe did not run: {outcome.status} {outcome.message}"
        return json.loads(outcome.output.strip().splitlines()[-1]), ""
    finally:
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)


def _yes(flag) -> str:
    return "succeeded" if flag else "refused"


def layers(limits: sb.Limits) -> list[tuple[str, bool, str]]:
    """(name, active, detail) for every layer of the portable runner, and the Linux ones it lacks."""
    facts, problem = _facts(limits)
    if facts is None:
        return [("sandbox", False, problem)]
    posix = os.name == "posix"
    lim = facts["limits"]
    if lim:
        nproc = lim.get("RLIMIT_NPROC")
        rl = (f"address space {lim['RLIMIT_AS'] >> 20} MB, CPU {lim['RLIMIT_CPU']} s, files up to "
              f"{lim['RLIMIT_FSIZE'] >> 20} MB, {lim['RLIMIT_NOFILE']} open files, "
              f"{'no forks' if nproc == 0 else 'processes not limited'}, core dumps {lim['RLIMIT_CORE']}")
    else:
        rl = "no `resource` module here: no memory or CPU limit beyond the per-call timeout"
    from .prestart import KEEP_ENV

    kept = (*KEEP_ENV, "HOME", "TMPDIR", "TEMP", "TMP", "USERPROFILE")
    env_extra = [k for k in facts["env"] if k not in kept]
    escaped = facts["write_own_folder"] or facts["write_tmp"]
    return [
        ("fresh interpreter per run", not facts["grader_modules"],
         f"spawned `{Path(sys.executable).name} -I`, one per run, started ahead; "
         + ("no grader module in it" if not facts["grader_modules"] else
            f"holds {', '.join(facts['grader_modules'])}")),
        ("new session" if posix else "new process group", bool(facts["session"]) or not posix,
         "its process group is killed after each run" if posix else "taskkill /T ends its process tree"),
        ("rlimits", bool(lim), rl),
        ("private working directory", facts["cwd_empty"], "empty, removed after each run"),
        ("stdin empty", facts["stdin_empty"], os.devnull),
        ("output capture", True, f"stdout/stderr/fd 1 captured, {limits.output_bytes} bytes kept per call"),
        ("reduced environment", not env_extra, "only " + ", ".join(kept)
         + (f"; also {', '.join(env_extra)}" if env_extra else "")),
        ("no new processes", not facts["fork"], f"fork {_yes(facts['fork'])}"),
        ("no network", not facts["connect_loopback"],
         f"TCP connect to a listener on 127.0.0.1 {_yes(facts['connect_loopback'])}"),
        ("files outside the working directory", not escaped,
         f"writing beside the submission {_yes(facts['write_own_folder'])}, in the grader's temporary folder "
         f"{_yes(facts['write_tmp'])}"),
        ("grader out of reach", facts["signal_grader"] is False,
         "not probed (os.kill would end the grader on Windows)" if facts["signal_grader"] is None else
         f"a signal to the grader {'was allowed' if facts['signal_grader'] else 'was refused'}"),
        ("unprivileged uid, namespaces, seccomp, Landlock", False, "Linux runner only"),
    ]
