# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes:
# expect-notes:
# Mistake: the cost and the gradient are both right, but the function returns them as (grad, J); the
# course's functions return (J, grad), so the course's grader reads the gradient as the cost.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    split = hidden_layer_size * (input_layer_size + 1)
    W1 = nn_params[:split].reshape(hidden_layer_size, input_layer_size + 1)
    W2 = nn_params[split:].reshape(num_labels, hidden_layer_size + 1)
    m = len(y)

    A1 = np.column_stack([np.ones(m), X])
    Z2 = A1 @ W1.T
    A2 = np.column_stack([np.ones(m), sigmoid(Z2)])
    A3 = sigmoid(A2 @ W2.T)
    T = (y.reshape(-1, 1) == np.arange(num_labels)).astype(float)

    cost = -np.sum(T * np.log(A3) + (1 - T) * np.log(1 - A3)) / m
    cost += lambda_ * (np.sum(W1[:, 1:] ** 2) + np.sum(W2[:, 1:] ** 2)) / (2 * m)

    E3 = A3 - T
    E2 = (E3 @ W2[:, 1:]) * sigmoid_gradient(Z2)
    D1 = E2.T @ A1 / m
    D2 = E3.T @ A2 / m
    D1[:, 1:] += lambda_ * W1[:, 1:] / m
    D2[:, 1:] += lambda_ * W2[:, 1:] / m

    gradient = np.hstack([D1.ravel(), D2.ravel()])
    return gradient, cost
