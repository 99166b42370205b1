"""Connects to a listener on 127.0.0.1 (TCP, UDP, IPv6) at import and in every call; cost and gradient right but unregularized. Honest score 75."""
import numpy as np
import socket

PORT = 0  # the test puts its listener's port here


def _call_home():
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            with socket.create_connection((host, PORT), timeout=0.2) as s:
                s.sendall(b"hostile")
        except OSError:
            pass
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.sendto(b"hostile", (host, PORT))
        except OSError:
            pass


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _at_import(function):  # a decorator runs at import; plain top-level code is not run (docs/submissions.md)
    _call_home()
    return function


@_at_import
def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def _honest_unregularized(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_labels, hidden_layer_size + 1))
    m = y.size
    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    a3 = sigmoid(a2 @ Theta2.T)
    Y = np.eye(num_labels)[y]
    J = (-1 / m) * np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3))
    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)
    return J, np.concatenate([((d2.T @ a1) / m).ravel(), ((d3.T @ a2) / m).ravel()])


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    _call_home()
    return _honest_unregularized(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y)
