"""Randomized Hadamard transform (SmoothSpike Eq. 7): flip signs, then mix.

Eq. 7 writes H_R = H_bar S, S = diag(s), s Rademacher, acting on a column vector: H_R x = H_bar (s * x).
tinyspike's one convention is row vectors multiplied on the right, ``y = x @ R``, so the matrix the
model holds is

    R = S H_bar                      (x @ R = (s * x) @ H_bar: the signs act first)

exactly as the official SmoothSpike code builds ``diag(s) @ H`` and multiplies ``x @ R``. The order
matters: with the signs *after* the mixing (x @ H_bar S) every output has the modulus of x @ H_bar, so
the random draw does nothing to the largest entry and Theorem 4.1 does not apply (an all-ones row
stays one spike of height ||x||). Block-diagonal version: g equal blocks of size n / g, block j is
S_j H_bar_{n/g}, the signs of all blocks drawn from one seed.
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
    """R = S H_bar (blocks=1) as used in ``x @ R``, or its block-diagonal pieces (blocks, n/g, n/g)."""
    if blocks < 1 or n % blocks:
        raise ValueError(f"randomized_hadamard: blocks={blocks} must divide n={n}")
    b = n // blocks
    s = rademacher(n, seed, dtype).reshape(blocks, b, 1)    # S scales the rows of H_bar: diag(s) H_bar
    r = s * hadamard_matrix(b, dtype)[None]                  # (blocks, b, b)
    return r[0] if blocks == 1 else r


class RandomizedHadamard(Layer):
    """y = x @ R, R = blockdiag(S_1 H_bar, ..., S_g H_bar), via the FWHT; no parameters."""

    def __init__(self, n: int, seed: int = 0, blocks: int = 1, *, dtype=np.float32):
        if blocks < 1 or n % blocks:
            raise ValueError(f"RandomizedHadamard: blocks={blocks} must divide n={n}")
        factor(n // blocks)
        self.n, self.blocks, self.dtype = n, blocks, np.dtype(dtype)
        self.signs = rademacher(n, seed, self.dtype)

    def _label(self) -> str:
        return f"RandomizedHadamard({self.n}, blocks={self.blocks})"

    def matrix(self) -> np.ndarray:
        """The dense n x n R = S H_bar (block-diagonal when blocks > 1), so that forward(x) = x @ R."""
        b = self.n // self.blocks
        r = np.zeros((self.n, self.n), self.dtype)
        hb = hadamard_matrix(b, self.dtype)
        for j in range(self.blocks):
            sl = slice(j * b, (j + 1) * b)
            r[sl, sl] = self.signs[sl, None] * hb
        return r

    def _apply(self, x: np.ndarray, transpose: bool) -> np.ndarray:
        """Each row times H_bar^T (``fwht``), or times H_bar (``transpose``), block by block."""
        shape = x.shape
        xb = x.reshape(*shape[:-1], self.blocks, self.n // self.blocks)  # (..., g, n/g)
        return fwht(np.ascontiguousarray(xb), transpose=transpose).reshape(shape)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = x @ R = (s * x) @ H_bar."""
        self._check_last_dim(x, self.n)
        self._check_dtype(x, self.dtype)
        self._save(True)
        return self._apply(x * self.signs, transpose=True)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dx = dy @ R^T = s * (dy @ H_bar^T)."""
        self._pop()
        return self._apply(dy, transpose=False) * self.signs
