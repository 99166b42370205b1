# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes:
# expect-notes:
# Mistake: the function returns (J, grad, cache), one value more than the course's (J, grad). The course's
# grader reads the cost as f(...)[0], so the cost parts pass; `J, grad = f(...)` fails on the gradient parts.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    split = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:split].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[split:].reshape(num_labels, hidden_layer_size + 1)
    m = y.size

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1.dot(Theta1.T)
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    a3 = sigmoid(a2.dot(Theta2.T))
    Y = np.zeros((m, num_labels))
    Y[np.arange(m), y] = 1.0

    penalty = np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2)
    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m + lambda_ * penalty / (2 * m)

    d3 = a3 - Y
    d2 = d3.dot(Theta2[:, 1:]) * sigmoid_gradient(z2)
    Theta1_grad = d2.T.dot(a1) / m
    Theta2_grad = d3.T.dot(a2) / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])

    cache = {"a1": a1, "z2": z2, "a2": a2, "a3": a3}
    return J, grad, cache
