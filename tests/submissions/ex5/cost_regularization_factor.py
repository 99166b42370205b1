# expect-scores: cost=30 regularized_cost=0 sigmoid_gradient=5 gradient=40 regularized_gradient=0
# expect-mistakes: regularized_cost=cost_regularization_factor regularized_gradient=cost_regularization_factor
# expect-notes:
# Mistake: the cost's regularization term uses lambda/m instead of lambda/(2m).
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

    J = 0
    Theta1_grad = np.zeros(Theta1.shape)
    Theta2_grad = np.zeros(Theta2.shape)

    for i in range(m):
        a1 = np.concatenate([[1], X[i, :]])
        z2 = np.dot(Theta1, a1)
        a2 = np.concatenate([[1], sigmoid(z2)])
        z3 = np.dot(Theta2, a2)
        a3 = sigmoid(z3)

        yv = np.zeros(num_labels)
        yv[y[i]] = 1
        J += np.sum(-yv * np.log(a3) - (1 - yv) * np.log(1 - a3))

        delta3 = a3 - yv
        delta2 = np.dot(Theta2.T, delta3)[1:] * sigmoid_gradient(z2)
        Theta1_grad += np.outer(delta2, a1)
        Theta2_grad += np.outer(delta3, a2)

    J = J / m + (lambda_ / m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    Theta1_grad /= m
    Theta2_grad /= m
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
