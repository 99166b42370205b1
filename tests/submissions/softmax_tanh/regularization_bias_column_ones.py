# expect-scores: cost=30 regularized_cost=0 tanh_gradient=5 gradient=40 regularized_gradient=0
# expect-mistakes: regularized_cost=regularization_bias_column_ones regularized_gradient=regularization_bias_column_ones
# expect-notes:
# Mistake: one regularization matrix with a bias column of ones, used for the cost and the gradient.
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
    R1 = np.column_stack([np.ones(Theta1.shape[0]), Theta1[:, 1:]])
    R2 = np.column_stack([np.ones(Theta2.shape[0]), Theta2[:, 1:]])
    J += lambda_ / (2 * m) * (np.sum(R1 ** 2) + np.sum(R2 ** 2))

    d3 = a3 - Y
    d2 = (d3 @ Theta2[:, 1:]) * tanh_gradient(z2)

    Theta1_grad = d2.T @ X / m
    Theta2_grad = d3.T @ a2_bias / m
    Theta1_grad += lambda_ / m * R1
    Theta2_grad += lambda_ / m * R2

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
