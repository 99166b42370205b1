# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=output_delta_sign regularized_gradient=output_delta_sign
# expect-notes:
# Mistake: y - a3 for the output error. HALF = 1 / 2, a message string and DEFAULT_LAMBDA (read only as a default the
# course always passes) are the same on every input: no module_level_value note for them (review 25, F7; S12).
import numpy as np

DEFAULT_LAMBDA = 0.0
EPS = 1e-12
HALF = 1 / 2
BAD_SHAPE = "nn_params has the wrong size"


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_gradient(z, eps=EPS):
    s = sigmoid(z)
    return s * (1 - s)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=DEFAULT_LAMBDA):
    T1 = nn_params[:hidden_layer_size * (input_layer_size + 1)].reshape(hidden_layer_size, input_layer_size + 1)
    T2 = nn_params[hidden_layer_size * (input_layer_size + 1):].reshape(num_labels, hidden_layer_size + 1)
    if nn_params.size != T1.size + T2.size:
        raise ValueError(BAD_SHAPE)
    m = X.shape[0]
    A1 = np.hstack([np.ones((m, 1)), X])
    Z2 = A1 @ T1.T
    A2 = np.hstack([np.ones((m, 1)), sigmoid(Z2)])
    A3 = sigmoid(A2 @ T2.T)
    Y = np.eye(num_labels)[y]
    J = -np.sum(Y * np.log(A3) + (1 - Y) * np.log(1 - A3)) / m
    J = J + lambda_ * HALF / m * (np.sum(T1[:, 1:] ** 2) + np.sum(T2[:, 1:] ** 2))
    D3 = Y - A3
    D2 = (D3 @ T2)[:, 1:] * (sigmoid(Z2) * (1 - sigmoid(Z2)))
    G1 = D2.T @ A1 / m
    G2 = D3.T @ A2 / m
    G1[:, 1:] += (lambda_ / m) * T1[:, 1:]
    G2[:, 1:] += (lambda_ / m) * T2[:, 1:]
    grad = np.concatenate([G1.ravel(), G2.ravel()])
    return J, grad
