"""numba kernels of the composite operators: each fuses, per row or per element, exactly the integer steps
of its plain NumPy specification (softmax.py, silu.py, gelu.py, norms.py), which stays the reference.
tests/operators/test_kernels.py checks they agree bit for bit (also with NUMBA_DISABLE_JIT=1).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

_ROW_BITS = 30


@njit(cache=True, inline="always")
def _rshift_round(v, s):
    """round(v / 2^s), half up; s <= 0 is a left shift (fixedpoint.rshift_round)."""
    if s <= 0:
        return v << -s
    if s > 62:
        s = 62
    return (v + (np.int64(1) << (s - 1))) >> s


@njit(cache=True, inline="always")
def _encode(x, scale, lim, theta, T, cap):
    """to_fixed then if_encode (boundary.IFBoundary.encode) for one float."""
    v = x * scale
    if v > lim:
        v = lim
    elif v < -lim:
        v = -lim
    c = np.int64(np.rint(v))
    mag = (T * abs(c) + theta // 2) // theta
    if mag > cap:
        mag = cap
    return -mag if c < 0 else mag


@njit(cache=True, inline="always")
def _pwl(x, lo, w, K, in_bits, start, slope):
    """pwl.pwl_evaluate for one integer."""
    hi = lo + K * w
    if x < lo:
        x = lo
    elif x > hi:
        x = hi
    k = (x - lo) // w
    if k > K - 1:
        k = K - 1
    return start[k] + _rshift_round(slope[k] * (x - (lo + k * w)), in_bits)


@njit(cache=True, inline="always")
def _exp2(y, lo, w, K, in_bits, start, slope):
    """exponential.exp2_fixed for one integer."""
    i = y >> in_bits
    v = _pwl(y - (i << in_bits), lo, w, K, in_bits, start, slope)
    if i >= 0:
        return v << i
    return _rshift_round(v, min(-i, 62))


@njit(parallel=True, cache=True)
def softmax_base2_kernel(x, enc, m, s, tab, start, slope, n, out):
    """x (rows, S) float -> out (rows, S) float (float64 values rounded once to out's dtype): softmax.SpikingSoftmax with exp='base2'.
    enc = (scale, lim, theta, T, cap); tab = (lo, w, K, in_bits)."""
    rows, S = x.shape
    for r in prange(rows):
        q = np.empty(S, np.int64)
        mx = np.iinfo(np.int64).min
        for j in range(S):
            q[j] = _encode(x[r, j], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
            mx = max(mx, q[j])
        total = np.int64(0)
        for j in range(S):
            y = _rshift_round((q[j] - mx) * m, s)
            q[j] = _exp2(y, tab[0], tab[1], tab[2], tab[3], start, slope)
            total += q[j]
        for j in range(S):
            out[r, j] = ((q[j] << n) // total) * 2.0 ** -n


@njit(parallel=True, cache=True)
def silu_base2_kernel(x, enc, m, s, tab, start, slope, one, n, shift, out_bits, out):
    """x (N,) float -> out (N,) float: silu.SpikingSiLU, symmetric, exp='base2'."""
    for i in prange(x.shape[0]):
        q = _encode(x[i], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
        E = _exp2(_rshift_round(-abs(q) * m, s), tab[0], tab[1], tab[2], tab[3], start, slope)
        num = one if q >= 0 else E
        sig = (num << n) // (one + E)
        out[i] = _rshift_round(q * sig, shift) * 2.0 ** -out_bits


@njit(parallel=True, cache=True)
def gelu_kernel(x, enc, tab, start, slope, one, shift, out_bits, out):
    """x (N,) float -> out (N,) float: gelu.SpikingGELU."""
    hi = tab[0] + tab[2] * tab[1]
    for i in prange(x.shape[0]):
        q = _encode(x[i], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
        a = abs(q)
        tail = np.int64(0) if a >= hi else _pwl(a, tab[0], tab[1], tab[2], tab[3], start, slope)
        phi = one - tail if q >= 0 else tail
        out[i] = _rshift_round(q * phi, shift) * 2.0 ** -out_bits


@njit(cache=True, inline="always")
def _bit_length(v):
    b = 0
    while v > 0 and b < 63:
        v >>= 1
        b += 1
    return b


@njit(cache=True)
def _cordic(x, y, iterations):
    """cordic.cordic_vectoring for one pair."""
    x = abs(x)
    for i in range(iterations):
        xs, ys = x >> i, y >> i
        if y >= 0:
            x, y = x + ys, y - xs
        else:
            x, y = x - ys, y + xs
    return x


@njit(parallel=True, cache=True)
def norm_kernel(x, enc, center, eps_guard, eps_q, width, iterations, n, g_q, b_q, shift, out_bits, out):
    """x (rows, d) float -> out (rows, d) float: norms.SpikingLayerNorm (center=True) / SpikingRMSNorm.
    eps_q: the eps entry (int); g_q: (d,) folded gamma'; b_q: (d,) beta (zeros for RMSNorm)."""
    rows, d = x.shape
    for r in prange(rows):
        buf = np.zeros(width, np.int64)
        total = np.int64(0)
        for j in range(d):
            buf[j] = _encode(x[r, j], enc[0], enc[1], np.int64(enc[2]), np.int64(enc[3]), np.int64(enc[4]))
            total += buf[j]
        for j in range(d):
            buf[j] = ((d * buf[j] - total) if center else buf[j]) << eps_guard
        buf[d] = eps_q
        mx = np.int64(0)
        for j in range(d + 1):
            mx = max(mx, abs(buf[j]))
        sh = _ROW_BITS - _bit_length(mx)
        for j in range(d + 1):
            buf[j] = buf[j] << sh if sh >= 0 else _rshift_round(buf[j], -sh)
        c = buf[:d].copy()
        k = width
        while k > 1:
            for j in range(k // 2):
                buf[j] = _cordic(buf[2 * j], buf[2 * j + 1], iterations)
            k //= 2
        N = max(buf[0], np.int64(1))
        for j in range(d):
            u = (abs(c[j]) << n) // N
            if c[j] < 0:
                u = -u
            out[r, j] = (_rshift_round(u * g_q[j], shift) + b_q[j]) * 2.0 ** -out_bits
