"""Overflows the C stack in the cost function (SIGSEGV; 300 000 levels at most). Honest score 5."""
import numpy as np
import sys


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    sys.setrecursionlimit(10**6)
    nested = []
    for _ in range(300_000):
        nested = [nested]
    repr(nested)
    return 0.0, np.zeros(nn_params.shape)
