"""Fast Walsh-Hadamard transform y = H_bar x for n = m * 2^k, batched over leading axes.

Layout (same kron order as ``hadamard_matrix``): index i = a * p + b with a < m, b < p = 2^k, so
``H_bar x = (H_m X H_p^T) / sqrt(n)`` with X = x.reshape(m, p): a butterfly on every length-p row
(H_p is symmetric), then a small dense m x m multiply across rows.
Cost O(n (log p + m)) per vector instead of O(n^2).
``fwht_numpy`` is the specification; ``fwht`` is the numba kernel tested against it.
Backward: dx = H_bar^T dy = ``fwht(dy, transpose=True)`` (H_p symmetric, H_m is not).
"""
from __future__ import annotations

import numpy as np
import numba
from numba import njit, prange

from .hadamard import _base, factor


def fwht_numpy(x: np.ndarray, transpose: bool = False) -> np.ndarray:
    """Reference: y = H_bar x (or H_bar^T x) along the last axis, out of place, orthonormal."""
    n = x.shape[-1]
    m, p = factor(n)
    y = x.reshape(-1, m, p).astype(x.dtype, copy=True)  # (N, m, p)
    h = 1
    while h < p:                                          # butterfly on the 2^k factor
        y = y.reshape(-1, m, p // (2 * h), 2, h)
        lo, hi = y[..., 0, :].copy(), y[..., 1, :].copy()
        y[..., 0, :], y[..., 1, :] = lo + hi, lo - hi
        h *= 2
    y = y.reshape(-1, m, p)
    if m > 1:                                             # dense base factor: H_m X
        hm = _base(m).T if transpose else _base(m)
        y = np.einsum("ac,ncd->nad", hm.astype(x.dtype), y)
    return (y * x.dtype.type(1.0 / np.sqrt(n))).reshape(x.shape)


@njit(cache=True, parallel=True, error_model="numpy")
def _fwht_tiles(x, y, hm, m, p, scale, tile, nchunks):
    """y = H_bar x row by row for x, y (N, m * p); y may be x (in place).

    Rows are processed ``tile`` at a time in a transposed buffer buf (n, tile), so every
    butterfly u, v -> u + v, u - v runs over ``tile`` contiguous lanes (SIMD), even for the first
    stages (h = 1, 2, 4) that are strided within a row. Then hm (m x m) is applied across the m
    segments, and the scale is folded into the write-back.
    """
    nrows, n = y.shape
    ntiles = (nrows + tile - 1) // tile
    for ch in prange(nchunks):                         # one buffer per thread-chunk, reused
        buf = np.zeros((n, tile), y.dtype)             # (n, tile): feature-major
        tmp = np.empty((m, tile), y.dtype)
        for t in range(ch * ntiles // nchunks, (ch + 1) * ntiles // nchunks):
            r0 = t * tile
            w = min(tile, nrows - r0)
            for jb in range(0, n, 16):                 # blocked transpose in
                for r in range(w):
                    for j in range(jb, min(jb + 16, n)):
                        buf[j, r] = x[r0 + r, j]
            for a in range(m):                         # butterfly on each length-p segment
                off = a * p
                h = 1
                while 4 * h <= p:                      # radix 4: stages h and 2h in one pass
                    for i in range(off, off + p, 4 * h):
                        for j in range(i, i + h):
                            for r in range(tile):
                                a0 = buf[j, r]
                                a1 = buf[j + h, r]
                                a2 = buf[j + 2 * h, r]
                                a3 = buf[j + 3 * h, r]
                                b0, b1, b2, b3 = a0 + a1, a0 - a1, a2 + a3, a2 - a3
                                buf[j, r] = b0 + b2
                                buf[j + h, r] = b1 + b3
                                buf[j + 2 * h, r] = b0 - b2
                                buf[j + 3 * h, r] = b1 - b3
                    h *= 4
                if h < p:                              # odd number of stages: one radix-2 pass
                    for j in range(off, off + h):
                        for r in range(tile):
                            u = buf[j, r]
                            v = buf[j + h, r]
                            buf[j, r] = u + v
                            buf[j + h, r] = u - v
            if m > 1:                                  # base factor: X <- H_m X across segments
                for b in range(p):
                    for a in range(m):
                        for r in range(tile):
                            tmp[a, r] = 0
                        for c in range(m):
                            hv = hm[a, c]
                            for r in range(tile):
                                tmp[a, r] += hv * buf[c * p + b, r]
                    for a in range(m):
                        for r in range(tile):
                            buf[a * p + b, r] = tmp[a, r]
            for jb in range(0, n, 16):                 # blocked transpose out, scaled
                for r in range(w):
                    for j in range(jb, min(jb + 16, n)):
                        y[r0 + r, j] = buf[j, r] * scale


def fwht(x: np.ndarray, transpose: bool = False, out: np.ndarray | None = None,
         inplace: bool = False) -> np.ndarray:
    """Numba FWHT along the last axis: y = H_bar x (``transpose``: H_bar^T x), float32/float64.

    ``inplace=True`` overwrites x (must be C-contiguous); ``out`` receives the result otherwise.
    """
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"fwht: dtype must be float32 or float64, got {x.dtype}")
    n = x.shape[-1]
    m, p = factor(n)
    if inplace:
        if not x.flags.c_contiguous:
            raise ValueError("fwht(inplace=True) needs a C-contiguous array")
        y = x
    elif out is not None:
        if out.shape != x.shape or out.dtype != x.dtype or not out.flags.c_contiguous:
            raise ValueError("fwht: out must be C-contiguous with x's shape and dtype")
        y = out
    else:
        y = np.empty(x.shape, x.dtype)
    x = np.ascontiguousarray(x)
    hm = (_base(m).T if transpose else _base(m)).astype(x.dtype)
    rows = y.reshape(-1, n)
    if rows.shape[0]:
        tile = min(32, rows.shape[0])
        _fwht_tiles(x.reshape(-1, n), rows, hm, m, p, x.dtype.type(1.0 / np.sqrt(n)), tile,
                    numba.get_num_threads())
    return y
