# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: cost=cost_not_finite regularized_cost=cost_not_finite gradient=labels_off_by_one regularized_gradient=labels_off_by_one
# expect-notes:
# Two mistakes: log(y_matrix - a3) for log(1 - a3) makes J nan, and the one-hot rows are built with y - 1, which changes J and grad.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = sigmoid(z) * (1 - sigmoid(z))
    return g


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    z3 = a2 @ Theta2.T
    a3 = sigmoid(z3)

    # y(i) = k  ->  row with a 1 in column k
    y_matrix = np.eye(num_labels)[y - 1]

    J = (-1 / m) * np.sum(y_matrix * np.log(a3) + (1 - y_matrix) * np.log(y_matrix - a3))
    J += (lambda_ / (2 * m)) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    delta_3 = a3 - y_matrix
    delta_2 = (delta_3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)

    Theta1_grad = delta_2.T @ a1 / m
    Theta2_grad = delta_3.T @ a2 / m
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
