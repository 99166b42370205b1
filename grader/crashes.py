"""Crash explanations from the student's own code: exception, line and source -> one or two sentences.

The sandbox's worker reports a crash as "Type: text (file.py, line N)". From that, the line it names
and the submission's source, `explain` says what the student probably meant: the defined name that
differs only in capitals or by a character or two, the array attribute they mistyped, what replaced a
NumPy alias removed in 1.24 or 2.0, which arrays had which shapes (and the course's shapes for them),
that a module is not available where the code is graded, or that the course's utils.py (which the sandbox
offers when the student hands in none) lacks a helper the student wrote in their own utils.py. It returns ""
when it has nothing better than the exception itself, which the report always keeps as evidence.

Pure functions: no I/O, no student code runs here (the source is parsed, never executed).
"""

import ast
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import parsing

_MESSAGE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?:: (?P<text>.*?))?(?: \((?P<file>[^()]+?), line (?P<line>\d+)"
                      r"(?:; called from [^()]*)?\))?$", re.DOTALL)


@dataclass(frozen=True)
class Crash:
    type: str  # e.g. "NameError" (a module prefix such as numpy.exceptions. is dropped)
    text: str  # the exception's message
    file: str | None  # the student's file it was raised in, as the worker names it
    line: int | None


def parse(message: str) -> Crash | None:
    match = _MESSAGE.match(message.strip())
    if not match:
        return None
    line = int(match["line"]) if match["line"] else None
    return Crash(match["type"].rsplit(".", 1)[-1], match["text"] or "", match["file"], line)


@dataclass(frozen=True)
class Context:
    """What the explanation may use besides the exception: the crashing file's source and the case."""

    source: str = ""  # the source of the file the crash happened in ("" when unknown)
    sizes: tuple[int, ...] = ()  # the case's layer sizes (input, hidden..., output)
    examples: int = 0  # m
    allowed_modules: tuple[str, ...] = ()  # the exercise's allowed extra modules
    label_base: int = 0  # the exercise's first label: 0 (labels 0..K−1) or 1 (Octave's 1..K)

    def line_text(self, number: int | None) -> str:
        lines = self.source.splitlines()
        return lines[number - 1].strip() if number and 0 < number <= len(lines) else ""


def explain(message: str, context: Context) -> str:
    """One or two sentences on a crash, or "" when there is nothing to add to the exception."""
    crash = parse(message)
    if crash is None:
        return ""
    for explainer in _EXPLAINERS.get(crash.type, ()):
        try:
            text = explainer(crash, context)
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # a source we cannot read well
            text = ""
        if text:
            return text
    return ""


# ---- names ------------------------------------------------------------------------------------

def defined_names(source: str) -> dict[str, int]:
    """Every name the source binds (assignments, arguments, defs, imports, loop targets) -> first line."""
    try:
        tree = parsing.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    names: dict[str, int] = {}
    for node in ast.walk(tree):
        found: list[str] = []
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found = [node.id]
        elif isinstance(node, ast.arg):
            found = [node.arg]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found = [node.name]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            found = [(alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*"]
        for name in found:
            line = getattr(node, "lineno", 0)
            if name not in names or line < names[name]:
                names[name] = line
    return names


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (the names are short)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


_DIGITS = re.compile(r"\d")


def closest_name(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate that differs only in capitals, else by one or two characters (one for short names).

    Names of one or two characters (m, Y, a3) are left alone: they differ from everything by a character,
    and an undefined one is more likely a notebook global than a typo.
    """
    if len(name) <= 2:
        return None
    # a name that differs only in its digits is another layer's array (Theta2 for Theta1, a3 for a2), not a
    # typo of it (student review 4, F8: "Theta1 is not defined; did you mean Theta2?" for a student who wrote T1)
    others = [c for c in candidates if c != name and _DIGITS.sub("", c) != _DIGITS.sub("", name)]
    same_letters = [c for c in others if c.lower() == name.lower()]
    if same_letters:
        return same_letters[0]
    limit = 1 if len(name) <= 4 else 2
    near = [c for c in others if _edits(c.lower(), name.lower()) <= limit and len(c) > 1]
    if not near:
        return None
    return difflib.get_close_matches(name, near, n=1, cutoff=0.0)[0]


def _name_error(crash: Crash, context: Context) -> str:
    match = re.search(r"name '(\w+)' is not defined", crash.text)
    if not match:
        return ""
    name = match[1]
    if name == "np" and "import numpy" not in context.source:
        return ("np is the usual short name for numpy, which the file never imports: add `import numpy as np` "
                "at its top.")
    if name == "np" and not re.search(r"\bas\s+np\b|\bnp\s*=", context.source):
        return ("np is the usual short name for numpy, but the file imports numpy under its own name only: write "
                "`import numpy as np` at its top.")
    names = defined_names(context.source)
    # a name set only after the failing line is not the one meant there (F8: Delta2, set on the next line, for
    # delta2, where delta_2 was set two lines before)
    meant = closest_name(name, [n for n, line in names.items() if not crash.line or not line or line < crash.line])
    if meant is None:
        return ""  # perhaps a notebook global: the submission's own analysis says so
    where = f" (line {names[meant]})" if names[meant] else ""
    if meant.lower() == name.lower():
        return (f"{name} is not defined, but {meant} is{where}: Python names are case-sensitive, so {name} and "
                f"{meant} are two different names. If you meant the same array, spell it {meant} everywhere; if "
                f"{name} is a new one, give it a value before this line.")
    return f"{name} is not defined; did you mean {meant}{where}? The two differ by a character or two."


def _unbound_local(crash: Crash, context: Context) -> str:
    match = re.search(r"local variable '(\w+)'", crash.text)
    if not match:
        return ""
    name = match[1]
    return (f"{name} is assigned somewhere in this function, so Python treats it as a local variable from the "
            f"function's first line on; at line {crash.line} it has no value yet. Assign it before this line, or "
            f"use another name for the new value.")


# ---- attributes and NumPy's removals ----------------------------------------------------------

# Removed in NumPy 1.24 (the aliases deprecated in 1.20) and 2.0, with what replaced them.
NUMPY_REMOVED = {
    "int": ("1.24", "int (or np.int64)"), "float": ("1.24", "float (or np.float64)"),
    "bool": ("1.24", "bool (or np.bool_)"), "object": ("1.24", "object"), "complex": ("1.24", "complex"),
    "str": ("1.24", "str"), "long": ("1.24", "int"), "unicode": ("1.24", "str"),
    "float_": ("2.0", "np.float64"), "complex_": ("2.0", "np.complex128"), "string_": ("2.0", "np.bytes_"),
    "unicode_": ("2.0", "np.str_"), "NaN": ("2.0", "np.nan"), "NAN": ("2.0", "np.nan"), "Inf": ("2.0", "np.inf"),
    "Infinity": ("2.0", "np.inf"), "infty": ("2.0", "np.inf"), "PINF": ("2.0", "np.inf"),
    "NINF": ("2.0", "-np.inf"), "asscalar": ("1.23", "a.item()"), "alltrue": ("2.0", "np.all"),
    "sometrue": ("2.0", "np.any"), "product": ("2.0", "np.prod"), "cumproduct": ("2.0", "np.cumprod"),
    "round_": ("2.0", "np.round"), "mat": ("2.0", "np.asmatrix (or better, a plain array)"),
    "find_common_type": ("2.0", "np.result_type"), "msort": ("2.0", "np.sort(a, axis=0)"),
    "cast": ("2.0", "np.asarray(a, dtype=...)"), "safe_eval": ("2.0", "ast.literal_eval"),
    "in1d": ("2.0 (deprecated)", "np.isin"), "row_stack": ("2.0 (deprecated)", "np.vstack"),
    "trapz": ("2.0 (deprecated)", "np.trapezoid"),
}

_TYPES = {"numpy.ndarray": "numpy arrays", "list": "lists", "tuple": "tuples", "float": "floats", "int": "ints",
          "numpy.float64": "numpy numbers", "dict": "dicts", "str": "strings"}


def _attributes_of(type_name: str) -> list[str]:
    import numpy as np

    kinds = {"numpy.ndarray": np.ndarray, "list": list, "tuple": tuple, "float": float, "int": int,
             "numpy.float64": np.float64, "dict": dict, "str": str}
    kind = kinds.get(type_name)
    return [] if kind is None else [a for a in dir(kind) if not a.startswith("_")]


def _attribute_error(crash: Crash, context: Context) -> str:
    lacking = _course_utils_lacks(crash.text)
    if lacking:
        return lacking
    module = re.match(r"module '(\w+)' has no attribute '(\w+)'", crash.text)
    if module:
        return _module_attribute(module[1], module[2], context)
    removed = re.match(r"`np\.(\w+)` was removed", crash.text)  # NumPy 2.0's own wording
    if removed:
        return _module_attribute("numpy", removed[1], context)
    match = re.match(r"'([\w.]+)' object has no attribute '(\w+)'", crash.text)
    if not match:
        return ""
    type_name, attribute = match[1], match[2]
    meant = closest_name(attribute, _attributes_of(type_name))
    line = context.line_text(crash.line)
    written = re.search(rf"([\w\]\)]+)\.{attribute}\b", line)
    owner = written[1] if written and written[1].isidentifier() else "the array"
    if meant is None:
        return ""
    return (f"{_TYPES.get(type_name, type_name + ' objects')} have no attribute {attribute}: "
            f"{owner}.{attribute} looks like a typo for {owner}.{meant}.")


def _module_attribute(module: str, attribute: str, context: Context) -> str:
    if module == "numpy" and attribute in NUMPY_REMOVED:
        version, replacement = NUMPY_REMOVED[attribute]
        return (f"np.{attribute} was removed in NumPy {version} (the grader runs a current NumPy); use "
                f"{replacement} instead. It only ever was another name for it, so nothing else changes.")
    if module == "numpy":
        import numpy as np

        meant = closest_name(attribute, [a for a in dir(np) if not a.startswith("_")])
        if meant:
            return f"NumPy has no function {attribute}: np.{attribute} looks like a typo for np.{meant}."
    return ""


# ---- comparisons with dtype= ------------------------------------------------------------------

_COMPARISONS = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")


def _type_error(crash: Crash, context: Context) -> str:
    loop = re.search(r"No loop matching the specified signature and casting was found for ufunc (\w+)", crash.text)
    if loop and loop[1] in _COMPARISONS:
        return (f"np.{loop[1]}(..., dtype=...) asks a comparison to compute in another type, which NumPy 1.24 "
                f"and later refuse (a comparison gives booleans). Compare first, then convert: "
                f"np.{loop[1]}(a, b).astype(float), or (y == k).astype(int).")
    if re.search(r"'(float|numpy\.float64)' object cannot be interpreted as an integer", crash.text):
        return ("A size or index here is a float (in Python 3, / always gives one): wrap it in int(...), "
                "or use // for whole-number division.")
    if re.search(r"only (length-1|0-dimensional|size-1) arrays can be converted to Python scalars", crash.text):
        # student review 4, F17: math.exp(-z) on an array, said only as numpy's words
        scalar = re.search(r"\b(math\.\w+|float|int)\(", context.line_text(crash.line))
        what = f"{scalar[1]}(...)" if scalar else "A function here"
        fix = f" (np.{scalar[1][5:]} for {scalar[1]})" if scalar and scalar[1].startswith("math.") else ""
        at = f" (line {crash.line})" if crash.line else ""
        return (f"{what} takes one number, and it was given an array{at}: use numpy's own functions, which work "
                f"on every entry at once{fix}.")
    return ""


# ---- shapes -----------------------------------------------------------------------------------

Shape = tuple[int, ...]


def _dims(text: str) -> Shape:
    return tuple(int(d) for d in re.findall(r"\d+", text))


def _show(shape: Shape) -> str:
    return "×".join(map(str, shape)) if len(shape) > 1 else f"a 1-D array of {shape[0]}" if shape else "a number"


def course_shapes(sizes: Sequence[int], m: int) -> dict[str, tuple[Shape, str]]:
    """The course's arrays for a case: canonical name -> (shape, shape in letters), e.g. δ3 -> ((16, 4), "m×K")."""
    if len(sizes) < 2 or m <= 0:
        return {}
    letters = {0: "n", len(sizes) - 1: "K"}
    if len(sizes) == 3:
        letters[1] = "h"
    letter = [letters.get(i, f"s{i + 1}") for i in range(len(sizes))]
    table: dict[str, tuple[Shape, str]] = {
        "X": ((m, sizes[0]), f"m×{letter[0]}"), "a1": ((m, sizes[0] + 1), f"m×({letter[0]}+1)"),
        "Y": ((m, sizes[-1]), "m×K"), "y": ((m,), "m"),
    }
    last = len(sizes)
    for layer in range(1, len(sizes)):  # layer l+1 in the course's numbering
        rows, cols = sizes[layer], sizes[layer - 1] + 1
        table[f"Theta{layer}"] = ((rows, cols), f"{letter[layer]}×({letter[layer - 1]}+1)")
        table[f"Δ{layer}"] = table[f"Theta{layer}"]
        number = layer + 1
        table[f"z{number}"] = ((m, sizes[layer]), f"m×{letter[layer]}")
        table[f"δ{number}"] = table[f"z{number}"]
        table[f"a{number}"] = ((m, sizes[layer]), f"m×{letter[layer]}") if number == last else \
            ((m, sizes[layer] + 1), f"m×({letter[layer]}+1)")
    return table


def canonical(name: str, last: int) -> str | None:
    """The course's name for a student's variable name (Theta2, theta_2, d3, delta_3, a3, h, y_matrix...)."""
    lowered = name.lower().replace("_", "")
    number = re.fullmatch(r"(theta|t|w|delta|del|d|a|z)(\d)", lowered)
    if number:
        kind, digit = number[1], number[2]
        if kind in ("theta", "t", "w"):
            return f"Theta{digit}"
        if kind in ("delta", "del", "d"):
            return f"Δ{digit}" if name[0] == "D" else f"δ{digit}"
        return f"{kind}{digit}"
    if lowered in ("h", "hx", "htheta", "output", "out"):
        return f"a{last}"
    if lowered in ("ymatrix", "ymat", "yk", "yonehot", "yvec", "yy", "ynew", "ybin") or name == "Y":
        return "Y"
    if name in ("X", "y"):
        return name
    return None


@dataclass(frozen=True)
class _Operand:
    text: str  # as the student wrote it
    shape: Shape | None  # inferred from the course's shapes, when the expression is one we can follow
    name: str | None  # the course's name of the base array (δ3), when recognised
    transposed: bool = False


def _shape_of(node: ast.AST, table: dict, last: int) -> tuple[Shape | None, str | None, bool]:
    """(shape, course name, transposed) of a simple expression, from the course's shapes; None when unsure."""
    if isinstance(node, ast.Name):
        name = canonical(node.id, last)
        return (table[name][0] if name in table else None), name, False
    if isinstance(node, ast.Attribute) and node.attr == "T":
        shape, name, _ = _shape_of(node.value, table, last)
        return (tuple(reversed(shape)) if shape else None), name, True
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if function == "transpose":
            shape, name, _ = _shape_of(node.args[0], table, last)
            return (tuple(reversed(shape)) if shape else None), name, True
        if re.search(r"sigmoid|tanh|relu|gradient|exp|log", function, re.IGNORECASE):
            shape, _, _ = _shape_of(node.args[0], table, last)
            return shape, None, False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        left, _, _ = _shape_of(node.left, table, last)
        right, _, _ = _shape_of(node.right, table, last)
        if left and right and len(left) == 2 and len(right) == 2 and left[1] == right[0]:
            return (left[0], right[1]), None, False
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
        shape, _, _ = _shape_of(node.value, table, last)
        rows, cols = node.slice.elts
        if shape and len(shape) == 2 and isinstance(rows, ast.Slice) and rows.lower is None and \
                rows.upper is None and isinstance(cols, ast.Slice) and cols.upper is None and \
                isinstance(cols.lower, ast.Constant) and isinstance(cols.lower.value, int):
            return (shape[0], shape[1] - cols.lower.value), None, False
    return None, None, False


def _parsed(line: str) -> ast.AST | None:
    """The crashing line's tree (or its right-hand side's, for the head of a compound statement); None if neither
    parses alone (a statement that goes on over several lines)."""
    text = line.rstrip(":").strip()
    for candidate in (text, text.split("=", 1)[-1] if "=" in text else text):
        try:
            return parsing.parse(candidate.strip())
        except SyntaxError:
            continue
    return None


def _operations(line: str, kind: str) -> list[tuple[ast.AST, ast.AST]]:
    """The (left, right) operands of the line's matrix products ("dot") or elementwise operations."""
    tree = _parsed(line)
    if tree is None:
        return []
    found = []
    for node in ast.walk(tree):
        if kind == "dot" and isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            found.append((node.left, node.right))
        elif kind == "dot" and isinstance(node, ast.Call):
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if function in ("dot", "matmul") and len(node.args) == 2:
                found.append((node.args[0], node.args[1]))
            elif function == "dot" and len(node.args) == 1 and isinstance(node.func, ast.Attribute):
                found.append((node.func.value, node.args[0]))
        elif kind == "elementwise" and isinstance(node, ast.BinOp) and \
                isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            found.append((node.left, node.right))
    return found


def _operand(node: ast.AST, line: str, table: dict, last: int) -> _Operand:
    text = ast.unparse(node)
    shape, name, transposed = _shape_of(node, table, last)
    return _Operand(text, shape, name, transposed)


def _letters(name: str | None, table: dict) -> str:
    if name not in table:
        return ""
    shape, letters = table[name]
    return f"{name} is {letters} ({_show(shape)})"


def _product_hint(left: _Operand, right: _Operand, a: Shape, b: Shape, table: dict) -> str:
    """What the course's shapes say about a failed matrix product left·right."""
    batch = {n for n in table if n[0] in "δaz" or n in ("X", "Y")}
    as_course = left.name in table and right.name in batch and table[right.name][0] == b and \
        (table[left.name][0][::-1] if left.transposed else table[left.name][0]) == a
    if as_course and left.name.startswith("Theta"):
        number = int(left.name[5:])
        if left.transposed and right.name.startswith("δ"):
            return (f"{_letters(right.name, table)}, one row per example; {left.name}.T·{right.name} is the "
                    f"per-example column form (one example as a column, as in Octave's loop); for all examples "
                    f"at once use {right.name}·{left.name}, then drop its column 0 (the bias) for "
                    f"δ{number}.")
        if not left.transposed:
            return (f"{_letters(right.name, table)}, one row per example; {left.name}·{right.name} is the "
                    f"per-example column form; for all examples at once use {right.name}·{left.name}ᵀ "
                    f"({right.text} @ {left.text}.T).")
    if len(a) == 2 and len(b) == 2:
        if a[0] == b[0]:
            return f"With the first transposed ({left.text}.T, {_show(a[::-1])}) the sizes fit."
        if a[1] == b[1]:
            return f"With the second transposed ({right.text}.T, {_show(b[::-1])}) the sizes fit."
        if b[1] == a[0]:
            return f"In the other order ({right.text} · {left.text}) the sizes fit."
    return ""


def _value_error(crash: Crash, context: Context) -> str:
    text, line = crash.text, context.line_text(crash.line)
    table = course_shapes(context.sizes, context.examples)
    last = len(context.sizes)
    dot = re.match(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\) not aligned", text)
    matmul = re.match(r"matmul: Input operand 1 has a mismatch in its core dimension 0.*\(size (\d+) is different "
                      r"from (\d+)\)", text, re.DOTALL)
    if dot or matmul:
        operations = [(_operand(x, line, table, last), _operand(y, line, table, last))
                      for x, y in _operations(line, "dot")]
        if dot:
            a, b = _dims(dot[1]), _dims(dot[2])
            fits = [(x, y) for x, y in operations if x.shape in (None, a) and y.shape in (None, b)]
        else:
            inner_right, inner_left = int(matmul[1]), int(matmul[2])
            fits = [(x, y) for x, y in operations if x.shape and y.shape and x.shape[-1] == inner_left
                    and y.shape[0] == inner_right]
            if not fits:
                return (f"A matrix product on this line needs the first factor's columns ({inner_left}) to equal "
                        f"the second's rows ({inner_right}). Print the shapes (.shape) of its factors: "
                        f"{_course_summary(table)}.")
            a, b = fits[0][0].shape, fits[0][1].shape
        if not fits:
            return f"A matrix product of {_show(a)} and {_show(b)} needs the inner sizes to match ({a[-1]} ≠ {b[0]})."
        left, right = fits[0]
        head = (f"{left.text} is {_show(a)} and {right.text} is {_show(b)}, so their product fails: the inner "
                f"sizes {a[-1]} and {b[0]} differ.")
        hint = _product_hint(left, right, a, b, table)
        return f"{head} {hint}".strip()
    broadcast = re.match(r"operands could not be broadcast together with (?:remapped )?shapes (.*)", text)
    if broadcast:
        shapes = [_dims(s) for s in re.findall(r"\(([\d,]*)\)", broadcast[1])]
        if len(shapes) != 2:
            return ""
        a, b = shapes
        operations = [(_operand(x, line, table, last), _operand(y, line, table, last))
                      for x, y in _operations(line, "elementwise")]
        fits = [(x, y) for x, y in operations if x.shape == a and y.shape == b]
        left, right = (fits[0][0].text, fits[0][1].text) if fits else ("One operand", "the other")
        head = f"{left} is {_show(a)} and {right} is {_show(b)}, so they cannot be combined elementwise."
        return f"{head} {_broadcast_hint(a, b, context.label_base)}".strip()
    if "all the input arrays must have same number of dimensions" in text:
        return ("The arrays joined on this line do not line up: a bias column must be a 2-D column, "
                "np.ones((m, 1)), not the 1-D np.ones(m), and both pieces need the same number of rows.")
    if "all the input array dimensions except for the concatenation axis" in text:
        return _joined_sizes(text, context.line_text(crash.line), context.examples,
                             context.sizes[0] if context.sizes else None)
    size = re.match(r"cannot reshape array of size (\d+) into shape \(([\d, ]*)\)", text)
    if size:
        wanted = _dims(size[2])
        return (f"The slice you reshape holds {size[1]} numbers but a {_show(wanted)} matrix needs "
                f"{_product(wanted)}: check the slice bounds of nn_params (Theta1 takes the first "
                f"hidden·(input+1) numbers, Theta2 the rest).")
    return ""


_BIAS_FROM_M = "make it with the number of examples, m = X.shape[0] (or y.size), not X.shape[1]"
_TRANSPOSED = "build it with one row per example, as a1 @ Theta1.T does (Theta1 @ a1.T has one column per example)"


def _joined_sizes(text: str, line: str, m: int, features: int | None = None) -> str:
    """Arrays of as many dimensions joined with different numbers of rows: a bias column of too few rows, from an m
    taken from X's columns (student review 4, F17: such code was told to make its bias column 2-D, which it
    already was), or a transposed piece beside a right bias column (review 22, R4: that was told to fix m)."""
    sizes = re.search(r"along dimension (\d+), the array at index (\d+) has size (\d+) and the array at index "
                      r"(\d+) has size (\d+)", text)
    if sizes is None:
        return ("The arrays joined on this line do not line up: every axis but the one they are joined along must "
                "have the same size (a bias column needs one row per example).")
    (first, a), (second, b) = (int(sizes[2]), int(sizes[3])), (int(sizes[4]), int(sizes[5]))
    if sizes[1] != "0":
        return (f"The arrays joined on this line have {a} and {b} entries along axis {sizes[1]}: every axis but the "
                f"one they are joined along must have the same size.")
    head = f"The arrays joined on this line have {a} and {b} rows: each needs one row per example."
    if m not in (a, b):
        return f"{head} If one is a bias column, {_BIAS_FROM_M}; if one is transposed, {_TRANSPOSED}."
    index, rows = (second, b) if a == m else (first, a)
    return _joined_piece_advice(head, line, m, index, rows, features)


def _joined_piece_advice(head: str, line: str, m: int, index: int, rows: int, features: int | None) -> str:
    """The advice for the piece at `index` of those joined, whose `rows` are not m (review 23, Q2: a bias column of
    another name, `col = np.ones((X.shape[1], 1))`, was told it may be transposed; X.T to copy a1 @ Theta1.T).
    `features`: X's columns, the rows of a bias column built from X.shape[1], or of X transposed: a piece of
    that many rows is told both causes (review 24, P4: np.transpose(X) was told to fix its m)."""
    pieces = _joined_pieces(line)
    piece = pieces[index] if pieces and index < len(pieces) else None
    if piece is None:
        return (f"{head} There are {m} examples, so the one with {rows} rows is wrong: if it is a bias column, "
                f"{_BIAS_FROM_M}; if it is transposed, {_TRANSPOSED}.")
    said = f"{head} {piece} has {rows} rows, not one per example ({m}):"
    if piece.endswith(".T"):
        return f"{said} it is transposed; join {piece[:-2]} without the .T."
    if re.search(r"ones|bias", piece, re.IGNORECASE):
        return f"{said} {_BIAS_FROM_M}."
    if features is None or rows == features:  # X's columns: an m taken from them, or X transposed (review 24, P4)
        return f"{said} if it is a bias column, {_BIAS_FROM_M}; if it is transposed, {_TRANSPOSED}."
    return f"{said} if it is transposed, {_TRANSPOSED}."


def _joined_pieces(line: str) -> list[str] | None:
    """The pieces, as written, of the one np.concatenate/hstack/column_stack/append/c_ the line calls; else None."""
    tree = _parsed(line)
    found = []
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call):
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if function == "append" and len(node.args) >= 2:
                found.append(node.args[:2])
            elif function in ("concatenate", "hstack", "vstack", "column_stack", "stack") and node.args and \
                    isinstance(node.args[0], ast.List | ast.Tuple):
                found.append(node.args[0].elts)
        elif isinstance(node, ast.Subscript) and getattr(node.value, "attr", None) in ("c_", "r_") and \
                isinstance(node.slice, ast.Tuple):
            found.append(node.slice.elts)
    return [ast.unparse(piece) for piece in found[0]] if len(found) == 1 else None


def _product(shape: Shape) -> int:
    result = 1
    for d in shape:
        result *= d
    return result


def _course_summary(table: dict) -> str:
    names = [n for n in ("X", "a1", "Theta1", "z2", "a2", "Theta2", "a3", "δ3", "δ2") if n in table]
    return ", ".join(f"{n} is {table[n][1]} ({_show(table[n][0])})" for n in names)


def _one_hot(label_base: int, labels: str = "y") -> str:
    """The one-hot rows of `labels`, the array as the student's code names it (review 24, P5)."""
    return f"np.eye(num_labels)[{labels}]" if label_base == 0 else \
        f"np.eye(num_labels)[{labels} - 1], as labels here are 1..K"


def _broadcast_hint(a: Shape, b: Shape, label_base: int = 0) -> str:
    if len(a) == 2 and len(b) == 2 and a[0] == b[0] and abs(a[1] - b[1]) == 1:
        return ("Their columns differ by one, the bias column: δ(l+1)·Θ(l) has it, g′(z(l)) does not; drop "
                "column 0 of the wider one ([:, 1:]) first.")
    if len(a) == 2 and len(b) == 2 and a == b[::-1]:
        return "One is the transpose of the other."
    if len(a) == 1 or len(b) == 1:
        flat, full = (a, b) if len(a) == 1 else (b, a)
        if len(full) == 2 and flat[0] == full[0]:
            return (f"A 1-D array of {flat[0]} lines up with the {full[1]} columns, not the {full[0]} rows: make it a "
                    f"column with [:, None] — or, for labels, one-hot rows ({_one_hot(label_base)}).")
    return ""


# ---- indices and modules ----------------------------------------------------------------------

def _index_error(crash: Crash, context: Context) -> str:
    bounds = re.match(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", crash.text)
    if bounds and int(bounds[1]) == int(bounds[3]):
        labels = ("labels here are 0..K−1, with no −1 or +1 needed" if context.label_base == 0 else
                  "labels here are 1..K: subtract 1 before indexing with them, as in np.eye(num_labels)[y - 1]")
        return (f"Index {bounds[1]} is one past the end of an axis of size {bounds[3]}: Python counts from 0, so "
                f"the last index is {int(bounds[3]) - 1} ({labels}).")
    if "too many indices for array: array is 1-dimensional" in crash.text:
        return _one_dimensional(_indexed_twice(context, crash.line), context.label_base)
    return ""


def _one_dimensional(indexed: list[str], label_base: int) -> str:
    """A 1-D array given two indices, said of the array the line indexes so: y's one-hot advice only for y
    (review 22, R10: nn_params[:, 1:] was told about labels)."""
    if "y" in indexed:
        # not "[:, None]": y[:, k] read as one-hot rows then fails again for k ≥ 1 (student review 4, F17)
        return (f"This array is 1-D (the course passes y as a 1-D array of m labels, not one-hot rows): index it "
                f"with one index. For one-hot rows, build them first, Y = {_one_hot(label_base)}, and index "
                f"Y[:, k]; or compare the labels, y == k.")
    if "nn_params" in indexed:
        return ("nn_params is 1-D (Theta1 and Theta2 unrolled, one after the other): reshape it into Theta1 and "
                "Theta2 first and index those, or index it with one index.")
    name = indexed[0] if len(set(indexed)) == 1 else "This array"
    labels = name if name.isidentifier() else "y"
    # no "reshape it to 2-D": the labels under another name (labels[:, k], a copy of y) fail again for k ≥ 1
    return (f"{name} is 1-D: index it with one index. If it holds the labels (the course passes y as a 1-D array of "
            f"m labels), build one-hot rows first, {_one_hot(label_base, labels)}, and index those.")


def _indexed_twice(context: Context, line: int | None) -> list[str]:
    """The arrays, as written, that the crashing line indexes with two or more indices (y[:, k])."""
    try:
        tree = parsing.parse(context.source)  # the whole statement, when it goes on over several lines
        nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Subscript) and n.lineno == line]
    except (SyntaxError, ValueError):
        tree = _parsed(context.line_text(line))
        nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Subscript)] if tree is not None else []
    return [ast.unparse(n.value) for n in nodes if isinstance(n.slice, ast.Tuple)]


