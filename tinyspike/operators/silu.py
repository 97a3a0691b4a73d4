"""Spiking SiLU in the symmetric form: SiLU(x) = x sigma(x), sigma from e^{-|x|} only.

sigma(|x|) = 1 / (1 + e^{-|x|}) and sigma(-|x|) = e^{-|x|} / (1 + e^{-|x|}): one exponential of a
non-positive argument and one division group, E / (1 + E) or 1 / (1 + E). The exponential never sees a
positive argument, so nothing is clipped where sigma is far from 0 or 1. The naive form
x / (1 + e^{-x}) with e^{-x} clipped to [e^{-L}, e^{L}] (symmetric=False, exp="pwl") leaves
sigma(x) = sigma(L) for x > L: an error x (sigma(x) - sigma(L)), 3.3e-2 by x = 6.5 and growing to
x e^{-L} / (1 + e^{-L}) (0.13 at x = 20) for L = 5.
"""
from __future__ import annotations

import numpy as np

from ..backends import FAST, kernel
from .boundary import IFBoundary, check_backend, check_finite_or_inf, float_out
from .division import divide
from .exponential import LOG2E, Base2Exp, build_pwl_table, eps_chord_exp, exp_pwl
from .fixedpoint import SPIKE_INT, check_headroom, from_fixed, rshift_round, to_fixed

SILU_SLOPE_MAX = 1.0999    # max |d/dx x sigma(x)|, at x ~ 2.4


class SpikingSiLU:
    """SiLU(x) on the spiking path; knobs T, levels, x_range, K, L, exp, symmetric, n, exp_bits, out_bits."""

    def __init__(self, *, T: int = 16, levels: int = 2**16, x_range: float = 64.0, K: int = 64,
                 L: float = 5.0, exp: str = "base2", symmetric: bool = True, n: int = 30,
                 exp_bits: int = 30, out_bits: int = 24, backend: str = FAST):
        self.boundary = IFBoundary(T, levels, x_range)
        F = self.boundary.frac_bits
        if exp not in ("base2", "pwl"):
            raise ValueError(f"SpikingSiLU: exp must be 'base2' or 'pwl', got {exp!r}")
        if not symmetric and exp != "pwl":
            raise ValueError("SpikingSiLU: symmetric=False (the naive clipped form) exists only with exp='pwl'")
        self._L_q = int(to_fixed(L, F))
        if exp == "base2":
            self._exp = Base2Exp(K, F, exp_bits)
        elif symmetric:   # e^{-a} = e^{(L - a) - L}: the constant e^{-L} folded into the table
            self._table = build_pwl_table(lambda t: np.exp(t - L), -L, L, K, F, exp_bits)
        else:             # e^{-x} on [-L, L] clipped at both ends, values up to e^L
            self._table = build_pwl_table(np.exp, -L, L, K, F, exp_bits - int(np.ceil(L * LOG2E)))
        check_headroom(exp_bits + 1 + n, "SpikingSiLU", "lower n or exp_bits")
        check_headroom(np.log2(x_range) + F + n + 1, "SpikingSiLU", "lower n or the encoder resolution")
        check_backend(backend, "SpikingSiLU")
        self.backend = backend
        self.one = SPIKE_INT(1) << exp_bits
        self.F, self.n, self.out_bits = F, n, out_bits
        self.T, self.levels, self.x_range, self.K, self.L, self.exp, self.symmetric = (
            T, levels, x_range, K, L, exp, symmetric)

    def __repr__(self):
        return (f"SpikingSiLU(T={self.T}, levels={self.levels}, x_range={self.x_range}, K={self.K}, "
                f"L={self.L}, exp={self.exp!r}, symmetric={self.symmetric}, n={self.n})")

    def error_bound(self, x) -> np.ndarray:
        """Elementwise |y_hat - SiLU(x)| bound (float oracle; symmetric form, |x| <= x_range):
        max|SiLU'| delta (input level) + |x| |sigma_hat - sigma| + output rounding, where
        |sigma_hat - sigma| <= sigma(1 - sigma) rho (1 + rho) + alpha + 2^-n, rho / alpha the exponential's
        relative / absolute error, and = e^-|x| past 2L for exp='pwl' (the term is dropped)."""
        if not self.symmetric:
            raise ValueError("SpikingSiLU.error_bound: the naive clipped form has no small bound "
                             "(its error grows like x e^-L past x = L); use symmetric=True")
        x = np.asarray(x, dtype=np.float64)
        delta = 2.0 ** -self.F
        a_hi, a_lo = np.abs(x) + delta, np.maximum(np.abs(x) - delta, 0.0)
        s = 1.0 / (1.0 + np.exp(-a_lo))
        if self.exp == "base2":
            rho, alpha = self._exp.relative_error_bound(a_hi), 2.0 ** -(self._exp.table.out_bits + 1)
            dsig = s * (1 - s) * rho * (1 + rho) + alpha
        else:
            out = self._table.out_bits
            rho = eps_chord_exp(self._table.width) + 1.5 * 2.0 ** -out * np.exp(self.L)
            past = a_hi > (self._L_q - self._table.lo_q) * delta              # maybe below the table
            dsig = np.where(past, np.exp(-a_lo), s * (1 - s) * rho * (1 + rho) + 2.0 ** -(out + 1))
        return SILU_SLOPE_MAX * delta + a_hi * (dsig + 2.0 ** -self.n) + 2.0 ** -(self.out_bits + 1)

    def sigmoid_counts(self, q) -> np.ndarray:
        """sigma(x) as a division-group count (n bits) for input counts q."""
        if self.symmetric:
            a = np.abs(q)
            if self.exp == "base2":
                E = self._exp(-a)                                           # e^{-|x|}
            else:
                E = exp_pwl(self._L_q - a, self._table)                     # e^{-|x|}; 0 past 2L
            return divide(np.where(q >= 0, self.one, E), self.one + E, self.n)
        E = exp_pwl(-q, self._table, below="clip")                          # naive: e^{-x} clipped
        one = SPIKE_INT(1) << self._table.out_bits
        return divide(np.full_like(E, one), one + E, self.n)

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x)
        check_finite_or_inf(x, "SpikingSiLU")
        fused = kernel("SpikingSiLU", self.backend)               # same integer steps, compiled
        if fused is not None and self.symmetric and self.exp == "base2":
            return fused(self, x)
        return self.forward_numpy(x)

    def spike_counts(self, x) -> dict:
        """The specification's integer path: input counts q, sigma counts (n bits), output y (out_bits)."""
        q = self.boundary.encode(x)
        sig = self.sigmoid_counts(q)
        return dict(q=q, sigma=sig, y=rshift_round(q * sig, self.F + self.n - self.out_bits))

    def forward_numpy(self, x) -> np.ndarray:
        """The specification: every integer step as a NumPy array operation, then the read-out."""
        x = np.asarray(x)
        return float_out(from_fixed(self.spike_counts(x)["y"], self.out_bits), x)
