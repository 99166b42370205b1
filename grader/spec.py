"""Exercise specs: YAML files loaded into validated, immutable objects.

Every error names the file, the line and the key path (`parts[3].points`) and says what was
expected, in one paragraph: instructors should never see a traceback. The YAML is walked as a node
tree (`yaml.compose`) so that every value keeps its line number; nothing is built from the file
until its key has been checked.

The vocabularies (arguments a student function can take, values it can return, what a part can
check, how case inputs can be written) and the keys of every mapping (`Key` tables) are at the top
of this module; schema.py makes `grade schema`'s JSON Schema from the same tables. Reading goes on
after an error where it can, so one file's errors are all reported at once (`SpecError.messages`).
docs/authoring.md describes the format.
"""

import re
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from .engine.activations import ACTIVATIONS
from .engine.losses import LOSSES
from .engine.network import Network

# What a student function can be given, by name. See calling.py for how each is built.
ARGUMENTS = {
    "nn_params": "the weight matrices unrolled into one float64 vector",
    "input_layer_size": "number of input units (int)",
    "hidden_layer_size": "number of hidden units of a one-hidden-layer network (int)",
    "num_labels": "number of output units K (int)",
    "num_outputs": "number of output units K of a regression network (int)",
    "layer_sizes": "list of the units of every layer, input first (list of int)",
    "X": "the examples, an (m, n) float64 array without the bias column",
    "y": "labels as a 1-D int64 array of shape (m,), or targets as an (m, K) float64 array",
    "lambda_": "the regularization strength λ (float)",
    "z": "a 2-D float64 array of pre-activations",
}
# What a student function can return, by name, and which check reads it.
RETURNS = {"J": "cost", "grad": "gradient", "g": "activation_gradient"}
# What each kind of part compares (like the course's grader, whose gradient parts send J and grad)
# and the arguments its function must take.
CHECKS = {
    "cost": (("J",), ("nn_params", "X", "y")),
    "gradient": (("J", "grad"), ("nn_params", "X", "y")),
    "activation_gradient": (("g",), ("z",)),
    "training": (("J", "grad"), ("nn_params", "X", "y")),  # trains with J and grad: Exercise.training_parts
}
ORDERS = {"row": "C", "column": "F"}
TARGETS = ("labels", "values")
SEQUENCES = ("sin", "cos", "linear")
DISTRIBUTIONS = ("normal", "uniform")
# How a training part minimizes the student's cost (scipy.optimize.minimize methods that use a gradient).
METHODS = ("TNC", "L-BFGS-B", "CG", "BFGS")
# Data sets a training part can generate from a seed (grader/datasets.py builds them).
GENERATED = {
    "digits": "3×5-pixel images of the digits 0-9 with flipped pixels and noise (15 inputs, labels)",
    "blobs": "Gaussian clusters, one per label, in as many dimensions as the network has inputs (labels)",
    "smooth": "a smooth random function of the inputs plus noise (real-valued targets)",
}
MAX_TRAINING_ITERATIONS = 2000
MAX_SIZE = 100_000  # units per layer and examples per case


# ---- the keys of an exercise file, as tables -------------------------------------------------
# One source of truth: spec.py reads every mapping through these tables (which keys exist, which
# are required, what kind of value each holds, its bounds and vocabulary) and schema.py turns the
# same tables into the JSON Schema printed by `grade schema`. Checks that a JSON Schema cannot say
# (labels present in y, shapes that follow from sizes, names that refer to other sections) stay in
# code below, so the schema accepts a little more than spec.py does, never less.

class Key(NamedTuple):
    """One key of a mapping: what its value is and what `grade schema` says about it."""

    kind: str  # name text boolean integer number names sizes mapping table one_of list values values_list
    doc: str
    required: bool = False
    choices: tuple | None = None  # for name and names
    minimum: float | None = None
    maximum: float | None = None
    exclusive: bool = False  # minimum and maximum exclude themselves (number)
    min_length: int = 0  # names and sizes
    keys: "dict[str, Key] | None" = None  # mapping: its own keys
    entries: "object | None" = None  # table, one_of: a dict of Keys, or a tuple of them (exactly one applies)
    pattern: str | None = None  # name, and each of names
    pattern_doc: str | None = None  # what the pattern asks for, in words (error messages)
    unique: bool = True  # names: each at most once


# YAML 1.1 reads a number with an exponent only with a dot in the mantissa and a sign in the exponent
_EXPONENT_WITHOUT_DOT = re.compile(r"^[-+]?(\d+|\d+\.\d*|\.\d+)[eE][-+]?\d+$")


def _with_dot(text: str) -> str:
    """1e-4 -> 1.0e-4, 1e2 -> 1.0e+2: the form YAML 1.1 reads as a number (review 21, R6: 1.0e2 is text too)."""
    mantissa, exponent = re.split("[eE]", text, maxsplit=1)
    mantissa = mantissa if "." in mantissa else f"{mantissa}.0"
    return f"{mantissa}e{exponent if exponent[:1] in '+-' else '+' + exponent}"


def required_keys(table: dict) -> tuple[str, ...]:
    return tuple(k for k, v in table.items() if v.required)


def optional_keys(table: dict) -> tuple[str, ...]:
    return tuple(k for k, v in table.items() if not v.required)


