"""The first code of a portable worker: run as a script, `python -I spawned.py`, one process per run.

It loads only worker.py, course.py, numpy_names.py, protocol.py and libc.py from its own folder, as the private
package `_grader_worker`
(so no other module of the grader is imported, and `-I`, which puts neither the script's folder nor
PYTHONPATH on sys.path, needs no path entry); course.py reads the text of course_utils.py, never imported.
Then, before any student code:
  - its pipes go into place: results up on fd 3 (the grader's stdout pipe), the grader's request and go
    bytes on fd 4 (the stdin pipe), the student's output on fds 1 and 2 (the stderr pipe), stdin /dev/null;
  - on POSIX a thread ends the process when the grader goes (its parent changes);
  - one frame `{"ready": true}` says numpy is loaded (it may wait, started early, for a run to need it);
  - it reads the run's settings (a frame `{"settings": {memory_mb, result_bytes, timeout, output_bytes}}`)
    and the request (inputs only, never an expected value), then sets the rlimits the system offers
    (`resource`: address space, CPU seconds, file size, open files, no processes without root, no core dumps;
    none where there is no `resource`) and answers `{"limits": [the ones that hold]}`.
Then it serves the request exactly as a forked worker does (worker._serve), and exits. The grader kills its
process group afterwards in any case.
"""
import math
import os
import sys

_RESULT_FD, _GO_FD = 3, 4  # as in protocol.py, which is not loaded yet
_FILE_LIMIT, _OPEN_FILES = 16 << 20, 64  # as in rlimits.py (which imports resource at the top)


def _move_pipes() -> None:
    """fd 1 (stdout pipe) -> 3, fd 0 (stdin pipe) -> 4, fd 2 (the output pipe) -> 1, /dev/null -> 0."""
    result, go = os.dup(1), os.dup(0)
    for source, target in ((result, _RESULT_FD), (go, _GO_FD)):
        if source != target:
            os.dup2(source, target)
            os.close(source)
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def _load_worker():
    import importlib
    import types

    package = types.ModuleType("_grader_worker")
    package.__path__ = [os.path.dirname(os.path.abspath(__file__))]
    sys.modules[package.__name__] = package
    return importlib.import_module("_grader_worker.worker"), importlib.import_module("_grader_worker.protocol")


def _watch_parent() -> None:
    """POSIX: leave when the grader is gone (even killed by SIGKILL); its children are killed with the group."""
    if os.name != "posix":
        return
    import threading
    import time

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(72)

    threading.Thread(target=watch, name="grader-watch", daemon=True).start()


def _limit(resource, name: str, value: int, hard_extra: int = 0) -> bool:
    """Lower one limit (never above the hard one); False where the system has no such limit or refuses."""
    which = getattr(resource, name, None)
    if which is None:
        return False
    try:
        hard = resource.getrlimit(which)[1]
        cap = math.inf if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(which, (min(value, cap), min(value + hard_extra, cap)))
        return True
    except (ValueError, OSError):  # macOS refuses some (RLIMIT_AS below what is mapped)
        return False


def _limits(settings: dict, calls: int) -> list[str]:
    """Set what the system offers; the names of the limits that hold."""
    try:
        import resource
    except ImportError:  # Windows
        return []
    wanted = [("RLIMIT_AS", settings["memory_mb"] << 20, 0), ("RLIMIT_FSIZE", _FILE_LIMIT, 0),
              ("RLIMIT_NOFILE", _OPEN_FILES, 0), ("RLIMIT_CORE", 0, 0),
              ("RLIMIT_CPU", math.ceil(settings["timeout"] * (calls + 1)) + 2, 1)]
    if hasattr(os, "geteuid") and os.geteuid() != 0:  # per uid: only 0 means anything for the grader's own uid
        wanted.append(("RLIMIT_NPROC", 0, 0))
    return [name for name, value, extra in wanted if _limit(resource, name, value, extra)]


def _read_frame(protocol) -> tuple[dict, list]:
    head_len, body_len = protocol._PREFIX.unpack(_read_exactly(_GO_FD, protocol._PREFIX.size))
    data = protocol._PREFIX.pack(head_len, body_len) + _read_exactly(_GO_FD, head_len + body_len)
    [frame] = protocol._Frames().feed(data)
    return frame


def _read_exactly(fd: int, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, min(size - len(data), 1 << 20))
        if not chunk:
            raise EOFError("the grader closed the request pipe")
        data += chunk
    return bytes(data)


def main() -> None:
    code, ready = 70, False  # relay.WORKER_FAILED (not imported: this process loads only what it runs)
    try:
        _move_pipes()
        worker, protocol = _load_worker()  # numpy is imported here, before any limit
        _watch_parent()
        os.write(_RESULT_FD, protocol._frame({"ready": True}))
        ready = True
        settings = _read_frame(protocol)[0]["settings"]
        header, arrays = _read_frame(protocol)
        submission, calls, _ = protocol._decode_request(header, arrays, [])
        source = protocol._request_source(header)
        os.write(_RESULT_FD, protocol._frame({"limits": _limits(settings, len(calls))}))
        import tempfile

        tempfile.tempdir = os.getcwd()  # the run's private folder (portable.py starts the process there)
        sys.dont_write_bytecode = True  # no __pycache__ in the student's folder
        sys.stdin = open(0, closefd=False)
        worker.capture_output(settings["output_bytes"])
        worker._serve(submission, calls, settings["result_bytes"], source, settings["timeout"])
        code = 0
    except BaseException as e:  # the grader sees the closed pipe: a crash, or (before "ready") a broken sandbox
        if not ready:  # say why on the output pipe, e.g. "ModuleNotFoundError: No module named 'numpy'"
            os.write(2, f"{type(e).__name__}: {e}".encode(errors="replace"))
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
