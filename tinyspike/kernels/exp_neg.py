"""Kernel of the sigmoid surrogate's exponential: e^{-a} for a >= 0 from +, -, * and an exact power of two.

One formula for NumPy arrays and numba scalars.

Why not ``np.exp`` / ``math.exp``: numba calls libm's scalar exp, which stops the LIF backward loop from
vectorising (it then costs ~10x a memory copy), and NumPy's SIMD exp may differ from libm's in the last
bit, so the kernel could not agree with its NumPy specification bit for bit. This function is written
once and runs in both (plain Python on arrays; numba compiles it inside kernels): same operations, same
order, same dtype, so the results are identical.

    a = k ln2 - r,   k = floor(a / ln2 + 1/2),   |r| <= ln2 / 2        (ln2 = LN2_HI + LN2_LO, Cody-Waite:
    e^{-a} = 2^{-k} e^{r},   e^{r} ~ sum_{i=0}^{d} r^i / i!              k LN2_HI is exact)

with d = 12 in float64 (truncation r^13 / 13! < 2e-16 relative) and d = 7 in float32 (r^8 / 8! < 6e-9,
a tenth of float32's rounding): within 2 ulp of e^{-a} in float64 and 1 ulp in float32
(tests/kernels/test_exp_neg.py). 2^{-k} is built as a float's bit pattern (``pow2_neg``). Beyond A_MAX = 87,
where e^{-a} < 1.7e-38 nears float32's smallest normal number, the result is 0 in both dtypes: no
subnormal number is ever formed (they cost ~100 cycles each on x86). NaN also gives 0.
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload, register_jitable

LN2_HI = 0.693145751953125                 # 16 significant bits: k * LN2_HI is exact
LN2_LO = 1.428606820309417232121458e-6     # ln2 - LN2_HI to 25 digits (not math.log(2) - LN2_HI)
INV_FACTORIAL = tuple(1.0 / math.factorial(i) for i in range(13))
A_MAX = 87.0                               # e^{-87} = 1.65e-38 > 2^-126; k <= 126


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


# Exponent field of 2^-k: (bias - k) << mantissa_bits, the mantissa 0; k < 127 keeps it a normal number.
EXPONENT_FIELD = {np.float32: (np.int32, 127, 23), np.float64: (np.int64, 1023, 52)}


def pow2_neg(k, dt):
    """2^-k for an integer-valued float k in [0, 127): the float whose exponent field is bias - k.

    Exact (a power of two is built, not computed), so every way of building it agrees bit for bit: this
    NumPy version writes the bits into an integer array and views them as floats; inside numba kernels
    the overload below does the same with one integer subtraction, a shift and a bit cast per lane, which
    vectorise (a table lookup would be a SIMD gather; the previous product over the bits of k cost 35
    vector operations, more than the rest of the exponential).
    """
    int_t, bias, mantissa = EXPONENT_FIELD[dt]
    bits = (int_t(bias) - np.asarray(k).astype(int_t)) << mantissa
    return bits.view(dt)[()]


@intrinsic
def _pow2_neg_bits(typingctx, k):
    """numba: the float (of k's type) with exponent field bias - int(k) and mantissa 0."""
    if not isinstance(k, types.Float):
        return None

    def codegen(context, builder, signature, args):
        width, bias, mantissa = (32, 127, 23) if k.bitwidth == 32 else (64, 1023, 52)
        as_int = builder.fptosi(args[0], ir.IntType(width))
        field = builder.shl(builder.sub(ir.Constant(ir.IntType(width), bias), as_int),
                            ir.Constant(ir.IntType(width), mantissa))
        return builder.bitcast(field, context.get_value_type(k))
    return k(k), codegen


@overload(pow2_neg, inline="always")
def _pow2_neg_numba(k, dt):
    if isinstance(k, types.Float):
        return lambda k, dt: _pow2_neg_bits(k)
    return None


exp_neg_nb = njit(cache=True, error_model="numpy")(exp_neg)
