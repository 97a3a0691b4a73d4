"""Scalar kernel version of ``tinyspike/operators/pwl.py``'s pwl_evaluate, inlined by the fused operator kernels.

The same integer steps as the reference, one value at a time; checked through the fused kernels
(``tests/kernels/test_operators.py``: bit for bit, also with ``NUMBA_DISABLE_JIT=1``).
"""
from __future__ import annotations

from numba import njit

from .fixedpoint import rshift_round_scalar


@njit(cache=True, inline="always")
def pwl_scalar(x, lo, w, K, in_bits, start, slope):
    """pwl.pwl_evaluate for one integer."""
    hi = lo + K * w
    if x < lo:
        x = lo
    elif x > hi:
        x = hi
    k = (x - lo) // w
    if k > K - 1:
        k = K - 1
    return start[k] + rshift_round_scalar(slope[k] * (x - (lo + k * w)), in_bits)
