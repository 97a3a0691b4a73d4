"""Spiking softmax: p_j = floor(E_j 2^n / sum_k E_k), E_j = exp(x_j - max x) from the exponential primitive.

exp="base2" (default): E = 2^{(x - max) log2 e} (integer part by shift, fraction by a K-segment table),
exact in range: no clipping, tiny terms underflow to 0. exp="pwl": the paper's form, E = exp(x - max + L)
from the K-segment chord table on [-L, L]; terms more than 2L below the maximum give 0.
The row sum is an integer sum of counts; each p_j is the count of a division group (2^-n resolution).
"""
from __future__ import annotations

import numpy as np

from ..backends import FAST, kernel
from .boundary import IFBoundary, check_backend, check_finite_or_inf, float_out
from .division import divide
from .exponential import LOG2E, Base2Exp, eps_chord_exp, exp_pwl, exp_table
from .fixedpoint import check_headroom, from_fixed, to_fixed


class SpikingSoftmax:
    """softmax(x, axis) on the spiking path; knobs T, levels, x_range (encoder), K, L, exp, n, exp_bits."""

    def __init__(self, *, T: int = 16, levels: int = 2**17, x_range: float = 128.0, K: int = 64,
                 L: float = 5.0, exp: str = "base2", n: int = 30, exp_bits: int = 30,
                 backend: str = FAST):
        self.boundary = IFBoundary(T, levels, x_range)
        F = self.boundary.frac_bits
        if exp == "base2":
            self._exp = Base2Exp(K, F, exp_bits)
            top = exp_bits + 1
        elif exp == "pwl":
            self._table = exp_table(L, K, F, exp_bits - int(np.ceil(L * LOG2E)))
            self._L_q = int(to_fixed(L, F))
            top = exp_bits + 1
        else:
            raise ValueError(f"SpikingSoftmax: exp must be 'base2' or 'pwl', got {exp!r}")
        check_headroom(top + n, "SpikingSoftmax", "lower n or exp_bits (n + exp_bits <= 61)")
        check_backend(backend, "SpikingSoftmax")
        self.T, self.levels, self.x_range, self.K, self.L, self.exp, self.n = T, levels, x_range, K, L, exp, n
        self.backend = backend

    def __repr__(self):
        return (f"SpikingSoftmax(T={self.T}, levels={self.levels}, x_range={self.x_range}, K={self.K}, "
                f"L={self.L}, exp={self.exp!r}, n={self.n})")

    def __call__(self, x, axis: int = -1) -> np.ndarray:
        x = np.asarray(x)
        check_finite_or_inf(x, "SpikingSoftmax")
        fused = kernel("SpikingSoftmax", self.backend)            # same integer steps, compiled
        if fused is not None and self.exp == "base2":
            return fused(self, x, axis)
        return self.forward_numpy(x, axis)

    def error_bound(self, x, axis: int = -1) -> np.ndarray:
        """Elementwise |p_hat - p| bound (float oracle; for |x| <= x_range). With E_k = e^{x_k - max x}:
        each E_hat_k = E_k (1 + r_k) + a_k, |r_k| <= rho_k, |a_k| <= alpha_k; input levels move x - max by
        <= 2 delta; then p_hat lies between (E_j(1-rho_j) - alpha_j)/(S(1+rho_max) + sum alpha) - 2^-n and
        (E_j(1+rho_j) + alpha_j)/(S(1-rho_max) - sum alpha)."""
        x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
        delta = 2.0 ** -self.boundary.frac_bits
        z = x - x.max(-1, keepdims=True)
        E = np.exp(z)
        quant = np.expm1(2 * delta)
        if self.exp == "base2":
            rho = quant + self._exp.relative_error_bound(-z + 2 * delta)
            alpha = np.full_like(E, 2.0 ** -(self._exp.table.out_bits + 1))
        else:                                          # terms more than 2L below the max are dropped
            out = self._table.out_bits
            dropped = z + self._L_q * delta < self._table.lo_q * delta + 2 * delta   # maybe below the table
            rho = np.where(dropped, 0.0, quant + eps_chord_exp(self._table.width) + 1.5 * 2.0 ** -out * np.exp(self.L))
            alpha = np.where(dropped, E * np.exp(2 * delta), 0.5 * 2.0 ** -out * np.exp(-self.L))
        S, A, rmax = E.sum(-1, keepdims=True), alpha.sum(-1, keepdims=True), rho.max(-1, keepdims=True)
        p = E / S
        upper = (E * (1 + rho) + alpha) / (S * (1 - rmax) - A)
        lower = (E * (1 - rho) - alpha) / (S * (1 + rmax) + A) - 2.0 ** -self.n
        return np.moveaxis(np.maximum(upper - p, p - lower), -1, axis)

    def spike_counts(self, x, axis: int = -1) -> dict:
        """The specification's integer path: each stage's counts (int64); 'p' holds p 2^n, axis last."""
        q = np.moveaxis(self.boundary.encode(x), axis, -1)                   # (..., S) counts
        z = q - q.max(-1, keepdims=True)                                    # <= 0 (winner-take-all max)
        E = self._exp(z) if self.exp == "base2" else exp_pwl(z + self._L_q, self._table)
        S = E.sum(-1, keepdims=True)                                        # integer row sum
        p = divide(E, S, self.n)                                            # division group counts
        return dict(q=q, z=z, E=E, S=S, p=p)

    def forward_numpy(self, x, axis: int = -1) -> np.ndarray:
        """The specification: every integer step as a NumPy array operation, then the read-out."""
        x = np.asarray(x)
        return float_out(np.moveaxis(from_fixed(self.spike_counts(x, axis)["p"], self.n), -1, axis), x)
