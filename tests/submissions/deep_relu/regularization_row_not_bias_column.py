# expect-scores: cost=30 regularized_cost=15 relu_gradient=5 gradient=40 regularized_gradient=0
# expect-mistakes: regularized_gradient=regularization_row_not_bias_column
# expect-notes:
# Mistake: each layer's lambda term skips row 0 instead of the bias column.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


def relu_gradient(z):
    return np.where(z > 0, 1.0, 0.0)


def nn_cost_function(nn_params, layer_sizes, X, y, lambda_=0.0):
    # unroll the weights layer by layer
    Thetas = []
    start = 0
    for i in range(len(layer_sizes) - 1):
        rows, cols = layer_sizes[i + 1], layer_sizes[i] + 1
        Thetas.append(nn_params[start:start + rows * cols].reshape(rows, cols))
        start += rows * cols

    m = X.shape[0]
    num_labels = layer_sizes[-1]

    # forward pass
    A = [np.hstack([np.ones((m, 1)), X])]
    Z = []
    for i, Theta in enumerate(Thetas):
        z = A[-1] @ Theta.T
        Z.append(z)
        if i == len(Thetas) - 1:
            a = sigmoid(z)
        else:
            a = np.hstack([np.ones((m, 1)), relu(z)])
        A.append(a)
    h = A[-1]

    Y = np.eye(num_labels)[y]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m
    for Theta in Thetas:
        J += lambda_ / (2 * m) * np.sum(Theta[:, 1:] ** 2)

    # backward pass
    grads = [None] * len(Thetas)
    delta = h - Y
    for i in reversed(range(len(Thetas))):
        grads[i] = delta.T @ A[i] / m
        grads[i][1:, :] += lambda_ / m * Thetas[i][1:, :]
        if i > 0:
            delta = (delta @ Thetas[i])[:, 1:] * relu_gradient(Z[i - 1])

    grad = np.concatenate([g.ravel() for g in grads])
    return J, grad
