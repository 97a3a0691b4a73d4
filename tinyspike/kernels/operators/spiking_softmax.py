"""Fused kernel of ``tinyspike/operators/spiking_softmax.py``'s ``SpikingSoftmax``: the same integer steps per row,
compiled.

The reference's NumPy code (``SpikingSoftmax.forward_numpy``) is the specification: equal bit for bit
(``tests/kernels/test_operators.py``, also with ``NUMBA_DISABLE_JIT=1``). ``spiking_softmax`` is registered as the
"numba" backend of ``SpikingSoftmax``; the operator checks its input before calling it.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...backends import register
from ...operators.boundary import float_out, table_params
from .boundary import if_encode_scalar
from .exponential import exp2_scalar
from .fixedpoint import rshift_round_scalar


@njit(parallel=True, cache=True)
def softmax_base2_kernel(x, enc, m, s, tab, start, slope, n, out):
    """x (rows, S) float -> out (rows, S) float: SpikingSoftmax with exp='base2'.
    enc = (scale, lim, theta, T, cap); tab = (lo, w, K, in_bits)."""
    rows, S = x.shape
    for r in prange(rows):
        q = np.empty(S, np.int64)
        mx = np.iinfo(np.int64).min
        for j in range(S):
            q[j] = if_encode_scalar(x[r, j], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
            mx = max(mx, q[j])
        total = np.int64(0)
        for j in range(S):
            y = rshift_round_scalar((q[j] - mx) * m, s)
            q[j] = exp2_scalar(y, tab[0], tab[1], tab[2], tab[3], start, slope)
            total += q[j]
        for j in range(S):
            out[r, j] = ((q[j] << n) // total) * 2.0 ** -n


def spiking_softmax(op, x, axis):
    """SpikingSoftmax(exp='base2')(x, axis) by the kernel."""
    xr = np.ascontiguousarray(np.moveaxis(x, axis, -1), dtype=np.float64)   # one compiled signature
    out = np.empty(xr.shape, np.float64)
    e = op._exp
    softmax_base2_kernel(xr.reshape(-1, xr.shape[-1]), op.boundary.kernel_params(), e.m,
                         e.s + e.in_bits - e.frac_bits, table_params(e.table), e.table.start,
                         e.table.slope, op.n, out.reshape(-1, xr.shape[-1]))
    return float_out(np.moveaxis(out, -1, axis), x)


register("SpikingSoftmax", "numba", spiking_softmax)
