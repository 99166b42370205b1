"""Connects to a pathname unix socket of the host (like /var/run/docker.sock), mode 0777, at import and in
every call, and tries a socketpair; the test's listener must receive nothing. Cost is wrong. Honest score 5."""
import socket

import numpy as np

PORT = 0  # the test puts its listeners' port here; the unix socket's path is derived from it


def _call_home():
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        try:
            with socket.socket(socket.AF_UNIX, kind) as s:
                s.settimeout(0.2)
                s.connect(f"/tmp/grader-listener-{PORT}/{'stream' if kind == socket.SOCK_STREAM else 'dgram'}")
                s.sendall(b"hostile")
        except OSError:
            pass
    try:
        a, b = socket.socketpair()
        a.close()
        b.close()
    except OSError:
        pass


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _at_import(function):  # a decorator runs at import; plain top-level code is not run (docs/submissions.md)
    _call_home()
    return function


@_at_import
def sigmoid_gradient(z):
    _call_home()
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    _call_home()
    return 0.0, np.zeros(nn_params.shape)
