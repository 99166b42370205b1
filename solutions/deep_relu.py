"""A deeper network with ReLU hidden layers: a correct, vectorized student solution.

Any number of ReLU hidden layers and a sigmoid output layer, trained with the course's
cross-entropy cost summed over the K outputs and averaged over the m examples:
J = -(1/m) * sum [y log(a) + (1 - y) log(1 - a)] + lambda/(2m) * sum of the non-bias weights squared.
layer_sizes lists the units of every layer, input first (e.g. [3, 5, 4, 3]). Theta(l) has shape
(layer_sizes[l+1], layer_sizes[l] + 1) with the bias in column 0; nn_params holds the Thetas one
after another, each unrolled row-major, and the gradient is unrolled the same way.
Sigmoid output with cross-entropy cancel, so the output error is a(L) - y; every hidden layer
needs relu'(z) = 1 where z > 0, else 0. Labels y are 0..K-1.
"""
import numpy as np


def sigmoid(z):
    """Logistic function, element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    return np.maximum(z, 0)


def relu_gradient(z):
    """Derivative of ReLU at z: 1.0 where z > 0, else 0.0."""
    return np.where(z > 0, 1.0, 0.0)


def reshape_params(nn_params, layer_sizes):
    """Split the unrolled parameters into one Theta per layer."""
    thetas = []
    start = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        size = n_out * (n_in + 1)
        thetas.append(np.reshape(nn_params[start:start + size], (n_out, n_in + 1)))
        start += size
    return thetas


def nn_cost_function(nn_params, layer_sizes, X, y, lambda_=0.0):
    """Cost and gradient of a network with ReLU hidden layers and a sigmoid output."""
    thetas = reshape_params(nn_params, layer_sizes)
    num_labels = layer_sizes[-1]
    L = len(thetas)
    m = X.shape[0]

    # Feedforward: keep every layer's input (with bias) and pre-activation
    activations = []   # a(l) with the bias column, the input of Theta(l)
    zs = []            # z(l+1) = a(l) @ Theta(l).T
    a = X
    for l, Theta in enumerate(thetas):
        a = np.concatenate([np.ones((m, 1)), a], axis=1)
        activations.append(a)
        z = a @ Theta.T
        zs.append(z)
        a = sigmoid(z) if l == L - 1 else relu(z)
    h = a

    y_matrix = np.eye(num_labels)[y]

    # Cost
    J = (-1 / m) * np.sum(y_matrix * np.log(h) + (1 - y_matrix) * np.log(1 - h))
    J = J + (lambda_ / (2 * m)) * sum(np.sum(np.square(Theta[:, 1:])) for Theta in thetas)

    # Backpropagation
    grads = [None] * L
    delta = h - y_matrix
    for l in range(L - 1, -1, -1):
        grads[l] = (delta.T @ activations[l]) / m
        grads[l][:, 1:] = grads[l][:, 1:] + (lambda_ / m) * thetas[l][:, 1:]
        if l > 0:
            delta = (delta @ thetas[l])[:, 1:] * relu_gradient(zs[l - 1])

    grad = np.concatenate([g.ravel() for g in grads])
    return J, grad