_SIZES_DOC = "units of every layer, input first"
VALUES_SEQUENCE = {
    "sequence": Key("name", "f in f(start + step·i)·scale", required=True, choices=SEQUENCES),
    "start": Key("number", "first argument of f (default 1)"),
    "step": Key("number", "step between arguments (default 1)"),
    "scale": Key("number", "factor applied to every value (default 1)"),
    "order": Key("name", "fill the shape row by row or column by column (Octave)", choices=tuple(ORDERS)),
    "shape": Key("sizes", "the array's shape, where the case does not fix it", min_length=1),
}
VALUES_RANDOM = {
    "random": Key("name", "the distribution: normal, or uniform on [-1, 1)", required=True, choices=DISTRIBUTIONS),
    "seed": Key("integer", "the generator's seed (default 0)", minimum=0),
    "scale": VALUES_SEQUENCE["scale"],
    "order": VALUES_SEQUENCE["order"],
    "shape": VALUES_SEQUENCE["shape"],
}
CASE_Z = {"z": Key("values", "pre-activations for an activation_gradient part: a 2-D array", required=True)}
CASE_RANDOM_KEYS = {
    "seed": Key("integer", "seed of X, y and the weights", required=True, minimum=0),
    "examples": Key("integer", "m, the number of examples", required=True, minimum=1, maximum=MAX_SIZE),
    "sizes": Key("sizes", _SIZES_DOC, required=True, min_length=2),
    "weight_scale": Key("number", "weights are standard normal times this (default 1)", minimum=0, exclusive=True),
    "input_scale": Key("number", "X is standard normal times this (default 1)", minimum=0, exclusive=True),
}
CASE_RANDOM = {"random": Key("mapping", "seeded random network inputs", required=True, keys=CASE_RANDOM_KEYS)}
CASE_EXPLICIT = {
    "sizes": Key("sizes", _SIZES_DOC, required=True, min_length=2),
    "examples": Key("integer", "m, the number of examples", required=True, minimum=1, maximum=MAX_SIZE),
    "X": Key("values", "the examples, (m, input units), no bias column", required=True),
    "y": Key("values", "labels (written out) or an (m, K) array of targets", required=True),
    "thetas": Key("values_list", "one weight matrix per layer, bias in column 0", required=True),
}
CASE_KINDS = (CASE_Z, CASE_RANDOM, CASE_EXPLICIT)
FUNCTION = {
    "arguments": Key("names", "what the function takes, in order", required=True, choices=tuple(ARGUMENTS),
                     min_length=1),
    "returns": Key("names", "what it returns, in order", required=True, choices=tuple(RETURNS), min_length=1),
    "aliases": Key("names", "other accepted names (e.g. the camelCase ones)"),
}
DATASET_GENERATED = {
    "generated": Key("name", "which data set to generate", required=True, choices=tuple(GENERATED)),
    "seed": Key("integer", "seed of the data", required=True, minimum=0),
    "examples": Key("integer", "m, the number of training examples", required=True, minimum=1, maximum=MAX_SIZE),
    "sizes": Key("sizes", _SIZES_DOC + " (digits: 15 inputs, 10 labels)", required=True, min_length=2),
    "noise": Key("number", "how noisy the examples are (default 1)", minimum=0),
}
DATASET_MAT = {
    "mat": Key("text", "a MATLAB .mat file (e.g. the course's ex4data1.mat), relative to the spec", required=True),
    "X": Key("name", "the variable holding X (default X)"),
    "y": Key("name", "the variable holding y (default y)"),
    "hidden": Key("sizes", "units of each hidden layer", required=True, min_length=1),
    "wrap_labels": Key("boolean", "labels are 1..K with K meaning 0, as the course's files write digit 0 as 10"),
    "examples": Key("integer", "use only the first m examples", minimum=1, maximum=MAX_SIZE),
}
TRAINING = {
    "data": Key("one_of", "the training set: generated from a seed, or read from a .mat file", required=True,
                entries=(DATASET_GENERATED, DATASET_MAT)),
    "method": Key("name", "scipy.optimize.minimize's method (default TNC, as the course)", choices=METHODS),
    "iterations": Key("integer", "maxiter (default 100)", minimum=1, maximum=MAX_TRAINING_ITERATIONS),
    "init_seed": Key("integer", "seed of the initial weights, uniform in [-epsilon, epsilon] (default 0)",
                     minimum=0),
    "epsilon": Key("number", "range of the initial weights (default 0.12, as randInitializeWeights)",
                   minimum=0, exclusive=True),
    "within": Key("number", "passes within this of the reference: accuracy points as a fraction (0.01 = 1 "
                            "point) for labels, relative loss (0.05 = 5 % above) for values", minimum=0),
}
PART = {
    "id": Key("name", "the part's id (report, LMS)", required=True),
    "title": Key("text", "shown in the report", required=True),
    "points": Key("integer", "all or nothing", required=True, minimum=0),
    "function": Key("name", "the student function it calls (a key of functions)", required=True),
    "check": Key("name", "what it compares", required=True, choices=tuple(CHECKS)),
    "cases": Key("names", "the cases it runs (not for training parts)", min_length=1),
    "lambda": Key("number", "λ passed as lambda_ (default 0)", minimum=0),
    "activation": Key("name", "activation_gradient parts: whose g'(z) is expected", choices=tuple(ACTIVATIONS)),
    "training": Key("mapping", "training parts: the data, optimizer and threshold", keys=TRAINING),
    "on_request": Key("boolean", "training parts: run only with grade --train (default true)"),
    "coursera_part_id": Key("text", "the part's id on Coursera's grader"),
}
FULL_SIZE = {
    "sizes": Key("sizes", "the real assignment's layer sizes", required=True, min_length=2),
    "examples": Key("integer", "the real assignment's m", required=True, minimum=1, maximum=MAX_SIZE),
}
NETWORK = {
    "activations": Key("names", "one per layer after the input: hidden..., output", required=True,
                       choices=tuple(ACTIVATIONS), min_length=1, unique=False),
    "loss": Key("name", "the cost", required=True, choices=tuple(LOSSES)),
    "full_size": Key("mapping", "the real assignment's size (speed note)", keys=FULL_SIZE),
}
CONVENTIONS = {
    "unroll_order": Key("name", "row: numpy's ravel; column: Octave's (:)", choices=tuple(ORDERS)),
    "targets": Key("name", "labels: y holds class labels; values: y is an (m, K) array", choices=TARGETS),
    "label_base": Key("integer", "smallest label: 0 (numpy) or 1 (Octave)", minimum=0, maximum=1),
}
EXERCISE = {
    "id": Key("name", "the exercise's name, matched against file names", required=True,
              pattern=r"[A-Za-z0-9][A-Za-z0-9_-]*"),
    "title": Key("text", "shown in reports", required=True),
    "description": Key("text", "free text"),
    "aliases": Key("names", "other names of the exercise (e.g. the course's ex4), matched against file names "
                            "like the id", pattern=r"[A-Za-z0-9][A-Za-z0-9_-]*",
                   pattern_doc="a name of letters, digits, _ and - other than the id"),
    "allowed_modules": Key("names", "modules beyond numpy and scipy that the graded functions may import "
                                    "(named in crash explanations)", pattern=r"[A-Za-z_][A-Za-z0-9_]*",
                              pattern_doc="a module name such as pandas"),
    "network": Key("mapping", "the network: activations, loss", required=True, keys=NETWORK),
    "conventions": Key("mapping", "layout of parameters and labels", keys=CONVENTIONS),
    "functions": Key("table", "the student's functions, by name", required=True, entries=FUNCTION),
    "cases": Key("table", "hidden inputs, by name", required=True, entries=CASE_KINDS),
    "parts": Key("list", "graded in this order", required=True, keys=PART, min_length=1),
    "tolerance": Key("number", "relative error allowed (default 1e-6)", minimum=0, maximum=1, exclusive=True),
}


