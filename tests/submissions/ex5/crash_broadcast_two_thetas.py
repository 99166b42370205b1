# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes:
# expect-notes:
# Crash: the λ term adds the squares of Theta1[:, 1:] and Theta2[:, 1:] elementwise before one sum; the two
# matrices have different shapes, so numpy cannot broadcast them (ValueError on every call).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    cut = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:cut].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[cut:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    a3 = sigmoid(a2 @ Theta2.T)
    Y = np.eye(num_labels)[y]
    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * np.sum(Theta1[:, 1:] ** 2 + Theta2[:, 1:] ** 2)
    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)
    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ a2 / m
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
