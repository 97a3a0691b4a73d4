"""LayerNorm: y = (x - mean) / sqrt(var + eps) * gamma + beta."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Layer, Parameter


class LNCache(NamedTuple):
    xhat: np.ndarray
    rstd: np.ndarray


def layernorm_forward(x, gamma, beta, eps):
    """y = (x - mu) * rstd * gamma + beta,  rstd = 1 / sqrt(var(x) + eps) over the last axis."""
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    rstd = 1.0 / np.sqrt((xc * xc).mean(-1, keepdims=True) + eps)  # (..., 1)
    xhat = xc * rstd
    return xhat * gamma + beta, LNCache(xhat, rstd)


def layernorm_backward(dy, cache, gamma, dgamma, dbeta):
    """dx = rstd (g - mean(g) - xhat mean(g xhat)), g = dy gamma  (llm.c doc/layernorm)."""
    xhat, rstd = cache
    d = xhat.shape[-1]
    dgamma += (dy * xhat).reshape(-1, d).sum(0)
    dbeta += dy.reshape(-1, d).sum(0)
    g = dy * gamma
    return rstd * (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True))


class LayerNorm(Layer):
    def __init__(self, dim: int, eps: float = 1e-5, *, dtype=np.float32):
        self.gamma = Parameter(np.ones(dim, dtype), decay=False)
        self.beta = Parameter(np.zeros(dim, dtype), decay=False)
        self.dim, self.eps = dim, eps

    def _label(self) -> str:
        return f"LayerNorm({self.dim})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_last_dim(x, self.dim)
        self._check_dtype(x, self.gamma.value.dtype)
        y, cache = layernorm_forward(x, self.gamma.value, self.beta.value, self.eps)
        self._save(cache)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return layernorm_backward(dy, self._pop(), self.gamma.value, self.gamma.grad, self.beta.grad)