class SpecError(Exception):
    """An invalid exercise spec; str() is the whole message for the user."""

    def __init__(self, file: str, line: int | None, key: str, message: str):
        where = f"{file}:{line}" if line else file
        self.line = line
        self.messages: tuple[str, ...] = (f"{where}: {key}: {message}" if key else f"{where}: {message}",)
        super().__init__(self.messages[0])

    @classmethod
    def every(cls, errors: "list[SpecError]") -> "SpecError":
        """One error holding several, in line order: str() is one message per line (`grade validate`)."""
        ordered = sorted(errors, key=lambda e: e.line or 0)
        combined = ordered[0]
        if len(ordered) > 1:
            combined = cls.__new__(cls)
            combined.line = ordered[0].line
            combined.messages = tuple(m for e in ordered for m in e.messages)
            Exception.__init__(combined, "\n".join(combined.messages))
        return combined


class _Skip(Exception):
    """A section that depends on one already reported as broken: it is left out, not reported again."""


# ---- the immutable objects -----------------------------------------------------------------

class Function(NamedTuple):
    name: str
    aliases: tuple[str, ...]
    arguments: tuple[str, ...]
    returns: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Values(NamedTuple):
    """How to make an array: a literal, a sequence f(start + step·i)·scale, or seeded random numbers."""

    kind: str  # "literal" | "sequence" | "random"
    literal: tuple = ()
    function: str = ""  # sin | cos | linear, or normal | uniform
    start: float = 0.0
    step: float = 1.0
    scale: float = 1.0
    seed: int = 0
    order: str = "C"
    shape: tuple[int, ...] | None = None


class Case(NamedTuple):
    """One hidden input: a network case (sizes, X, y, thetas) or an array case (z)."""

    name: str
    sizes: tuple[int, ...] = ()
    examples: int = 0
    X: Values | None = None
    y: Values | None = None
    thetas: tuple[Values, ...] = ()
    z: Values | None = None
    random_seed: int | None = None  # set for `random:` network cases
    weight_scale: float = 1.0
    input_scale: float = 1.0
    line: int = 0  # where the case starts in the spec, for later errors

    @property
    def is_network(self) -> bool:
        return self.z is None


class Part(NamedTuple):
    id: str
    title: str
    points: int
    function: str
    check: str  # a key of CHECKS
    lambda_: float
    cases: tuple[str, ...]
    activation: str = ""  # for activation_gradient parts
    coursera_part_id: str | None = None
    training: "Training | None" = None  # for training parts (Exercise.training_parts)
    on_request: bool = False  # run only when asked (grade --train)


class Dataset(NamedTuple):
    """A training set: generated from a seed (datasets.GENERATED) or read from a .mat file."""

    kind: str  # "generated" | "mat"
    name: str = ""  # generated: digits | blobs | smooth
    seed: int = 0
    examples: int = 0  # mat: 0 means every example in the file
    sizes: tuple[int, ...] = ()  # generated: every layer; mat: the hidden layers only
    noise: float = 1.0
    file: str = ""  # mat: absolute path
    x_name: str = "X"
    y_name: str = "y"
    wrap_labels: bool = False
    key: str = ""  # where the data set is written in the spec, for errors found when it is read
    line: int = 0


class Training(NamedTuple):
    data: Dataset
    method: str = "TNC"
    iterations: int = 100
    init_seed: int = 0
    epsilon: float = 0.12
    within: float = 0.01


class FullSize(NamedTuple):
    sizes: tuple[int, ...]
    examples: int


class Exercise(NamedTuple):
    id: str
    title: str
    path: str
    network: Network  # sizes are per case: use network.with_sizes(case.sizes)
    functions: MappingProxyType  # name -> Function
    cases: MappingProxyType  # name -> Case
    parts: tuple[Part, ...]
    tolerance: float
    full_size: FullSize | None = None
    aliases: tuple[str, ...] = ()
    allowed_modules: tuple[str, ...] = ()
    training_parts: tuple[Part, ...] = ()  # check: training; graded by training.py, not by cases

    @property
    def max_score(self) -> int:
        """The points of the case-graded parts; a training part's count only in a report that ran it."""
        return sum(p.points for p in self.parts)

    def part(self, part_id: str) -> Part:
        return next(p for p in self.parts if p.id == part_id)


# ---- reading YAML nodes with their line numbers --------------------------------------------

yaml = None  # PyYAML, imported by `_load_yaml` when a spec is read (not when a compiled one is: spec_cache.py)


def _load_yaml() -> None:
    """Import PyYAML into this module's `yaml` the first time a spec's text is read. Importing it costs a lone
    grade 8 ms, which `grade FILE` pays on its critical path; with the exercise compiled already
    (spec_cache.py) it reads no YAML at all. Everything here that touches `yaml` runs under `parse`."""
    global yaml
    if yaml is None:
        import yaml as loaded

        yaml = loaded


_TYPE_NAMES = {"MappingNode": "a mapping", "SequenceNode": "a list", "ScalarNode": "a single value"}


