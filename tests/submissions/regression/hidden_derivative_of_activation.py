# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=hidden_derivative_of_activation regularized_gradient=hidden_derivative_of_activation
# expect-notes:
# Mistake: the hidden error uses sigmoid_gradient(a2), the derivative taken at the activation, instead of sigmoid_gradient(z2).
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_gradient(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_outputs,
                     X, y, lambda_=0.0):
    split = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:split].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[split:].reshape(num_outputs, hidden_layer_size + 1)
    m = len(X)

    a1 = np.c_[np.ones(m), X]
    z2 = a1 @ Theta1.T
    a2 = sigmoid(z2)
    a2 = np.c_[np.ones(m), a2]
    h = a2 @ Theta2.T

    err = h - y
    J = 0.5 * np.sum(err ** 2) / m
    J = J + lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    delta3 = err
    delta2 = (delta3 @ Theta2[:, 1:]) * sigmoid_gradient(a2[:, 1:])

    Theta2_grad = delta3.T @ a2 / m
    Theta1_grad = delta2.T @ a1 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
