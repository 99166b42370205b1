# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=output_delta_sign regularized_gradient=output_delta_sign
# expect-notes:
# Mistake: y - a3 for the output error. sigmoid = special.expit, an np.vectorize'd function and a dict of lambdas
# are functions, the same on every input: no module_level_value note for them (review 25, F7).
import numpy as np
from scipy import special

sigmoid = special.expit
sigmoid_of = np.vectorize(lambda v: 1 / (1 + np.exp(-v)))
ACTIVATIONS = {"sigmoid": lambda v: special.expit(v), "identity": lambda v: v}


def sigmoid_gradient(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    T1 = nn_params[:hidden_layer_size * (input_layer_size + 1)].reshape(hidden_layer_size, input_layer_size + 1)
    T2 = nn_params[hidden_layer_size * (input_layer_size + 1):].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    A1 = np.hstack([np.ones((m, 1)), X])
    Z2 = A1 @ T1.T
    A2 = np.hstack([np.ones((m, 1)), sigmoid_of(Z2)])
    A3 = ACTIVATIONS["sigmoid"](A2 @ T2.T)
    Y = np.eye(num_labels)[y]
    J = -np.sum(Y * np.log(A3) + (1 - Y) * np.log(1 - A3)) / m
    J = J + (lambda_ / (2.0 * m)) * (np.sum(T1[:, 1:] ** 2) + np.sum(T2[:, 1:] ** 2))
    D3 = Y - A3
    D2 = (D3 @ T2)[:, 1:] * (sigmoid(Z2) * (1 - sigmoid(Z2)))
    G1 = D2.T @ A1 / m
    G2 = D3.T @ A2 / m
    G1[:, 1:] += (lambda_ / m) * T1[:, 1:]
    G2[:, 1:] += (lambda_ / m) * T2[:, 1:]
    grad = np.concatenate([G1.ravel(), G2.ravel()])
    return J, grad
