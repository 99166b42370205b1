# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=output_delta_sign regularized_gradient=output_delta_sign
# expect-notes:
# Mistake: the output error is computed as y - a3 instead of a3 - y, so the gradient points the wrong way.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_gradient(z):
    return sigmoid(z) * (1 - sigmoid(z))


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

    # loop over the training examples, as in the hint
    for i in range(m):
        a1 = np.concatenate([[1], X[i, :]])
        z2 = Theta1 @ a1
        a2 = np.concatenate([[1], sigmoid(z2)])
        z3 = Theta2 @ a2
        a3 = sigmoid(z3)

        yk = np.zeros(num_labels)
        yk[y[i]] = 1

        J += np.sum(-yk * np.log(a3) - (1 - yk) * np.log(1 - a3))

        d3 = yk - a3
        d2 = (Theta2.T @ d3)[1:] * sigmoid_gradient(z2)

        Theta2_grad += np.outer(d3, a2)
        Theta1_grad += np.outer(d2, a1)

    J = J / m
    J += (lambda_ / (2 * m)) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    Theta1_grad = Theta1_grad / m
    Theta2_grad = Theta2_grad / m
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
