# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=missing_hidden_derivative regularized_gradient=missing_hidden_derivative
# expect-notes:
# Mistake: the hidden-layer error is Theta2' * delta3 without the g'(z2) factor.
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

    X = np.concatenate([np.ones((m, 1)), X], axis=1)

    for t in range(m):
        # step 1: feedforward for example t
        a1 = X[t, :]
        z2 = np.dot(Theta1, a1)
        a2 = sigmoid(z2)
        a2 = np.concatenate([np.ones(1), a2])
        z3 = np.dot(Theta2, a2)
        a3 = sigmoid(z3)

        y_vec = np.zeros(num_labels)
        y_vec[y[t]] = 1
        J = J - np.sum(y_vec * np.log(a3) + (1 - y_vec) * np.log(1 - a3))

        # step 2 and 3: errors
        delta3 = a3 - y_vec
        delta2 = np.dot(Theta2.T, delta3)[1:]

        # step 4: accumulate
        Theta1_grad = Theta1_grad + np.dot(delta2[:, None], a1[None, :])
        Theta2_grad = Theta2_grad + np.dot(delta3[:, None], a2[None, :])

    J = J / m + (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))

    # step 5
    Theta1_grad = Theta1_grad / m
    Theta2_grad = Theta2_grad / m
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
