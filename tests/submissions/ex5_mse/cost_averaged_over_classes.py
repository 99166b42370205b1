# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: cost=cost_averaged_over_classes regularized_cost=cost_averaged_over_classes gradient=cost_averaged_over_classes regularized_gradient=cost_averaged_over_classes
# expect-notes:
# Mistake: the squared error is taken with np.mean over the whole m x K matrix, which divides by m*K instead of m.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_gradient(z):
    s = sigmoid(z)
    return s * (1 - s)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]

    a1 = np.hstack((np.ones((m, 1)), X))
    z2 = a1 @ Theta1.T
    a2 = np.hstack((np.ones((m, 1)), sigmoid(z2)))
    z3 = a2 @ Theta2.T
    h = sigmoid(z3)

    Y = np.zeros((m, num_labels))
    Y[np.arange(m), y] = 1

    J = 0.5 * np.mean((h - Y) ** 2)
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = (h - Y) * h * (1 - h)
    d2 = (d3 @ Theta2[:, 1:]) * sigmoid_gradient(z2)

    grad1 = d3.T @ a2 / m
    grad0 = d2.T @ a1 / m
    grad0[:, 1:] += lambda_ / m * Theta1[:, 1:]
    grad1[:, 1:] += lambda_ / m * Theta2[:, 1:]

    return J, np.concatenate([grad0.ravel(), grad1.ravel()])
