"""Exercise specs: YAML files loaded into validated, immutable objects.

Every error names the file, the line and the key path (`parts[3].points`) and says what was
expected, in one paragraph: instructors should never see a traceback. The YAML is walked as a node
tree (`yaml.compose`) so that every value keeps its line number; nothing is built from the file
until its key has been checked.

The vocabularies (arguments a student function can take, values it can return, what a part can
check, how case inputs can be written) are tables at the top of this module; docs/authoring.md
describes the format.
"""

import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import yaml

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
}
ORDERS = {"row": "C", "column": "F"}
TARGETS = ("labels", "values")
SEQUENCES = ("sin", "cos", "linear")
DISTRIBUTIONS = ("normal", "uniform")


class SpecError(Exception):
    """An invalid exercise spec; str() is the whole message for the user."""

    def __init__(self, file: str, line: int | None, key: str, message: str):
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


# ---- the immutable objects -----------------------------------------------------------------

@dataclass(frozen=True)
class Function:
    name: str
    aliases: tuple[str, ...]
    arguments: tuple[str, ...]
    returns: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Values:
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


@dataclass(frozen=True)
class Case:
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


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    points: int
    function: str
    check: str  # a key of CHECKS
    lambda_: float
    cases: tuple[str, ...]
    activation: str = ""  # for activation_gradient parts
    coursera_part_id: str | None = None  # the part's id on Coursera (its partId), when it differs from id


@dataclass(frozen=True)
class FullSize:
    sizes: tuple[int, ...]
    examples: int


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    path: str
    network: Network  # sizes are per case: use network.with_sizes(case.sizes)
    functions: MappingProxyType  # name -> Function
    cases: MappingProxyType  # name -> Case
    parts: tuple[Part, ...]
    tolerance: float
    full_size: FullSize | None = None

    @property
    def max_score(self) -> int:
        return sum(p.points for p in self.parts)

    def part(self, part_id: str) -> Part:
        return next(p for p in self.parts if p.id == part_id)


# ---- reading YAML nodes with their line numbers --------------------------------------------

_TYPE_NAMES = {
    yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value",
}


class _Reader:
    """Checks YAML nodes against what is expected; every failure is a SpecError with file:line."""

    def __init__(self, file: str):
        self.file = file
        self._constructor = yaml.constructor.SafeConstructor()
        self.key_nodes: dict[str, yaml.Node] = {}  # key path -> the node of the key itself

    def fail(self, node, key: str, message: str):
        line = node.start_mark.line + 1 if node is not None else None
        raise SpecError(self.file, line, key, message)

    def describe(self, node) -> str:
        if isinstance(node, yaml.ScalarNode):
            value = self.plain(node)
            return f"{type(value).__name__} {value!r}" if value is not None else "nothing (null)"
        return _TYPE_NAMES[type(node)]

    def plain(self, node, key: str = ""):
        """The Python value of a node; PyYAML's converters raise assorted errors on odd values."""
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
            self.fail(node, key, f"cannot read the value {node.value!r} ({type(error).__name__}: {error})"
                      if isinstance(node, yaml.ScalarNode) else f"cannot read this value ({error})")

    def mapping(self, node, key: str, required=(), optional=()) -> dict:
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
            self.fail(node, key, f"expected a finite number, got {self.describe(node)}")
        if isinstance(value, int) and abs(value) > 1e300:
            self.fail(node, key, f"expected a number of reasonable size, got one with {len(str(value))} digits")
        if minimum is not None and value < minimum:
            self.fail(node, key, f"expected a number ≥ {minimum}, got {value}")
        if positive and value <= 0:
            self.fail(node, key, f"expected a number > 0, got {value}")
        return float(value)

    def names(self, node, key: str, choices=None, min_length: int = 0) -> tuple[str, ...]:
        items = self.sequence(node, key, min_length)
        values = tuple(self.string(n, f"{key}[{i}]", choices) for i, n in enumerate(items))
        for i, value in enumerate(values):
            if value in values[:i]:
                self.fail(items[i], f"{key}[{i}]", f"'{value}' appears twice")
        return values

    def sizes(self, node, key: str, min_length: int = 2) -> tuple[int, ...]:
        items = self.sequence(node, key, min_length)
        return tuple(self.integer(n, f"{key}[{i}]", minimum=1, maximum=100_000) for i, n in enumerate(items))


