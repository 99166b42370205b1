# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: cost=cost_averaged_over_classes regularized_cost=cost_averaged_over_classes gradient=cost_averaged_over_classes regularized_gradient=cost_averaged_over_classes
# expect-notes:
# Mistake: np.mean over the whole m x K matrix divides the cross-entropy by m*K instead of m.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    s = sigmoid(z)
    return s * (1 - s)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,
                     X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size

    a1 = np.c_[np.ones(m), X]
    z2 = np.dot(a1, Theta1.T)
    a2 = np.c_[np.ones(m), sigmoid(z2)]
    z3 = np.dot(a2, Theta2.T)
    a3 = sigmoid(z3)

    Y = np.eye(num_labels)[y]

    J = np.mean(-Y * np.log(a3) - (1 - Y) * np.log(1 - a3))
    J += (lambda_ / (2 * m)) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    d3 = a3 - Y
    d2 = np.dot(d3, Theta2[:, 1:]) * sigmoid_gradient(z2)

    Theta1_grad = np.dot(d2.T, a1) / m
    Theta2_grad = np.dot(d3.T, a2) / m
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
