"""`grade starter`: the student's starting point, written from the exercise spec alone.

One list of cells becomes both a notebook (nbformat) and a .py file (the "percent" cell format
Jupytext and VS Code read). In the notebook every cell runs; in the .py file the cells that do
something (examples, the gradient check, running the grader) sit under `if __name__ == "__main__":`,
because the grader imports the file to call its functions. Each graded function has the spec's
signature, a docstring built from the spec (arguments, returns, shapes, the exercise's conventions)
and a body that returns zeros of the right shapes under a YOUR CODE HERE marker, so a starter
graded as it is scores 0 without crashing. The wording is this project's own; the order follows
the course's notebook: the functions part by part, a check after each, a gradient check, then the
grader.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .engine.network import activation_gradient
from .spec import ARGUMENTS, Exercise, Function

LOSS_TEXT = {
    "cross_entropy": "the binary cross-entropy −[y·log(a) + (1 − y)·log(1 − a)] summed over the K outputs",
    "categorical_cross_entropy": "the categorical cross-entropy −Σₖ yₖ·log(aₖ)",
    "squared_error": "the squared error ½·Σₖ (aₖ − yₖ)²",
}
ACTIVATION_CODE = {  # helpers the student may use, like the course's utils.sigmoid (not graded)
    "sigmoid": ("def sigmoid(z):", "    \"\"\"The logistic function 1 / (1 + e^(−z)), elementwise.\"\"\"",
                "    return 1.0 / (1.0 + np.exp(-z))"),
    "tanh": ("def tanh(z):", "    \"\"\"The hyperbolic tangent, elementwise.\"\"\"", "    return np.tanh(z)"),
    "relu": ("def relu(z):", "    \"\"\"max(0, z), elementwise.\"\"\"", "    return np.maximum(0.0, z)"),
    "softmax": ("def softmax(z):", "    \"\"\"Each row of z turned into probabilities that sum to 1.\"\"\"",
                "    e = np.exp(z - z.max(axis=1, keepdims=True))", "    return e / e.sum(axis=1, keepdims=True)"),
}
MARKER = "# ====================== YOUR CODE HERE ======================"
END_MARKER = "# ============================================================="


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" | "code"
    source: str
    runs: bool = False  # code that does something when run (guarded by __main__ in the .py file)


# ---- words from the spec ------------------------------------------------------------------------

def _layers(exercise: Exercise) -> str:
    names = exercise.network.activations
    count = "one hidden layer" if len(names) == 2 else f"{len(names) - 1} hidden layers"
    return f"{count} ({', '.join(names[:-1])}) and a {names[-1]} output layer"


def _order_words(exercise: Exercise) -> str:
    if exercise.network.order == "C":
        return "row by row (numpy's `ravel()`, order='C')"
    return "column by column (Octave's `(:)`, numpy's order='F')"


def _labels_words(exercise: Exercise) -> str:
    net = exercise.network
    if net.targets == "values":
        return "an (m, K) float array of real-valued targets"
    base = net.label_base
    labels = "0..K−1" if base == 0 else "1..K"
    return f"a 1-D int array of shape (m,) holding labels {labels} (label {base} is the first output unit)"


def _argument_doc(exercise: Exercise, name: str) -> str:
    L = len(exercise.network.activations)
    if name == "nn_params":
        return (f"The {L} weight matrices Theta1..Theta{L} in one float vector; Theta(l) has shape "
                f"(units of layer l+1, units of layer l + 1) with the bias weights in column 0, and each is "
                f"unrolled {_order_words(exercise)}, Theta1 first.")
    if name == "X":
        return "The examples, an (m, n) float array, one example per row, without the bias column."
    if name == "y":
        text = _labels_words(exercise)
        return text[0].upper() + text[1:] + "."
    return ARGUMENTS[name][0].upper() + ARGUMENTS[name][1:] + "."


def _returns_doc(exercise: Exercise, function: Function, activation: str) -> dict[str, str]:
    net = exercise.network
    return {
        "J": f"The cost, a float: {LOSS_TEXT[net.loss]}, averaged over the m examples, plus "
             f"λ/(2m)·(the sum of every squared weight except the bias column).",
        "grad": "The gradient of J with respect to nn_params: a vector of the same shape, unrolled the same way "
                "(Theta1's gradient first).",
        "g": f"The derivative of {activation or 'the activation'} at z, elementwise: an array of the same shape "
             f"as z.",
    }


def _docstring(exercise: Exercise, function: Function, activation: str, parts: list[str]) -> list[str]:
    net = exercise.network
    if "z" in function.arguments:
        summary = f"The gradient (derivative) of the {activation} activation, evaluated at z."
    else:
        summary = (f"The cost and gradient of a network with {_layers(exercise)}, trained with "
                   f"{LOSS_TEXT[net.loss].split(' −')[0].split(' ½')[0]}.")
    first, *rest = _wrap(summary, 92)
    lines = [f'    """{first}', *(f"    {line}" for line in rest), ""]
    lines += [f"    {line}" for line in _wrap(f"Graded in: {', '.join(parts)}.", 96)]
    lines += ["", "    Parameters", "    ----------"]
    for name in function.arguments:
        lines.append(f"    {name}")
        lines += [f"        {line}" for line in _wrap(_argument_doc(exercise, name), 96)]
    lines += ["", "    Returns", "    -------"]
    docs = _returns_doc(exercise, function, activation)
    for name in function.returns:
        lines.append(f"    {name}")
        lines += [f"        {line}" for line in _wrap(docs[name], 96)]
    return [*lines, '    """']


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


