"""A course folder as students have it, written at test time (our own stand-ins; no course code copied).

repo/submission.py        the course's submission client stand-in (it must never be reached from the sandbox)
repo/Exercise4/utils.py   helpers with the course's import structure: pyplot, sys.path.append('..'),
                          `from submission import SubmissionBase`, sigmoid, a Grader class
repo/Exercise4/exercise4.ipynb   ~21 code cells: magics, data loading, plots, the student's functions, the
                          course's grader cells, a gradient check, training, accuracy
`alone` writes the student's file by itself, as students upload it (the course's utils.py is not their work).
"""

from pathlib import Path

import nbformat
from nbformat import v4

CLIENT = '''\
"""Stand-in for the course's submission client in the folder above the exercise."""
import json
import pickle
from urllib import request

import numpy as np

raise RuntimeError("the folder above the submission was reached")


class SubmissionBase:
    pass
'''

UTILS = '''\
import sys
import numpy as np
from matplotlib import pyplot

sys.path.append('..')
from submission import SubmissionBase


def displayData(X, figsize=(10, 10)):
    figure, axes = pyplot.subplots(10, 10, figsize=figsize)
    for i, ax in enumerate(axes.flat):
        ax.imshow(X[i].reshape(20, 20).T, cmap='Greys')


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def predict(Theta1, Theta2, X):
    a1 = np.concatenate([np.ones((X.shape[0], 1)), X], axis=1)
    a2 = np.concatenate([np.ones((X.shape[0], 1)), sigmoid(a1 @ Theta1.T)], axis=1)
    return np.argmax(sigmoid(a2 @ Theta2.T), axis=1)


class Grader(SubmissionBase):
    def __init__(self):
        super().__init__('neural-network-learning', ['cost', 'regularized cost', 'sigmoid gradient',
                                                     'gradient', 'regularized gradient'])
'''

IMPORTS = """\
# used for manipulating directory paths
import os

import numpy as np
from matplotlib import pyplot
from scipy import optimize
from scipy.io import loadmat

import utils

grader = utils.Grader()

%matplotlib inline"""

LOAD = """\
data = loadmat(os.path.join('Data', 'ex4data1.mat'))
X, y = data['X'], data['y'].ravel()
y[y == 10] = 0
m = y.size"""

SIZES = """\
input_layer_size = 400
hidden_layer_size = 25
num_labels = 10
weights = loadmat(os.path.join('Data', 'ex4weights.mat'))
Theta1, Theta2 = weights['Theta1'], weights['Theta2']
Theta2 = np.roll(Theta2, 1, axis=0)
nn_params = np.concatenate([Theta1.ravel(), Theta2.ravel()])"""

COST = """\
def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                        (hidden_layer_size, (input_layer_size + 1)))
    Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                        (num_labels, (hidden_layer_size + 1)))
    m = y.size
    J = 0
    Theta1_grad = np.zeros(Theta1.shape)
    Theta2_grad = np.zeros(Theta2.shape)

    # ====================== YOUR CODE HERE ======================
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1.dot(Theta1.T)
    a2 = np.hstack([np.ones((m, 1)), utils.sigmoid(z2)])
    a3 = utils.sigmoid(a2.dot(Theta2.T))
    Y = np.eye(num_labels)[y]
    J = -np.sum(Y * np.log(a3) + (1 - Y) * np.log(1 - a3)) / m
    J = J + lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    d3 = a3 - Y
    d2 = d3.dot(Theta2)[:, 1:] * sigmoidGradient(z2)
    Theta1_grad = d2.T.dot(a1) / m
    Theta2_grad = d3.T.dot(a2) / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]
    # ================================================================
    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad"""

SIGMOID_GRADIENT = """\
def sigmoidGradient(z):
    g = np.zeros(z.shape)

    # ====================== YOUR CODE HERE ======================
    g = utils.sigmoid(z) * (1 - utils.sigmoid(z))
    # =============================================================
    return g"""

RAND_INIT = """\
def randInitializeWeights(L_in, L_out, epsilon_init=0.12):
    W = np.random.rand(L_out, 1 + L_in) * 2 * epsilon_init - epsilon_init
    return W"""

TRAINING = """\
options = {'maxiter': 100}
lambda_ = 1
costFunction = lambda p: nnCostFunction(p, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
res = optimize.minimize(costFunction, initial_nn_params, jac=True, method='TNC', options=options)
nn_params = res.x
Theta1 = np.reshape(nn_params[:hidden_layer_size * (input_layer_size + 1)],
                    (hidden_layer_size, (input_layer_size + 1)))
Theta2 = np.reshape(nn_params[(hidden_layer_size * (input_layer_size + 1)):],
                    (num_labels, (hidden_layer_size + 1)))"""


