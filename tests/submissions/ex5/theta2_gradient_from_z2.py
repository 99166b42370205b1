# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes:
# expect-notes:
# Mistake (outside the catalogue): Theta2's gradient is built from z2 with a bias column instead of a2, so
# only Theta2's block of grad is wrong; Theta1's block (the first entries of grad) is right.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1.0 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    first = hidden_layer_size * (input_layer_size + 1)
    Theta1 = np.reshape(nn_params[:first], (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[first:], (num_labels, hidden_layer_size + 1))
    m = y.shape[0]

    bias = np.ones((m, 1))
    a1 = np.hstack((bias, X))
    z2 = a1 @ Theta1.T
    a2 = np.hstack((bias, sigmoid(z2)))
    a3 = sigmoid(a2 @ Theta2.T)
    Y = np.eye(num_labels)[y]

    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J = J + lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)
    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ np.hstack((bias, z2)) / m   # z2 where a2 belongs
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