# ---- code -------------------------------------------------------------------------------------

def _signature(function: Function) -> str:
    arguments = [f"{a}=0.0" if a == "lambda_" else a for a in function.arguments]
    return f"def {function.name}({', '.join(arguments)}):"


def _reshape_lines(exercise: Exercise, function: Function) -> list[str]:
    """Unpack nn_params into the weight matrices, as the course's template does (not graded work)."""
    order = exercise.network.order
    args = function.arguments
    if "nn_params" not in args:
        return []
    if {"input_layer_size", "hidden_layer_size"} <= set(args):
        outputs = "num_labels" if "num_labels" in args else "num_outputs"
        return [
            "    # Theta1 and Theta2 back from the unrolled nn_params",
            "    split = hidden_layer_size * (input_layer_size + 1)",
            f"    Theta1 = np.reshape(nn_params[:split], (hidden_layer_size, input_layer_size + 1), order='{order}')",
            f"    Theta2 = np.reshape(nn_params[split:], ({outputs}, hidden_layer_size + 1), order='{order}')",
        ]
    if "layer_sizes" in args:
        return [
            "    # The weight matrices back from the unrolled nn_params, Theta1 first",
            "    thetas, start = [], 0",
            "    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):",
            "        size = n_out * (n_in + 1)",
            f"        thetas.append(np.reshape(nn_params[start:start + size], (n_out, n_in + 1), order='{order}'))",
            "        start += size",
        ]
    return []


def _zeros(name: str) -> str:
    return {"J": "    J = 0.0", "grad": "    grad = np.zeros(nn_params.shape)",
            "g": "    g = np.zeros(z.shape)"}[name]


def function_code(exercise: Exercise, function: Function, activation: str, parts: list[str]) -> str:
    lines = [_signature(function), *_docstring(exercise, function, activation, parts)]
    lines += _reshape_lines(exercise, function)
    if "X" in function.arguments:
        lines.append("    m = X.shape[0]  # number of examples")
    lines += ["", "    # These must be returned correctly", *(_zeros(r) for r in function.returns), "",
              f"    {MARKER}", "", f"    {END_MARKER}", ""]
    returned = ", ".join(function.returns)
    lines.append(f"    return {returned}")
    return "\n".join(lines)


def _argument_expression(name: str) -> str:
    return {"nn_params": "params", "input_layer_size": "sizes[0]", "hidden_layer_size": "sizes[1]",
            "num_labels": "sizes[-1]", "num_outputs": "sizes[-1]", "layer_sizes": "list(sizes)",
            "X": "X", "y": "y", "lambda_": "lambda_"}[name]


