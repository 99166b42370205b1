"""Writes files into the home folder, /tmp, its own folder and the grader's installed files; cost wrong. Honest score 5."""
import numpy as np
import os
import pwd
import sys

NAME = "hostile-written"


def _targets():
    folders = [os.path.expanduser("~"), pwd.getpwuid(0).pw_dir, "/root", "/tmp", "/var/tmp", "/dev/shm",
               os.path.dirname(os.path.abspath(__file__))]
    folders += [os.path.dirname(os.path.abspath(a)) for a in sys.argv if a.endswith(".py")]  # the grader's argv
    try:
        import grader
        folders += [os.path.dirname(grader.__file__), os.path.dirname(os.path.dirname(grader.__file__))]
    except Exception:
        pass
    return folders


def _write():
    for folder in _targets():
        try:
            with open(os.path.join(folder, f"{NAME}-{os.getpid()}"), "w") as f:
                f.write("owned")
        except OSError:
            pass


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _at_import(function):  # a decorator runs at import; plain top-level code is not run (docs/submissions.md)
    _write()
    return function


@_at_import
def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    _write()
    return 0.0, np.zeros(nn_params.shape)
