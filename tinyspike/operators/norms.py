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

from ..backends import FAST, kernel
from .boundary import IFBoundary, check_backend, check_finite_or_inf, float_out
from .cordic import cordic_angle_bound, cordic_gain, cordic_truncation_bound, l2_norm_tree, tree_depth
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

    center = False
    default_eps = 1e-6

    def __init__(self, T, levels, x_range, iterations, n, gamma_bits, out_bits, backend):
        self.boundary = IFBoundary(T, levels, x_range)
        if iterations < 1:
            raise ValueError(f"{type(self).__name__}: iterations must be >= 1, got {iterations}")
        check_headroom(ROW_BITS + n, type(self).__name__, "lower n (n <= 32)")
        check_backend(backend, type(self).__name__)
        self.T, self.levels, self.x_range, self.iterations, self.n = T, levels, x_range, iterations, n
        self.gamma_bits, self.out_bits, self.backend = gamma_bits, out_bits, backend

    def __repr__(self):
        return (f"{type(self).__name__}(T={self.T}, levels={self.levels}, x_range={self.x_range}, "
                f"iterations={self.iterations}, n={self.n})")

    def _prepare(self, x, gamma, beta, eps):
        """Check inputs and fold the constants (offline): eps entry, gamma' = G^depth sqrt(d) gamma, beta."""
        where = type(self).__name__
        x = np.asarray(x)
        if x.ndim < 1 or x.shape[-1] < 1:
            raise ValueError(f"{where}: x must have a non-empty last axis to normalise, got shape {x.shape}")
        d = x.shape[-1]
        for name, p in (("gamma", gamma), ("beta", beta)):
            if p is not None and np.shape(p) not in ((d,), ()):
                raise ValueError(f"{where}: {name} must have shape ({d},) to match the last axis of x "
                                 f"{x.shape}, got {np.shape(p)}")
        if not eps >= 0:
            raise ValueError(f"{where}: eps must be >= 0, got {eps}")
        check_finite_or_inf(x, where)
        gamma = np.broadcast_to(np.asarray(gamma, dtype=np.float64), (d,))
        beta = np.zeros(d) if beta is None else np.broadcast_to(np.asarray(beta, dtype=np.float64), (d,))
        depth = tree_depth(d + 1)
        # offline: eps as one more vector entry, the gain G^depth sqrt(d) folded into gamma'
        units = 2.0 ** (self.boundary.frac_bits + EPS_GUARD_BITS)
        eps_q = int(to_fixed(np.sqrt((float(d) ** 3 if self.center else float(d)) * eps) * units, 0))
        check_headroom(self.n + np.log2(np.sqrt(d) * max(float(np.abs(gamma).max()), 1e-300)) + self.gamma_bits
                       + 1, where, "|gamma| is too large; lower gamma_bits")
        g_q = to_fixed(gamma * cordic_gain(self.iterations) ** depth * np.sqrt(d), self.gamma_bits)
        b_q = to_fixed(beta, self.out_bits)
        shift = self.n + self.gamma_bits - self.out_bits
        return x, eps_q, g_q, b_q, shift, depth

    def _run(self, x, gamma, beta, eps):
        """Shared entry: prepare, then run the kernel or the specification."""
        x, eps_q, g_q, b_q, shift, depth = self._prepare(x, gamma, beta, eps)
        fused = kernel("SpikingNorm", self.backend)               # same integer steps, compiled
        if fused is not None:
            return fused(self, x, eps_q, g_q, b_q, shift, depth)
        return float_out(from_fixed(self._counts(x, eps_q, g_q, b_q, shift)["y"], self.out_bits), x)

    def forward_numpy(self, x, gamma, beta=None, eps: float | None = None) -> np.ndarray:
        """The specification: every integer step as a NumPy array operation, then the read-out."""
        x = np.asarray(x)
        return float_out(from_fixed(self.spike_counts(x, gamma, beta, eps)["y"], self.out_bits), x)

    def spike_counts(self, x, gamma, beta=None, eps: float | None = None) -> dict:
        """The specification's integer path: each stage's counts (int64); 'y' holds y 2^out_bits.
        (beta=None for RMSNorm; eps=None takes the class default.)"""
        eps = self.default_eps if eps is None else eps
        return self._counts(*self._prepare(x, gamma, beta, eps)[:5])

    def error_bound(self, x, gamma, eps: float) -> np.ndarray:
        """Elementwise |y_hat - y| bound (float oracle, |x| <= x_range). With z the exact normalised value and
        s = sqrt(var + eps) (LayerNorm) or sqrt(mean x^2 + eps) (RMSNorm):
        input levels: (2 + |z|) delta / (s - delta) (LayerNorm; 1 + |z| for RMSNorm);
        integer path: |z| eps_N / (1 - eps_N) with eps_N = CORDIC angle + truncation (rows carry >= 2^29)
        + row-shift and eps-entry roundings; the division floor 2^-n G^depth sqrt(d); gamma' rounding;
        output and beta roundings."""
        x = np.asarray(x, dtype=np.float64)
        gamma = np.asarray(gamma, dtype=np.float64)
        d = x.shape[-1]
        delta = 2.0 ** -self.boundary.frac_bits
        xc = x - x.mean(-1, keepdims=True) if self.center else x
        s = np.sqrt((xc * xc).mean(-1, keepdims=True) + eps)
        z = xc / s
        depth, G = tree_depth(d + 1), cordic_gain(self.iterations)
        inputs = ((2.0 if self.center else 1.0) + np.abs(z)) * delta / np.maximum(s - delta, 1e-300)
        units = 2.0 ** (self.boundary.frac_bits + EPS_GUARD_BITS) * (d if self.center else 1)
        row_norm = np.sqrt(d) * np.maximum(s - delta, 1e-300) * units
        eps_N = (cordic_angle_bound(self.iterations, depth)
                 + cordic_truncation_bound(d + 1, self.iterations) / (G ** depth * 2.0 ** (ROW_BITS - 1))
                 + 2.0 ** -(ROW_BITS - 1) + 0.5 / row_norm)
        integer = np.abs(z) * (eps_N / (1 - eps_N) + 2.0 ** -(ROW_BITS - 1))
        floor_div = 2.0 ** -self.n * G ** depth * np.sqrt(d)
        g_round = np.abs(z) * 2.0 ** -(self.gamma_bits + 1) / (G ** depth * np.sqrt(d))
        return np.abs(gamma) * (inputs + integer + floor_div) + g_round + 2.0 ** -self.out_bits

    def _counts(self, x, eps_q: int, g_q, b_q, shift: int) -> dict:
        """Encode, centre, normalise rows, CORDIC tree norm, division groups, folded gamma', beta."""
        q = self.boundary.encode(x)                                       # (..., d) counts
        d = q.shape[-1]
        if self.center:
            q = SPIKE_INT(d) * q - q.sum(-1, keepdims=True)               # d (x - mu), exact
        e = np.full(q.shape[:-1] + (1,), eps_q, dtype=SPIKE_INT)
        ext = normalise_rows(np.concatenate([q << EPS_GUARD_BITS, e], axis=-1))   # (..., d + 1)
        N = np.maximum(l2_norm_tree(ext, self.iterations), 1)[..., None]  # G^depth ||row||
        u = divide_signed(ext[..., :d], N, self.n)                         # division groups, n bits
        return dict(q=q, ext=ext, N=N, u=u, y=rshift_round(u * g_q, shift) + b_q)


class SpikingRMSNorm(_CordicNorm):
    """y = x / sqrt(mean x^2 + eps) gamma on the spiking path (last axis)."""

    center = False

    def __init__(self, *, T: int = 16, levels: int = 2**18, x_range: float = 256.0, iterations: int = 16,
                 n: int = 32, gamma_bits: int = 16, out_bits: int = 24, backend: str = FAST):
        super().__init__(T, levels, x_range, iterations, n, gamma_bits, out_bits, backend)

    def __call__(self, x, gamma, eps: float = 1e-6) -> np.ndarray:
        return self._run(x, gamma, None, eps)


class SpikingLayerNorm(_CordicNorm):
    """y = (x - mu) / sqrt(var + eps) gamma + beta on the spiking path (last axis)."""

    center = True
    default_eps = 1e-12

    def __init__(self, *, T: int = 16, levels: int = 2**18, x_range: float = 256.0, iterations: int = 16,
                 n: int = 32, gamma_bits: int = 16, out_bits: int = 24, backend: str = FAST):
        super().__init__(T, levels, x_range, iterations, n, gamma_bits, out_bits, backend)

    def __call__(self, x, gamma, beta, eps: float = 1e-12) -> np.ndarray:
        return self._run(x, gamma, beta, eps)
