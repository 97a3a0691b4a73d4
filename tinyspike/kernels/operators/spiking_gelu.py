"""Fused kernel of ``tinyspike/operators/spiking_gelu.py``'s ``SpikingGELU``: the same integer steps per element, compiled.

The reference's NumPy code (``SpikingGELU.forward_numpy``) is the specification: equal bit for bit
(``tests/kernels/test_operators.py``, also with ``NUMBA_DISABLE_JIT=1``). ``spiking_gelu`` is registered as the
"numba" backend of ``SpikingGELU``; the operator checks its input before calling it.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...backends import register
from ...operators.boundary import float_out, table_params
from .boundary import if_encode_scalar
from .fixedpoint import rshift_round_scalar
from .pwl import pwl_scalar


@njit(parallel=True, cache=True)
def gelu_kernel(x, enc, tab, start, slope, one, shift, out_bits, out):
    """x (N,) float -> out (N,) float: gelu.SpikingGELU."""
    hi = tab[0] + tab[2] * tab[1]
    for i in prange(x.shape[0]):
        q = if_encode_scalar(x[i], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
        a = abs(q)
        tail = np.int64(0) if a >= hi else pwl_scalar(a, tab[0], tab[1], tab[2], tab[3], start, slope)
        phi = one - tail if q >= 0 else tail
        out[i] = rshift_round_scalar(q * phi, shift) * 2.0 ** -out_bits


def spiking_gelu(op, x):
    """SpikingGELU(x) by the kernel."""
    out = np.empty(x.shape, np.float64)
    t = op._table
    xr = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)       # one compiled signature
    gelu_kernel(xr, op.boundary.kernel_params(), table_params(t), t.start, t.slope, op.one,
                op.F + op.phi_bits - op.out_bits, op.out_bits, out.reshape(-1))
    return float_out(out, x)


register("SpikingGELU", "numba", spiking_gelu)
