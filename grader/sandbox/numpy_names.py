"""The names NumPy removed that the worker gives back (course.py), in a module of their own: the grader's
process reads them for its note (submission.removed_numpy_notes) without importing the worker's code."""

# NumPy's names that NumPy 1.24 and 2.0 removed, each only ever another name for what it is set to here: a file
# written for the NumPy of the course's days (np.int, np.float_, np.product) runs as it did there, and the
# report says, at no cost, what to write today (review 25, F12; submission.removed_numpy_notes).
NUMPY_REMOVED = {"int": "builtins.int", "float": "builtins.float", "bool": "builtins.bool",
                 "object": "builtins.object", "complex": "builtins.complex", "str": "builtins.str",
                 "long": "builtins.int", "unicode": "builtins.str", "float_": "float64", "complex_": "complex128",
                 "string_": "bytes_", "unicode_": "str_", "NaN": "nan", "NAN": "nan", "Inf": "inf",
                 "Infinity": "inf", "infty": "inf", "PINF": "inf", "alltrue": "all", "sometrue": "any",
                 "product": "prod", "cumproduct": "cumprod", "round_": "round", "mat": "asmatrix"}
NUMPY_RESTORED = frozenset(NUMPY_REMOVED) | {"NINF"}  # every name _numpy_removed_names gives back
