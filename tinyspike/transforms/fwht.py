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


# ---- numba kernel: TILE rows at a time, transposed so that every butterfly is one SIMD operation ----
# The first stages (h = 1, 2, 4, 8) pair values inside one row, a few floats apart: no SIMD register can
# hold both sides. Transposing TILE = 16 rows into buf (n, TILE) turns every stage into operations on
# whole 16-lane rows of buf (one AVX-512 register of float32), and the H_m stage into one small BLAS
# product. buf is 64 KB at n = 1024 (L2); the transposes in and out cost about as much as all the
# butterflies (docs/transforms.md).
# Each step is its own function over arrays: numba vectorises those loops, not the same loops written
# inside the prange body.
TILE = 16


@njit(cache=True, error_model="numpy")
def _transpose_in(x, buf):
    """buf[j, r] = x[r, j] for x (TILE, n): 16 x 16 blocks with constant trip counts (so both loops
    unroll), then the last n % 16 columns."""
    n = x.shape[1]
    full = n - n % 16
    for jb in range(0, full, 16):
        for r in range(TILE):
            for j in range(jb, jb + 16):
                buf[j, r] = x[r, j]
    for r in range(TILE):
        for j in range(full, n):
            buf[j, r] = x[r, j]


@njit(cache=True, error_model="numpy")
def _transpose_out(buf, y, scale):
    """y[r, j] = buf[j, r] * scale for y (TILE, n), blocked as in ``_transpose_in``."""
    n = y.shape[1]
    full = n - n % 16
    for jb in range(0, full, 16):
        for r in range(TILE):
            for j in range(jb, jb + 16):
                y[r, j] = buf[j, r] * scale
    for r in range(TILE):
        for j in range(full, n):
            y[r, j] = buf[j, r] * scale


@njit(cache=True, error_model="numpy")
def _sylvester_stages(buf, off, p):
    """H_p on rows off .. off + p of buf (p, lanes): butterflies u, v -> u + v, u - v over the lanes."""
    h = 1
    while 4 * h <= p:                      # radix 4: stages h and 2h in one pass
        for i in range(off, off + p, 4 * h):
            for j in range(i, i + h):
                for r in range(TILE):
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
            for r in range(TILE):
                u = buf[j, r]
                v = buf[j + h, r]
                buf[j, r] = u + v
                buf[j + h, r] = u - v


@njit(cache=True, error_model="numpy")
def _fwht_tile(x, y, hm, p, scale, buf, buf2):
    """y = H_bar x for one tile x, y (TILE, m p); y may be x; buf, buf2 (m p, TILE) scratch.

    The base stage X <- H_m X across the m segments is one small matrix product: buf viewed as
    (m, p TILE) is segment-major, so it is hm @ buf (BLAS).
    """
    m = hm.shape[0]
    _transpose_in(x, buf)
    for a in range(m):
        _sylvester_stages(buf, a * p, p)
    if m > 1:
        np.dot(hm, buf.reshape(m, p * TILE), out=buf2.reshape(m, p * TILE))
        _transpose_out(buf2, y, scale)
    else:
        _transpose_out(buf, y, scale)


@njit(cache=True, parallel=True, error_model="numpy")
def _fwht_tiles(x, y, hm, p, scale, nchunks):
    """y = H_bar x for x, y (N, m p), y may be x (in place): TILE rows at a time, in nchunks parallel
    chunks of whole tiles. The rows after the last whole tile go through a zero-padded tile."""
    nrows, n = y.shape
    ntiles = nrows // TILE
    for ch in prange(nchunks):
        buf = np.zeros((n, TILE), y.dtype)             # scratch per chunk, reused by its tiles
        buf2 = np.empty((n, TILE), y.dtype)
        for t in range(ch * ntiles // nchunks, (ch + 1) * ntiles // nchunks):
            _fwht_tile(x[t * TILE:(t + 1) * TILE], y[t * TILE:(t + 1) * TILE], hm, p, scale, buf, buf2)
    rest = nrows - ntiles * TILE
    if rest:
        pad = np.zeros((TILE, n), y.dtype)
        pad[:rest] = x[ntiles * TILE:]
        _fwht_tile(pad, pad, hm, p, scale, np.zeros((n, TILE), y.dtype), np.empty((n, TILE), y.dtype))
        y[ntiles * TILE:] = pad[:rest]


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
    hm = np.ascontiguousarray(_base(m).T if transpose else _base(m), dtype=x.dtype)
    rows = y.reshape(-1, n)
    if rows.shape[0]:
        _fwht_tiles(x.reshape(-1, n), rows, hm, p, x.dtype.type(1.0 / np.sqrt(n)),
                    max(1, min(numba.get_num_threads(), rows.shape[0] // TILE)))
    return y
