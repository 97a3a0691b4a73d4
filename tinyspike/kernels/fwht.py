"""The FWHT kernel (reference: ``tinyspike/transforms/fwht.py``'s ``fwht_numpy``): y = H_bar x row by row,
every stage in SIMD (``simd_butterfly.py``), all stages while the row sits in L1.

Registered as the "numba" backend of ``transforms.fwht.fwht``, which checks every argument first. Equal to
``fwht_numpy`` bit for bit at n = 2^k (same additions in the same order); with a base m > 1 the base stage's
sums may round differently (``tests/kernels/test_fwht.py``: within float tolerance).
"""
from __future__ import annotations

import numpy as np
import numba
from numba import njit, prange

from ..backends import register
from ..transforms.hadamard import _base, factor
from .simd_butterfly import butterfly_pass_radix, prefetch, vector_butterflies, vector_combination


# ---- numba kernel: one row at a time, every stage in SIMD, all stages while the row sits in L1 ----
# Each row (n floats: 4 KB at n = 1024 float32) is read from x once, goes through all its stages while it
# sits in L1 (32 KB per core) and is written to y once, scaled by 1/sqrt(n) on the way: the memory traffic
# of a copy, and in place less (the whole row is read before any of it is written, so no write-allocate
# read). Every stage is a SIMD operation on vectors of L = 16 float32 (8 float64) values (simd_butterfly.py):
# the first log2(L) stages inside each vector (shuffles), then the strides h >= L in passes of radix up to
# 16 (up to 4 stages per load and store of each vector, 16 vectors in registers).
# Rows up to SCRATCH_MAX_BYTES go through a 64-byte aligned scratch row (NumPy's rows start 16 bytes past
# a cache line, so every vector access to them touches two lines); longer rows stay in y, because the row
# and a scratch copy would no longer both fit in L1 (measured: 16 KB rows are ~30 % slower via scratch).
# Those longer rows also prefetch the next row into L2 during their first pass: the hardware prefetcher
# alone leaves the memory idle for part of each row (n = 4096: 13.1 -> 11.6 ms; an in-place pass that only
# reads and writes takes 10 ms). At n = 1024 the hint made the transform slower, so shorter rows go without.
SCRATCH_MAX_BYTES = 8192


@njit(cache=True, error_model="numpy")
def _scalar_stages(a, start, n, p):
    """H_p on each length-p segment of a[start : start + n], in place, in plain loops (p below a vector)."""
    h = 1
    while h < p:
        for i in range(start, start + n, 2 * h):
            for j in range(i, i + h):
                u, v = a[j], a[j + h]
                a[j], a[j + h] = u + v, u - v
        h *= 2


@njit(cache=True, error_model="numpy")
def _sylvester_scalar(src, si, dst, di, n, p, scale):
    """``_sylvester`` for p shorter than a vector: plain loops."""
    for j in range(n):
        dst[di + j] = src[si + j]
    _scalar_stages(dst, di, n, p)
    if scale is not None:
        for j in range(di, di + n):
            dst[j] *= scale


# inline="always" (here and in _base_stage): inlined into the row loop of _fwht_rows. As a call per row it
# cost ~30 ns (argument passing and the arrays' reference counting), 20 % of the whole transform at n = 256.
@njit(inline="always", error_model="numpy")
def _sylvester(src, si, dst, di, buf, bi, n, p, scale, pf):
    """H_p on each length-p segment of a row of n = m p: dst[di : di + n] = (I_m kron H_p) src[si : si + n]
    (times scale unless None), flat arrays, through buf[bi : bi + n]; prefetches src[pf : pf + n] unless pf < 0.

    The stages h < p pair values inside 2h-blocks, which tile the segments, so they run over the whole
    row at once. buf may be dst (bi == di) and src may be dst (si == di, in place): each vector or group
    of vectors is read completely before it is written back to the same positions.
    """
    nl = 64 // src.itemsize                                # lanes per vector
    if p < nl:
        _sylvester_scalar(src, si, dst, di, n, p, scale)
        return
    stages = 0                                             # stages left after the in-vector ones: log2(p / L)
    while (nl << stages) < p:
        stages += 1
    if stages == 0:                                        # p == L: the in-vector stages are all
        for i in range(0, n, nl):
            vector_butterflies(src, si + i, dst, di + i)
        if scale is not None:
            for j in range(di, di + n):
                dst[j] *= scale
        return
    for i in range(0, n, nl):                              # stages 1 .. L/2: src -> buf
        vector_butterflies(src, si + i, buf, bi + i)
        if pf >= 0:
            prefetch(src, pf + i)
    h = nl
    while stages > 0:
        npass = (stages + 3) // 4                          # fewest passes of radix <= 16, stages spread evenly
        s = (stages + npass - 1) // npass
        stages -= s
        for i in range(0, n, h << s):
            for j in range(i, i + h, nl):
                if stages == 0:                            # last pass: buf -> dst, scaled
                    butterfly_pass_radix(buf, bi + j, dst, di + j, h, s, scale)
                else:
                    butterfly_pass_radix(buf, bi + j, buf, bi + j, h, s, None)
        h <<= s


