# expect-scores: cost=30 regularized_cost=15 relu_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=wrong_bias_column_dropped regularized_gradient=wrong_bias_column_dropped
# expect-notes:
# Mistake: when back-propagating through each hidden layer the last column of delta @ Theta is dropped instead of the bias column 0.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu_gradient(z):
    return (z > 0) * 1.0


def nn_cost_function(nn_params, layer_sizes, X, y, lambda_=0.0):
    Thetas = []
    offset = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        Thetas.append(np.reshape(nn_params[offset:offset + n_out * (n_in + 1)], (n_out, n_in + 1)))
        offset += n_out * (n_in + 1)
    L = len(Thetas)
    m = y.size

    activations = []
    zs = []
    a = X
    for l in range(L):
        a = np.concatenate([np.ones((m, 1)), a], axis=1)
        activations.append(a)
        z = a.dot(Thetas[l].T)
        zs.append(z)
        if l < L - 1:
            a = np.maximum(z, 0)
        else:
            a = sigmoid(z)

    y_matrix = np.eye(layer_sizes[-1])[y]
    J = (-1 / m) * np.sum(y_matrix * np.log(a) + (1 - y_matrix) * np.log(1 - a))
    J += (lambda_ / (2 * m)) * sum(np.sum(np.square(T[:, 1:])) for T in Thetas)

    Theta_grads = [np.zeros(T.shape) for T in Thetas]
    delta = a - y_matrix
    for l in range(L - 1, -1, -1):
        Theta_grads[l] = (1 / m) * delta.T.dot(activations[l])
        Theta_grads[l][:, 1:] += (lambda_ / m) * Thetas[l][:, 1:]
        if l > 0:
            delta = delta.dot(Thetas[l])[:, :-1] * relu_gradient(zs[l - 1])

    grad = np.concatenate([g.ravel() for g in Theta_grads])
    return J, grad
