# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=gradient_not_averaged regularized_gradient=gradient_not_averaged
# expect-notes:
# Mistake: the accumulated Delta matrices are used as the gradient without dividing by m.
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
    Delta1 = np.zeros(Theta1.shape)
    Delta2 = np.zeros(Theta2.shape)

    for i in range(m):
        a1 = np.hstack([1, X[i]])
        z2 = Theta1.dot(a1)
        a2 = np.hstack([1, sigmoid(z2)])
        z3 = Theta2.dot(a2)
        a3 = sigmoid(z3)

        y_i = np.zeros(num_labels)
        y_i[y[i]] = 1

        J += -np.sum(y_i * np.log(a3) + (1 - y_i) * np.log(1 - a3))

        delta3 = a3 - y_i
        delta2 = Theta2[:, 1:].T.dot(delta3) * sigmoid_gradient(z2)

        Delta1 += np.outer(delta2, a1)
        Delta2 += np.outer(delta3, a2)

    J = J / m
    J += (lambda_ / (2 * m)) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    Theta1_grad = Delta1
    Theta2_grad = Delta2
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
