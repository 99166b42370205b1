"""An import that never finishes (60 s cap). Honest score 0."""
import numpy as np
import time



def _at_import(function):  # a decorator runs at import: the grader keeps it with the function it decorates
    end = time.monotonic() + 60
    while time.monotonic() < end:
        time.sleep(0.01)
    return function


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@_at_import
def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    pass
    return 0.0, np.zeros(nn_params.shape)