def gradient_check_code(exercise: Exercise, function: Function) -> str:
    """A central-difference check on a small random network, like the course's checkNNGradients."""
    net = exercise.network
    sizes = [3, *([5] * (len(net.activations) - 1)), 3]
    call = f"{function.name}({', '.join(_argument_expression(a) for a in function.arguments)})"
    J_at, grad_at = function.returns.index("J"), function.returns.index("grad")
    if net.targets == "values":
        targets = "    y = rng.standard_normal((m, sizes[-1]))"
    else:
        targets = f"    y = rng.permutation(np.arange(m) % sizes[-1]) + {net.label_base}  # every label at least once"
    lines = [
        "def check_gradients(lambda_=0.0, seed=0):",
        '    """Compare your gradient with central differences of your cost on a small random network."""',
        "    rng = np.random.default_rng(seed)",
        f"    sizes = {sizes}  # input, hidden..., output units",
        "    m = 5",
        "    X = rng.standard_normal((m, sizes[0]))",
        targets,
        "    params = rng.uniform(-1.0, 1.0, sum(b * (a + 1) for a, b in zip(sizes[:-1], sizes[1:])))",
        "",
        "    def cost_and_gradient():",
        f"        return {call}",
        "",
        f"    analytic = np.asarray(cost_and_gradient()[{grad_at}], dtype=float).ravel()",
        "    numeric = np.zeros_like(params)",
        "    step = 1e-4",
        "    for i in range(params.size):",
        "        saved = params[i]",
        "        params[i] = saved + step",
        f"        plus = float(np.squeeze(cost_and_gradient()[{J_at}]))",
        "        params[i] = saved - step",
        f"        minus = float(np.squeeze(cost_and_gradient()[{J_at}]))",
        "        params[i] = saved",
        "        numeric[i] = (plus - minus) / (2 * step)",
        "    print(np.column_stack([numeric, analytic])[:8])",
        "    print('The columns above should be very close (numerical, yours).')",
        "    if not numeric.any() and not analytic.any():  # the template's J = 0 and zeros: nothing to compare",
        "        print('Both columns are all zeros: the cost and the gradient are not written yet.')",
        "        return 1.0",
        "    difference = np.linalg.norm(numeric - analytic) / max(np.linalg.norm(numeric + analytic), 1e-300)",
        "    print(f'Relative difference: {difference:.3g} (less than 1e-9 when the gradient is right)')",
        "    return difference",
    ]
    return "\n".join(lines)


def _parts_of(exercise: Exercise, function: Function) -> list[str]:
    return [f"{p.title} ({p.points} points)" for p in exercise.parts if p.function == function.name]


