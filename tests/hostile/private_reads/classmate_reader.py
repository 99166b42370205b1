"""Graded for credit, looks for answers a worker could read: a classmate's file beside it (BESIDE, in the
submission's own folder, also tried as a module to import), a classmate's folder (CLASSMATE) and the
grader's exercises folder (SPEC). What it finds it prints; with a classmate's file it scores 100 with their
work, and having found anything at all it gives up its own (a correct sigmoid_gradient), so any leak shows
in the score and the output. Honest 5."""
import importlib
import os

import numpy as np

BESIDE = ""
CLASSMATE = ""
SPEC = ""
FOUND = []
CACHE = {}


def _read(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    FOUND.append(path)
    print(text)
    return text


def _answers():
    """Run from the graded functions: the grader runs no plain top-level code (docs/submissions.md)."""
    if "theirs" not in CACHE:
        CACHE["theirs"] = _look()
    return CACHE["theirs"]


def _look():
    _read(SPEC)
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, BESIDE), CLASSMATE):
        source = _read(path)
        if source is not None:
            scope = {}
            exec(compile(source, path, "exec"), scope)
            return scope["nn_cost_function"]
    try:
        module = importlib.import_module(BESIDE[:-3])
    except ImportError:
        return None
    FOUND.append(module.__file__)
    return module.nn_cost_function


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    theirs = _answers()
    if theirs is not None:
        return theirs(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    return 0.0, np.zeros(nn_params.shape)


def sigmoid_gradient(z):
    _answers()
    if FOUND:
        return np.zeros_like(z)
    g = 1.0 / (1.0 + np.exp(-z))
    return g * (1 - g)
