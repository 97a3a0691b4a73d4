"""Fused kernel of ``tinyspike/operators/norms.py``'s ``SpikingLayerNorm / SpikingRMSNorm``: the same integer
steps per row, compiled.

The reference's NumPy code (``forward_numpy``) is the specification: equal bit for bit
(``tests/kernels/test_operators.py``, also with ``NUMBA_DISABLE_JIT=1``). ``spiking_norm`` is registered as the
"numba" backend of both norms ("SpikingNorm"); the operator checks its input before calling it.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...backends import register
from ...operators.boundary import float_out
from ...operators.norms import EPS_GUARD_BITS, ROW_BITS
from .boundary import if_encode_scalar
from .cordic import cordic_vectoring_scalar
from .fixedpoint import bit_length_scalar, rshift_round_scalar


@njit(parallel=True, cache=True)
def norm_kernel(x, enc, center, eps_guard, eps_q, width, iterations, n, g_q, b_q, shift, out_bits, out):
    """x (rows, d) float -> out (rows, d) float: norms.SpikingLayerNorm (center=True) / SpikingRMSNorm.
    eps_q: the eps entry (int); g_q: (d,) folded gamma'; b_q: (d,) beta (zeros for RMSNorm)."""
    rows, d = x.shape
    for r in prange(rows):
        buf = np.zeros(width, np.int64)
        total = np.int64(0)
        for j in range(d):
            buf[j] = if_encode_scalar(x[r, j], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
            total += buf[j]
        for j in range(d):
            buf[j] = ((d * buf[j] - total) if center else buf[j]) << eps_guard
        buf[d] = eps_q
        mx = np.int64(0)
        for j in range(d + 1):
            mx = max(mx, abs(buf[j]))
        sh = ROW_BITS - bit_length_scalar(mx)
        for j in range(d + 1):
            buf[j] = buf[j] << sh if sh >= 0 else rshift_round_scalar(buf[j], -sh)
        c = buf[:d].copy()
        k = width
        while k > 1:
            for j in range(k // 2):
                buf[j] = cordic_vectoring_scalar(buf[2 * j], buf[2 * j + 1], iterations)
            k //= 2
        N = max(buf[0], np.int64(1))
        for j in range(d):
            u = (abs(c[j]) << n) // N
            if c[j] < 0:
                u = -u
            out[r, j] = (rshift_round_scalar(u * g_q[j], shift) + b_q[j]) * 2.0 ** -out_bits


def spiking_norm(op, x, eps_q, g_q, b_q, shift, depth):
    """SpikingLayerNorm / SpikingRMSNorm on x (..., d) by the kernel, from the operator's folded constants."""
    d = x.shape[-1]
    xr = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, d)
    out = np.empty(xr.shape, np.float64)
    norm_kernel(xr, op.boundary.kernel_params(), op.center, EPS_GUARD_BITS, eps_q, 1 << depth,
                op.iterations, op.n, g_q, b_q, shift, op.out_bits, out)
    return float_out(out.reshape(x.shape), x)


register("SpikingNorm", "numba", spiking_norm)
