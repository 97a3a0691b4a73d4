"""RMSNorm: y = x / sqrt(mean(x^2) + eps) * gamma   (SmoothSpike Eq. 4)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..backends import FAST, check, kernel
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
    """RMSNorm with a learnable gamma (``learnable=False``: the scale-free RN0).

    ``backend='fast'`` (default) runs the fused kernels registered for the functions above
    (``tinyspike/kernels/rmsnorm.py``); ``'reference'`` the functions above, their specification."""

    def __init__(self, dim: int, eps: float = 1e-6, learnable: bool = True, *, dtype=np.float32,
                 backend: str = FAST):
        check(backend, "RMSNorm")
        self.gamma = Parameter(np.ones(dim, dtype), decay=False) if learnable else None
        self.dim, self.eps, self.dtype, self.backend = dim, eps, np.dtype(dtype), backend

    def _label(self) -> str:
        return f"RMSNorm({self.dim})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_last_dim(x, self.dim)
        self._check_dtype(x, self.dtype)
        forward = kernel("rmsnorm_forward", self.backend) or rmsnorm_forward
        y, cache = forward(x, None if self.gamma is None else self.gamma.value, self.eps)
        self._save(cache)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        backward = kernel("rmsnorm_backward", self.backend) or rmsnorm_backward
        cache = self._pop()
        if not isinstance(dy, np.ndarray) or dy.shape != cache.xhat.shape:
            raise ValueError(f"{self._label()}: backward's dy must have the forward output's shape "
                             f"{cache.xhat.shape}, got {getattr(dy, 'shape', type(dy).__name__)}")
        if self.gamma is None:
            return backward(dy, cache, None, None)
        return backward(dy, cache, self.gamma.value, self.gamma.grad)
