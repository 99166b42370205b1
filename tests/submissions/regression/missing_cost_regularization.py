# expect-scores: cost=30 regularized_cost=0 sigmoid_gradient=5 gradient=40 regularized_gradient=0
# expect-mistakes: regularized_cost=missing_cost_regularization regularized_gradient=missing_cost_regularization
# expect-notes:
# Mistake: the gradient is regularized but the cost has no lambda term at all.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_outputs,
                     X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, input_layer_size + 1))
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1):],
                        (num_outputs, hidden_layer_size + 1))
    m = X.shape[0]

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    a3 = a2 @ Theta2.T

    J = (1 / (2 * m)) * np.sum(np.square(a3 - y))

    delta_3 = a3 - y
    delta_2 = (delta_3 @ Theta2)[:, 1:] * sigmoid_gradient(z2)

    Theta1_grad = (delta_2.T @ a1) / m
    Theta2_grad = (delta_3.T @ a2) / m
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
