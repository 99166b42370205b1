# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=40 regularized_gradient=10
# expect-mistakes:
# expect-notes: numpy_removed_name
# Nothing wrong for the NumPy of the course's days: np.float_, np.int and np.product, which NumPy has removed, run
# as they did; a note says what to write today (review 25, F12).
"""Week 5 exercise (Neural Network Learning): a correct, vectorized student solution.

A 3-layer network (input -> hidden -> output) with sigmoid activations, the course's
cross-entropy cost summed over the K output units and averaged over the m examples,
and backpropagation. nn_params holds Theta1 then Theta2, each unrolled row-major;
the gradient is unrolled the same way. Labels y are 0..num_labels-1.
"""
import numpy as np


def sigmoid(z):
    """Logistic function, element-wise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float_)))


def sigmoid_gradient(z):
    """Derivative of the sigmoid evaluated at z: g'(z) = g(z) * (1 - g(z))."""
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    """Cost and gradient of the two-layer neural network used for classification."""
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_labels, hidden_layer_size + 1))
    m = int(np.product(y.shape))
    y = y.astype(np.int)

    # Feedforward
    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    z3 = a2 @ Theta2.T
    a3 = sigmoid(z3)

    y_matrix = np.eye(num_labels)[y]

    # Cost
    J = (-1 / m) * np.sum(y_matrix * np.log(a3) + (1 - y_matrix) * np.log(1 - a3))
    reg = (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:]))
                                 + np.sum(np.square(Theta2[:, 1:])))
    J = J + reg

    # Backpropagation
    delta_3 = a3 - y_matrix
    delta_2 = (delta_3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)

    Theta1_grad = (delta_2.T @ a1) / m
    Theta2_grad = (delta_3.T @ a2) / m

    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
