"""Training sets for training parts: generated from a seed, or read from a MATLAB .mat file.

Generated sets are made here, so nothing is downloaded and nothing needs a license:
- digits: 3×5-pixel images of the digits 0-9 (a font drawn for this project), each pixel flipped
  with probability 0.08·noise and blurred by Gaussian noise of 0.25·noise; like the course's
  20×20 handwritten digits, small enough to train in seconds.
- blobs: one Gaussian cluster per label around seeded centres.
- smooth: real-valued targets, a seeded smooth function of the inputs plus noise (regression).
A .mat file (the course's ex4data1.mat) is read with scipy.io.loadmat, imported only then.
"""

from dataclasses import dataclass

import numpy as np

from .spec import Dataset, Exercise, Part, SpecError

# The digits 0-9 as 5 rows of 3 pixels, top row first.
DIGIT_FONT = (
    "111" "101" "101" "101" "111",
    "010" "110" "010" "010" "111",
    "111" "001" "111" "100" "111",
    "111" "001" "111" "001" "111",
    "101" "101" "111" "001" "001",
    "111" "100" "111" "001" "111",
    "111" "100" "111" "101" "111",
    "111" "001" "001" "010" "010",
    "111" "101" "111" "101" "111",
    "111" "101" "111" "001" "111",
)


@dataclass(frozen=True)
class TrainingSet:
    X: np.ndarray  # (m, n) float64
    y: np.ndarray  # (m,) int64 labels, or (m, K) float64 targets
    sizes: tuple[int, ...]  # every layer, input first


def _labels(rng: np.random.Generator, m: int, K: int) -> np.ndarray:
    return rng.permutation(np.arange(m) % K)  # every label at least once, shuffled


def digits(seed: int, m: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    font = np.array([[int(c) for c in glyph] for glyph in DIGIT_FONT], dtype=np.float64)
    y = _labels(rng, m, 10)
    pixels = font[y]
    flips = rng.random(pixels.shape) < 0.08 * noise
    pixels = np.where(flips, 1.0 - pixels, pixels)
    return pixels + 0.25 * noise * rng.standard_normal(pixels.shape), y


def blobs(seed: int, m: int, n: int, K: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = 1.5 * rng.standard_normal((K, n))
    y = _labels(rng, m, K)
    return centres[y] + noise * rng.standard_normal((m, n)), y


def smooth(seed: int, m: int, n: int, K: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    W = rng.standard_normal((n, 4)) / np.sqrt(n)
    V = rng.standard_normal((4, K))
    return X, np.sin(X @ W) @ V + 0.05 * noise * rng.standard_normal((m, K))


def _generated(data: Dataset, label_base: int) -> TrainingSet:
    n, K = data.sizes[0], data.sizes[-1]
    if data.name == "digits":
        X, y = digits(data.seed, data.examples, data.noise)
    elif data.name == "blobs":
        X, y = blobs(data.seed, data.examples, n, K, data.noise)
    else:
        return TrainingSet(*smooth(data.seed, data.examples, n, K, data.noise), data.sizes)
    return TrainingSet(X, (y + label_base).astype(np.int64), data.sizes)


def _from_mat(exercise: Exercise, part: Part) -> TrainingSet:
    data = part.training.data
    from scipy.io import loadmat  # only an instructor's .mat file needs it

    def fail(message: str):
        raise SpecError(exercise.path, data.line, data.key, f"{data.file}: {message}")

    try:
        contents = loadmat(data.file)
    except FileNotFoundError:
        fail("no such file")
    except Exception as error:  # scipy raises assorted errors on files that are not .mat files
        fail(f"cannot be read as a .mat file ({type(error).__name__}: {error})")
    for name in (data.x_name, data.y_name):
        if name not in contents:
            fail(f"has no variable '{name}' (it has: {', '.join(k for k in contents if not k.startswith('__'))})")
    # text or NaN said as such (author review 4, E7: a text y stopped with "internal error (TypeError)", a NaN
    # in X was told as shapes that were right)
    for name in (data.x_name, data.y_name):
        if np.asarray(contents[name]).dtype.kind not in "biuf":
            fail(f"'{name}' does not hold numbers (it holds {np.asarray(contents[name]).dtype.name} values); "
                 f"expected {'a matrix of numbers' if name == data.x_name else 'one number per example'}")
    X = np.asarray(contents[data.x_name], dtype=np.float64)
    y = np.asarray(contents[data.y_name])
    if X.ndim != 2 or y.shape[0] != X.shape[0]:
        fail(f"expected a 2-D '{data.x_name}' and a '{data.y_name}' with as many rows, got shapes "
             f"{X.shape} and {y.shape}")
    if not np.all(np.isfinite(X)):
        fail(f"'{data.x_name}' holds {int(np.sum(~np.isfinite(X)))} NaN or infinite values; expected finite numbers")
    if data.examples:
        X, y = X[:data.examples], y[:data.examples]
    if exercise.network.targets == "values":
        y = y.astype(np.float64).reshape(X.shape[0], -1)
        return TrainingSet(X, y, (X.shape[1], *data.sizes, y.shape[1]))
    if y.size != X.shape[0] or not np.all(np.equal(np.mod(y, 1), 0)):
        fail(f"expected one whole-number label per example in '{data.y_name}'")
    y = y.ravel().astype(np.int64)
    base = exercise.network.label_base
    K = int(y.max()) if data.wrap_labels else int(y.max()) - base + 1
    if data.wrap_labels:
        y = y % K  # the course's files write the digit 0 as label 10
    if y.min() < base:
        fail(f"labels must be ≥ {base}, found {int(y.min())}")
    return TrainingSet(X, y, (X.shape[1], *data.sizes, K))


def build(exercise: Exercise, part: Part) -> TrainingSet:
    """The training set of a training part (a SpecError when its .mat file cannot be used)."""
    data = part.training.data
    if data.kind == "mat":
        return _from_mat(exercise, part)
    return _generated(data, exercise.network.label_base)


def initial_params(n_params: int, seed: int, epsilon: float) -> np.ndarray:
    """Small random weights in [-ε, ε], like the course's randInitializeWeights."""
    return np.random.default_rng(seed).uniform(-epsilon, epsilon, n_params)
