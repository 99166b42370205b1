# expect-scores: cost=30 regularized_cost=15 tanh_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=extra_output_derivative regularized_gradient=extra_output_derivative
# expect-notes:
# Mistake: the output error is multiplied by a3 * (1 - a3), as for a sigmoid with squared error; softmax with cross-entropy gives just a3 - y.
import numpy as np


def softmax(z):
    exps = np.exp(z - np.max(z, axis=1, keepdims=True))
    return exps / np.sum(exps, axis=1, keepdims=True)


def tanh_gradient(z):
    return 1 - np.tanh(z) ** 2


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = np.dot(a1, Theta1.T)
    a2 = np.tanh(z2)
    a2 = np.concatenate([np.ones((a2.shape[0], 1)), a2], axis=1)
    z3 = np.dot(a2, Theta2.T)
    a3 = softmax(z3)

    y_matrix = np.eye(num_labels)[y]

    J = (-1 / m) * np.sum(y_matrix * np.log(a3))
    J = J + (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))

    # backpropagation
    delta_3 = (a3 - y_matrix) * a3 * (1 - a3)
    delta_2 = delta_3.dot(Theta2)[:, 1:] * tanh_gradient(z2)

    Theta1_grad = (1 / m) * delta_2.T.dot(a1)
    Theta2_grad = (1 / m) * delta_3.T.dot(a2)
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
