# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: cost=labels_off_by_one regularized_cost=labels_off_by_one gradient=labels_off_by_one regularized_gradient=labels_off_by_one
# expect-notes:
# Mistake: one-hot rows built in a loop with y[i] - 1; a log(a3 + 1e-5) the grading tolerance forgives must not hide it.
import numpy as np
from utils import sigmoid


def sigmoid_gradient(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lmbda=0.0):
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[n1:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]

    # one-hot labels
    y_matrix = np.zeros((m, num_labels))
    for i in range(m):
        y_matrix[i, y[i] - 1] = 1

    ones = np.ones((m, 1))
    a1 = np.hstack((ones, X))
    z2 = np.dot(a1, Theta1.T)
    a2 = np.hstack((ones, sigmoid(z2)))
    z3 = np.dot(a2, Theta2.T)
    a3 = sigmoid(z3)

    cost = np.multiply(-y_matrix, np.log(a3 + 1e-5)) - np.multiply(1 - y_matrix, np.log(1 - a3 + 1e-5))
    J = np.sum(cost) / m
    J += (lmbda / (2 * m)) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))

    delta3 = a3 - y_matrix
    delta2 = np.dot(delta3, Theta2[:, 1:]) * sigmoid_gradient(z2)

    Delta1 = np.dot(delta2.T, a1)
    Delta2 = np.dot(delta3.T, a2)

    Theta1_grad = Delta1 / m
    Theta2_grad = Delta2 / m
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lmbda / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lmbda / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
