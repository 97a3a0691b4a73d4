"""Scalar kernel version of ``tinyspike/operators/cordic.py``'s cordic_vectoring, inlined by the fused operator
kernels.

The same integer steps as the reference, one value at a time; checked through the fused kernels
(``tests/kernels/test_operators.py``: bit for bit, also with ``NUMBA_DISABLE_JIT=1``).
"""
from __future__ import annotations

from numba import njit


@njit(cache=True)
def cordic_vectoring_scalar(x, y, iterations):
    """cordic.cordic_vectoring for one pair."""
    x = abs(x)
    for i in range(iterations):
        xs, ys = x >> i, y >> i
        if y >= 0:
            x, y = x + ys, y - xs
        else:
            x, y = x - ys, y + xs
    return x