def cells(cost: str = COST, sigmoid_gradient: str = SIGMOID_GRADIENT) -> list[tuple[str, str]]:
    """(cell type, source) in the course's order; code cells numbered from 1 in the comments."""
    return [
        ("markdown", "# Programming Exercise 4: Neural Networks Learning"),
        ("code", IMPORTS),                                                        # 1
        ("markdown", "## 1 Neural Networks"),
        ("code", LOAD),                                                           # 2
        ("code", "rand_indices = np.random.choice(m, 100, replace=False)\n"
                 "utils.displayData(X[rand_indices, :])"),                        # 3
        ("code", SIZES),                                                          # 4
        ("code", cost),                                                           # 5
        ("code", "lambda_ = 0\nJ, _ = nnCostFunction(nn_params, input_layer_size, hidden_layer_size,\n"
                 "                      num_labels, X, y, lambda_)\n"
                 "print('Cost at parameters (loaded from ex4weights): %.6f ' % J)"),  # 6
        ("code", "grader[1] = nnCostFunction\ngrader.grade()"),                 # 7
        ("code", "lambda_ = 1\nJ, _ = nnCostFunction(nn_params, input_layer_size, hidden_layer_size,\n"
                 "                      num_labels, X, y, lambda_)\nprint(J)"),   # 8
        ("code", "grader[2] = nnCostFunction\ngrader.grade()"),                 # 9
        ("code", sigmoid_gradient),                                               # 10
        ("code", "z = np.array([-1, -0.5, 0, 0.5, 1])\ng = sigmoidGradient(z)\nprint(g)\nnp.zeros?"),  # 11
        ("code", "grader[3] = sigmoidGradient\ngrader.grade()"),                # 12
        ("code", RAND_INIT),                                                      # 13
        ("code", "initial_Theta1 = randInitializeWeights(input_layer_size, hidden_layer_size)\n"
                 "initial_Theta2 = randInitializeWeights(hidden_layer_size, num_labels)\n"
                 "initial_nn_params = np.concatenate([initial_Theta1.ravel(), initial_Theta2.ravel()], axis=0)"),
        ("code", "utils.checkNNGradients(nnCostFunction)"),                      # 15
        ("code", "!pip install scipy\ngrader[4] = nnCostFunction\ngrader.grade()"),  # 16
        ("code", "lambda_ = 3\nutils.checkNNGradients(nnCostFunction, lambda_)"),  # 17
        ("code", "grader[5] = nnCostFunction\ngrader.grade()"),                 # 18
        ("code", "%%time\n" + TRAINING),                                          # 19
        ("code", "pred = utils.predict(Theta1, Theta2, X)\n"
                 "print('Training Set Accuracy: %f' % (np.mean(pred == y) * 100))"),  # 20
        ("code", "utils.displayData(Theta1[:, 1:])"),                             # 21
    ]


def notebook(cell_list: list[tuple[str, str]], outputs: dict[int, list] | None = None,
             counts: dict[int, int | None] | None = None) -> str:
    """The notebook's JSON text; `outputs` maps a code cell number (from 1) to its outputs, `counts` to its
    execution count (default: its number, as when run from the top)."""
    nb = v4.new_notebook()
    number = 0
    for kind, source in cell_list:
        if kind == "code":
            number += 1
            cell = v4.new_code_cell(source, execution_count=(counts or {}).get(number, number))
            cell.outputs = [nbformat.from_dict(o) for o in (outputs or {}).get(number, [])]
        elif kind == "raw":
            cell = v4.new_raw_cell(source)
        else:
            cell = v4.new_markdown_cell(source)
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb)


def as_script(cell_list: list[tuple[str, str]]) -> str:
    """The notebook as `jupyter nbconvert --to script` writes it (magics through get_ipython())."""
    chunks = ["#!/usr/bin/env python\n# coding: utf-8\n"]
    number = 0
    for kind, source in cell_list:
        if kind == "markdown":
            chunks.append("\n".join("# " + line for line in source.split("\n")) + "\n")
            continue
        number += 1
        lines = []
        if source.startswith("%%"):
            magic, _, body = source.partition("\n")
            name, _, line = magic[2:].partition(" ")
            source = f"get_ipython().run_cell_magic('{name}', '{line}', {body!r})"
        for line in source.split("\n"):
            if line.startswith("%"):
                name, _, rest = line[1:].partition(" ")
                lines.append(f"get_ipython().run_line_magic('{name}', '{rest}')")
            elif line.startswith("!"):
                lines.append(f"get_ipython().system('{line[1:]}')")
            elif line.endswith("?"):
                lines.append(f"get_ipython().run_line_magic('pinfo', '{line.rstrip('?')}')")
            else:
                lines.append(line)
        chunks.append(f"# In[{number}]:\n\n\n" + "\n".join(lines) + "\n")
    return "\n\n".join(chunks)


def folder(root: Path, cell_list=None, name: str = "exercise4.ipynb", script: bool = False,
           outputs: dict[int, list] | None = None, counts: dict[int, int | None] | None = None) -> Path:
    """repo/ with the client above and Exercise4/ (utils.py and the student's file); the file's path."""
    exercise = root / "repo" / "Exercise4"
    exercise.mkdir(parents=True, exist_ok=True)
    (root / "repo" / "submission.py").write_text(CLIENT)
    (exercise / "utils.py").write_text(UTILS)
    cell_list = cells() if cell_list is None else cell_list
    path = exercise / name
    path.write_text(as_script(cell_list) if script else notebook(cell_list, outputs, counts))
    return path


def alone(root: Path, cell_list=None, name: str = "exercise4.ipynb", script: bool = False) -> Path:
    """The student's file on its own, as students upload it: no utils.py beside it, no client above."""
    root.mkdir(parents=True, exist_ok=True)
    cell_list = cells() if cell_list is None else cell_list
    path = root / name
    path.write_text(as_script(cell_list) if script else notebook(cell_list))
    return path


def replaced(cell_list: list[tuple[str, str]], old_source: str, new_source: str) -> list[tuple[str, str]]:
    """The cells with the one whose source is `old_source` replaced (e.g. the imports cell)."""
    assert any(source == old_source for _, source in cell_list)
    return [(kind, new_source if source == old_source else source) for kind, source in cell_list]