# Libraries students import (their top-level names): a missing one is a library to do without, any other name
# may be a module of the student's own that was not handed in (review 28, R28-5: "Remove the import of
# nn_helpers" for their own helper file).
LIBRARIES = frozenset({
    "pandas", "sklearn", "matplotlib", "seaborn", "plotly", "tensorflow", "torch", "keras", "jax", "jaxlib",
    "numba", "tqdm", "cv2", "PIL", "sympy", "statsmodels", "autograd", "cupy", "theano", "xgboost", "lightgbm",
    "IPython", "ipywidgets", "google", "kaggle", "h5py", "tables", "skimage", "imageio", "joblib", "dask",
    "polars", "mlxtend", "pylab", "octave", "oct2py", "mat73", "requests", "wandb", "tabulate", "termcolor",
    "colorama", "rich", "numexpr", "bottleneck", "pytest", "nbformat"})


def missing_module(name: str, allowed: Sequence[str] = ()) -> str:
    top = name.split(".")[0]
    extra = f", plus {', '.join(allowed)} for this exercise" if allowed else ""
    if top in allowed:
        return (f"This exercise allows {top}, but it is not installed where your code is graded: tell your "
                f"instructor.")
    library = (f"the graded functions must run with numpy and scipy only{extra}. Remove the import of {top} and "
               f"write the computation with numpy.")
    if top in LIBRARIES:
        return f"{top} is not available where your code is graded: {library}"
    return (f"{top} is not available where your code is graded. If {top}.py is a file of your own, hand it in "
            f"beside your file (that folder is importable when graded), or copy what the graded functions use "
            f"from it into your file. If it is a library, {library}")


