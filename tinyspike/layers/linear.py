"""Linear layer: y = x W^T + b."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Layer, Parameter


class LinearCache(NamedTuple):
    x: np.ndarray


def linear_forward(x, W, b):
    """y = x W^T + b, x: (..., d_in), W: (d_out, d_in)."""
    # one (N, d_in) x (d_in, d_out) product: NumPy's stacked matmul against a 2-D operand is ~17x slower
    y = (x.reshape(-1, x.shape[-1]) @ W.T).reshape(*x.shape[:-1], W.shape[0])
    if b is not None:
        y += b
    return y, LinearCache(x)


def linear_backward(dy, cache, W, dW, db):
    """dx = dy W; dW += dy^T x; db += sum dy (accumulated into dW, db in place)."""
    x = cache.x
    d_out, d_in = W.shape
    dW += dy.reshape(-1, d_out).T @ x.reshape(-1, d_in)
    if db is not None:
        db += dy.reshape(-1, d_out).sum(0)
    return (dy.reshape(-1, d_out) @ W).reshape(*dy.shape[:-1], d_in)


class Linear(Layer):
    """Dense layer with PyTorch's default init: U(-1/sqrt(d_in), 1/sqrt(d_in))."""

    def __init__(self, d_in: int, d_out: int, bias: bool = True, *, rng: np.random.Generator,
                 dtype=np.float32, std: float | None = None):
        bound = 1.0 / np.sqrt(d_in)
        if std is None:
            w = rng.uniform(-bound, bound, (d_out, d_in))
        else:
            w = rng.normal(0.0, std, (d_out, d_in))
        self.W = Parameter(w.astype(dtype))
        self.b = Parameter(np.zeros(d_out, dtype)) if bias else None
        if self.b is not None and std is None:
            self.b.value[...] = rng.uniform(-bound, bound, d_out).astype(dtype)
        if self.b is not None:
            self.b.decay = False
        self.d_in, self.d_out = d_in, d_out

    def _label(self) -> str:
        return f"Linear({self.d_in} -> {self.d_out})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_last_dim(x, self.d_in)
        self._check_dtype(x, self.W.value.dtype)
        y, cache = linear_forward(x, self.W.value, None if self.b is None else self.b.value)
        self._save(cache)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        cache = self._pop()
        return linear_backward(dy, cache, self.W.value, self.W.grad, None if self.b is None else self.b.grad)
