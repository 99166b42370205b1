"""Neural network regression: a correct, vectorized student solution.

A 3-layer network (input -> sigmoid hidden -> linear output) with the squared-error cost
J = (1/m) * sum_i 1/2 * sum_k (a3_k - y_k)^2 + lambda/(2m) * sum of the non-bias weights squared.
A linear output and squared error cancel, so the output error is delta3 = a3 - y. y is an
(m, num_outputs) array of real targets. nn_params holds Theta1 then Theta2, each unrolled
row-major; the gradient is unrolled the same way.
"""
import numpy as np


def sigmoid(z):
    """Logistic function, element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    """Derivative of the sigmoid evaluated at z: g'(z) = g(z) * (1 - g(z))."""
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_outputs,
                     X, y, lambda_=0.0):
    """Squared-error cost and gradient of the regression network."""
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_outputs, hidden_layer_size + 1))
    m = X.shape[0]

    # Feedforward; the output layer is linear
    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    a3 = a2 @ Theta2.T

    # Cost
    J = (1 / (2 * m)) * np.sum(np.square(a3 - y))
    reg = (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:]))
                                 + np.sum(np.square(Theta2[:, 1:])))
    J = J + reg

    # Backpropagation
    delta_3 = a3 - y
    delta_2 = (delta_3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)

    Theta1_grad = (delta_2.T @ a1) / m
    Theta2_grad = (delta_3.T @ a2) / m

    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
