# expect-scores: cost=0 regularized_cost=0 sigmoid_gradient=0 gradient=0 regularized_gradient=0
# expect-mistakes: cost=not_implemented regularized_cost=not_implemented sigmoid_gradient=not_implemented gradient=not_implemented regularized_gradient=not_implemented
# expect-notes:
# Mistake: nothing written yet: J = 0, the gradient and sigmoid_gradient are the template's zeros.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    g = np.zeros(z.shape)
    # ====================== YOUR CODE HERE ======================

    # =============================================================
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
    # ====================== YOUR CODE HERE ======================

    # =============================================================
    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
