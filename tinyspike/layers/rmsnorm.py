"""RMSNorm: y = x / sqrt(mean(x^2) + eps) * gamma   (SmoothSpike Eq. 4)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Layer, Parameter
from .rmsnorm_kernels import ROWS_PER_CHUNK, rmsnorm_backward_kernel, rmsnorm_forward_kernel


class RMSCache(NamedTuple):
    xhat: np.ndarray
    rstd: np.ndarray


def rmsnorm_forward(x, gamma, eps):
    """y = x / sqrt(mean(x^2) + eps) * gamma; gamma=None gives the scale-free RN0 of Eq. 5."""
    rstd = 1.0 / np.sqrt((x * x).mean(-1, keepdims=True) + eps)  # (..., 1)
    xhat = x * rstd
    return (xhat if gamma is None else xhat * gamma), RMSCache(xhat, rstd)


def rmsnorm_backward(dy, cache, gamma, dgamma):
    """dx = rstd (g - xhat mean(g xhat)), g = dy gamma; dgamma += sum dy xhat."""
    xhat, rstd = cache
    if gamma is None:
        g = dy
    else:
        dgamma += (dy * xhat).reshape(-1, xhat.shape[-1]).sum(0)
        g = dy * gamma
    return rstd * (g - xhat * (g * xhat).mean(-1, keepdims=True))


def rmsnorm_forward_fused(x, gamma, eps):
    """``rmsnorm_forward`` by the numba kernel: one pass per row (same cache)."""
    x2 = np.ascontiguousarray(x).reshape(-1, x.shape[-1])                  # (N, d)
    g = np.ones(x.shape[-1], x.dtype) if gamma is None else gamma
    y, xhat = np.empty_like(x2), np.empty_like(x2)
    rstd = np.empty(x2.shape[0], x.dtype)
    rmsnorm_forward_kernel(x2, g, eps, y, xhat, rstd)
    lead = x.shape[:-1]
    return y.reshape(x.shape), RMSCache(xhat.reshape(x.shape), rstd.reshape(*lead, 1))


def rmsnorm_backward_fused(dy, cache, gamma, dgamma):
    """``rmsnorm_backward`` by the numba kernel (dgamma accumulated in place when gamma is given)."""
    xhat, rstd = cache
    d = xhat.shape[-1]
    dy2 = np.ascontiguousarray(dy).reshape(-1, d)
    n = dy2.shape[0]
    g = np.ones(d, dy.dtype) if gamma is None else gamma
    dx = np.empty_like(dy2)
    parts = np.zeros((-(-n // ROWS_PER_CHUNK), d))
    rmsnorm_backward_kernel(dy2, xhat.reshape(-1, d), rstd.reshape(-1), g, dx, parts)
    if gamma is not None:
        dgamma += parts.sum(0).astype(dgamma.dtype)
    return dx.reshape(dy.shape)


class RMSNorm(Layer):
    """RMSNorm with a learnable gamma (``learnable=False``: the scale-free RN0).

    ``backend='numba'`` (default) runs the fused kernels of ``rmsnorm_kernels.py``; ``'numpy'`` the
    NumPy functions above, their specification."""

    def __init__(self, dim: int, eps: float = 1e-6, learnable: bool = True, *, dtype=np.float32,
                 backend: str = "numba"):
        if backend not in ("numba", "numpy"):
            raise ValueError(f"RMSNorm: backend must be 'numba' or 'numpy', got {backend!r}")
        self.gamma = Parameter(np.ones(dim, dtype), decay=False) if learnable else None
        self.dim, self.eps, self.dtype, self.backend = dim, eps, np.dtype(dtype), backend

    def _label(self) -> str:
        return f"RMSNorm({self.dim})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_last_dim(x, self.dim)
        self._check_dtype(x, self.dtype)
        forward = rmsnorm_forward_fused if self.backend == "numba" else rmsnorm_forward
        y, cache = forward(x, None if self.gamma is None else self.gamma.value, self.eps)
        self._save(cache)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        backward = rmsnorm_backward_fused if self.backend == "numba" else rmsnorm_backward
        if self.gamma is None:
            return backward(dy, self._pop(), None, None)
        return backward(dy, self._pop(), self.gamma.value, self.gamma.grad)
