# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: cost=params_reshaped_wrong_order regularized_cost=params_reshaped_wrong_order gradient=extra_output_derivative,params_reshaped_wrong_order regularized_gradient=extra_output_derivative,params_reshaped_wrong_order
# expect-notes:
# Mistakes: two. The Thetas are rebuilt column-major by reshaping to (columns, rows) and transposing (what
# order='F' does), the gradient is unrolled with the template's ravel(); and delta3 carries an extra σ'(z3).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    cut = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:cut].reshape(input_layer_size + 1, hidden_layer_size).T
    Theta2 = nn_params[cut:].reshape(hidden_layer_size + 1, num_labels).T
    m = X.shape[0]

    ones = np.ones((m, 1))
    a1 = np.hstack([ones, X])
    z2 = a1.dot(Theta1.T)
    a2 = np.hstack([ones, sigmoid(z2)])
    z3 = a2.dot(Theta2.T)
    h = sigmoid(z3)

    Y = np.zeros((m, num_labels))
    Y[np.arange(m), y] = 1.0

    J = np.sum(-Y * np.log(h) - (1.0 - Y) * np.log(1.0 - h)) / m
    J += lambda_ / (2.0 * m) * (np.sum(Theta1[:, 1:] * Theta1[:, 1:]) + np.sum(Theta2[:, 1:] * Theta2[:, 1:]))

    d3 = (h - Y) * sigmoid_gradient(z3)
    d2 = d3.dot(Theta2)[:, 1:] * sigmoid_gradient(z2)

    Theta1_grad = d2.T.dot(a1) / m
    Theta2_grad = d3.T.dot(a2) / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
