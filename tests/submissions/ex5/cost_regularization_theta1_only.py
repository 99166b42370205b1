# expect-scores: cost=30 regularized_cost=0 sigmoid_gradient=5 gradient=40 regularized_gradient=0
# expect-mistakes: regularized_cost=missing_cost_regularization regularized_gradient=missing_cost_regularization
# expect-notes:
# Mistake: the cost's λ term sums Theta1's squares only (the gradient's is right): named for Theta2 only in both
# regularized parts (student review 4, F13: the gradient part, whose gradient is right, named nothing).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    split = hidden_layer_size * (input_layer_size + 1)
    W1 = nn_params[:split].reshape(hidden_layer_size, input_layer_size + 1)
    W2 = nn_params[split:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]
    Y = np.zeros((m, num_labels))
    Y[np.arange(m), y] = 1.0

    A1 = np.hstack([np.ones((m, 1)), X])
    Z2 = A1 @ W1.T
    A2 = np.hstack([np.ones((m, 1)), sigmoid(Z2)])
    H = sigmoid(A2 @ W2.T)

    J = -np.sum(Y * np.log(H) + (1.0 - Y) * np.log(1.0 - H)) / m
    J += lambda_ / (2.0 * m) * np.sum(W1[:, 1:] ** 2)  # W2's squares forgotten

    D3 = H - Y
    D2 = (D3 @ W2[:, 1:]) * sigmoid_gradient(Z2)
    G1 = D2.T @ A1 / m
    G2 = D3.T @ A2 / m
    G1[:, 1:] += lambda_ / m * W1[:, 1:]
    G2[:, 1:] += lambda_ / m * W2[:, 1:]
    return J, np.concatenate([G1.ravel(), G2.ravel()])
