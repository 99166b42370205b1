# expect-scores: cost=30 regularized_cost=15 sigmoid_gradient=5 gradient=40 regularized_gradient=10
# expect-mistakes:
# expect-notes:
# maybe-notes: slow_at_full_size (a per-example loop costs about 15x the reference's CPU time, near the 30x bar)
# Nothing wrong: a correct loop-over-examples solution whose output error keeps g'(z3), as squared error requires.
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

    for t in range(m):
        # 1. feedforward
        a1 = np.concatenate([[1.0], X[t]])
        z2 = Theta1 @ a1
        a2 = np.concatenate([[1.0], sigmoid(z2)])
        z3 = Theta2 @ a2
        a3 = sigmoid(z3)

        yk = np.zeros(num_labels)
        yk[y[t]] = 1

        J += 0.5 * np.sum((a3 - yk) ** 2)

        # 2. output error: dJ/da3 times the sigmoid's derivative
        delta3 = (a3 - yk) * sigmoid_gradient(z3)
        # 3. hidden error
        delta2 = (Theta2[:, 1:].T @ delta3) * sigmoid_gradient(z2)
        # 4. accumulate
        Theta1_grad += np.outer(delta2, a1)
        Theta2_grad += np.outer(delta3, a2)

    J = J / m
    J += (lambda_ / (2 * m)) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    # 5. average and regularize
    Theta1_grad = Theta1_grad / m
    Theta2_grad = Theta2_grad / m
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
