"""The walkthrough's reference solution (docs/authoring.md): tanh hidden layer, sigmoid output."""
import numpy as np


def tanh_gradient(z):
    return 1.0 - np.tanh(z) ** 2


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    split = hidden_layer_size * (input_layer_size + 1)
    Theta1 = np.reshape(nn_params[:split], (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[split:], (num_labels, hidden_layer_size + 1))
    m = X.shape[0]
    Y = np.eye(num_labels)[y]

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), np.tanh(z2)])
    a3 = 1.0 / (1.0 + np.exp(-(a2 @ Theta2.T)))

    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    delta3 = a3 - Y
    delta2 = (delta3 @ Theta2)[:, 1:] * tanh_gradient(z2)
    Theta1_grad = delta2.T @ a1 / m
    Theta2_grad = delta3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