@njit(inline="always", error_model="numpy")
def _base_stage(buf, bi, y, yo, hm, p, scale):
    """y[yo + a p + j] = scale * sum_c hm[a, c] buf[bi + c p + j]: H_m across the m segments of one row.

    Four (or two, or one) output vectors at a time (``vector_combination``: m loads, multiplies and adds per
    vector, one store); segments shorter than a vector in plain loops.
    """
    m = hm.shape[0]
    nl = 64 // buf.itemsize
    for a in range(m):
        if p % (4 * nl) == 0:
            for j in range(0, p, 4 * nl):
                vector_combination(buf, bi + j, p, hm[a], y, yo + a * p + j, scale, 4)
        elif p % (2 * nl) == 0:
            vector_combination(buf, bi, p, hm[a], y, yo + a * p, scale, 2)
        elif p == nl:
            vector_combination(buf, bi, p, hm[a], y, yo + a * p, scale, 1)
        else:
            for j in range(p):
                acc = hm[a, 0] * buf[bi + j]
                for c in range(1, m):
                    acc += hm[a, c] * buf[bi + c * p + j]
                y[yo + a * p + j] = acc * scale


@njit(cache=True, error_model="numpy")
def _fwht_short_segments(x, y, hm, p, scale, r0, r1):
    """Rows r0 .. r1 when the segments are shorter than a vector (p < L, m > 1: n = 12 * 8 in float32, say).

    Per row the base stage would be m^2 p scalar multiply-adds (its vectors would straddle segments), so
    blocks of BLOCK_ROWS rows go through one BLAS product instead: z[c, t p + j] = segment c of row t,
    the Sylvester stages inside each length-p piece of z, then y = hm @ z, times scale.
    """
    m = hm.shape[0]
    n = m * p
    for b0 in range(r0, r1, BLOCK_ROWS):
        nb = min(BLOCK_ROWS, r1 - b0)
        z = np.empty((m, nb * p), y.dtype)                 # (m, rows * p)
        for t in range(nb):
            for c in range(m):
                for j in range(p):
                    z[c, t * p + j] = x[(b0 + t) * n + c * p + j]
        for c in range(m):
            _scalar_stages(z[c], 0, nb * p, p)
        w = hm @ z                                         # (m, rows * p)
        for t in range(nb):
            for a in range(m):
                for j in range(p):
                    y[(b0 + t) * n + a * p + j] = w[a, t * p + j] * scale


BLOCK_ROWS = 64


@njit(cache=True, parallel=True, error_model="numpy")
def _fwht_rows(x, y, hm, p, scale, nchunks):
    """y = H_bar x, row by row, for flat C-contiguous x, y holding whole rows of n = m p (y may be x)."""
    m = hm.shape[0]
    n = m * p
    nrows = y.shape[0] // n
    nl = 64 // y.itemsize
    for ch in prange(nchunks):
        raw = np.empty(n + nl, y.dtype)                    # scratch row per chunk, reused by its rows
        bi = ((-raw.ctypes.data) % 64) // y.itemsize      # first 64-byte aligned element
        r1 = (ch + 1) * nrows // nchunks
        if m > 1 and p < nl:
            _fwht_short_segments(x, y, hm, p, scale, ch * nrows // nchunks, r1)
            continue
        for r in range(ch * nrows // nchunks, r1):
            if m == 1 and n * y.itemsize > SCRATCH_MAX_BYTES:   # too long for L1 twice: stay in y's row
                _sylvester(x, r * n, y, r * n, y, r * n, n, p, scale, (r + 1) * n if r + 1 < r1 else -1)
            elif m == 1:
                _sylvester(x, r * n, y, r * n, raw, bi, n, p, scale, -1)
            else:
                _sylvester(x, r * n, raw, bi, raw, bi, n, p, None, -1)
                _base_stage(raw, bi, y, r * n, hm, p, scale)


def fwht(x: np.ndarray, transpose: bool, out: np.ndarray | None, inplace: bool) -> np.ndarray:
    """``transforms.fwht.fwht`` by the kernel (arguments already checked there): float32/float64, last axis."""
    n = x.shape[-1]
    m, p = factor(n)
    y = x if inplace else (np.empty(x.shape, x.dtype) if out is None else out)
    x = np.ascontiguousarray(x)
    hm = np.ascontiguousarray(_base(m).T if transpose else _base(m), dtype=x.dtype)
    nrows = y.size // n if n else 0
    if nrows:
        _fwht_rows(x.reshape(-1), y.reshape(-1), hm, p, x.dtype.type(1.0 / np.sqrt(n)),
                   max(1, min(numba.get_num_threads(), nrows)))
    return y


register("fwht", "numba", fwht)