class _Reader:
    """Checks YAML nodes against what is expected; every failure is a SpecError with file:line."""

    def __init__(self, file: str):
        self.file = file
        self._constructor = yaml.constructor.SafeConstructor()
        self.key_nodes: dict[str, yaml.Node] = {}  # key path -> the node of the key itself
        self.errors: list[SpecError] = []  # every error found so far (reading goes on after most)

    def attempt(self, read, *args):
        """read(*args), or None after recording its SpecError, so that one file reports every error."""
        try:
            return read(*args)
        except _Skip:
            return None
        except SpecError as error:
            self.errors.append(error)
            return None

    def fail(self, node, key: str, message: str):
        line = node.start_mark.line + 1 if node is not None else None
        raise SpecError(self.file, line, key, message)

    def describe(self, node) -> str:
        if isinstance(node, yaml.ScalarNode):
            value = self.plain(node)
            return f"{type(value).__name__} {value!r}" if value is not None else "nothing (null)"
        return _TYPE_NAMES[type(node).__name__]

    def plain(self, node, key: str = ""):
        """The Python value of a node; PyYAML's converters raise assorted errors on odd values."""
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
            self.fail(node, key, f"cannot read the value {node.value!r} ({type(error).__name__}: {error})"
                      if isinstance(node, yaml.ScalarNode) else f"cannot read this value ({error})")

    def mapping(self, node, key: str, required=(), optional=(), table: dict | None = None) -> dict:
        """The items of a mapping node; `table` (a dict of Key) gives its required and optional keys."""
        if table is not None:
            required, optional = (*required, *required_keys(table)), (*optional, *optional_keys(table))
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, key, f"expected a mapping, got {self.describe(node)}")
        items = {}
        allowed = (*required, *optional)
        for key_node, value_node in node.value:
            name = self.plain(key_node, key) if isinstance(key_node, yaml.ScalarNode) else None
            where = f"{key}.{name}" if key else str(name)
            if not isinstance(name, str):
                self.fail(key_node, key, f"keys must be names, got {self.describe(key_node)}")
            if name in items:
                self.fail(key_node, where, "this key appears twice")
            if allowed and name not in allowed:
                self.fail(key_node, where, f"unknown key; expected one of: {', '.join(allowed)}")
            items[name] = value_node
            self.key_nodes[where] = key_node
        missing = [k for k in required if k not in items]
        if missing:
            self.fail(node, key, f"missing required key '{missing[0]}'")
        return items

    def sequence(self, node, key: str, min_length: int = 0) -> list:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, key, f"expected a list, got {self.describe(node)}")
        if len(node.value) < min_length:
            self.fail(node, key, f"expected a list of at least {min_length} item(s)")
        return node.value

    def string(self, node, key: str, choices=None) -> str:
        value = self.plain(node, key) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value:
            self.fail(node, key, f"expected a name (text), got {self.describe(node)}")
        if choices is not None and value not in choices:
            self.fail(node, key, f"unknown value '{value}'; expected one of: {', '.join(choices)}")
        return value

    def integer(self, node, key: str, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.plain(node, key) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(node, key, f"expected a whole number, got {self.describe(node)}")
        if minimum is not None and value < minimum:
            self.fail(node, key, f"expected a whole number ≥ {minimum}, got {value}")
        if maximum is not None and value > maximum:
            self.fail(node, key, f"expected a whole number ≤ {maximum}, got {value}")
        return value

    def number(self, node, key: str, minimum: float | None = None, positive: bool = False) -> float:
        value = self.plain(node, key) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, int | float) or isinstance(value, bool) or value != value \
                or value in (float("inf"), float("-inf")):
            # YAML 1.1 reads 1e-4 (no dot) as text (author review 4, E13): say how to write it
            hint = f" (YAML reads {value} as text: write it as {_with_dot(value)})" if isinstance(value, str) and \
                _EXPONENT_WITHOUT_DOT.match(value) else ""
            self.fail(node, key, f"expected a finite number, got {self.describe(node)}{hint}")
        if isinstance(value, int) and abs(value) > 1e300:
            self.fail(node, key, f"expected a number of reasonable size, got one with {len(str(value))} digits")
        if minimum is not None and value < minimum:
            self.fail(node, key, f"expected a number ≥ {minimum}, got {value}")
        if positive and value <= 0:
            self.fail(node, key, f"expected a number > 0, got {value}")
        return float(value)

    def boolean(self, node, key: str) -> bool:
        value = self.plain(node, key) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, bool):
            self.fail(node, key, f"expected true or false, got {self.describe(node)}")
        return value

    def read(self, items: dict, name: str, key: str, table: dict, default=None):
        """The value of a leaf key read as its table says (kind, bounds, vocabulary), or default if absent."""
        if name not in items:
            return default
        node, spec, where = items[name], table[name], f"{key}.{name}" if key else name
        if spec.kind == "name":
            return self.string(node, where, spec.choices)
        if spec.kind == "text":
            return self.string(node, where)
        if spec.kind == "boolean":
            return self.boolean(node, where)
        if spec.kind == "integer":
            return self.integer(node, where, spec.minimum, spec.maximum)
        if spec.kind == "number":
            positive = spec.exclusive and spec.minimum == 0
            return self.number(node, where, None if positive else spec.minimum, positive=positive)
        if spec.kind == "names":
            return self.names(node, where, spec.choices, spec.min_length, spec.pattern, spec.pattern_doc)
        if spec.kind == "sizes":
            return self.sizes(node, where, spec.min_length)
        raise ValueError(f"{name} is not a leaf")  # a programming error: containers have their own readers

    def names(self, node, key: str, choices=None, min_length: int = 0, pattern: str | None = None,
              pattern_doc: str | None = None) -> tuple[str, ...]:
        items = self.sequence(node, key, min_length)
        values = tuple(self.string(n, f"{key}[{i}]", choices) for i, n in enumerate(items))
        for i, value in enumerate(values):
            if value in values[:i]:
                self.fail(items[i], f"{key}[{i}]", f"'{value}' appears twice")
            if pattern and not re.fullmatch(pattern, value):
                self.fail(items[i], f"{key}[{i}]", f"expected {pattern_doc or 'a name matching ' + pattern}, "
                                                   f"got {value!r}")
        return values

    def sizes(self, node, key: str, min_length: int = 2) -> tuple[int, ...]:
        items = self.sequence(node, key, min_length)
        return tuple(self.integer(n, f"{key}[{i}]", minimum=1, maximum=MAX_SIZE) for i, n in enumerate(items))


# ---- the spec, section by section ----------------------------------------------------------

MAX_SPEC_BYTES = 1_000_000
# The gradebook's CSV columns beside one per part id (gradebook.csv_rows): no part may be called so.
EXPORT_COLUMNS = ("student", "exercise", "score", "max_score", "mistakes", "notes")
_MAX_ELEMENTS = 1_000_000  # per generated array, to keep hostile specs from eating memory


def load(path: str | Path) -> Exercise:
    """Read and validate one exercise spec; raise SpecError with a one-paragraph message."""
    path = Path(path)
    file = str(path)
    try:
        if not path.is_file():  # a FIFO or device would block or never end
            if not path.exists():
                raise FileNotFoundError(0, "no such file")
            raise IsADirectoryError if path.is_dir() else OSError(0, "not a regular file")
        data = path.read_bytes()
    except IsADirectoryError:
        raise SpecError(file, None, "", "is a folder, expected a YAML file") from None
    except OSError as error:
        raise SpecError(file, None, "", f"cannot be read ({error.strerror or error})") from None
    return from_bytes(data, file)


