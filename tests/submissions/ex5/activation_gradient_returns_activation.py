# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=0 gradient=0 regularized_gradient=0
# expect-mistakes: sigmoid_gradient=activation_gradient_returns_activation gradient=activation_gradient_returns_activation regularized_gradient=activation_gradient_returns_activation
# expect-notes:
# Mistake: sigmoid_gradient returns sigmoid(z) itself (the multiplication by 1 - sigmoid(z) is forgotten), and backprop calls it for the hidden layer.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = np.zeros(z.shape)
    g = sigmoid(z)
    return g


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size
    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1.dot(Theta1.T)
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    a3 = sigmoid(a2.dot(Theta2.T))
    y_matrix = np.eye(num_labels)[y]
    J = (-1 / m) * np.sum(np.log(a3) * y_matrix + np.log(1 - a3) * (1 - y_matrix))
    J += (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))
    delta3 = a3 - y_matrix
    delta2 = delta3.dot(Theta2)[:, 1:] * sigmoid_gradient(z2)
    Theta1_grad = (1 / m) * delta2.T.dot(a1)
    Theta2_grad = (1 / m) * delta3.T.dot(a2)
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]
    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
