"""numba kernels for RMSNorm, one fused pass per row; ``rmsnorm.py``'s NumPy functions are their
specification (``tests/layers/test_rmsnorm_kernels.py`` checks the two agree).

Forward, per row x of length d:   r = 1 / sqrt(sum(x^2) / d + eps);  xhat = x r;  y = xhat gamma
Backward, with g = dy gamma:      dx = r (g - xhat * sum(g xhat) / d);  dgamma += sum_rows dy xhat
Rows are split into contiguous chunks run in parallel; each chunk accumulates its own dgamma row, summed
afterwards (no two threads write the same memory). Accumulations are in float64.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

ROWS_PER_CHUNK = 256


@njit(parallel=True, cache=True, error_model="numpy")
def rmsnorm_forward_kernel(x, gamma, eps, y, xhat, rstd):
    """x, y, xhat: (N, d) C-contiguous; gamma: (d,) (ones for the scale-free norm); rstd: (N,)."""
    n, d = x.shape
    for i in prange(n):
        ss = 0.0
        for j in range(d):
            ss += np.float64(x[i, j]) * x[i, j]
        r = 1.0 / np.sqrt(ss / d + eps)
        rstd[i] = r
        for j in range(d):
            h = x[i, j] * r
            xhat[i, j] = h
            y[i, j] = h * gamma[j]


@njit(parallel=True, cache=True, error_model="numpy")
def rmsnorm_backward_kernel(dy, xhat, rstd, gamma, dx, dgamma_parts):
    """dx (N, d) written; dgamma_parts (chunks, d) zeroed by the caller, one row per chunk."""
    n, d = dy.shape
    chunks = dgamma_parts.shape[0]
    for c in prange(chunks):
        for i in range(c * ROWS_PER_CHUNK, min(n, (c + 1) * ROWS_PER_CHUNK)):
            s = 0.0
            for j in range(d):
                g = np.float64(dy[i, j]) * gamma[j]
                s += g * xhat[i, j]
                dgamma_parts[c, j] += np.float64(dy[i, j]) * xhat[i, j]
            m = s / d
            r = rstd[i]
            for j in range(d):
                dx[i, j] = r * (dy[i, j] * gamma[j] - xhat[i, j] * m)