def from_bytes(data: bytes, file: str) -> Exercise:
    """The exercise a spec file's bytes describe (`load` after reading them; spec_cache.py parses the very bytes
    it keys its entry by, so a file changed in between is never stored under its old content)."""
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(file, None, "", f"is {len(data)} bytes; an exercise spec is at most {MAX_SPEC_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(file, None, "", f"is not UTF-8 text (byte {error.start})") from None
    return parse(text, file)


def parse(text: str, file: str = "<spec>") -> Exercise:
    _load_yaml()
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        line = text.split("\n")[mark.line] if mark and mark.line < text.count("\n") + 1 else ""
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:  # author review 4, E14: the message never said so (a tab inside a value is no indent)
            problem += " (a tab: YAML indents with spaces only)"
        raise SpecError(file, mark.line + 1 if mark else None, "", f"is not valid YAML: {problem}") from None
    if root is None:
        raise SpecError(file, None, "", "is empty; expected an exercise spec (see docs/authoring.md)")
    try:
        return _exercise(_Reader(file), root, file)
    except yaml.YAMLError as error:  # e.g. a malformed timestamp or an unknown tag inside a value
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        raise SpecError(file, mark.line + 1 if mark else None, "", f"bad value: {error}") from None
    except RecursionError:
        raise SpecError(file, None, "", "is nested too deeply") from None


def _exercise(r: _Reader, root, file: str) -> Exercise:
    """Read every section; after an error, go on with what does not depend on it, then report them all."""
    top = r.mapping(root, "", table=EXERCISE)
    network, full_size = r.attempt(_network, r, top["network"], top.get("conventions")) or (None, None)
    functions = r.attempt(_functions, r, top["functions"])
    if network is not None and functions is not None:
        for name, function in functions.items():
            if "hidden_layer_size" in function.arguments and len(network.activations) != 2:
                key = f"functions.{name}.arguments"
                r.attempt(r.fail, r.key_nodes.get(key), key,
                          "hidden_layer_size needs a network with exactly one hidden layer; use layer_sizes")
    cases = r.attempt(_cases, r, top["cases"], network) if network is not None else None
    parts = r.attempt(_parts, r, top["parts"], functions, cases, network, file) \
        if None not in (network, functions, cases) else None
    tolerance = r.attempt(_tolerance, r, top)
    for name in ("description", "title"):
        r.attempt(r.read, top, name, "", EXERCISE)
    aliases = r.attempt(r.read, top, "aliases", "", EXERCISE, ())
    allowed_modules = r.attempt(r.read, top, "allowed_modules", "", EXERCISE, ())
    exercise_id = r.attempt(_exercise_id, r, top)
    if aliases and exercise_id in aliases:
        i = aliases.index(exercise_id)
        r.attempt(r.fail, top["aliases"].value[i], f"aliases[{i}]",
                  f"expected {EXERCISE['aliases'].pattern_doc}, got {exercise_id!r}")
    if r.errors:
        raise SpecError.every(r.errors)
    graded = tuple(p for p in parts if p.check != "training")
    return Exercise(
        id=exercise_id, title=r.read(top, "title", "", EXERCISE), path=file,
        network=network, functions=MappingProxyType(functions), cases=MappingProxyType(cases),
        parts=graded, tolerance=tolerance, full_size=full_size, aliases=aliases, allowed_modules=allowed_modules,
        training_parts=tuple(p for p in parts if p.check == "training"),
    )


def _tolerance(r: _Reader, top: dict) -> float:
    tolerance = r.number(top["tolerance"], "tolerance", positive=True) if "tolerance" in top else 1e-6
    if tolerance >= 1:
        r.fail(top["tolerance"], "tolerance", f"expected a relative tolerance below 1, got {tolerance}")
    return tolerance


def _exercise_id(r: _Reader, top: dict) -> str:
    exercise_id = r.string(top["id"], "id")
    if not re.fullmatch(EXERCISE["id"].pattern, exercise_id):
        r.fail(top["id"], "id", f"expected a name of letters, digits, _ and - (it is matched against file "
                                f"names), got {exercise_id!r}")
    return exercise_id


def _network(r: _Reader, node, conventions_node) -> tuple[Network, FullSize | None]:
    items = r.mapping(node, "network", table=NETWORK)
    activations = _activations(r, items["activations"])
    loss = r.read(items, "loss", "network", NETWORK)
    if activations[-1] not in LOSSES[loss].outputs:
        r.fail(items["loss"], "network.loss",
               f"{loss} needs an output activation among {', '.join(sorted(LOSSES[loss].outputs))}, "
               f"got {activations[-1]}")
    order, targets, base = "C", "labels", 0
    if conventions_node is not None:
        conv = r.mapping(conventions_node, "conventions", table=CONVENTIONS)
        order = ORDERS[r.read(conv, "unroll_order", "conventions", CONVENTIONS, "row")]
        if "targets" in conv:
            targets = r.read(conv, "targets", "conventions", CONVENTIONS)
            if targets == "values" and not LOSSES[loss].takes_values:
                r.fail(conv["targets"], "conventions.targets",
                       f"{loss} compares the outputs with one-hot label rows; real-valued targets need "
                       f"loss: squared_error")
        base = r.read(conv, "label_base", "conventions", CONVENTIONS, 0)
    full_size = None
    if "full_size" in items:
        fs = r.mapping(items["full_size"], "network.full_size", table=FULL_SIZE)
        sizes = r.read(fs, "sizes", "network.full_size", FULL_SIZE)
        examples = r.read(fs, "examples", "network.full_size", FULL_SIZE)
        _check_depth(r, fs["sizes"], "network.full_size.sizes", sizes, activations, examples, 10 * _MAX_ELEMENTS)
        full_size = FullSize(sizes, examples)
    return Network((), activations, loss, order, targets, base), full_size


def _activations(r: _Reader, node) -> tuple[str, ...]:
    items = r.sequence(node, "network.activations", min_length=NETWORK["activations"].min_length)
    names = tuple(r.string(n, f"network.activations[{i}]", NETWORK["activations"].choices)
                  for i, n in enumerate(items))
    for i, name in enumerate(names[:-1]):
        if not ACTIVATIONS[name].hidden_allowed:
            r.fail(items[i], f"network.activations[{i}]", f"{name} is only allowed in the output layer")
    return names


def _check_depth(r: _Reader, node, key: str, sizes: tuple[int, ...], activations: tuple[str, ...],
                 examples: int = 1, max_values: int = _MAX_ELEMENTS):
    """The right number of layers, and a network and X small enough to build (hostile specs)."""
    if len(sizes) != len(activations) + 1:
        r.fail(node, key, f"expected {len(activations) + 1} layer sizes (input plus one per activation in "
                          f"network.activations), got {len(sizes)}")
    weights = sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))
    if weights > max_values:
        r.fail(node, key, f"these sizes make {weights} weights; at most {max_values} are allowed")
    if examples * max(sizes) > max_values:
        r.fail(node, key, f"{examples} examples of {max(sizes)} units make {examples * max(sizes)} values; "
                          f"at most {max_values} are allowed")


