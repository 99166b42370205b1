# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=output_delta_sign,gradient_not_averaged regularized_gradient=output_delta_sign,gradient_not_averaged
# expect-notes:
# Mistakes: δ3 = y − a (the sign), and Theta1's gradient not divided by m (Theta2's is): a pair with a member made
# for one Θ only (student review 4, F13: "No mistake in the grader's catalogue explains these values").
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
    J += lambda_ / (2.0 * m) * (np.sum(W1[:, 1:] ** 2) + np.sum(W2[:, 1:] ** 2))

    D3 = Y - H  # the sign
    D2 = (D3 @ W2[:, 1:]) * sigmoid_gradient(Z2)
    G1 = D2.T @ A1  # no / m here
    G2 = D3.T @ A2 / m
    G1[:, 1:] += lambda_ / m * W1[:, 1:]
    G2[:, 1:] += lambda_ / m * W2[:, 1:]
    return J, np.concatenate([G1.ravel(), G2.ravel()])
