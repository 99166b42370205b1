"""NaN, inf, wrong shapes and wrong types from the cost function; sigmoid_gradient is right (as a list). Honest score 5."""
import numpy as np


def sigmoid_gradient(z):
    g = 1.0 / (1.0 + np.exp(-z))
    return (g * (1 - g)).tolist()


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    if lambda_:
        return [[np.inf, np.nan]], {"grad": np.full(nn_params.shape, np.nan)}
    if X.shape[0] % 2:
        return "0.29", np.full((3, 3, 3), np.inf)
    return float("nan"), np.full(nn_params.size + 1, np.nan)
