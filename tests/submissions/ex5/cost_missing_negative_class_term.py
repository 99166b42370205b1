# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=5 gradient=0 regularized_gradient=0
# expect-mistakes: cost=cost_missing_negative_class_term regularized_cost=cost_missing_negative_class_term gradient=cost_missing_negative_class_term regularized_gradient=cost_missing_negative_class_term
# expect-notes:
# Mistake: the cost keeps only the -y*log(h) term and leaves out -(1-y)*log(1-h).
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

    # recode the labels as vectors of 0s and 1s
    y_vec = np.zeros((m, num_labels))
    for i in range(m):
        y_vec[i][y[i]] = 1

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1.dot(Theta1.T)
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    z3 = a2.dot(Theta2.T)
    a3 = sigmoid(z3)

    J = -(1 / m) * np.sum(y_vec * np.log(a3))
    J = J + (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))

    delta3 = a3 - y_vec
    delta2 = delta3.dot(Theta2)[:, 1:] * sigmoid_gradient(z2)

    Theta1_grad = (1 / m) * delta2.T.dot(a1)
    Theta2_grad = (1 / m) * delta3.T.dot(a2)
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
