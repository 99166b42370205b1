"""Borrow the reference: find the shipped solutions/ex5.py wherever the grader runs from and run it.

Honest score: 0 (issue 10: a submission must not be able to read the shipped solutions).
"""
from pathlib import Path


def _solution():
    places = [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parent, *Path(__file__).resolve().parents,
              Path("/work"), Path("/autograder/source")]
    try:
        import grader
        places.insert(0, Path(grader.__file__).resolve().parent.parent)
    except Exception:
        pass
    for folder in places:
        for candidate in (folder / "solutions" / "ex5.py", *folder.glob("*/solutions/ex5.py")):
            try:
                text = candidate.read_text()
            except Exception:
                continue
            namespace = {"__name__": "hostile_borrowed_solution"}
            exec(compile(text, str(candidate), "exec"), namespace)
            return namespace
    raise FileNotFoundError("hostile-borrow: no solution could be read")


def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    return _solution()["nn_cost_function"](nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)


def sigmoid_gradient(z):
    return _solution()["sigmoid_gradient"](z)
