"""Randomized Hadamard H_R = H_bar S, S = diag(s), s Rademacher (SmoothSpike Eq. 7).

Convention: rows are vectors, ``forward(x) = x @ H_R^T`` i.e. each row becomes H_R x = H_bar (s * x),
computed with the FWHT. (The official code builds diag(s) @ H instead, i.e. signs on the output
side; both are orthogonal, Eq. 7 and Theorem 4.1 use H_bar S.) Block-diagonal version: g equal
blocks of size n / g, each H_bar_{n/g} S_j, with the signs of all blocks drawn from one seed.
"""
from __future__ import annotations

import numpy as np

from ..layers.base import Layer
from .fwht import fwht
from .hadamard import factor, hadamard_matrix


def rademacher(n: int, seed: int, dtype=np.float64) -> np.ndarray:
    """n independent signs +-1 with probability 1/2 each, from ``default_rng(seed)``."""
    return (2 * np.random.default_rng(seed).integers(0, 2, n) - 1).astype(dtype)


def randomized_hadamard(n: int, seed: int = 0, blocks: int = 1, dtype=np.float64) -> np.ndarray:
    """Dense H_R = H_bar S (blocks=1), or its block-diagonal pieces as (blocks, n/blocks, n/blocks)."""
    if blocks < 1 or n % blocks:
        raise ValueError(f"randomized_hadamard: blocks={blocks} must divide n={n}")
    b = n // blocks
    s = rademacher(n, seed, dtype).reshape(blocks, 1, b)    # S acts on columns: H_bar diag(s)
    r = hadamard_matrix(b, dtype)[None] * s                  # (blocks, b, b)
    return r[0] if blocks == 1 else r


class RandomizedHadamard(Layer):
    """y = x @ H_R^T, H_R = blockdiag(H_bar S_1, ..., H_bar S_g), via the FWHT; no parameters."""

    def __init__(self, n: int, seed: int = 0, blocks: int = 1, *, dtype=np.float32):
        if blocks < 1 or n % blocks:
            raise ValueError(f"RandomizedHadamard: blocks={blocks} must divide n={n}")
        factor(n // blocks)
        self.n, self.blocks, self.dtype = n, blocks, np.dtype(dtype)
        self.signs = rademacher(n, seed, self.dtype)

    def _label(self) -> str:
        return f"RandomizedHadamard({self.n}, blocks={self.blocks})"

    def matrix(self) -> np.ndarray:
        """The dense n x n H_R (block-diagonal when blocks > 1)."""
        b = self.n // self.blocks
        r = np.zeros((self.n, self.n), self.dtype)
        hb = hadamard_matrix(b, self.dtype)
        for j in range(self.blocks):
            sl = slice(j * b, (j + 1) * b)
            r[sl, sl] = hb * self.signs[sl]
        return r

    def _apply(self, x: np.ndarray, transpose: bool) -> np.ndarray:
        shape = x.shape
        xb = x.reshape(*shape[:-1], self.blocks, self.n // self.blocks)  # (..., g, n/g)
        return fwht(np.ascontiguousarray(xb), transpose=transpose).reshape(shape)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_last_dim(x, self.n)
        self._check_dtype(x, self.dtype)
        self._save(True)
        return self._apply(x * self.signs, transpose=False)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dx = H_R^T dy = S H_bar^T dy."""
        self._pop()
        return self._apply(dy, transpose=True) * self.signs
