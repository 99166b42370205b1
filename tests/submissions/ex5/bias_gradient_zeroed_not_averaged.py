# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=bias_gradient_zeroed,gradient_not_averaged regularized_gradient=bias_gradient_zeroed,gradient_not_averaged
# expect-notes:
# Mistake, two in one expression: each gradient is delta.T @ a[:, 1:] in columns 1: only, never divided by m.
import numpy as np


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def sigmoid_gradient(z):
    a = sigmoid(z)
    return a * (1 - a)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    shapes = [(hidden_layer_size, input_layer_size + 1), (num_labels, hidden_layer_size + 1)]
    thetas = []
    start = 0
    for rows, cols in shapes:
        thetas.append(nn_params[start:start + rows * cols].reshape(rows, cols))
        start += rows * cols
    m = X.shape[0]

    acts = [np.insert(X, 0, 1, axis=1)]
    zs = []
    for idx, theta in enumerate(thetas):
        z = acts[-1] @ theta.T
        zs.append(z)
        a = sigmoid(z)
        if idx < len(thetas) - 1:
            a = np.insert(a, 0, 1, axis=1)
        acts.append(a)
    out = acts[-1]

    Y = np.zeros((m, num_labels))
    for k in range(num_labels):
        Y[:, k] = (y == k)

    J = np.sum(-Y * np.log(out) - (1 - Y) * np.log(1 - out)) / m
    penalty = sum(np.sum(np.square(t[:, 1:])) for t in thetas)
    J = J + lambda_ * penalty / (2 * m)

    deltas = [None] * len(thetas)
    deltas[-1] = out - Y
    for l in range(len(thetas) - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ thetas[l + 1][:, 1:]) * sigmoid_gradient(zs[l])

    grads = []
    for l, theta in enumerate(thetas):
        g = np.zeros(theta.shape)
        g[:, 1:] = deltas[l].T @ acts[l][:, 1:]
        reg = theta.copy()
        reg[:, 0] = 0
        g = g + (lambda_ / m) * reg
        grads.append(g)

    grad = np.concatenate([g.ravel() for g in grads])
    return J, grad
