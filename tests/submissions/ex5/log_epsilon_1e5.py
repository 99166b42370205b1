# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=40 regularized_gradient=10
# expect-mistakes:
# expect-notes:
# Correct: the common 'safe log' np.log(h + 1e-5) and np.log(1 - h + 1e-5) in both terms of the cost. The
# course's grader accepts it; it moves J by at most ~6e-5 relative on the public cases, and a course's secret
# cases are drawn so that it stays within half the 1e-4 tolerance there too.
import numpy as np

EPS = 1e-5


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoidGradient(z):
    s = sigmoid(z)
    return s * (1 - s)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    split = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:split].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[split:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1.dot(Theta1.T)
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    h = sigmoid(a2.dot(Theta2.T))

    Y = np.zeros((m, num_labels))
    Y[np.arange(m), y] = 1

    J = -np.sum(Y * np.log(h + EPS) + (1 - Y) * np.log(1 - h + EPS)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = h - Y
    d2 = d3.dot(Theta2)[:, 1:] * sigmoidGradient(z2)
    Theta1_grad = d2.T.dot(a1) / m
    Theta2_grad = d3.T.dot(a2) / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
