# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: cost=cost_missing_negative_class_term,cost_not_averaged regularized_cost=cost_missing_negative_class_term,cost_not_averaged gradient=cost_missing_negative_class_term,cost_not_averaged regularized_gradient=cost_missing_negative_class_term,cost_not_averaged
# expect-notes:
# Mistake, two in one expression: J = -sum(Y * log(h)), without the (1-Y)*log(1-h) term and without 1/m.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoidGradient(z):
    g = np.zeros(z.shape)
    s = sigmoid(z)
    g = s * (1 - s)
    return g


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size
    J = 0
    Theta1_grad = np.zeros(Theta1.shape)
    Theta2_grad = np.zeros(Theta2.shape)

    # ====================== YOUR CODE HERE ======================
    a1 = np.c_[np.ones(m), X]
    z2 = a1 @ Theta1.T
    a2 = np.c_[np.ones(m), sigmoid(z2)]
    z3 = a2 @ Theta2.T
    h = sigmoid(z3)

    Y = np.eye(num_labels)[y]

    J = -np.sum(Y * np.log(h))
    reg = lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    J = J + reg

    d3 = h - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoidGradient(z2)

    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    # ================================================================
    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
