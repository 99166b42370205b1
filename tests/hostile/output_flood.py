"""Prints 30 MB (stdout, stderr, fd 1) in the first call of each worker; cost and gradient right but unregularized. Honest score 75.

Thirty MB is 500 times the kept output (64 kB) and far more than any pipe holds, and it is printed within the
2 s --timeout of tests/test_hostile.py even at load 13 on 2 cores (about 0.2 s); 300 MB took 1.5-1.8 s there,
so the honest score depended on the machine's load (it once timed out and scored 5)."""
import numpy as np
import os
import sys


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


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


_CHUNK = "x" * (1 << 20)
_flooded = []


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    if not _flooded:  # 30 MB once per worker (a flood in every call only costs more of the same)
        _flooded.append(1)
        for i in range(10):
            print(_CHUNK)
            sys.stderr.write(_CHUNK)
            os.write(1, _CHUNK.encode())
    return _honest_unregularized(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y)
