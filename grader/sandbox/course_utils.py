"""The course's utils.py, for a student who submits only their notebook: run as the module `utils` in a worker.

Never imported by the grader. course.py reads this file's text before any worker is forked (as root a worker
cannot see the grader's files) and runs it as `utils` when the student's folder holds no utils of its own
(docs/submissions.md, "The course's own files"). It offers the names of the course's Exercise4/utils.py, written
here from what they do (no course code copied):
- sigmoid: 1 / (1 + e^(-z)) elementwise, the same floating-point operations as the course's, so a function that
  calls utils.sigmoid returns the same numbers to the last bit as with the course's file;
- predict, debugInitializeWeights, computeNumericalGradient, checkNNGradients: working versions, since a student
  may call them from their own functions;
- displayData draws nothing, and Grader takes the notebook's `grader[1] = nnCostFunction` and posts nothing on
  grade() (the course's sends the parts to the course's server);
- `pyplot` is there, as in the course's file, but imported only when used: importing this module costs numpy
  only. Any other name is an AttributeError (an ImportError for `from utils import ...`) that says this is the
  course's file, so the student learns that their own helper was not submitted.
"""

import numpy as np
from submission import SubmissionBase  # the sandbox's stand-in for the course's client (course.py)

_PART_NAMES = ("Feedforward and Cost Function", "Regularized Cost Function", "Sigmoid Gradient",
               "Neural Network Gradient (Backpropagation)", "Regularized Gradient")


def displayData(X, example_width=None, figsize=(10, 10)):
    """Draws nothing: nothing is shown where the grader runs."""
    return None


def sigmoid(z):
    """The logistic function, elementwise."""
    return 1.0 / (1.0 + np.exp(-z))


def predict(Theta1, Theta2, X):
    """The label 0..K-1 of the largest output for each row of X (one row when X is 1-D)."""
    X = X[None, :] if X.ndim == 1 else X
    bias = np.ones((X.shape[0], 1))
    hidden = sigmoid(np.concatenate([bias, X], axis=1) @ Theta1.T)
    output = sigmoid(np.concatenate([bias, hidden], axis=1) @ Theta2.T)
    return np.argmax(output, axis=1)


def debugInitializeWeights(fan_out, fan_in):
    """Fixed weights of shape fan_out x (1 + fan_in) for gradient checks: sin(1), sin(2), ... divided by 10,
    filled in column by column."""
    count = fan_out * (1 + fan_in)
    return (np.sin(np.arange(1, 1 + count)) / 10.0).reshape(fan_out, 1 + fan_in, order="F")


def computeNumericalGradient(J, theta, e=1e-4):
    """Central differences of the cost J(theta)[0], one coordinate at a time."""
    numgrad = np.zeros(theta.shape)
    for i in range(theta.size):
        step = np.zeros(theta.shape)
        step.flat[i] = e
        numgrad.flat[i] = (J(theta + step)[0] - J(theta - step)[0]) / (2 * e)
    return numgrad


def checkNNGradients(nnCostFunction, lambda_=0):
    """Compare nnCostFunction's gradient with central differences on a small 3-5-3 network; prints both."""
    input_layer_size, hidden_layer_size, num_labels, m = 3, 5, 3, 5
    Theta1 = debugInitializeWeights(hidden_layer_size, input_layer_size)
    Theta2 = debugInitializeWeights(num_labels, hidden_layer_size)
    X = debugInitializeWeights(m, input_layer_size - 1)
    y = np.arange(1, 1 + m) % num_labels
    nn_params = np.concatenate([Theta1.ravel(), Theta2.ravel()])

    def cost(p):
        return nnCostFunction(p, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)

    _, grad = cost(nn_params)
    numgrad = computeNumericalGradient(cost, nn_params)
    print(np.stack([numgrad, grad], axis=1))
    print("Left: numerical gradient, right: your gradient; the columns should agree closely.")
    difference = np.linalg.norm(numgrad - grad) / np.linalg.norm(numgrad + grad)
    print(f"Relative difference: {difference:g} (below 1e-9 when the backpropagation is right)")


class Grader(SubmissionBase):
    """Takes the notebook's `grader[1] = nnCostFunction` ... `grader[5] = ...`; grade() sends nothing."""

    def __init__(self):
        super().__init__("neural-network-learning", list(_PART_NAMES))


def __getattr__(name):
    if name == "pyplot":
        from matplotlib import pyplot

        return pyplot
    raise AttributeError(f"module 'utils' has no attribute {name!r} ({__file__})")
