"""Embedding lookup with a padding index whose row gets no gradient."""
from __future__ import annotations

import numpy as np

from .base import Layer, Parameter


class Embedding(Layer):
    """y = E[ids]; dE[i] += sum of dy over positions with id i (except padding_idx)."""

    def __init__(self, num: int, dim: int, padding_idx: int | None = None, *, rng: np.random.Generator,
                 dtype=np.float32, std: float = 0.02):
        e = rng.normal(0.0, std, (num, dim)).astype(dtype)
        if padding_idx is not None:
            if not 0 <= padding_idx < num:
                raise ValueError(f"Embedding: padding_idx {padding_idx} outside [0, {num})")
            e[padding_idx] = 0
        self.E = Parameter(e, decay=False)
        self.num, self.dim, self.padding_idx = num, dim, padding_idx

    def _label(self) -> str:
        return f"Embedding({self.num}, {self.dim})"

    def forward(self, ids: np.ndarray) -> np.ndarray:
        if not np.issubdtype(np.asarray(ids).dtype, np.integer):
            raise TypeError(f"{self._label()}: ids must be integers, got dtype {np.asarray(ids).dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num):
            raise IndexError(f"{self._label()}: ids must lie in [0, {self.num}), got range "
                             f"[{ids.min()}, {ids.max()}]")
        self._save(ids)
        return self.E.value[ids]  # (..., dim)

    def backward(self, dy: np.ndarray) -> None:
        ids = self._pop()
        flat = ids.reshape(-1)
        g = dy.reshape(-1, self.dim)
        if self.padding_idx is not None:
            keep = flat != self.padding_idx
            flat, g = flat[keep], g[keep]
        np.add.at(self.E.grad, flat, g)
        return None
