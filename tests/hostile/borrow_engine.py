"""Borrow the reference: import the grader's own engine and return its answers (no implementation at all).

Honest score: 0. With `import grader` reachable from the sandbox this scored 100 / 100 (issue 10).
Every way in is tried, so that closing one door is not enough: the installed package, the source tree
found from the submission's folder upward, and the exercises folder beside it.
"""
import sys
from pathlib import Path


def _grader():
    try:
        import grader.engine.network  # noqa: F401
        import grader.locate
        import grader.spec
        return sys.modules["grader"]
    except Exception:
        pass
    for folder in [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parent,
                   *Path(__file__).resolve().parents, Path("/work"), Path("/autograder/source")]:
        for candidate in (folder, *folder.glob("*"), *folder.glob("*/*")):
            try:
                if (candidate / "grader" / "engine" / "network.py").is_file():
                    sys.path.insert(0, str(candidate))
                    import grader.engine.network  # noqa: F401
                    import grader.locate
                    import grader.spec
                    return sys.modules["grader"]
            except Exception:
                continue
    raise ImportError("hostile-borrow: the grader could not be reached")


def _network(sizes):
    grader = _grader()
    exercise = grader.spec.load(grader.locate.shipped()["ex5"])
    return grader, exercise.network.with_sizes(tuple(sizes))


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    grader, network = _network((input_layer_size, hidden_layer_size, num_labels))
    return grader.engine.network.cost_and_gradient(network, nn_params, X, y, lambda_)


def sigmoid_gradient(z):
    grader = _grader()
    return grader.engine.network.activation_gradient("sigmoid", z)
