"""Exponentiation on the spiking path: piecewise-linear e^x on [-L, L], and the base-2 variant.

Natural: e^x ~ chord on K equal segments of [-L, L] (width h = 2L/K). On a segment the chord's
relative error is at most h^2/8 e^h = L^2/(2 K^2) e^{2L/K} =: eps_exp (Taylor remainder of the
interpolation error, e^x'' = e^x, divided by the smallest value on the segment).
Base 2: e^x = 2^{x log2 e}; y = x log2 e (one constant weight and a shift), integer part i = y >> bits
(a shift), fraction f in [0, 1) by a chord table of 2^f; then 2^i 2^f is a shift of the table value.
Its relative error is at most (h ln 2)^2/8 2^h with h = 1/K, on the whole line (no clipping range).
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import SPIKE_INT, rshift_round
from .pwl import PWLTable, build_pwl_table, pwl_evaluate
from .shift import constant_multiplier, scale_by_constant

LOG2E = float(np.log2(np.e))


def eps_exp(L: float, K: int) -> float:
    """Relative-error bound of the natural PWL exponential: L^2/(2K^2) e^{2L/K}."""
    return L * L / (2.0 * K * K) * np.exp(2.0 * L / K)


def eps_chord_exp(h: float) -> float:
    """Relative-error bound of the chord of e^x on a segment of width h: h^2/8 e^h (= eps_exp at h = 2L/K)."""
    return h * h / 8.0 * np.exp(h)


def eps_exp2(K: int) -> float:
    """Relative-error bound of the base-2 fraction table: (ln2/K)^2/8 2^{1/K}."""
    return (np.log(2.0) / K) ** 2 / 8.0 * 2.0 ** (1.0 / K)


def exp_table(L: float, K: int, in_bits: int, out_bits: int) -> PWLTable:
    """Offline chord table of e^x on [-L, L]."""
    return build_pwl_table(np.exp, -L, L, K, in_bits, out_bits)


def exp_pwl(x_q, table: PWLTable, below: str = "zero") -> np.ndarray:
    """e^x (out_bits) for x (in_bits): the chord table on [-L, L]; x > L clips to e^L, x < -L gives 0
    (below="zero") or e^-L (below="clip", the naive clipped form)."""
    x_q = np.asarray(x_q, dtype=SPIKE_INT)
    y = pwl_evaluate(x_q, table)
    if below == "zero":
        y = np.where(x_q < table.lo_q, SPIKE_INT(0), y)
    elif below != "clip":
        raise ValueError(f"exp_pwl: below must be 'zero' or 'clip', got {below!r}")
    return y


def exp2_table(K: int, frac_bits: int, out_bits: int) -> PWLTable:
    """Offline chord table of 2^f on [0, 1)."""
    return build_pwl_table(np.exp2, 0.0, 1.0, K, frac_bits, out_bits)


def exp2_fixed(y_q, table: PWLTable) -> np.ndarray:
    """2^y (out_bits) for y (table.in_bits): integer part by a shift, fraction by the table."""
    y_q = np.asarray(y_q, dtype=SPIKE_INT)
    i = y_q >> table.in_bits                           # floor: integer part (negative for y < 0)
    f = y_q - (i << table.in_bits)                     # fraction in [0, 2^in_bits)
    v = pwl_evaluate(f, table)                         # 2^f in [1, 2], out_bits
    if (i > 0).any():
        top = int(v.max()).bit_length() + int(i.max())
        if top > 62:
            raise ValueError(f"exp2_fixed: 2^y overflows int64 (needs {top} bits); lower out_bits")
    return np.where(i >= 0, v << np.maximum(i, 0), rshift_round(v, np.minimum(-i, 62)))


class Base2Exp:
    """e^x for x in in_bits as 2^{x log2 e}: the constant log2 e is one weight m / 2^s."""

    def __init__(self, K: int, in_bits: int, out_bits: int, frac_bits: int = 24):
        self.table = exp2_table(K, frac_bits, out_bits)
        self.m, self.s = constant_multiplier(LOG2E, 30)
        self.in_bits, self.frac_bits = in_bits, frac_bits

    def relative_error_bound(self, a) -> np.ndarray:
        """|E_hat - e^-a| <= e^-a * this + 2^-(out_bits+1), for a = |x| (float oracle): table chord,
        rounding of y to frac_bits, the weight m/2^s vs log2 e (times a), table roundings."""
        dw = abs(self.m / 2.0 ** self.s - LOG2E)
        return (eps_chord_exp(self.table.width * np.log(2.0))
                + np.log(2.0) * (2.0 ** -(self.frac_bits + 1) + np.abs(a) * dw)
                + 1.5 * 2.0 ** -self.table.out_bits)

    def __call__(self, x_q) -> np.ndarray:
        y = scale_by_constant(x_q, self.m, self.s + self.in_bits - self.frac_bits)   # x log2 e, frac_bits
        return exp2_fixed(y, self.table)
