"""Softmax over the last axis, shifted by the row maximum for stability."""
from __future__ import annotations

import numpy as np

from .base import Layer


def softmax_forward(x):
    """p = exp(x - max x) / sum exp(x - max x)."""
    e = np.exp(x - x.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return p, p


def softmax_backward(dp, p):
    """dx = p (dp - sum(dp p))   (the Jacobian diag(p) - p p^T applied to dp)."""
    return p * (dp - (dp * p).sum(-1, keepdims=True))


class Softmax(Layer):
    def forward(self, x: np.ndarray) -> np.ndarray:
        p, cache = softmax_forward(x)
        self._save(cache)
        return p

    def backward(self, dp: np.ndarray) -> np.ndarray:
        return softmax_backward(dp, self._pop())
