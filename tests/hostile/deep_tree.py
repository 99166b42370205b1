"""Leaves a directory tree 1500 levels deep (too deep for a recursive cleanup, and its paths longer than
PATH_MAX) with 4 MB at the bottom, at import. Each run's tree is removed after it (and as root it sits on a
bounded tmpfs of the zygote's own). Cost is wrong. Honest score 5."""
import os

import numpy as np


def _deep(depth=1500):
    here = os.open(".", os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("hostile-d")
            os.chdir("hostile-d")
        with open("hostile-deep", "wb") as f:
            f.write(b"x" * (4 << 20))
    except OSError:
        pass
    finally:
        os.fchdir(here)
        os.close(here)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _at_import(function):  # a decorator runs at import; plain top-level code is not run (docs/submissions.md)
    _deep()
    return function


@_at_import
def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    return 0.0, np.zeros(nn_params.shape)
