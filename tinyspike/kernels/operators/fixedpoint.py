"""Scalar kernel version of ``tinyspike/operators/fixedpoint.py``'s rshift_round and bit_length, inlined by the
fused operator kernels.

The same integer steps as the reference, one value at a time; checked through the fused kernels
(``tests/kernels/test_operators.py``: bit for bit, also with ``NUMBA_DISABLE_JIT=1``).
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def rshift_round_scalar(v, s):
    """round(v / 2^s), half up; s <= 0 is a left shift (fixedpoint.rshift_round)."""
    if s <= 0:
        return v << -s
    if s > 62:
        s = 62
    return (v + (np.int64(1) << (s - 1))) >> s


@njit(cache=True, inline="always")
def bit_length_scalar(v):
    """bit_length for one non-negative integer."""
    b = 0
    while v > 0 and b < 63:
        v >>= 1
        b += 1
    return b
