"""The fixed-point format of the spiking path: an int64 count q stands for the value q * 2^-frac_bits.

Floats cross into this format only at the operator boundary (`to_fixed`, the ADC) and come back out
only at its end (`from_fixed`, the read-out); everything between is integer arithmetic: add, compare,
shift, and integer multiply by a constant (a synaptic weight).
"""
from __future__ import annotations

import numpy as np

SPIKE_INT = np.int64          # the dtype of every count on the spiking path
_POW2 = np.array([1 << k for k in range(63)], dtype=SPIKE_INT)   # 2^0 .. 2^62


def to_fixed(x, frac_bits: int, bound: float | None = None) -> np.ndarray:
    """q = round(clip(x, -bound, bound) * 2^frac_bits) as int64 (the boundary ADC; +-inf clip to +-bound)."""
    x = np.asarray(x, dtype=np.float64)
    if np.isnan(x).any():
        raise ValueError(f"to_fixed: input holds {int(np.isnan(x).sum())} NaN value(s); "
                         "the spiking operators need finite (or +-inf, clipped) inputs")
    if bound is None:
        if not np.isfinite(x).all():
            raise ValueError("to_fixed: infinite input and no clipping bound given; pass bound=")
        bound = float(np.abs(x).max(initial=0.0))
    lim = float(bound) * 2.0 ** frac_bits
    if lim >= 2.0 ** 62:
        raise ValueError(f"to_fixed: bound {bound} with {frac_bits} fractional bits overflows int64; "
                         "lower frac_bits or the input range")
    return np.rint(np.clip(x * 2.0 ** frac_bits, -lim, lim)).astype(SPIKE_INT)


def from_fixed(q, frac_bits: int) -> np.ndarray:
    """x = q * 2^-frac_bits (the read-out; float64)."""
    return np.asarray(q, dtype=np.float64) * 2.0 ** -frac_bits


def rshift_round(q, s):
    """round(q / 2^s) for integers, half rounded up; s may be an array (>= 0) or a negative int (left shift)."""
    q = np.asarray(q, dtype=SPIKE_INT)
    if np.ndim(s) == 0:
        s = int(s)
        if s <= 0:
            return q << -s
        return (q + (1 << (s - 1))) >> s
    s = np.minimum(np.asarray(s, dtype=SPIKE_INT), 62)
    half = (np.ones_like(s) << s) >> 1                   # 2^(s-1), or 0 where s = 0
    return (q + half) >> s


def bit_length(q) -> np.ndarray:
    """Number of bits of |q| (0 for 0), by comparing against the ladder 2^0..2^62 (a thermometer code)."""
    return np.searchsorted(_POW2, np.abs(np.asarray(q, dtype=SPIKE_INT)), side="right").astype(SPIKE_INT)


def check_headroom(bits: float, where: str, what_to_do: str) -> None:
    """Raise if a product needs more than 62 bits (int64 keeps one sign bit and one spare)."""
    if bits > 62:
        raise ValueError(f"{where}: an intermediate needs {bits:.1f} bits, more than int64 holds; {what_to_do}")
