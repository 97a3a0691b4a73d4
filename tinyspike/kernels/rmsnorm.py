"""RMSNorm kernels (reference: ``tinyspike/layers/rmsnorm.py``'s ``rmsnorm_forward`` / ``rmsnorm_backward``),
one fused pass per row, registered as the "numba" backend of the RMSNorm layer.

Forward, per row x of length d:   r = 1 / sqrt(sum(x^2) / d + eps);  xhat = x r;  y = xhat gamma
Backward, with g = dy gamma:      dx = r (g - xhat * sum(g xhat) / d);  dgamma += sum_rows dy xhat
Rows are split into contiguous chunks run in parallel; each chunk accumulates its own dgamma row, summed
afterwards (no two threads write the same memory). Accumulations are in float64, so the results differ
from the reference's (which sums in the input's dtype) within float tolerance, not bit for bit
(``tests/kernels/test_rmsnorm.py``: 1e-12 relative in float64, 2e-5 in float32).
``rmsnorm_forward`` / ``rmsnorm_backward`` check every argument before a kernel runs.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..backends import register
from ..layers.rmsnorm import RMSCache

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


def _float_array(a, where, what):
    if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
        raise TypeError(f"{where}: {what} must be a float32 or float64 numpy array, got "
                        f"{getattr(a, 'dtype', type(a).__name__)}")
    return a


def _check_gamma(gamma, d, where):
    if gamma is not None:
        _float_array(gamma, where, "gamma")
        if gamma.shape != (d,):
            raise ValueError(f"{where}: gamma must have shape ({d},) (the last axis), got {gamma.shape}")


def rmsnorm_forward(x, gamma, eps):
    """``rmsnorm_forward`` of the reference by the kernel: (y, RMSCache) for x (..., d)."""
    _float_array(x, "rmsnorm_forward", "x")
    if x.ndim < 1 or x.shape[-1] == 0:
        raise ValueError(f"rmsnorm_forward: x must have a non-empty last axis to normalise, got shape {x.shape}")
    _check_gamma(gamma, x.shape[-1], "rmsnorm_forward")
    if not (isinstance(eps, (int, float, np.floating, np.integer)) and math.isfinite(eps) and eps >= 0):
        raise ValueError(f"rmsnorm_forward: eps must be a finite number >= 0, got {eps!r}")
    x2 = np.ascontiguousarray(x).reshape(-1, x.shape[-1])                  # (N, d)
    g = np.ones(x.shape[-1], x.dtype) if gamma is None else np.ascontiguousarray(gamma, dtype=x.dtype)
    y, xhat = np.empty_like(x2), np.empty_like(x2)
    rstd = np.empty(x2.shape[0], x.dtype)
    rmsnorm_forward_kernel(x2, g, float(eps), y, xhat, rstd)
    lead = x.shape[:-1]
    return y.reshape(x.shape), RMSCache(xhat.reshape(x.shape), rstd.reshape(*lead, 1))


def rmsnorm_backward(dy, cache, gamma, dgamma):
    """``rmsnorm_backward`` of the reference by the kernel, in the forward's dtype (dgamma accumulated in place when
    gamma is given)."""
    if not isinstance(cache, RMSCache):
        raise TypeError(f"rmsnorm_backward: cache must be the RMSCache of rmsnorm_forward, got {type(cache).__name__}")
    xhat, rstd = cache
    _float_array(xhat, "rmsnorm_backward", "cache.xhat")
    _float_array(rstd, "rmsnorm_backward", "cache.rstd")
    if xhat.ndim < 1 or rstd.shape != xhat.shape[:-1] + (1,):
        raise ValueError(f"rmsnorm_backward: cache shapes xhat {xhat.shape} and rstd {rstd.shape} do not match "
                         "(rstd must be xhat's shape with a last axis of 1)")
    _float_array(dy, "rmsnorm_backward", "dy")
    if dy.shape != xhat.shape:
        raise ValueError(f"rmsnorm_backward: dy must have the forward output's shape {xhat.shape}, got {dy.shape}")
    d = xhat.shape[-1]
    _check_gamma(gamma, d, "rmsnorm_backward")
    if gamma is not None:
        _float_array(dgamma, "rmsnorm_backward", "dgamma")
        if dgamma.shape != (d,) or not dgamma.flags.writeable:
            raise ValueError(f"rmsnorm_backward: dgamma must be a writeable array of shape ({d},), got {dgamma.shape}")
    dy2 = np.ascontiguousarray(dy, dtype=xhat.dtype).reshape(-1, d)      # computed in the forward's dtype
    n = dy2.shape[0]
    g = np.ones(d, xhat.dtype) if gamma is None else np.ascontiguousarray(gamma, dtype=xhat.dtype)
    dx = np.empty_like(dy2)
    parts = np.zeros((-(-n // ROWS_PER_CHUNK), d))
    rmsnorm_backward_kernel(dy2, np.ascontiguousarray(xhat).reshape(-1, d), np.ascontiguousarray(rstd).reshape(-1),
                            g, dx, parts)
    if gamma is not None:
        dgamma += parts.sum(0).astype(dgamma.dtype)
    return dx.reshape(dy.shape)


register("rmsnorm_forward", "numba", rmsnorm_forward)
register("rmsnorm_backward", "numba", rmsnorm_backward)