def _functions(r: _Reader, node) -> dict[str, Function]:
    items = r.mapping(node, "functions")
    if not items:
        r.fail(node, "functions", "expected at least one student function")
    functions: dict[str, Function] = {}
    taken: dict[str, str] = {}  # every name and alias -> the function it belongs to
    for name, fnode in items.items():
        r.attempt(_function, r, name, fnode, functions, taken)
    if len(functions) < len(items):
        raise _Skip  # reported above; parts that use them cannot be checked
    return functions


def _python_name(name: str) -> bool:
    """Can a student's `def` take this name? An identifier that is not a keyword (`def lambda(z):` is a
    SyntaxError, and so would be the starter file; author review 4, E6)."""
    import keyword

    return name.isidentifier() and not keyword.iskeyword(name)


def _function(r: _Reader, name: str, fnode, functions: dict, taken: dict) -> None:
    key = f"functions.{name}"
    if not _python_name(name):
        r.fail(r.key_nodes.get(key, fnode), key, "a function name must be a Python identifier, not a keyword")
    f = r.mapping(fnode, key, table=FUNCTION)
    aliases = r.read(f, "aliases", key, FUNCTION, ())
    for i, alias in enumerate(aliases):
        if not _python_name(alias):
            r.fail(f["aliases"].value[i], f"{key}.aliases[{i}]", "an alias must be a Python identifier, not a keyword")
    for i, other in enumerate((name, *aliases)):
        if other in taken:
            where = f"{key}.aliases[{i - 1}]" if i else key
            node = f["aliases"].value[i - 1] if i else r.key_nodes.get(key, fnode)
            r.fail(node, where, f"'{other}' is already a name of {taken[other]}")
        taken[other] = name
    functions[name] = Function(
        name, aliases, r.read(f, "arguments", key, FUNCTION), r.read(f, "returns", key, FUNCTION))


def _values(r: _Reader, node, key: str, shape: tuple[int, ...] | None, integer: bool = False) -> Values:
    """A literal list, {sequence: sin|cos|linear, ...} or {random: normal|uniform, seed: ...}."""
    if isinstance(node, yaml.SequenceNode):
        if _count_scalars(node, {}) > _MAX_ELEMENTS:  # YAML aliases can nest a small file into billions
            r.fail(node, key, f"has more than {_MAX_ELEMENTS} numbers")
        value = r.plain(node, key)
        _check_literal(r, node, key, value, shape, integer)
        return Values("literal", literal=_freeze(value), shape=shape)
    if isinstance(node, yaml.MappingNode) and any(r.plain(k) == "sequence" for k, _ in node.value):
        kind, table = "sequence", VALUES_SEQUENCE
    else:
        kind, table = "random", VALUES_RANDOM
    v = r.mapping(node, key, table=table)
    function = r.read(v, kind, key, table)
    given_shape = r.read(v, "shape", key, table)
    if shape is not None and given_shape is not None and given_shape != shape:
        r.fail(v["shape"], f"{key}.shape", f"expected {list(shape)} here, got {list(given_shape)}")
    final = given_shape or shape
    if final is None:
        r.fail(node, key, "needs a shape: add shape: [rows, columns]")
    size = 1
    for n in final:
        size *= n
    if size > _MAX_ELEMENTS:
        r.fail(node, key, f"has {size} elements; at most {_MAX_ELEMENTS} are allowed")
    return Values(
        kind, function=function,
        start=float(r.read(v, "start", key, table, 1.0)),
        step=float(r.read(v, "step", key, table, 1.0)),
        scale=float(r.read(v, "scale", key, table, 1.0)),
        seed=r.read(v, "seed", key, table, 0),
        order=ORDERS[r.read(v, "order", key, table, "row")],
        shape=final,
    )


def _literal_shape(value) -> tuple[int, ...]:
    shape = []
    while isinstance(value, tuple):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def _count_scalars(node, memo: dict) -> int:
    """How many scalars a node holds, counting shared (aliased) subtrees once per use, in linear time."""
    if id(node) in memo:
        return memo[id(node)]
    if isinstance(node, yaml.ScalarNode):
        count = 1
    elif isinstance(node, yaml.SequenceNode):
        memo[id(node)] = 0  # a self-referencing alias counts as empty
        count = sum(_count_scalars(child, memo) for child in node.value)
    else:
        count = 1  # a mapping inside a literal is rejected later, as not a number
    memo[id(node)] = count
    return count


def _freeze(value):
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _check_literal(r: _Reader, node, key, value, shape, integer: bool):
    """A literal must be a regular (not ragged) list of numbers of the expected shape; a matrix may be flat."""

    def dims(v):
        if not isinstance(v, list):
            return ()
        inner = [dims(item) for item in v]
        if any(d != inner[0] for d in inner):
            r.fail(node, key, "rows have different lengths or depths")
        return (len(v), *(inner[0] if inner else ()))

    def flat(v):
        return [x for item in v for x in flat(item)] if isinstance(v, list) else [v]

    found = dims(value)
    wanted = "whole numbers" if integer else "numbers"
    for x in flat(value):
        if isinstance(x, bool) or not isinstance(x, int if integer else int | float):
            r.fail(node, key, f"expected a list of {wanted}, found {x!r}")
        if not integer and isinstance(x, float) and not np.isfinite(x) or isinstance(x, int) and abs(x) > 1e300:
            r.fail(node, key, f"expected finite numbers, found {x!r}")
    if shape is not None and found != shape and not (len(shape) == 2 and found == (shape[0] * shape[1],)):
        r.fail(node, key, f"expected shape {list(shape)}, got {list(found)}")


