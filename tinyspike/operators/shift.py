"""Bit-shift scaling: multiply by 2^s with a shift, and by any constant c ~ m / 2^s with one integer weight m."""
from __future__ import annotations

import numpy as np

from .fixedpoint import SPIKE_INT, rshift_round


def shift_scale(q, s: int) -> np.ndarray:
    """q * 2^s: a left shift for s >= 0, a rounded right shift for s < 0."""
    return rshift_round(q, -int(s))


def constant_multiplier(c: float, bits: int = 30) -> tuple[int, int]:
    """Offline: (m, s) with c ~ m / 2^s and |m| < 2^bits, |c - m/2^s| <= 2^-(s+1)."""
    if not np.isfinite(c) or c == 0:
        raise ValueError(f"constant_multiplier: need a finite non-zero constant, got {c}")
    e = int(np.floor(np.log2(abs(c))))             # |c| in [2^e, 2^(e+1))
    s = bits - 1 - e
    m = int(np.rint(c * 2.0 ** s))
    if abs(m) >= 1 << bits:                        # rounding crossed a power of two
        s -= 1
        m = int(np.rint(c * 2.0 ** s))
    return m, s


def scale_by_constant(q, m: int, s: int) -> np.ndarray:
    """round(q * m / 2^s): one integer synaptic weight m, then a shift."""
    return rshift_round(np.asarray(q, dtype=SPIKE_INT) * SPIKE_INT(m), s)
