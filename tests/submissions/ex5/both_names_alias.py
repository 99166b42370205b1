# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=40 regularized_gradient=10
# expect-mistakes:
# expect-notes:
# Nothing wrong: camelCase functions, also reachable under the snake_case names (an alias, and a def that only calls).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    g = sigmoid(z) * (1 - sigmoid(z))
    return g


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels,
                   X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = X.shape[0]

    a1 = np.column_stack([np.ones(m), X])
    z2 = np.dot(a1, Theta1.T)
    a2 = np.column_stack([np.ones(m), sigmoid(z2)])
    z3 = np.dot(a2, Theta2.T)
    a3 = sigmoid(z3)

    yMatrix = np.eye(num_labels)[y]

    J = (1 / m) * np.sum(-yMatrix * np.log(a3) - (1 - yMatrix) * np.log(1 - a3))
    J = J + (lambda_ / (2 * m)) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    delta3 = a3 - yMatrix
    delta2 = np.dot(delta3, Theta2[:, 1:]) * sigmoidGradient(z2)

    Theta1_grad = np.dot(delta2.T, a1) / m
    Theta2_grad = np.dot(delta3.T, a2) / m
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad


nn_cost_function = nnCostFunction


def sigmoid_gradient(z):
    return sigmoidGradient(z)
