"""RMSNorm: y = x / sqrt(mean(x^2) + eps) * gamma   (SmoothSpike Eq. 4)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Layer, Parameter


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


class RMSNorm(Layer):
    """RMSNorm with a learnable gamma (``learnable=False``: the scale-free RN0)."""

    def __init__(self, dim: int, eps: float = 1e-6, learnable: bool = True, *, dtype=np.float32):
        self.gamma = Parameter(np.ones(dim, dtype), decay=False) if learnable else None
        self.dim, self.eps, self.dtype = dim, eps, np.dtype(dtype)

    def _label(self) -> str:
        return f"RMSNorm({self.dim})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_last_dim(x, self.dim)
        self._check_dtype(x, self.dtype)
        y, cache = rmsnorm_forward(x, None if self.gamma is None else self.gamma.value, self.eps)
        self._save(cache)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self.gamma is None:
            return rmsnorm_backward(dy, self._pop(), None, None)
        return rmsnorm_backward(dy, self._pop(), self.gamma.value, self.gamma.grad)
