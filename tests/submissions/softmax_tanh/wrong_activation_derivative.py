# expect-scores: cost=30 regularized_cost=15 tanh_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=wrong_activation_derivative regularized_gradient=wrong_activation_derivative
# expect-notes:
# Mistake: the tanh hidden layer's delta uses sigmoid's derivative a2 * (1 - a2) instead of 1 - a2^2.
import numpy as np


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def tanh_gradient(z):
    g = 1 - np.tanh(z) ** 2
    return g


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size

    X = np.hstack([np.ones((m, 1)), X])
    z2 = X @ Theta1.T
    a2 = np.tanh(z2)
    a2_bias = np.hstack([np.ones((m, 1)), a2])
    z3 = a2_bias @ Theta2.T
    a3 = softmax(z3)

    Y = np.eye(num_labels)[y]

    J = -np.sum(Y * np.log(a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = a3 - Y
    d2 = (d3 @ Theta2[:, 1:]) * a2 * (1 - a2)

    Theta1_grad = d2.T @ X / m
    Theta2_grad = d3.T @ a2_bias / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
