"""Replaces builtins.len, then prints: the worker's capped stdout must not count its writes with len(), or
io.BufferedWriter writes the same bytes again for ever (acceptance run 10, D1: 24-36 s of CPU and a
"did not finish" for a function that returns at once). sigmoid_gradient is right. Honest score 5."""
import builtins

import numpy as np


def sigmoid_gradient(z):
    g = 1.0 / (1.0 + np.exp(-z))
    return g * (1.0 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    builtins.len = lambda x: 0
    print("hostile: len is gone")
    return 0.5, np.full(np.size(nn_params), 0.01)
