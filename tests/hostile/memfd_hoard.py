"""Holds memory outside RLIMIT_AS: 48 memfds of 8 MB each (384 MB), written and never mapped, so shared memory
that neither RLIMIT_AS nor the worker's RSS counts, kept while the cost function raises with how much it held
(test_hostile.py grades it with --memory 256 too). Seccomp refuses memfd_create. Cost is wrong. Honest score 5."""
import os

import numpy as np

_CHUNK = b"\x41" * (1 << 20)


def _hoard():
    held, fds = 0, []
    try:
        for _ in range(48):
            fds.append(os.memfd_create("hostile-memfd"))
            for _ in range(8):
                held += os.write(fds[-1], _CHUNK)
    except OSError:
        pass
    return held, fds


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    held, fds = _hoard()
    raise RuntimeError(f"held {held >> 20} MB in {len(fds)} memfds")