# ---- the spec, section by section ----------------------------------------------------------

MAX_SPEC_BYTES = 1_000_000
_MAX_ELEMENTS = 1_000_000  # per generated array, to keep hostile specs from eating memory


def load(path: str | Path) -> Exercise:
    """Read and validate one exercise spec; raise SpecError with a one-paragraph message."""
    path = Path(path)
    file = str(path)
    try:
        if not path.is_file():  # a FIFO or device would block or never end
            raise IsADirectoryError if path.is_dir() else OSError(0, "not a regular file")
        data = path.read_bytes()
    except IsADirectoryError:
        raise SpecError(file, None, "", "is a folder, expected a YAML file") from None
    except OSError as error:
        raise SpecError(file, None, "", f"cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(file, None, "", f"is {len(data)} bytes; an exercise spec is at most {MAX_SPEC_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(file, None, "", f"is not UTF-8 text (byte {error.start})") from None
    return parse(text, file)


def parse(text: str, file: str = "<spec>") -> Exercise:
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
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
    top = r.mapping(root, "", required=("id", "title", "network", "functions", "cases", "parts"),
                    optional=("conventions", "tolerance", "description"))
    network, full_size = _network(r, top["network"], top.get("conventions"))
    functions = _functions(r, top["functions"])
    for name, function in functions.items():
        if "hidden_layer_size" in function.arguments and len(network.activations) != 2:
            key = f"functions.{name}.arguments"
            r.fail(r.key_nodes.get(key), key,
                   "hidden_layer_size needs a network with exactly one hidden layer; use layer_sizes")
    cases = _cases(r, top["cases"], network)
    parts = _parts(r, top["parts"], functions, cases, network)
    tolerance = r.number(top["tolerance"], "tolerance", positive=True) if "tolerance" in top else 1e-6
    if tolerance >= 1:
        r.fail(top["tolerance"], "tolerance", f"expected a relative tolerance below 1, got {tolerance}")
    if "description" in top:
        r.string(top["description"], "description")
    exercise_id = r.string(top["id"], "id")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", exercise_id):
        r.fail(top["id"], "id", f"expected a name of letters, digits, _ and - (it is matched against file "
                                f"names), got {exercise_id!r}")
    return Exercise(
        id=exercise_id, title=r.string(top["title"], "title"), path=file,
        network=network, functions=MappingProxyType(functions), cases=MappingProxyType(cases),
        parts=parts, tolerance=tolerance, full_size=full_size,
    )


def _network(r: _Reader, node, conventions_node) -> tuple[Network, FullSize | None]:
    items = r.mapping(node, "network", required=("activations", "loss"), optional=("full_size",))
    activations = _activations(r, items["activations"])
    loss = r.string(items["loss"], "network.loss", tuple(LOSSES))
    if activations[-1] not in LOSSES[loss].outputs:
        r.fail(items["loss"], "network.loss",
               f"{loss} needs an output activation among {', '.join(sorted(LOSSES[loss].outputs))}, "
               f"got {activations[-1]}")
    order, targets, base = "C", "labels", 0
    if conventions_node is not None:
        conv = r.mapping(conventions_node, "conventions", optional=("unroll_order", "targets", "label_base"))
        if "unroll_order" in conv:
            order = ORDERS[r.string(conv["unroll_order"], "conventions.unroll_order", tuple(ORDERS))]
        if "targets" in conv:
            targets = r.string(conv["targets"], "conventions.targets", TARGETS)
            if targets == "values" and not LOSSES[loss].takes_values:
                r.fail(conv["targets"], "conventions.targets",
                       f"{loss} compares the outputs with one-hot label rows; real-valued targets need "
                       f"loss: squared_error")
        if "label_base" in conv:
            base = r.integer(conv["label_base"], "conventions.label_base", minimum=0, maximum=1)
    full_size = None
    if "full_size" in items:
        fs = r.mapping(items["full_size"], "network.full_size", required=("sizes", "examples"))
        sizes = r.sizes(fs["sizes"], "network.full_size.sizes")
        examples = r.integer(fs["examples"], "network.full_size.examples", 1, 100_000)
        _check_depth(r, fs["sizes"], "network.full_size.sizes", sizes, activations, examples, 10 * _MAX_ELEMENTS)
        full_size = FullSize(sizes, examples)
    return Network((), activations, loss, order, targets, base), full_size


def _activations(r: _Reader, node) -> tuple[str, ...]:
    items = r.sequence(node, "network.activations", min_length=1)
    names = tuple(r.string(n, f"network.activations[{i}]", tuple(ACTIVATIONS)) for i, n in enumerate(items))
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
    functions = {}
    taken: dict[str, str] = {}  # every name and alias -> the function it belongs to
    for name, fnode in items.items():
        key = f"functions.{name}"
        if not name.isidentifier():
            r.fail(r.key_nodes.get(key, fnode), key, "a function name must be a Python identifier")
        f = r.mapping(fnode, key, required=("arguments", "returns"), optional=("aliases",))
        aliases = r.names(f["aliases"], f"{key}.aliases") if "aliases" in f else ()
        for i, alias in enumerate(aliases):
            if not alias.isidentifier():
                r.fail(f["aliases"].value[i], f"{key}.aliases[{i}]", "an alias must be a Python identifier")
        for i, other in enumerate((name, *aliases)):
            if other in taken:
                where = f"{key}.aliases[{i - 1}]" if i else key
                node = f["aliases"].value[i - 1] if i else r.key_nodes.get(key, fnode)
                r.fail(node, where, f"'{other}' is already a name of {taken[other]}")
            taken[other] = name
        functions[name] = Function(
            name, aliases,
            r.names(f["arguments"], f"{key}.arguments", tuple(ARGUMENTS), min_length=1),
            r.names(f["returns"], f"{key}.returns", tuple(RETURNS), min_length=1),
        )
    return functions


def _values(r: _Reader, node, key: str, shape: tuple[int, ...] | None, integer: bool = False) -> Values:
    """A literal list, {sequence: sin|cos|linear, ...} or {random: normal|uniform, seed: ...}."""
    if isinstance(node, yaml.SequenceNode):
        if _count_scalars(node, {}) > _MAX_ELEMENTS:  # YAML aliases can nest a small file into billions
            r.fail(node, key, f"has more than {_MAX_ELEMENTS} numbers")
        value = r.plain(node, key)
        _check_literal(r, node, key, value, shape, integer)
        return Values("literal", literal=_freeze(value), shape=shape)
    common = ("scale", "order", "shape")
    if isinstance(node, yaml.MappingNode) and any(r.plain(k) == "sequence" for k, _ in node.value):
        v = r.mapping(node, key, required=("sequence",), optional=("start", "step", *common))
        kind, function = "sequence", r.string(v["sequence"], f"{key}.sequence", SEQUENCES)
    else:
        v = r.mapping(node, key, required=("random",), optional=("seed", *common))
        kind, function = "random", r.string(v["random"], f"{key}.random", DISTRIBUTIONS)
    given_shape = r.sizes(v["shape"], f"{key}.shape", min_length=1) if "shape" in v else None
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
        start=r.number(v["start"], f"{key}.start") if "start" in v else 1.0,
        step=r.number(v["step"], f"{key}.step") if "step" in v else 1.0,
        scale=r.number(v["scale"], f"{key}.scale") if "scale" in v else 1.0,
        seed=r.integer(v["seed"], f"{key}.seed", minimum=0) if "seed" in v else 0,
        order=ORDERS[r.string(v["order"], f"{key}.order", tuple(ORDERS))] if "order" in v else "C",
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
    cases = {}
    for name, cnode in items.items():
        key = f"cases.{name}"
        c = r.mapping(cnode, key, optional=("sizes", "examples", "X", "y", "thetas", "z", "random"))
        if "z" in c:
            if len(c) > 1:
                r.fail(cnode, key, "an activation case holds only z")
            z = _values(r, c["z"], f"{key}.z", None)
            if z.kind == "literal":
                z = replace(z, shape=_literal_shape(z.literal))
            if z.shape is None or len(z.shape) != 2 or 0 in z.shape:
                r.fail(c["z"], f"{key}.z", f"expected a non-empty 2-D array (rows × columns, as the course passes "
                                           f"z), got shape {list(z.shape or ())}")
            cases[name] = Case(name, z=z, line=cnode.start_mark.line + 1)
        elif "random" in c:
            if len(c) > 1:
                r.fail(cnode, key, "a random case holds only random: {seed, examples, sizes, ...}")
            cases[name] = replace(_random_case(r, c["random"], f"{key}.random", name, network),
                                  line=cnode.start_mark.line + 1)
        elif c:
            cases[name] = replace(_explicit_case(r, cnode, c, key, name, network), line=cnode.start_mark.line + 1)
        else:
            r.fail(cnode, key, "expected z, random, or sizes/examples/X/y/thetas")
    return cases


def _random_case(r: _Reader, node, key: str, name: str, network: Network) -> Case:
    v = r.mapping(node, key, required=("seed", "examples", "sizes"), optional=("weight_scale", "input_scale"))
    sizes = r.sizes(v["sizes"], f"{key}.sizes")
    examples = r.integer(v["examples"], f"{key}.examples", minimum=1, maximum=100_000)
    _check_depth(r, v["sizes"], f"{key}.sizes", sizes, network.activations, examples)
    if network.targets == "labels" and examples < sizes[-1]:
        r.fail(v["examples"], f"{key}.examples",
               f"expected at least {sizes[-1]} examples so that every label appears, got {examples}")
    return Case(
        name, sizes=sizes, examples=examples, random_seed=r.integer(v["seed"], f"{key}.seed", minimum=0),
        weight_scale=r.number(v["weight_scale"], f"{key}.weight_scale", positive=True)
        if "weight_scale" in v else 1.0,
        input_scale=r.number(v["input_scale"], f"{key}.input_scale", positive=True)
        if "input_scale" in v else 1.0,
    )


def _explicit_case(r: _Reader, cnode, c: dict, key: str, name: str, network: Network) -> Case:
    for required in ("sizes", "examples", "X", "y", "thetas"):
        if required not in c:
            r.fail(cnode, key, f"missing required key '{required}'")
    sizes = r.sizes(c["sizes"], f"{key}.sizes")
    m = r.integer(c["examples"], f"{key}.examples", minimum=1, maximum=100_000)
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


def _parts(r: _Reader, node, functions, cases, network: Network) -> tuple[Part, ...]:
    items = r.sequence(node, "parts", min_length=1)
    parts, seen = [], set()
    for i, pnode in enumerate(items):
        key = f"parts[{i}]"
        p = r.mapping(pnode, key, required=("id", "title", "points", "function", "check", "cases"),
                      optional=("lambda", "activation", "coursera_part_id"))
        part_id = r.string(p["id"], f"{key}.id")
        if part_id in seen:
            r.fail(p["id"], f"{key}.id", f"duplicate part id '{part_id}'")
        seen.add(part_id)
        function = r.string(p["function"], f"{key}.function", tuple(functions))
        check = r.string(p["check"], f"{key}.check", tuple(CHECKS))
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
        part_cases = r.names(p["cases"], f"{key}.cases", tuple(cases), min_length=1)
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
            activation = r.string(p["activation"], f"{key}.activation", tuple(ACTIVATIONS))
            if ACTIVATIONS[activation].derivative_from_output is None:
                r.fail(p["activation"], f"{key}.activation", f"{activation} has no elementwise gradient")
        elif "activation" in p:
            r.fail(p["activation"], f"{key}.activation", "only activation_gradient parts take an activation")
        lambda_ = r.number(p["lambda"], f"{key}.lambda", minimum=0) if "lambda" in p else 0.0
        if lambda_ and "lambda_" not in fn.arguments:
            r.fail(p["lambda"], f"{key}.lambda", f"{function} takes no lambda_ argument")
        coursera_id = r.string(p["coursera_part_id"], f"{key}.coursera_part_id") \
            if "coursera_part_id" in p else None
        if coursera_id is not None and coursera_id in seen | {q.coursera_part_id for q in parts} - {part_id}:
            r.fail(p["coursera_part_id"], f"{key}.coursera_part_id", f"'{coursera_id}' already names another part")
        parts.append(Part(part_id, r.string(p["title"], f"{key}.title"),
                          r.integer(p["points"], f"{key}.points", minimum=0), function, check,
                          lambda_, part_cases, activation, coursera_id))
    return tuple(parts)
