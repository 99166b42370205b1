# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: gradient=extra_output_derivative regularized_gradient=extra_output_derivative
# expect-notes:
# Mistake: the output error is multiplied by a3*(1-a3); the cost's log(a3 + 1e-5) moves J by ~6e-5, inside the grading tolerance but outside the 1e-5 match.
import numpy as np
from scipy.special import expit


def sigmoid_gradient(z):
    s = expit(z)
    return s * (1 - s)


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    t1_size = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:t1_size].reshape((hidden_layer_size, input_layer_size + 1))
    Theta2 = nn_params[t1_size:].reshape((num_labels, hidden_layer_size + 1))
    m = X.shape[0]

    Y = (y[:, None] == np.arange(num_labels)[None, :]).astype(float)

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = np.einsum('ij,kj->ik', a1, Theta1)
    a2 = np.concatenate([np.ones((m, 1)), expit(z2)], axis=1)
    z3 = np.einsum('ij,kj->ik', a2, Theta2)
    a3 = expit(z3)

    J = -np.einsum('ik,ik->', Y, np.log(a3 + 1e-5)) - np.einsum('ik,ik->', 1 - Y, np.log(1 - a3 + 1e-5))
    J = J / m
    w1 = Theta1[:, 1:].ravel()
    w2 = Theta2[:, 1:].ravel()
    J += lambda_ / (2 * m) * (w1 @ w1 + w2 @ w2)

    d3 = (a3 - Y) * a3 * (1 - a3)
    d2 = np.einsum('ik,kj->ij', d3, Theta2[:, 1:]) * sigmoid_gradient(z2)

    g1 = np.einsum('ij,ik->jk', d2, a1) / m
    g2 = np.einsum('ij,ik->jk', d3, a2) / m

    r1 = Theta1.copy()
    r1[:, 0] = 0
    r2 = Theta2.copy()
    r2[:, 0] = 0
    g1 = g1 + lambda_ / m * r1
    g2 = g2 + lambda_ / m * r2

    grad = np.r_[g1.ravel(), g2.ravel()]
    return J, grad
