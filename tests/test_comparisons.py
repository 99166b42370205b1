"""The cheaper comparisons decide exactly as relative_error does (checks.within, diagnosis.matching).

`grade batch` compares every value of every submission, and a wrong part against hundreds of catalogue
candidates: these shortcuts must never change a verdict, so each is held against the plain computation.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import diagnosis
from grader.cases import build_all
from grader.checks import _FLOOR, norm, relative_error, within
from grader.spec import load

from .conftest import ROOT


def _relative_error_before(observed, expected) -> float:
    """checks.relative_error as it was written first (np.max, np.linalg.norm)."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(float(np.max(np.abs(observed), initial=0.0)), float(np.max(np.abs(expected), initial=0.0)), _FLOOR)
    with np.errstate(over="ignore"):
        difference = np.linalg.norm(observed / scale - expected / scale)
        return float(difference / max(np.linalg.norm(expected / scale), _FLOOR / scale))


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
sizes = st.sampled_from([(), (1,), (3,), (38,), (4, 5)])
TOLERANCES = [1e-4, 1e-5, 1e-6, 0.3]


@st.composite
def pairs(draw):
    """(observed, expected, tolerance): often within a few tolerances of each other, at any magnitude."""
    shape = draw(sizes)
    size = int(np.prod(shape))
    exponent = draw(st.integers(-320, 300))
    expected = np.array(draw(st.lists(finite, min_size=size, max_size=size)), dtype=np.float64).reshape(shape)
    if draw(st.booleans()):
        expected = np.array(draw(st.lists(st.floats(-1, 1), min_size=size, max_size=size))).reshape(shape) \
            * 10.0 ** exponent
    tolerance = draw(st.sampled_from(TOLERANCES))
    with np.errstate(all="ignore"):
        return _near(draw, expected, shape, size, tolerance), expected, tolerance


def _near(draw, expected, shape, size, tolerance):
    how = draw(st.sampled_from(["scaled", "noise", "independent", "same"]))
    if how == "scaled":  # a relative error of k × tolerance, k around the 0.5 and 2 the shortcut turns on
        k = draw(st.sampled_from([0.0, 0.4999999, 0.5, 0.5000001, 0.9999999, 1.0, 1.0000001, 1.9999999, 2.0,
                                  2.0000001, 10.0]))
        observed = expected * (1.0 + k * tolerance)
    elif how == "noise":
        noise = np.array(draw(st.lists(st.floats(-1, 1), min_size=size, max_size=size))).reshape(shape)
        observed = expected + noise * draw(st.sampled_from([0.0, 1e-300, 1e-12, 1e-6, 1.0, 1e200])) * \
            (np.abs(expected).max(initial=0.0) or 1.0)
    elif how == "independent":
        observed = np.array(draw(st.lists(finite, min_size=size, max_size=size)), dtype=np.float64).reshape(shape)
    else:
        observed = expected.copy()
    return np.where(np.isfinite(observed), observed, 0.0).reshape(shape)


@settings(max_examples=800, deadline=None)
@given(pairs())
def test_within_answers_as_relative_error_does(pair):
    observed, expected, tolerance = pair
    with np.errstate(all="ignore"):
        assert within(observed, expected, tolerance) == (relative_error(observed, expected) <= tolerance)


@settings(max_examples=300, deadline=None)
@given(pairs())
def test_relative_error_is_the_number_it_was(pair):
    observed, expected, _ = pair
    with np.errstate(all="ignore"):
        before, now = _relative_error_before(observed, expected), relative_error(observed, expected)
    assert now == before or (np.isnan(now) and np.isnan(before))


@settings(max_examples=200, deadline=None)
@given(sizes.flatmap(lambda shape: st.lists(finite, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))
                     .map(lambda values: np.array(values, dtype=np.float64).reshape(shape))))
def test_norm_is_numpys_to_the_bit(values):
    with np.errstate(all="ignore"):
        assert norm(values).tobytes() == np.linalg.norm(values).tobytes()
        if values.ndim:
            assert norm(values[::-1]).tobytes() == np.linalg.norm(values[::-1]).tobytes()  # a strided view too


def test_within_of_values_that_are_not_finite_is_relative_errors():
    with np.errstate(all="ignore"):
        for observed, expected in [(np.array([np.inf, 1.0]), np.array([1.0, 1.0])),
                                   (np.array([np.nan]), np.array([1.0])), (np.array([1.0]), np.array([np.inf]))]:
            assert within(observed, expected, 1e-4) == (relative_error(observed, expected) <= 1e-4)


def _matches_before(variants, part, observed, candidate) -> bool:
    """diagnosis.matches as it was written first: one relative_error per value."""
    for case in part.cases:
        expected = variants.output(part, case, candidate)
        for name, value in expected.items():
            if not (np.all(np.isfinite(value)) and np.all(np.isfinite(observed[case][name]))):
                return False
            if _relative_error_before(observed[case][name], value) > diagnosis.MATCH_TOLERANCE:
                return False
    return True


@pytest.mark.parametrize("exercise_file", ["ex5.yaml", "ex5_mse.yaml", "deep_relu.yaml", "softmax_tanh.yaml",
                                           "regression.yaml"])
def test_matching_finds_the_candidates_matches_found(exercise_file):
    """Every candidate's own values, nudged to just inside and just outside the match tolerance, scaled and
    mixed with another's: the candidates found are the ones the one-by-one loop finds, in its order."""
    exercise = load(ROOT / "exercises" / exercise_file)
    cases = build_all(exercise)
    variants = diagnosis.Variants(exercise, cases)
    mistakes = diagnosis.applicable(exercise, cases)
    rng = np.random.default_rng(5)
    checked = 0
    for part in exercise.parts:
        singles, pairs = variants.candidates(part, mistakes)
        for candidates in (singles, pairs):
            chosen = [candidates[i] for i in rng.choice(len(candidates), min(5, len(candidates)), replace=False)]
            for source in chosen + [()]:
                for nudge in (0.0, 0.5, 0.999, 1.001, 2.0, 50.0):
                    observed = {case: {name: value * (1 + nudge * diagnosis.MATCH_TOLERANCE)
                                       for name, value in variants.output(part, case, source).items()}
                                for case in part.cases}
                    found = diagnosis.matching(variants, part, observed, candidates)
                    assert found == [c for c in candidates if _matches_before(variants, part, observed, c)]
                    checked += 1
    assert checked > 100
