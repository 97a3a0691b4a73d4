"""Scalar kernel version of ``tinyspike/operators/exponential.py``'s exp2_fixed, inlined by the fused operator
kernels.

The same integer steps as the reference, one value at a time; checked through the fused kernels
(``tests/kernels/test_operators.py``: bit for bit, also with ``NUMBA_DISABLE_JIT=1``).
"""
from __future__ import annotations

from numba import njit

from .fixedpoint import rshift_round_scalar
from .pwl import pwl_scalar


@njit(cache=True, inline="always")
def exp2_scalar(y, lo, w, K, in_bits, start, slope):
    """exponential.exp2_fixed for one integer."""
    i = y >> in_bits
    v = pwl_scalar(y - (i << in_bits), lo, w, K, in_bits, start, slope)
    if i >= 0:
        return v << i
    return rshift_round_scalar(v, min(-i, 62))
