# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=40 regularized_gradient=10
# expect-mistakes:
# expect-notes:
# Nothing wrong. Metadata, np.seterr and constants nothing reads would change nothing if run: no script_not_run
# note for them (review 25, F11).
import numpy as np

__author__ = "A. Student"
__all__ = ["sigmoid", "sigmoid_gradient", "nn_cost_function"]

np.seterr(all="ignore")
INPUT_LAYER_SIZE = 400
HIDDEN_LAYER_SIZE = 25
NUM_LABELS = 10

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))

def sigmoid_gradient(z):
    s = sigmoid(z)
    return s * (1.0 - s)

def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    T1 = nn_params[:hidden_layer_size * (input_layer_size + 1)].reshape(hidden_layer_size, input_layer_size + 1)
    T2 = nn_params[hidden_layer_size * (input_layer_size + 1):].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    A1 = np.hstack([np.ones((m, 1)), X])
    Z2 = A1 @ T1.T
    A2 = np.hstack([np.ones((m, 1)), sigmoid(Z2)])
    A3 = sigmoid(A2 @ T2.T)
    Y = np.eye(num_labels)[y]
    J = -np.sum(Y * np.log(A3) + (1 - Y) * np.log(1 - A3)) / m
    J = J + (lambda_ / (2.0 * m)) * (np.sum(T1[:, 1:] ** 2) + np.sum(T2[:, 1:] ** 2))
    D3 = A3 - Y
    D2 = (D3 @ T2)[:, 1:] * (sigmoid(Z2) * (1 - sigmoid(Z2)))
    G1 = D2.T @ A1 / m
    G2 = D3.T @ A2 / m
    G1[:, 1:] += (lambda_ / m) * T1[:, 1:]
    G2[:, 1:] += (lambda_ / m) * T2[:, 1:]
    grad = np.concatenate([G1.ravel(), G2.ravel()])
    return J, grad
