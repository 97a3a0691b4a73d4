"""Spiking GELU: GELU(x) = x Phi(x), with the Gaussian tail Q = 1 - Phi from a K-segment chord table.

Symmetric like SiLU: Phi(x) = 1 - Q(|x|) for x >= 0 and Q(|x|) for x < 0, with Q(t) = erfc(t / sqrt 2) / 2
tabulated on [0, L] (a thermometer population picks the segment) and 0 beyond L (Q(8) = 6e-16).
The chord error of Q is at most h^2/8 max|Q''| = h^2/8 phi(1) (h = L/K, phi the normal density,
|Q''(t)| = t phi(t) <= phi(1)); GELU's error is |x| times that, plus the input level.
"""
from __future__ import annotations

import numpy as np
from scipy.special import erfc

from ..backends import FAST, kernel
from .boundary import IFBoundary, check_backend, check_finite_or_inf, float_out
from .fixedpoint import SPIKE_INT, check_headroom, from_fixed, rshift_round
from .pwl import build_pwl_table, pwl_evaluate

GELU_SLOPE_MAX = 1.1290    # max |d/dx x Phi(x)| = Phi(sqrt 2) + sqrt 2 phi(sqrt 2)
PHI_AT_1 = float(np.exp(-0.5) / np.sqrt(2.0 * np.pi))      # max_t t phi(t) = phi(1)


def gaussian_tail(t):
    """Q(t) = 1 - Phi(t) = erfc(t / sqrt 2) / 2 (offline, for the table)."""
    return 0.5 * erfc(np.asarray(t) / np.sqrt(2.0))


def eps_phi(L: float, K: int) -> float:
    """Absolute-error bound of the Q table: (L/K)^2 / 8 * phi(1)."""
    return (L / K) ** 2 / 8.0 * PHI_AT_1


class SpikingGELU:
    """GELU(x) = x Phi(x) on the spiking path; knobs T, levels, x_range, K, L, phi_bits, out_bits."""

    def __init__(self, *, T: int = 16, levels: int = 2**16, x_range: float = 64.0, K: int = 256,
                 L: float = 8.0, phi_bits: int = 30, out_bits: int = 24, backend: str = FAST):
        self.boundary = IFBoundary(T, levels, x_range)
        F = self.boundary.frac_bits
        self._table = build_pwl_table(gaussian_tail, 0.0, L, K, F, phi_bits)
        self._L_q = self._table.hi_q
        check_headroom(np.log2(x_range) + F + phi_bits + 1, "SpikingGELU", "lower phi_bits")
        check_backend(backend, "SpikingGELU")
        self.backend = backend
        self.one = SPIKE_INT(1) << phi_bits
        self.F, self.phi_bits, self.out_bits = F, phi_bits, out_bits
        self.T, self.levels, self.x_range, self.K, self.L = T, levels, x_range, K, L

    def __repr__(self):
        return (f"SpikingGELU(T={self.T}, levels={self.levels}, x_range={self.x_range}, K={self.K}, "
                f"L={self.L}, phi_bits={self.phi_bits})")

    def error_bound(self, x) -> np.ndarray:
        """Elementwise |y_hat - GELU(x)| bound (float oracle, |x| <= x_range): max|GELU'| delta (input level)
        + |x| (chord error eps_phi + 1.5 roundings of the table + Q(L) past the table) + output rounding."""
        x = np.asarray(x, dtype=np.float64)
        delta = 2.0 ** -self.F
        a = np.abs(x) + delta
        L_end = self._L_q * 2.0 ** -self.F
        table = (self._table.width ** 2 / 8.0 * PHI_AT_1) + 1.5 * 2.0 ** -self.phi_bits
        tail = np.where(a >= L_end - delta, gaussian_tail(L_end - delta), 0.0)
        return GELU_SLOPE_MAX * delta + a * (table + tail) + 2.0 ** -(self.out_bits + 1)

    def phi_counts(self, q) -> np.ndarray:
        """Phi(x) (phi_bits) for input counts q."""
        a = np.abs(q)
        tail = np.where(a >= self._L_q, SPIKE_INT(0), pwl_evaluate(a, self._table))   # Q(|x|)
        return np.where(q >= 0, self.one - tail, tail)

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x)
        check_finite_or_inf(x, "SpikingGELU")
        fused = kernel("SpikingGELU", self.backend)               # same integer steps, compiled
        if fused is not None:
            return fused(self, x)
        return self.forward_numpy(x)

    def spike_counts(self, x) -> dict:
        """The specification's integer path: input counts q, Phi counts (phi_bits), output y (out_bits)."""
        q = self.boundary.encode(x)
        phi = self.phi_counts(q)
        return dict(q=q, phi=phi, y=rshift_round(q * phi, self.F + self.phi_bits - self.out_bits))

    def forward_numpy(self, x) -> np.ndarray:
        """The specification: every integer step as a NumPy array operation, then the read-out."""
        x = np.asarray(x)
        return float_out(from_fixed(self.spike_counts(x)["y"], self.out_bits), x)