def _cases(r: _Reader, node, network: Network) -> dict[str, Case]:
    items = r.mapping(node, "cases")
    if not items:
        r.fail(node, "cases", "expected at least one case")
    cases: dict[str, Case] = {}
    for name, cnode in items.items():
        r.attempt(_case, r, name, cnode, network, cases)
    if len(cases) < len(items):
        raise _Skip  # reported above; parts that use them cannot be checked
    return cases


_CASE_KEYS = tuple(dict.fromkeys(k for kind in CASE_KINDS for k in kind))


def _case(r: _Reader, name: str, cnode, network: Network, cases: dict) -> None:
    key = f"cases.{name}"
    c = r.mapping(cnode, key, optional=_CASE_KEYS)
    if "z" in c:
        if len(c) > 1:
            r.fail(cnode, key, "an activation case holds only z")
        z = _values(r, c["z"], f"{key}.z", None)
        if z.kind == "literal":
            z = z._replace(shape=_literal_shape(z.literal))
        if z.shape is None or len(z.shape) != 2 or 0 in z.shape:
            r.fail(c["z"], f"{key}.z", f"expected a non-empty 2-D array (rows × columns, as the course passes "
                                       f"z), got shape {list(z.shape or ())}")
        cases[name] = Case(name, z=z, line=cnode.start_mark.line + 1)
    elif "random" in c:
        if len(c) > 1:
            r.fail(cnode, key, "a random case holds only random: {seed, examples, sizes, ...}")
        cases[name] = _random_case(r, c["random"], f"{key}.random", name, network)._replace(
            line=cnode.start_mark.line + 1)
    elif c:
        cases[name] = _explicit_case(r, cnode, c, key, name, network)._replace(line=cnode.start_mark.line + 1)
    else:
        r.fail(cnode, key, "expected z, random, or sizes/examples/X/y/thetas")


def _random_case(r: _Reader, node, key: str, name: str, network: Network) -> Case:
    v = r.mapping(node, key, table=CASE_RANDOM_KEYS)
    sizes = r.read(v, "sizes", key, CASE_RANDOM_KEYS)
    examples = r.read(v, "examples", key, CASE_RANDOM_KEYS)
    _check_depth(r, v["sizes"], f"{key}.sizes", sizes, network.activations, examples)
    if network.targets == "labels" and examples < sizes[-1]:
        r.fail(v["examples"], f"{key}.examples",
               f"expected at least {sizes[-1]} examples so that every label appears, got {examples}")
    return Case(
        name, sizes=sizes, examples=examples, random_seed=r.read(v, "seed", key, CASE_RANDOM_KEYS),
        weight_scale=r.read(v, "weight_scale", key, CASE_RANDOM_KEYS, 1.0),
        input_scale=r.read(v, "input_scale", key, CASE_RANDOM_KEYS, 1.0),
    )


def _explicit_case(r: _Reader, cnode, c: dict, key: str, name: str, network: Network) -> Case:
    for needed in required_keys(CASE_EXPLICIT):
        if needed not in c:
            r.fail(cnode, key, f"missing required key '{needed}'")
    sizes = r.read(c, "sizes", key, CASE_EXPLICIT)
    m = r.read(c, "examples", key, CASE_EXPLICIT)
    _check_depth(r, c["sizes"], f"{key}.sizes", sizes, network.activations, m)
    K = sizes[-1]
    theta_nodes = r.sequence(c["thetas"], f"{key}.thetas")
    shapes = network.with_sizes(sizes).theta_shapes
    if len(theta_nodes) != len(shapes):
        r.fail(c["thetas"], f"{key}.thetas", f"expected {len(shapes)} weight matrices for sizes "
                                             f"{list(sizes)}, got {len(theta_nodes)}")
    labels = network.targets == "labels"
    y = _values(r, c["y"], f"{key}.y", (m,) if labels else (m, K), integer=labels)
    if labels and y.kind == "literal":
        base = network.label_base
        present = set(y.literal)
        wanted = set(range(base, base + K))
        if not present <= wanted:
            r.fail(c["y"], f"{key}.y", f"labels must lie in {base}..{base + K - 1}, got {sorted(present - wanted)}")
        if present != wanted:
            r.fail(c["y"], f"{key}.y", f"every label must appear at least once (students may take K from y); "
                                       f"missing {sorted(wanted - present)}")
    elif labels:
        r.fail(c["y"], f"{key}.y", "labels must be written out as a list of whole numbers")
    return Case(
        name, sizes=sizes, examples=m,
        X=_values(r, c["X"], f"{key}.X", (m, sizes[0])),
        y=y,
        thetas=tuple(_values(r, n, f"{key}.thetas[{i}]", shape)
                     for i, (n, shape) in enumerate(zip(theta_nodes, shapes, strict=True))),
    )


def _parts(r: _Reader, node, functions, cases, network: Network, file: str) -> tuple[Part, ...]:
    items = r.sequence(node, "parts", min_length=EXERCISE["parts"].min_length)
    parts: list[Part] = []
    seen: set[str] = set()
    for i, pnode in enumerate(items):
        r.attempt(_part, r, f"parts[{i}]", pnode, functions, cases, network, file, parts, seen)
    if len(parts) < len(items):
        raise _Skip
    return tuple(parts)


