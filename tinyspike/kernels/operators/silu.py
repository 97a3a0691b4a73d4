"""Fused kernel of ``tinyspike/operators/silu.py``'s ``SpikingSiLU``: the same integer steps per element, compiled.

The reference's NumPy code (``SpikingSiLU.forward_numpy``) is the specification: equal bit for bit
(``tests/kernels/test_operators.py``, also with ``NUMBA_DISABLE_JIT=1``). ``spiking_silu`` is registered as the
"numba" backend of ``SpikingSiLU``; the operator checks its input before calling it.
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
def silu_base2_kernel(x, enc, m, s, tab, start, slope, one, n, shift, out_bits, out):
    """x (N,) float -> out (N,) float: silu.SpikingSiLU, symmetric, exp='base2'."""
    for i in prange(x.shape[0]):
        q = if_encode_scalar(x[i], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
        E = exp2_scalar(rshift_round_scalar(-abs(q) * m, s), tab[0], tab[1], tab[2], tab[3], start, slope)
        num = one if q >= 0 else E
        sig = (num << n) // (one + E)
        out[i] = rshift_round_scalar(q * sig, shift) * 2.0 ** -out_bits


def spiking_silu(op, x):
    """SpikingSiLU(symmetric=True, exp='base2')(x) by the kernel."""
    out = np.empty(x.shape, np.float64)
    e = op._exp
    xr = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)       # one compiled signature
    silu_base2_kernel(xr, op.boundary.kernel_params(), e.m, e.s + e.in_bits - e.frac_bits,
                      table_params(e.table), e.table.start, e.table.slope, op.one, op.n,
                      op.F + op.n - op.out_bits, op.out_bits, out.reshape(-1))
    return float_out(out, x)


register("SpikingSiLU", "numba", spiking_silu)
