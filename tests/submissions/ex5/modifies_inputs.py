# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=40 regularized_gradient=10
# expect-mistakes:
# expect-notes: inputs_modified
# Correct results, but `temp = Theta1; temp[:, 0] = 0` zeroes the bias weights inside the caller's nn_params (Theta1 and Theta2 are views of it).
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

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1.dot(Theta1.T)
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    z3 = a2.dot(Theta2.T)
    a3 = sigmoid(z3)

    y_matrix = np.eye(num_labels)[y]

    delta_3 = a3 - y_matrix
    delta_2 = delta_3.dot(Theta2)[:, 1:] * sigmoid_gradient(z2)

    Delta1 = delta_2.T.dot(a1)
    Delta2 = delta_3.T.dot(a2)

    # don't regularize the bias terms
    temp1 = Theta1
    temp1[:, 0] = 0
    temp2 = Theta2
    temp2[:, 0] = 0

    J = (-1 / m) * np.sum(y_matrix * np.log(a3) + (1 - y_matrix) * np.log(1 - a3))
    J = J + (lambda_ / (2 * m)) * (np.sum(np.square(temp1)) + np.sum(np.square(temp2)))

    Theta1_grad = Delta1 / m + (lambda_ / m) * temp1
    Theta2_grad = Delta2 / m + (lambda_ / m) * temp2

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
