"""Means, 95% confidence intervals and the verdicts a results page states, over seeded runs.

* ``mean_ci(x)``: the mean of n runs and its 95% Student-t interval, mean +- t(0.975, n-1) s / sqrt(n).
* ``difference_ci(a, b)``: mean(a) - mean(b) with Welch's 95% interval (two sets of independent runs).
* ``paired_ci(a, b)``: the mean of a_i - b_i with its 95% interval (two numbers from each run).
* ``verdict(ci, claimed)``: "agree" when the whole interval of the difference lies on the claimed side of 0,
  "disagree" when it lies wholly on the other side, "within noise" when it contains 0.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np
from scipy import stats


class Interval(NamedTuple):
    mean: float
    low: float
    high: float
    n: int

    def text(self, fmt: str = ".4f") -> str:
        return f"{self.mean:{fmt}} [{self.low:{fmt}}, {self.high:{fmt}}]"


def _values(x: Sequence[float]) -> np.ndarray:
    v = np.asarray([float(t) for t in x], dtype=np.float64)
    return v[np.isfinite(v)]


def mean_ci(x: Sequence[float], level: float = 0.95) -> Interval:
    """Mean and Student-t interval of the finite values of x (the interval is the mean itself when n = 1)."""
    v = _values(x)
    if v.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    m = float(v.mean())
    if v.size == 1:
        return Interval(m, m, m, 1)
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return Interval(m, m - half, m + half, int(v.size))


def difference_ci(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> Interval:
    """mean(a) - mean(b) with Welch's interval (unequal variances; Welch-Satterthwaite degrees of freedom)."""
    va, vb = _values(a), _values(b)
    if va.size < 2 or vb.size < 2:
        return Interval(math.nan, math.nan, math.nan, 0)
    sa, sb = va.var(ddof=1) / va.size, vb.var(ddof=1) / vb.size
    d = float(va.mean() - vb.mean())
    if sa + sb == 0:
        return Interval(d, d, d, int(va.size + vb.size))
    df = (sa + sb) ** 2 / (sa ** 2 / (va.size - 1) + sb ** 2 / (vb.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df) * math.sqrt(sa + sb))
    return Interval(d, d - half, d + half, int(va.size + vb.size))


def paired_ci(a: Sequence[float], b: Sequence[float], level: float = 0.95) -> Interval:
    """Mean of a_i - b_i over the pairs where both are finite, with its Student-t interval."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return mean_ci(d, level)


def verdict(ci: Interval, claimed: str) -> str:
    """claimed: "lower" (the claim says the difference is < 0) or "higher" (> 0)."""
    if ci.n == 0 or math.isnan(ci.mean):
        return "not measured"
    below, above = ci.high < 0, ci.low > 0
    if not (below or above):
        return "within noise"
    return "agree" if (below if claimed == "lower" else above) else "disagree"
