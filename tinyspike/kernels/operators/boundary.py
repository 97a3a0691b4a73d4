"""Scalar kernel version of ``tinyspike/operators/boundary.py``'s IFBoundary.encode (to_fixed then if_encode),
inlined by the fused operator kernels.

The same integer steps as the reference, one value at a time; checked through the fused kernels
(``tests/kernels/test_operators.py``: bit for bit, also with ``NUMBA_DISABLE_JIT=1``).
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def if_encode_scalar(x, scale, lim, theta, T, cap):
    """to_fixed then if_encode (boundary.IFBoundary.encode) for one float."""
    v = x * scale
    if v > lim:
        v = lim
    elif v < -lim:
        v = -lim
    c = np.int64(np.rint(v))
    mag = (T * abs(c) + theta // 2) // theta
    if mag > cap:
        mag = cap
    return -mag if c < 0 else mag