def _part(r: _Reader, key: str, pnode, functions, cases, network: Network, file: str, parts: list, seen: set):
    p = r.mapping(pnode, key, table=PART)
    part_id = r.read(p, "id", key, PART)
    if part_id in seen:
        r.fail(p["id"], f"{key}.id", f"duplicate part id '{part_id}'")
    if part_id in EXPORT_COLUMNS:  # the gradebook's CSV has a column per part id beside these (staff review 2, S13)
        r.fail(p["id"], f"{key}.id", f"'{part_id}' is a column of the gradebook's CSV export already "
                                     f"({', '.join(EXPORT_COLUMNS)}); choose another part id")
    seen.add(part_id)
    title = r.read(p, "title", key, PART)
    points = r.read(p, "points", key, PART)
    function = r.string(p["function"], f"{key}.function", tuple(functions))
    check = r.read(p, "check", key, PART)
    compared, needed = CHECKS[check]
    fn = functions[function]
    for returned in compared:
        if returned not in fn.returns:
            r.fail(p["check"], f"{key}.check", f"a {check} check reads '{returned}', which {function} "
                                               f"does not return (returns: {', '.join(fn.returns)})")
    for argument in needed:
        if argument not in fn.arguments:
            r.fail(p["function"], f"{key}.function",
                   f"a {check} check needs {function} to take '{argument}'")
    unfit = [a for a in fn.arguments if (a == "z") != (check == "activation_gradient") and a != "lambda_"]
    if unfit:
        kind = "only z" if check == "activation_gradient" else "network arguments, not z"
        r.fail(p["function"], f"{key}.function", f"the {check} part's function takes {kind}; {function} "
                                                 f"also takes {', '.join(unfit)}")
    training_only = ("training", "on_request")
    if check == "training":
        for name in ("cases", "activation"):
            if name in p:
                r.fail(p[name], f"{key}.{name}", f"a training part takes no {name}: it trains on its data")
        if "training" not in p:
            r.fail(pnode, key, "missing required key 'training' (the data, optimizer and threshold)")
        part_cases: tuple[str, ...] = ()
    else:
        for name in training_only:
            if name in p:
                r.fail(p[name], f"{key}.{name}", "only training parts take this key")
        if "cases" not in p:
            r.fail(pnode, key, "missing required key 'cases'")
        part_cases = r.names(p["cases"], f"{key}.cases", tuple(cases), min_length=PART["cases"].min_length)
    for j, case_name in enumerate(part_cases):
        if cases[case_name].is_network != (check != "activation_gradient"):
            kind = "network cases (sizes/X/y/thetas or random)" if check != "activation_gradient" \
                else "activation cases (z)"
            r.fail(p["cases"].value[j], f"{key}.cases[{j}]",
                   f"the {check} part takes {kind}; '{case_name}' is not one")
    activation = ""
    if check == "activation_gradient":
        if "activation" not in p:
            r.fail(pnode, key, "missing required key 'activation' (whose gradient is checked)")
        activation = r.read(p, "activation", key, PART)
        if ACTIVATIONS[activation].derivative_from_output is None:
            r.fail(p["activation"], f"{key}.activation", f"{activation} has no elementwise gradient")
    elif "activation" in p:
        r.fail(p["activation"], f"{key}.activation", "only activation_gradient parts take an activation")
    lambda_ = float(r.read(p, "lambda", key, PART, 0.0))
    if lambda_ and "lambda_" not in fn.arguments:
        r.fail(p["lambda"], f"{key}.lambda", f"{function} takes no lambda_ argument")
    training = _training(r, p["training"], f"{key}.training", network, file) if check == "training" else None
    coursera_id = r.read(p, "coursera_part_id", key, PART)
    if coursera_id is not None and coursera_id in {q.id for q in parts} | {q.coursera_part_id for q in parts}:
        r.fail(p["coursera_part_id"], f"{key}.coursera_part_id", f"'{coursera_id}' already names another part")
    parts.append(Part(part_id, title, points, function, check, lambda_, part_cases, activation,
                      coursera_part_id=coursera_id,
                      training=training, on_request=r.read(p, "on_request", key, PART, check == "training")))


def _training(r: _Reader, node, key: str, network: Network, file: str) -> Training:
    t = r.mapping(node, key, table=TRAINING)
    data_node, data_key = t["data"], f"{key}.data"
    if isinstance(data_node, yaml.MappingNode) and any(r.plain(k) == "mat" for k, _ in data_node.value):
        d = r.mapping(data_node, data_key, table=DATASET_MAT)
        path = Path(r.read(d, "mat", data_key, DATASET_MAT))
        if not path.is_absolute():
            path = Path(file).resolve().parent / path
        hidden = r.read(d, "hidden", data_key, DATASET_MAT)
        if len(hidden) != len(network.activations) - 1:
            r.fail(d["hidden"], f"{data_key}.hidden", f"expected {len(network.activations) - 1} hidden layer "
                                                      f"size(s), one per hidden activation, got {len(hidden)}")
        data = Dataset("mat", file=str(path), sizes=hidden, examples=r.read(d, "examples", data_key, DATASET_MAT, 0),
                       x_name=r.read(d, "X", data_key, DATASET_MAT, "X"),
                       y_name=r.read(d, "y", data_key, DATASET_MAT, "y"),
                       wrap_labels=r.read(d, "wrap_labels", data_key, DATASET_MAT, False),
                       key=f"{data_key}.mat", line=d["mat"].start_mark.line + 1)
    else:
        d = r.mapping(data_node, data_key, table=DATASET_GENERATED)
        name = r.read(d, "generated", data_key, DATASET_GENERATED)
        sizes = r.read(d, "sizes", data_key, DATASET_GENERATED)
        examples = r.read(d, "examples", data_key, DATASET_GENERATED)
        _check_depth(r, d["sizes"], f"{data_key}.sizes", sizes, network.activations, examples)
        values = network.targets == "values"
        if (name == "smooth") != values:
            r.fail(d["generated"], f"{data_key}.generated",
                   f"{name} makes {'labels' if name != 'smooth' else 'real-valued targets'}; this exercise's "
                   f"targets are {network.targets} (use {'smooth' if values else 'digits or blobs'})")
        if name == "digits" and (sizes[0], sizes[-1]) != (15, 10):
            r.fail(d["sizes"], f"{data_key}.sizes", f"digits are 3×5 images of 10 digits: sizes must start with "
                                                    f"15 and end with 10, got {list(sizes)}")
        if not values and examples < sizes[-1]:
            r.fail(d["examples"], f"{data_key}.examples",
                   f"expected at least {sizes[-1]} examples so that every label appears, got {examples}")
        data = Dataset("generated", name=name, seed=r.read(d, "seed", data_key, DATASET_GENERATED),
                       examples=examples, sizes=sizes, noise=r.read(d, "noise", data_key, DATASET_GENERATED, 1.0))
    return Training(data, method=r.read(t, "method", key, TRAINING, "TNC"),
                    iterations=r.read(t, "iterations", key, TRAINING, 100),
                    init_seed=r.read(t, "init_seed", key, TRAINING, 0),
                    epsilon=r.read(t, "epsilon", key, TRAINING, 0.12),
                    within=r.read(t, "within", key, TRAINING, 0.01))
