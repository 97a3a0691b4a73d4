"""Inverted dropout with its own seeded generator: the same seed gives the same masks."""
from __future__ import annotations

import numpy as np

from .base import Layer


class Dropout(Layer):
    """y = x * m / (1 - p), m ~ Bernoulli(1 - p); the identity in eval mode or when p = 0."""

    def __init__(self, p: float, seed: int = 0):
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p
        self.seed(seed)

    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0.0:
            self._save(1.0)
            return x
        scale = np.asarray(1.0 / (1.0 - self.p), dtype=x.dtype)
        mask = (self.rng.random(x.shape) >= self.p).astype(x.dtype) * scale
        self._save(mask)
        return x * mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy * self._pop()