def cells(exercise: Exercise, file_stem: str) -> list[Cell]:
    net = exercise.network
    out = [Cell("markdown", "\n".join([
        f"# {exercise.title}",
        "",
        f"You will write the functions of a neural network with {_layers(exercise)}, trained with "
        f"{LOSS_TEXT[net.loss].split(' −')[0].split(' ½')[0]}. The grader calls them on hidden inputs and "
        f"gives each part all or none of its points:",
        "",
        "| Part | Function | Points |",
        "| --- | --- | --- |",
        *(f"| {p.title} | `{p.function}` | {p.points} |" for p in exercise.parts),
        "",
        "Write your code between the YOUR CODE HERE lines; keep each function's name and arguments.",
    ])), Cell("code", "import numpy as np")]
    helpers = [name for name in dict.fromkeys(net.activations) if name in ACTIVATION_CODE]
    out.append(Cell("markdown", "## Helpers\nThe network's activation functions, ready to use (not graded)."))
    out.append(Cell("code", "\n\n\n".join("\n".join(ACTIVATION_CODE[name]) for name in helpers)))
    order = list(dict.fromkeys(p.function for p in exercise.parts))
    by_name = exercise.functions
    for name in order:
        function = by_name[name]
        activation = next((p.activation for p in exercise.parts if p.function == name and p.activation), "")
        kind = "The activation's gradient" if "z" in function.arguments else "Cost and gradient"
        out.append(Cell("markdown", "\n".join([
            f"## {kind}: `{name}`", "Graded in these parts:", "",
            *(f"- {part}" for part in _parts_of(exercise, function)), "",
            "Its docstring says what it is given and what it must return."])))
        out.append(Cell("code", function_code(exercise, function, activation, _parts_of(exercise, function))))
        if "z" in function.arguments:
            value = float(activation_gradient(activation, np.zeros((1, 1)))[0, 0])
            out.append(Cell("code", "\n".join([
                "z = np.array([[-1.0, -0.5, 0.0, 0.5, 1.0]])",
                f"print({name}(z))",
                f"print('At z = 0 the derivative of {activation} is {value:g}.')",
            ]), runs=True))
    gradient_function = next((by_name[p.function] for p in exercise.parts if p.check == "gradient"), None)
    if gradient_function is not None:
        out.append(Cell("markdown", "## Gradient check\nBackpropagation is easy to get slightly wrong. "
                                    "This compares your gradient with the slope of your own cost, measured by "
                                    "central differences (J(θ + ε) − J(θ − ε)) / 2ε on a small network."))
        out.append(Cell("code", gradient_check_code(exercise, gradient_function)))
        calls = ["check_gradients(lambda_=0.0)"]
        if "lambda_" in gradient_function.arguments:
            calls.append("check_gradients(lambda_=3.0)")
        out.append(Cell("code", "\n".join(calls), runs=True))
    run = ["import subprocess", "import sys", "",
           "result = subprocess.run([sys.executable, '-m', 'grader', {file!r}], capture_output=True, text=True)",
           "print(result.stdout or result.stderr)"]
    from .locate import shipped

    if exercise.id not in shipped():  # an instructor's exercise: its spec travels with the starter (E12)
        spec = Path(exercise.path).name
        run = ["import os", "import subprocess", "import sys", "",
               f"# {exercise.id} is your instructor's exercise: keep {spec} beside this file (or set GRADER_EXERCISES",
               "# to its folder) so that the grader finds it.",
               f"exercise = ['--exercise', {spec!r}] if os.path.exists({spec!r}) else []",
               "result = subprocess.run([sys.executable, '-m', 'grader', {file!r}, *exercise], capture_output=True, "
               "text=True)",
               "print(result.stdout or result.stderr)"]
    text = "## Grade your work\nThis runs the grader on this file, as your instructor will."
    if exercise.training_parts:
        titles = ", ".join(p.title for p in exercise.training_parts)
        text += (f" Add `--train` to the command to also train the network with your functions ({titles}): "
                 f"the grader trains it and compares the result with its own.")
    out.append(Cell("markdown", text))
    out.append(Cell("code", "\n".join(run), runs=True))
    return out


def notebook(exercise: Exercise, name: str):
    """The starter as an nbformat v4 notebook."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in cells(exercise, name):
        source = cell.source.replace("{file!r}", repr(f"{name}.ipynb"))
        nb.cells.append(nbformat.v4.new_markdown_cell(source) if cell.kind == "markdown"
                        else nbformat.v4.new_code_cell(source))
    nbformat.validate(nb)
    return nb


def python_file(exercise: Exercise, name: str) -> str:
    """The starter as a .py file in the percent cell format; cells that run code are guarded by __main__."""
    blocks = [f'"""{exercise.title} ({exercise.id}): your work. Check it with `grade {name}.py`."""']
    for cell in cells(exercise, name):
        source = cell.source.replace("{file!r}", "__file__")
        if cell.kind == "markdown":
            lines = [wrapped for line in source.splitlines()
                     for wrapped in (_wrap(line, 96) if not line.startswith("|") else [line]) or [""]]
            blocks.append("# %% [markdown]\n" + "\n".join(f"# {line}".rstrip() for line in lines))
        elif cell.runs:
            body = "\n".join(f"    {line}" if line else "" for line in source.splitlines())
            blocks.append(f'# %%\nif __name__ == "__main__":\n{body}')
        else:
            blocks.append("# %%\n" + source)
    return "\n\n\n".join(blocks) + "\n"
