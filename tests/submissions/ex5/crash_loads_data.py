# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes:
# expect-notes:
# Crash: the cost function loads the course's data itself (loadmat), which is not where the code is graded.
import os

import numpy as np
from scipy.io import loadmat


def sigmoid(z):
    """Logistic function, element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    """Derivative of the sigmoid evaluated at z: g'(z) = g(z) * (1 - g(z))."""
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    """Cost and gradient, checked on the course's data while writing it."""
    data = loadmat(os.path.join("Data", "ex4data1.mat"))
    X, y = data["X"], data["y"].ravel()
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_labels, hidden_layer_size + 1))
    m = y.size

    # Feedforward
    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    z3 = a2 @ Theta2.T
    a3 = sigmoid(z3)

    y_matrix = np.eye(num_labels)[y]

    # Cost
    J = (-1 / m) * np.sum(y_matrix * np.log(a3) + (1 - y_matrix) * np.log(1 - a3))
    reg = (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:]))
                                 + np.sum(np.square(Theta2[:, 1:])))
    J = J + reg

    # Backpropagation
    delta_3 = a3 - y_matrix
    delta_2 = (delta_3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)

    Theta1_grad = (delta_2.T @ a1) / m
    Theta2_grad = (delta_3.T @ a2) / m

    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
