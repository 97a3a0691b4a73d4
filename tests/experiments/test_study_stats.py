"""The study's intervals and verdicts on hand-made cases whose answers are worked out here."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.study_stats import Interval, difference_ci, mean_ci, paired_ci, verdict


def test_mean_ci_of_three_runs_by_hand():
    """1, 2, 3: mean 2, s = 1, t(0.975, 2) = 4.302653: half-width 4.302653 / sqrt(3) = 2.484138."""
    ci = mean_ci([1.0, 2.0, 3.0])
    assert ci.mean == 2.0 and ci.n == 3
    assert ci.high - ci.mean == pytest.approx(2.484138, abs=1e-6)
    assert ci.mean - ci.low == pytest.approx(2.484138, abs=1e-6)


def test_nan_runs_are_dropped_and_one_run_has_no_width():
    assert mean_ci([5.0, math.nan]) == Interval(5.0, 5.0, 5.0, 1)
    assert mean_ci([]).n == 0


def test_welch_interval_by_hand():
    """a = 1, 2, 3 (var 1), b = 0, 0, 0, 0 (var 0): df = 2, half-width 4.302653 * sqrt(1/3)."""
    ci = difference_ci([1, 2, 3], [0, 0, 0, 0])
    assert ci.mean == 2.0
    assert ci.high - 2.0 == pytest.approx(4.302653 / math.sqrt(3), abs=1e-6)


def test_paired_interval_removes_what_the_pairs_share():
    """Run-to-run spread shared by both numbers cancels: every difference is 0.1, so the interval is exact."""
    base = np.array([1.0, 5.0, 9.0])
    ci = paired_ci(base - 0.1, base)
    assert ci.mean == pytest.approx(-0.1) and ci.high - ci.low == pytest.approx(0, abs=1e-12)
    assert verdict(ci, "lower") == "agree" and verdict(difference_ci(base - 0.1, base), "lower") == "within noise"


@pytest.mark.parametrize("ci,claimed,expected", [
    (Interval(-2, -3, -1, 9), "lower", "agree"), (Interval(-2, -3, -1, 9), "higher", "disagree"),
    (Interval(2, 1, 3, 9), "lower", "disagree"), (Interval(0.5, -1, 2, 9), "lower", "within noise"),
    (Interval(math.nan, math.nan, math.nan, 0), "lower", "not measured")])
def test_verdicts(ci, claimed, expected):
    assert verdict(ci, claimed) == expected


@given(seed=st.integers(0, 10_000), n=st.integers(2, 12))
def test_the_interval_covers_the_mean_and_shrinks_with_more_runs(seed, n):
    x = np.random.default_rng(seed).standard_normal(n)
    ci, twice = mean_ci(x), mean_ci(np.concatenate([x, x]))
    assert ci.low <= x.mean() <= ci.high
    assert twice.high - twice.low < ci.high - ci.low or np.ptp(x) == 0
