# expect-scores: cost=30 regularized_cost=15 relu_gradient=5 gradient=40 regularized_gradient=10
# expect-mistakes:
# expect-notes:
# Nothing wrong: a correct solution that loops over the examples and over the layers, for any number of layers.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def relu_gradient(z):
    return np.where(z > 0, 1.0, 0.0)


def nn_cost_function(nn_params, layer_sizes, X, y, lambda_=0.0):
    Thetas = []
    start = 0
    for i in range(len(layer_sizes) - 1):
        shape = (layer_sizes[i + 1], layer_sizes[i] + 1)
        Thetas.append(np.reshape(nn_params[start:start + shape[0] * shape[1]], shape))
        start += shape[0] * shape[1]
    L = len(Thetas)
    num_labels = layer_sizes[-1]
    m = y.size

    J = 0
    Theta_grads = [np.zeros(T.shape) for T in Thetas]

    for t in range(m):
        # feedforward for example t
        a_list = []
        z_list = []
        a = X[t]
        for l in range(L):
            a = np.concatenate([[1.0], a])
            a_list.append(a)
            z = Thetas[l] @ a
            z_list.append(z)
            a = sigmoid(z) if l == L - 1 else np.maximum(z, 0)

        yk = np.zeros(num_labels)
        yk[y[t]] = 1
        J += -np.sum(yk * np.log(a) + (1 - yk) * np.log(1 - a))

        # backpropagate
        delta = a - yk
        for l in range(L - 1, -1, -1):
            Theta_grads[l] += np.outer(delta, a_list[l])
            if l > 0:
                delta = (Thetas[l][:, 1:].T @ delta) * relu_gradient(z_list[l - 1])

    J = J / m
    for T in Thetas:
        J += (lambda_ / (2 * m)) * np.sum(T[:, 1:] ** 2)

    for l in range(L):
        Theta_grads[l] = Theta_grads[l] / m
        Theta_grads[l][:, 1:] += (lambda_ / m) * Thetas[l][:, 1:]

    grad = np.concatenate([g.ravel() for g in Theta_grads])
    return J, grad
