"""Hidden inputs: turn a spec's Case into concrete, read-only float64 / int64 arrays.

Everything is deterministic (seeded numpy Generators, closed-form sequences), so the expected
values are the same on every machine and `grade inspect` shows exactly what a student is given.
"""

from typing import NamedTuple

import numpy as np

from .engine.network import Network, unroll
from .spec import Case, Exercise, Values

_SEQUENCES = {"sin": np.sin, "cos": np.cos, "linear": lambda x: x}


class CaseData(NamedTuple):
    name: str
    sizes: tuple[int, ...] = ()
    X: np.ndarray | None = None
    y: np.ndarray | None = None
    thetas: tuple[np.ndarray, ...] = ()
    params: np.ndarray | None = None  # thetas unrolled in the exercise's order
    z: np.ndarray | None = None

    @property
    def examples(self) -> int:
        return 0 if self.X is None else self.X.shape[0]


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def make_values(values: Values, dtype=np.float64) -> np.ndarray:
    """The array a Values recipe describes, in its shape."""
    shape = values.shape
    if values.kind == "literal":
        array = np.array(values.literal, dtype=dtype)
        return array.reshape(shape, order=values.order) if shape is not None else array
    count = int(np.prod(shape))
    if values.kind == "sequence":
        flat = _SEQUENCES[values.function](values.start + values.step * np.arange(count, dtype=np.float64))
    else:
        rng = np.random.default_rng(values.seed)
        flat = rng.standard_normal(count) if values.function == "normal" else rng.uniform(-1.0, 1.0, count)
    return (flat * values.scale).reshape(shape, order=values.order).astype(dtype)


def random_targets(rng: "np.random.Generator", network: Network, m: int) -> np.ndarray:  # a string: see below
    """Seeded y: every label at least once (in shuffled order) when m ≥ K, or normal (m, K) targets.

    The annotation is a string so that importing this module does not import numpy.random (9 ms): a lone grade
    reads its inputs from input_cache.py and draws nothing."""
    K = network.sizes[-1]
    if network.targets == "labels":
        return network.label_base + rng.permutation(np.arange(m) % K)
    return rng.standard_normal((m, K))


def _random_network_case(network: Network, case: Case) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Seeded X, y and weights; every label appears at least once, in shuffled order."""
    rng = np.random.default_rng(case.random_seed)
    sizes, m = case.sizes, case.examples
    X = rng.standard_normal((m, sizes[0])) * case.input_scale
    thetas = [rng.standard_normal(shape) * case.weight_scale for shape in network.with_sizes(sizes).theta_shapes]
    return X, random_targets(rng, network, m), thetas


def build(exercise: Exercise, case: Case) -> CaseData:
    if not case.is_network:
        return CaseData(case.name, z=_frozen(make_values(case.z)))
    network = exercise.network.with_sizes(case.sizes)
    if case.random_seed is not None:
        X, y, thetas = _random_network_case(network, case)
    else:
        X = make_values(case.X)
        y = make_values(case.y, np.int64 if network.targets == "labels" else np.float64)
        thetas = [make_values(v) for v in case.thetas]
    y = y.astype(np.int64) if network.targets == "labels" else y.astype(np.float64)
    return CaseData(
        case.name, case.sizes, _frozen(np.asarray(X, dtype=np.float64)), _frozen(y),
        tuple(_frozen(np.asarray(t, dtype=np.float64)) for t in thetas),
        _frozen(unroll(thetas, network.order)),
    )


def build_all(exercise: Exercise) -> dict[str, CaseData]:
    return {name: build(exercise, case) for name, case in exercise.cases.items()}
