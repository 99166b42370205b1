# expect-scores: cost=30 regularized_cost=15 tanh_gradient=5 gradient=40 regularized_gradient=0
# expect-mistakes: regularized_gradient=regularized_bias_gradient
# expect-notes:
# Mistake: lambda/m * Theta is added to the whole gradient, bias column included.
import numpy as np


def softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)
    return np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)


def tanh_gradient(z):
    return 1.0 - np.tanh(z) ** 2


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size

    a1 = np.hstack((np.ones((m, 1)), X))
    z2 = np.dot(a1, Theta1.T)
    a2 = np.hstack((np.ones((m, 1)), np.tanh(z2)))
    z3 = np.dot(a2, Theta2.T)
    a3 = softmax(z3)

    y_onehot = np.eye(num_labels)[y]

    cost = -np.sum(y_onehot * np.log(a3)) / m
    reg = lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    J = cost + reg

    d3 = a3 - y_onehot
    d2 = np.dot(d3, Theta2)[:, 1:] * tanh_gradient(z2)

    Theta1_grad = np.dot(d2.T, a1) / m + (lambda_ / m) * Theta1
    Theta2_grad = np.dot(d3.T, a2) / m + (lambda_ / m) * Theta2

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
