# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes:
# expect-notes:
# Mistake: the gradient is returned as a list of the two matrices instead of one unrolled vector. The cost
# is right, and the course's grader judges the cost parts on the first returned value alone.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    n_first = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n_first].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n_first:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]

    a1 = np.insert(X, 0, 1.0, axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.insert(sigmoid(z2), 0, 1.0, axis=1)
    a3 = sigmoid(a2 @ Theta2.T)
    Y = np.eye(num_labels)[y]

    J = np.sum(-Y * np.log(a3) - (1 - Y) * np.log(1 - a3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    delta3 = a3 - Y
    delta2 = (delta3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)
    Theta1_grad = delta2.T @ a1 / m
    Theta2_grad = delta3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    return J, [Theta1_grad, Theta2_grad]