def _module_error(crash: Crash, context: Context) -> str:
    match = re.match(r"No module named '([\w.]+)'", crash.text)
    if match and match[1].split(".")[0] == "utils":  # the sandbox always offers a utils (sandbox/course.py)
        return _utils_submodule(match[1]) if "'utils' is not a package" in crash.text else ""
    return missing_module(match[1], context.allowed_modules) if match else ""


def _utils_submodule(name: str) -> str:
    return (f"utils is one module where your code is graded (your own utils.py when you hand it in beside your "
            f"file, else the course's utils.py), not a package, so {name} cannot be imported. Define what you "
            f"use from {name} in the file you hand in.")


def _course_utils_lacks(text: str) -> str:
    """`utils.name` or `from utils import name` where utils is the course's file the sandbox offers (the
    student handed in no utils.py): their own helper of that name stayed behind."""
    from .sandbox.course import UTILS_FILE, UTILS_NAMES

    where = re.escape(f"({UTILS_FILE})")
    match = re.match(rf"(?:module 'utils' has no attribute '(\w+)'|cannot import name '(\w+)' from 'utils') {where}",
                     text)
    if not match:
        return ""
    name = match[1] or match[2]
    return (f"You handed in no utils.py, so your code ran with the course's utils.py, which has no {name} (it has "
            f"{', '.join(UTILS_NAMES)}). If {name} is a helper of your own, define it in the file you hand in, "
            f"or hand in your utils.py beside it.")


