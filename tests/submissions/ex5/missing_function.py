# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes:
# expect-notes:
# Mistake: the file defines sigmoid_gradient only; nn_cost_function is missing.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = sigmoid(z) * (1 - sigmoid(z))
    return g
