# expect-scores: cost=30 regularized_cost=0 sigmoid_gradient=5 gradient=40 regularized_gradient=0
# expect-mistakes: regularized_cost=cost_regularization_factor,regularized_bias_cost regularized_gradient=cost_regularization_factor,regularized_bias_cost
# expect-notes:
# Mistake, two in one expression: the cost's lambda term is lambda/m * sum(Theta**2), bias columns included; examples as columns (K, m).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    return np.multiply(sigmoid(z), 1 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    split = hidden_layer_size * (input_layer_size + 1)
    Theta1 = np.reshape(nn_params[:split], (hidden_layer_size, input_layer_size + 1), order='C')
    Theta2 = np.reshape(nn_params[split:], (num_labels, hidden_layer_size + 1), order='C')
    m = len(y)

    A1 = np.vstack([np.ones((1, m)), X.T])          # (n+1, m)
    Z2 = np.matmul(Theta1, A1)                       # (h, m)
    A2 = np.vstack([np.ones((1, m)), sigmoid(Z2)])  # (h+1, m)
    Z3 = np.matmul(Theta2, A2)                       # (K, m)
    A3 = sigmoid(Z3)

    Y = np.zeros((num_labels, m))
    Y[y, np.arange(m)] = 1

    J = (1 / m) * np.sum(-Y * np.log(A3) - (1 - Y) * np.log(1 - A3))
    J = J + (lambda_ / m) * (np.sum(Theta1 * Theta1) + np.sum(Theta2 * Theta2))

    D3 = A3 - Y                                                # (K, m)
    D2 = np.matmul(Theta2[:, 1:].T, D3) * sigmoid_gradient(Z2)  # (h, m)

    Theta1_grad = np.matmul(D2, A1.T) / m
    Theta2_grad = np.matmul(D3, A2.T) / m

    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(order='C'), Theta2_grad.ravel(order='C')])
    return J, grad