def _import_error(crash: Crash, context: Context) -> str:
    return _course_utils_lacks(crash.text)


def _axis_error(crash: Crash, context: Context) -> str:
    """np.concatenate([np.ones(m), X], axis=1): the 1-D bias column has no axis 1."""
    joining = re.search(r"concatenate|hstack|column_stack|append", context.line_text(crash.line))
    if joining and "out of bounds for array of dimension 1" in crash.text:
        return _value_error(Crash(crash.type, "all the input arrays must have same number of dimensions",
                                  crash.file, crash.line), context)
    return ""


_READS = re.compile(r"\b(load\w*|read\w*)\(|['\"]r[bt]?['\"]")  # a read beside a save: said as a use (review 31, Y9)
_WRITES = re.compile(r"\b(save\w*|to_csv|dump|mkdir|makedirs)\(|\bopen\(.*['\"][wax]b?\+?['\"]")


def _file_not_found(crash: Crash, context: Context) -> str:
    """A graded function that loads the course's data itself (loadmat('ex4data1.mat')), or saves into a folder of
    its own, finds no such path: the grader runs it in an empty folder and passes every input as an argument
    (review 28, R28-7). A write is told as one (review 30, W13); an exception of the student's own wording
    gets nothing added (W15)."""
    named = re.search(r"No such file or directory: (?P<name>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", crash.text)
    if named is None:
        return ""
    where = ("the grader runs it in an empty folder of its own and passes every input (X, y, the weights) as an "
             "argument")
    line = context.line_text(crash.line)
    outside = "in your notebook's own cells (or under `if __name__ == \"__main__\":` in a .py file)"
    if _WRITES.search(line) and not _READS.search(line):
        return (f"Your code saves to {named['name']}, in a folder that does not exist where your code is graded: "
                f"{where}. Return results from the graded functions, and save files {outside}.")
    return (f"Your code uses the path {named['name']}, which does not exist where your code is graded: {where}. "
            f"Compute from the arguments, and load data {outside}, not in the code the grader runs.")


def _null_bytes(crash: Crash, context: Context) -> str:
    """Windows Notepad's "Unicode" is UTF-16: every other byte of an English file is NUL, which Python refuses."""
    if "null bytes" not in crash.text:
        return ""
    return ("The file holds NUL bytes: it was most likely saved as UTF-16 (Windows Notepad's \"Unicode\"); "
            "save it as UTF-8 and grade it again.")


_EXPLAINERS = {
    "SyntaxError": (_null_bytes,),
    "NameError": (_name_error,),
    "UnboundLocalError": (_unbound_local,),
    "AttributeError": (_attribute_error,),
    "TypeError": (_type_error,),
    "ValueError": (_value_error,),
    "AxisError": (_axis_error,),
    "IndexError": (_index_error,),
    "ModuleNotFoundError": (_module_error,),
    "ImportError": (_import_error,),
    "FileNotFoundError": (_file_not_found,),
}
