# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=gradient_not_averaged regularized_gradient=gradient_not_averaged
# expect-notes:
# Mistake: the accumulated Delta matrices are used as the gradient without dividing by m.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_outputs,
                     X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_outputs, (hidden_layer_size + 1)))
    m = X.shape[0]

    a1 = np.hstack((np.ones((m, 1)), X))
    z2 = np.dot(a1, Theta1.T)
    a2 = np.hstack((np.ones((m, 1)), sigmoid(z2)))
    a3 = np.dot(a2, Theta2.T)          # linear output

    J = np.sum((a3 - y) ** 2) / (2 * m)
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = a3 - y
    d2 = np.dot(d3, Theta2)[:, 1:] * sigmoid_gradient(z2)

    Delta1 = np.dot(d2.T, a1)
    Delta2 = np.dot(d3.T, a2)

    Theta1_grad = Delta1
    Theta2_grad = Delta2
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
