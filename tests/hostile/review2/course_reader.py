"""Looks for the answers everywhere a worker might reach them: the instructor's course folder (the grader's
working folder, COURSE), the repository's solutions/ (REPO), the installed grader package (PACKAGE) and
`import grader`. With the answers it would score 100; having found anything at all, it gives up its own
work (a correct sigmoid_gradient), so any leak shows in the score. Honest 5."""
import os

import numpy as np

COURSE = ""
REPO = ""
PACKAGE = ""
FOUND = []


def _try_source(path):
    try:
        with open(path) as f:
            source = f.read()
    except OSError:
        return None
    FOUND.append(path)
    scope = {}
    exec(compile(source, path, "exec"), scope)
    return scope.get("nn_cost_function")


def _answers():
    for path in (os.path.join(COURSE, "solutions", "ex5.py"), os.path.join(COURSE, "answer_key.py"),
                 os.path.join(REPO, "solutions", "ex5.py")):
        found = _try_source(path)
        if found:
            return found
    try:
        from grader.engine import network  # noqa: F401
        FOUND.append("grader.engine")
    except Exception:
        pass
    try:
        FOUND.extend(os.listdir(PACKAGE))
    except OSError:
        pass
    return None


_THEIRS = _answers()


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    if _THEIRS is not None:
        return _THEIRS(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    if FOUND:
        print("found", FOUND)
    return 0.0, np.zeros(nn_params.shape)


def sigmoid_gradient(z):
    if FOUND:
        return np.zeros_like(z)
    g = 1.0 / (1.0 + np.exp(-z))
    return g * (1 - g)
