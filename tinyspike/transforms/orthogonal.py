"""OrthogonalTransform: the matrix R a SmoothSpike block multiplies by (R1, R2, ...).

mode='fixed':     R = H_R, a randomized Hadamard (block-diagonal if blocks > 1); no parameters.
mode='learnable': parameter H_tilde (initialised with that H_R) and R = msign-approximation of
                  H_tilde recomputed every forward ('quintic', 'cubic', 'quintic+cubic' Newton-Schulz,
                  or 'svd' = exact U V^T, whose backward is not implemented here).
A model calls ``R = t.forward()`` once per step, uses R as often as it likes, then calls
``t.backward(dR)`` with the gradient w.r.t. R summed over all uses; it accumulates H_tilde.grad.
For blocks > 1, R has shape (blocks, n / blocks, n / blocks).
"""
from __future__ import annotations

import numpy as np

from ..layers.base import Layer, Parameter
from .hadamard import factor
from .msign import msign
from .newton_schulz import SCHEMES, newton_schulz, newton_schulz_backward
from .randomized import randomized_hadamard


class OrthogonalTransform(Layer):
    """R = H_R (fixed) or R = NS(H_tilde) (learnable, SmoothSpike Eq. 12 approximated by Eq. 41/quintic)."""

    def __init__(self, n: int, mode: str = "fixed", blocks: int = 1, scheme: str = "quintic",
                 steps: int = 5, seed: int = 0, *, dtype=np.float32):
        if mode not in ("fixed", "learnable"):
            raise ValueError(f"OrthogonalTransform: mode must be 'fixed' or 'learnable', got {mode!r}")
        if scheme not in SCHEMES + ("svd",):
            raise ValueError(f"OrthogonalTransform: scheme must be one of {SCHEMES + ('svd',)}, got {scheme!r}")
        if blocks < 1 or n % blocks:
            raise ValueError(f"OrthogonalTransform: blocks={blocks} must divide n={n}")
        factor(n // blocks)
        self.n, self.mode, self.blocks, self.scheme, self.steps = n, mode, blocks, scheme, steps
        self.dtype = np.dtype(dtype)
        h = randomized_hadamard(n, seed, blocks, self.dtype)   # (n, n) or (g, n/g, n/g)
        if mode == "fixed":
            self.R = h
        else:
            self.H_tilde = Parameter(h, decay=False)

    def _label(self) -> str:
        return f"OrthogonalTransform({self.n}, {self.mode}, blocks={self.blocks}, {self.scheme})"

    def forward(self) -> np.ndarray:
        if self.mode == "fixed":
            return self.R
        if self.scheme == "svd":
            self._save("svd")
            return msign(self.H_tilde.value)
        r, cache = newton_schulz(self.H_tilde.value, self.scheme, self.steps)
        self._save(cache)
        return r

    def backward(self, dR: np.ndarray) -> None:
        """Accumulate dL/dH_tilde from dL/dR (no-op for the fixed transform)."""
        if self.mode == "fixed":
            return None
        cache = self._pop()
        if dR.shape != self.H_tilde.shape:
            raise ValueError(f"{self._label()}: dR must have shape {self.H_tilde.shape}, got {dR.shape}")
        if cache == "svd":
            raise NotImplementedError(f"{self._label()}: backward through the SVD msign is not "
                                      "implemented; use a Newton-Schulz scheme for training")
        self.H_tilde.grad += newton_schulz_backward(dR, cache).astype(self.dtype)
        return None
