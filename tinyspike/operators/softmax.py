"""Spiking softmax: p_j = floor(E_j 2^n / sum_k E_k), E_j = exp(x_j - max x) from the exponential primitive.

exp="base2" (default): E = 2^{(x - max) log2 e} (integer part by shift, fraction by a K-segment table),
exact in range: no clipping, tiny terms underflow to 0. exp="pwl": the paper's form, E = exp(x - max + L)
from the K-segment chord table on [-L, L]; terms more than 2L below the maximum give 0.
The row sum is an integer sum of counts; each p_j is the count of a division group (2^-n resolution).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .boundary import IFBoundary, check_backend, check_finite_or_inf, float_out, table_params
from .division import divide
from .boundary import if_encode_scalar
from .exponential import LOG2E, Base2Exp, eps_chord_exp, exp2_scalar, exp_pwl, exp_table
from .fixedpoint import check_headroom, from_fixed, rshift_round_scalar, to_fixed


class SpikingSoftmax:
    """softmax(x, axis) on the spiking path; knobs T, levels, x_range (encoder), K, L, exp, n, exp_bits."""

    def __init__(self, *, T: int = 16, levels: int = 2**17, x_range: float = 128.0, K: int = 64,
                 L: float = 5.0, exp: str = "base2", n: int = 30, exp_bits: int = 30,
                 backend: str = "numba"):
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
        if self.backend == "numba" and self.exp == "base2":      # fused kernel, same integer steps
            xr = np.ascontiguousarray(np.moveaxis(x, axis, -1), dtype=np.float64)   # one compiled signature
            out = np.empty(xr.shape, np.float64)
            e = self._exp
            softmax_base2_kernel(xr.reshape(-1, xr.shape[-1]), self.boundary.kernel_params(), e.m,
                                         e.s + e.in_bits - e.frac_bits, table_params(e.table), e.table.start,
                                         e.table.slope, self.n, out.reshape(-1, xr.shape[-1]))
            return float_out(np.moveaxis(out, -1, axis), x)
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


# ---- the numba kernel: the same integer steps fused per row / element; the NumPy code above is its
# specification (tests/operators/test_kernels.py: equal bit for bit, also with NUMBA_DISABLE_JIT=1)

@njit(parallel=True, cache=True)
def softmax_base2_kernel(x, enc, m, s, tab, start, slope, n, out):
    """x (rows, S) float -> out (rows, S) float: SpikingSoftmax with exp='base2'.
    enc = (scale, lim, theta, T, cap); tab = (lo, w, K, in_bits)."""
    rows, S = x.shape
    for r in prange(rows):
        q = np.empty(S, np.int64)
        mx = np.iinfo(np.int64).min
        for j in range(S):
            q[j] = if_encode_scalar(x[r, j], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
            mx = max(mx, q[j])
        total = np.int64(0)
        for j in range(S):
            y = rshift_round_scalar((q[j] - mx) * m, s)
            q[j] = exp2_scalar(y, tab[0], tab[1], tab[2], tab[3], start, slope)
            total += q[j]
        for j in range(S):
            out[r, j] = ((q[j] << n) // total) * 2.0 ** -n
