"""Piecewise-linear lookup: a thermometer population picks the segment, a table gives start value and slope.

Offline (floats allowed): the interval [lo, hi] is cut into K equal segments of width w (in input
units, w = ceil((hi - lo) 2^in_bits / K), so the table covers [lo, hi] even on a coarse input grid);
the table holds the chord of f on each segment: its start value f(x_k) and slope
(f(x_{k+1}) - f(x_k)) / w, both as integers. Online (integers only): a thermometer population with thresholds x_1 < ... < x_{K-1} counts how many it passes, k; then
y = start_k + (slope_k (x - x_k)) >> in_bits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .fixedpoint import SPIKE_INT, check_headroom, rshift_round


@dataclass(frozen=True)
class PWLTable:
    lo_q: int            # left end, in input units (2^-in_bits)
    width_q: int         # segment width, in input units
    K: int               # number of segments
    in_bits: int
    out_bits: int
    start: np.ndarray    # (K,) int64: f(x_k) * 2^out_bits
    slope: np.ndarray    # (K,) int64: chord slope * 2^out_bits (per unit of input value)

    @property
    def hi_q(self) -> int:
        return self.lo_q + self.K * self.width_q

    @property
    def width(self) -> float:
        """Segment width h as a value."""
        return self.width_q * 2.0 ** -self.in_bits

    def breakpoints(self) -> np.ndarray:
        """x_0 .. x_K as floats (for oracles and docs)."""
        return (self.lo_q + self.width_q * np.arange(self.K + 1)) * 2.0 ** -self.in_bits


def build_pwl_table(f: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, K: int,
                    in_bits: int, out_bits: int) -> PWLTable:
    """Offline: the chord table of f on K equal segments of [lo, hi] (breakpoints on the input grid)."""
    if K < 1 or not hi > lo:
        raise ValueError(f"build_pwl_table: need K >= 1 and hi > lo, got K={K}, [{lo}, {hi}]")
    lo_q = int(np.rint(lo * 2.0 ** in_bits))
    width_q = int(np.ceil((hi - lo) * 2.0 ** in_bits / K - 1e-9))    # cover [lo, hi] on the input grid
    if width_q < 1:
        raise ValueError(f"build_pwl_table: K={K} segments on [{lo}, {hi}] are narrower than one input "
                         f"level 2^-{in_bits}; use fewer segments or more input bits")
    xs = (lo_q + width_q * np.arange(K + 1)) * 2.0 ** -in_bits
    fx = f(xs)
    w = width_q * 2.0 ** -in_bits
    start = np.rint(fx[:-1] * 2.0 ** out_bits)
    slope = np.rint((fx[1:] - fx[:-1]) / w * 2.0 ** out_bits)
    check_headroom(np.log2(max(np.abs(slope).max(), 1.0)) + np.log2(width_q), "build_pwl_table",
                   "lower out_bits or in_bits")
    return PWLTable(lo_q, width_q, K, in_bits, out_bits, start.astype(SPIKE_INT), slope.astype(SPIKE_INT))


def thermometer_segment_simulated(x_q, table: PWLTable) -> np.ndarray:
    """The thermometer population: neuron j (j = 1..K-1) fires iff x >= x_j; the count is the segment."""
    thresholds = table.lo_q + table.width_q * np.arange(1, table.K, dtype=SPIKE_INT)    # (K-1,)
    return (np.asarray(x_q, dtype=SPIKE_INT)[..., None] >= thresholds).sum(-1, dtype=SPIKE_INT)


def thermometer_segment(x_q, table: PWLTable) -> np.ndarray:
    """Closed form of the thermometer count: clip(floor((x - lo) / w), 0, K-1)
    (proved equal to the population by tests/operators/test_pwl_exp.py)."""
    x_q = np.asarray(x_q, dtype=SPIKE_INT)
    w = table.width_q
    k = (x_q - table.lo_q) >> (w.bit_length() - 1) if w & (w - 1) == 0 else (x_q - table.lo_q) // w
    return np.clip(k, 0, table.K - 1)


def pwl_evaluate(x_q, table: PWLTable) -> np.ndarray:
    """y = start_k + (slope_k (x - x_k)) >> in_bits, x clipped to [lo, hi] first (int64, out_bits)."""
    x_q = np.clip(np.asarray(x_q, dtype=SPIKE_INT), table.lo_q, table.hi_q)
    k = thermometer_segment(x_q, table)
    offset = x_q - (table.lo_q + k * table.width_q)                # in [0, w]
    return table.start[k] + rshift_round(table.slope[k] * offset, table.in_bits)
