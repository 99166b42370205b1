# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=hidden_derivative_of_activation regularized_gradient=hidden_derivative_of_activation
# expect-notes:
# Mistake: the hidden error uses sigmoid_gradient(a2), the derivative taken at the activation, instead of sigmoid_gradient(z2).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    s = sigmoid(z)
    g = s * (1 - s)
    return g


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size

    # one-hot labels
    Y = np.zeros((m, num_labels))
    for i in range(m):
        Y[i, y[i]] = 1

    # forward pass
    A1 = np.hstack([np.ones((m, 1)), X])
    Z2 = A1 @ Theta1.T
    A2 = sigmoid(Z2)
    A2b = np.hstack([np.ones((m, 1)), A2])
    Z3 = A2b @ Theta2.T
    H = sigmoid(Z3)

    J = -np.sum(Y * np.log(H) + (1 - Y) * np.log(1 - H)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    # backward pass
    D3 = H - Y
    D2 = (D3 @ Theta2[:, 1:]) * sigmoid_gradient(A2)

    Theta1_grad = D2.T @ A1 / m
    Theta2_grad = D3.T @ A2b / m

    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
