"""A student file that imports the course's helper module from its own folder."""

import numpy as np
from utils import sigmoid


def sigmoid_gradient(z):
    g = np.zeros(z.shape)
    g = sigmoid(z) * (1 - sigmoid(z))
    return g
