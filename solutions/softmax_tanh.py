"""A tanh hidden layer and a softmax output: a correct, vectorized student solution.

A 3-layer network (input -> tanh hidden -> softmax output) with the categorical cross-entropy
J = -(1/m) * sum_i sum_k y_k * log(a3_k) + lambda/(2m) * sum of the non-bias weights squared.
Softmax and categorical cross-entropy cancel, so the output error is delta3 = a3 - y; the hidden
error needs tanh'(z2) = 1 - tanh(z2)^2. nn_params holds Theta1 then Theta2, each unrolled
row-major; the gradient is unrolled the same way. Labels y are 0..num_labels-1.
"""
import numpy as np


def softmax(z):
    """Row-wise softmax; the row maximum is subtracted so exp never overflows."""
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def tanh_gradient(z):
    """Derivative of tanh evaluated at z: 1 - tanh(z)^2."""
    return 1 - np.tanh(z) ** 2


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    """Cost and gradient of the tanh/softmax network used for classification."""
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_labels, hidden_layer_size + 1))
    m = y.size

    # Feedforward
    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), np.tanh(z2)], axis=1)
    z3 = a2 @ Theta2.T
    a3 = softmax(z3)

    y_matrix = np.eye(num_labels)[y]

    # Cost
    J = (-1 / m) * np.sum(y_matrix * np.log(a3))
    reg = (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:]))
                                 + np.sum(np.square(Theta2[:, 1:])))
    J = J + reg

    # Backpropagation
    delta_3 = a3 - y_matrix
    delta_2 = (delta_3 @ Theta2)[:, 1:] * tanh_gradient(z2)

    Theta1_grad = (delta_2.T @ a1) / m
    Theta2_grad = (delta_3.T @ a2) / m

    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
