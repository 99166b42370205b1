# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=40 regularized_gradient=10
# expect-mistakes:
# expect-notes: slow_at_full_size
# Correct results, but the cost and then backpropagation each loop over every example (the course's hint for
# Part 2) and, inside, over every hidden unit and label, so it is slow on the full data set: about 70x the
# vectorized reference's CPU time, well above the note's 30x bar (one such pass alone, about 40x, fell under it once
# on a loaded machine, whose memory traffic slows the reference's matrix products more than these loops).
import math

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

    J = 0.0
    Theta1_grad = np.zeros(Theta1.shape)
    Theta2_grad = np.zeros(Theta2.shape)

    def output(a2, k):
        """The output unit k, one hidden unit at a time."""
        z3 = Theta2[k, 0]
        for j in range(hidden_layer_size):
            z3 += Theta2[k, j + 1] * a2[j + 1]
        return sigmoid(z3)

    # Part 1: the cost, one example, one hidden unit and one label at a time
    for i in range(m):
        a1 = np.concatenate([[1.0], X[i, :]])
        a2 = np.ones(hidden_layer_size + 1)
        for j in range(hidden_layer_size):
            a2[j + 1] = sigmoid(np.sum(Theta1[j, :] * a1))
        for k in range(num_labels):
            h = output(a2, k)
            yk = 1.0 if y[i] == k else 0.0
            J += -yk * math.log(h) - (1 - yk) * math.log(1 - h)

    # Part 2: backpropagation, a second loop over the examples (the course's hint), the forward pass again
    for i in range(m):
        a1 = np.concatenate([[1.0], X[i, :]])
        a2 = np.ones(hidden_layer_size + 1)
        for j in range(hidden_layer_size):
            a2[j + 1] = sigmoid(np.dot(Theta1[j, :], a1))
        delta3 = np.zeros(num_labels)
        for k in range(num_labels):
            delta3[k] = output(a2, k) - (1.0 if y[i] == k else 0.0)
            Theta2_grad[k, :] += delta3[k] * a2
        for j in range(hidden_layer_size):
            s = 0.0
            for k in range(num_labels):
                s += Theta2[k, j + 1] * delta3[k]
            d2 = s * a2[j + 1] * (1 - a2[j + 1])
            Theta1_grad[j, :] += d2 * a1

    J = J / m
    J += (lambda_ / (2 * m)) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    Theta1_grad = Theta1_grad / m
    Theta2_grad = Theta2_grad / m
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
