"""Double fork + setsid: a grandchild that tries to outlive the run (20 s at most); cost is wrong. Honest score 5.

Seccomp refuses the first fork; without seccomp the PID namespace (root) or the zygote as subreaper kills
the grandchild after the run."""
import numpy as np
import ctypes
import os
import time

MARK = "hostile-ghost"


def _ghost():
    if os.fork() == 0:
        try:  # the child never returns into the worker's code, whatever happens
            os.setsid()
            if os.fork() == 0:
                ctypes.CDLL(None).prctl(15, MARK.encode(), 0, 0, 0)
                time.sleep(20)
                open(f"/tmp/{MARK}-survived", "w").close()
        finally:
            os._exit(0)
    os.wait()


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _at_import(function):  # a decorator runs at import; plain top-level code is not run (docs/submissions.md)
    try:
        _ghost()
    except OSError:
        pass
    return function


@_at_import
def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    _ghost()
    return 0.0, np.zeros(nn_params.shape)
