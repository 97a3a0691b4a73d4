"""Spiking LayerNorm and RMSNorm from the CORDIC l2 norm and division groups.

RMSNorm: y = x / sqrt(mean x^2 + eps) gamma = sqrt(d) x / ||(x, sqrt(d eps))|| gamma.
LayerNorm: with c = d x - sum x = d (x - mu) (exact integers),
    y = (x - mu) / sqrt(var + eps) gamma + beta = sqrt(d) c / ||(c, sqrt(d^3 eps))|| gamma + beta.
eps enters as one extra vector entry, so the norm needs no square and no addition under a root.
Integer path, per row: (1) bit-shift normalisation: shift the row so its largest entry has 30 bits
(a per-row exponent, found by a thermometer over bit positions; it cancels in the ratio); (2) the CORDIC
tree gives N = G^depth ||row||; (3) a division group per entry gives u = floor(|c| 2^n / N) sign(c);
(4) the constant G^depth sqrt(d) is folded into the affine weight gamma' = G^depth sqrt(d) gamma
(offline), y = u gamma' >> shift (+ beta).
"""
from __future__ import annotations

import numpy as np

from .boundary import IFBoundary, float_out
from .cordic import cordic_gain, l2_norm_tree, tree_depth
from .division import divide_signed
from .fixedpoint import SPIKE_INT, bit_length, check_headroom, from_fixed, rshift_round, to_fixed

ROW_BITS = 30        # after normalisation each row's largest entry lies in [2^29, 2^30)
EPS_GUARD_BITS = 8   # eps is represented 8 bits finer than one input level


def normalise_rows(v) -> np.ndarray:
    """Shift each row (last axis) so its largest |entry| has ROW_BITS bits: a per-row power of two."""
    s = ROW_BITS - bit_length(np.abs(v).max(-1, keepdims=True))       # (..., 1)
    return np.where(s >= 0, v << np.maximum(s, 0), rshift_round(v, np.maximum(-s, 0)))


class _CordicNorm:
    """Shared knobs and integer path of the two norms."""

    def __init__(self, T, levels, x_range, iterations, n, gamma_bits, out_bits):
        self.boundary = IFBoundary(T, levels, x_range)
        if iterations < 1:
            raise ValueError(f"{type(self).__name__}: iterations must be >= 1, got {iterations}")
        check_headroom(ROW_BITS + n, type(self).__name__, "lower n (n <= 32)")
        self.T, self.levels, self.x_range, self.iterations, self.n = T, levels, x_range, iterations, n
        self.gamma_bits, self.out_bits = gamma_bits, out_bits

    def __repr__(self):
        return (f"{type(self).__name__}(T={self.T}, levels={self.levels}, x_range={self.x_range}, "
                f"iterations={self.iterations}, n={self.n})")

    def _check(self, x, gamma, where):
        x, gamma = np.asarray(x), np.asarray(gamma, dtype=np.float64)
        if x.ndim < 1 or gamma.shape not in ((x.shape[-1],), ()):
            raise ValueError(f"{where}: gamma must have shape ({x.shape[-1] if x.ndim else '?'},) to match the "
                             f"last axis of x {x.shape}, got {gamma.shape}")
        return x, gamma

    def _normalised(self, c, eps_entry: float, gamma) -> np.ndarray:
        """u gamma' for rows c (int, (..., d)); eps_entry (float, units of c) is the extra vector entry."""
        d = c.shape[-1]
        depth = tree_depth(d + 1)
        e = np.broadcast_to(to_fixed(eps_entry, 0), c.shape[:-1] + (1,))
        ext = normalise_rows(np.concatenate([c, e], axis=-1))             # (..., d + 1)
        N = np.maximum(l2_norm_tree(ext, self.iterations), 1)[..., None]  # G^depth ||row||
        u = divide_signed(ext[..., :d], N, self.n)                         # division groups, n bits
        gain = cordic_gain(self.iterations) ** depth * np.sqrt(d)         # folded into gamma (offline)
        check_headroom(self.n + np.log2(np.sqrt(d) * max(float(np.abs(gamma).max(initial=0)), 1e-300))
                       + self.gamma_bits + 1, type(self).__name__, "|gamma| is too large; lower gamma_bits")
        g_q = to_fixed(gamma * gain, self.gamma_bits)
        return rshift_round(u * g_q, self.n + self.gamma_bits - self.out_bits)


class SpikingRMSNorm(_CordicNorm):
    """y = x / sqrt(mean x^2 + eps) gamma on the spiking path (last axis)."""

    def __init__(self, *, T: int = 16, levels: int = 2**18, x_range: float = 256.0, iterations: int = 16,
                 n: int = 32, gamma_bits: int = 16, out_bits: int = 24):
        super().__init__(T, levels, x_range, iterations, n, gamma_bits, out_bits)

    def __call__(self, x, gamma, eps: float = 1e-6) -> np.ndarray:
        x, gamma = self._check(x, gamma, "SpikingRMSNorm")
        q = self.boundary.encode(x) << EPS_GUARD_BITS
        d, F = x.shape[-1], self.boundary.frac_bits + EPS_GUARD_BITS
        y = self._normalised(q, np.sqrt(d * eps) * 2.0 ** F, gamma)
        return float_out(from_fixed(y, self.out_bits), x)


class SpikingLayerNorm(_CordicNorm):
    """y = (x - mu) / sqrt(var + eps) gamma + beta on the spiking path (last axis)."""

    def __init__(self, *, T: int = 16, levels: int = 2**18, x_range: float = 256.0, iterations: int = 16,
                 n: int = 32, gamma_bits: int = 16, out_bits: int = 24):
        super().__init__(T, levels, x_range, iterations, n, gamma_bits, out_bits)

    def __call__(self, x, gamma, beta, eps: float = 1e-12) -> np.ndarray:
        x, gamma = self._check(x, gamma, "SpikingLayerNorm")
        beta = np.asarray(beta, dtype=np.float64)
        if beta.shape not in ((x.shape[-1],), ()):
            raise ValueError(f"SpikingLayerNorm: beta must have shape ({x.shape[-1]},), got {beta.shape}")
        q = self.boundary.encode(x)
        d, F = x.shape[-1], self.boundary.frac_bits + EPS_GUARD_BITS
        c = (SPIKE_INT(d) * q - q.sum(-1, keepdims=True)) << EPS_GUARD_BITS   # d (x - mu), exact
        y = self._normalised(c, np.sqrt(float(d) ** 3 * eps) * 2.0 ** F, gamma)
        y = y + to_fixed(beta, self.out_bits)
        return float_out(from_fixed(y, self.out_bits), x)
