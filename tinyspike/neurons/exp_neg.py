"""e^{-a} for a >= 0 from +, -, * only: one formula for NumPy arrays and numba scalars.

Why not ``np.exp`` / ``math.exp``: numba calls libm's scalar exp, which stops the LIF backward loop from
vectorising (it then costs ~10x a memory copy), and NumPy's SIMD exp may differ from libm's in the last
bit, so the kernel could not agree with its NumPy specification bit for bit. This function is written
once and runs in both (plain Python on arrays; numba compiles it inside kernels): same operations, same
order, same dtype, so the results are identical.

    a = k ln2 - r,   k = floor(a / ln2 + 1/2),   |r| <= ln2 / 2        (ln2 = LN2_HI + LN2_LO, Cody-Waite:
    e^{-a} = 2^{-k} e^{r},   e^{r} ~ sum_{i=0}^{d} r^i / i!              k LN2_HI is exact)

with d = 12 in float64 (truncation r^13 / 13! < 2e-16 relative) and d = 7 in float32 (r^8 / 8! < 6e-9,
a tenth of float32's rounding): within 2 ulp of e^{-a} in float64 and 1 ulp in float32
(tests/neurons/test_exp_neg.py). 2^{-k} is built from the bits of k (``pow2_neg``). Beyond A_MAX = 87,
where e^{-a} < 1.7e-38 nears float32's smallest normal number, the result is 0 in both dtypes: no
subnormal number is ever formed (they cost ~100 cycles each on x86). NaN also gives 0.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.extending import register_jitable

LN2_HI = 0.693145751953125                 # 16 significant bits: k * LN2_HI is exact
LN2_LO = 1.428606820309417232121458e-6     # ln2 - LN2_HI to 25 digits (not math.log(2) - LN2_HI)
INV_FACTORIAL = tuple(1.0 / math.factorial(i) for i in range(13))
A_MAX = 87.0                               # e^{-87} = 1.65e-38 > 2^-126; k <= 126 < 2^KBITS
KBITS = 7
ONE, HALF = np.float32(1.0), np.float32(0.5)   # exact in every float dtype: never promote float32


@register_jitable(inline="always")   # plain Python on arrays; compiled when a numba kernel calls it
def exp_neg(a, dt):
    """e^{-a}, a >= 0 (array or scalar), computed in the float type ``dt`` (np.float32 or np.float64)."""
    inside = dt(a <= dt(A_MAX))                                      # 0 beyond A_MAX (and for NaN)
    a = np.fmin(a, dt(A_MAX))                                        # fmin(NaN, m) = m: k stays in range
    k = np.floor(a * dt(1.0 / math.log(2.0)) + dt(0.5))
    r = k * dt(LN2_HI) - a + k * dt(LN2_LO)                          # in [-ln2/2, ln2/2]
    degree = 7 if np.finfo(dt).eps > 1e-10 else 12                   # float32 / float64 (see below)
    p = dt(0.0)
    for i in range(degree, -1, -1):                                  # Horner: e^r ~ sum r^i / i!
        p = p * r + dt(INV_FACTORIAL[i])
    return p * pow2_neg(k, dt) * inside


@register_jitable(inline="always")
def pow2_neg(k, dt):
    """2^-k for an integer-valued float k in [0, 2^KBITS), as the product of 2^-(2^b) over the bits b of k.

    Float arithmetic on the bits of k, not a table lookup (a SIMD gather costs more than this whole
    function) nor integer bit tricks (int-float conversions are slow in SIMD). Exact: the bits, and the
    products of powers of two (all normal numbers).
    """
    scale = dt(1.0)
    f = dt(0.5)                                                      # f = 2^-(2^b)
    for b in range(KBITS):
        if b > 0:
            f = f * f
        half = np.floor(k * HALF)
        bit = k - (half + half)                                      # bit b of the original k: 0 or 1
        scale = scale * (bit * f + (ONE - bit))                      # times f if the bit is set
        k = half
    return scale


exp_neg_nb = njit(cache=True, error_model="numpy")(exp_neg)
