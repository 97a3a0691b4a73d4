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
# hold both sides. Transposing TILE = 16 rows into buf (n, TILE) turns every stage, and the H_m stage,
# into operations on whole 16-lane rows of buf (one AVX-512 register of float32). buf is 64 KB at
# n = 1024 (L2); the transposes in and out are the costly part (scalar, strided): see docs/transforms.md.
# Each step is its own function over arrays: numba vectorises those loops, not the same loops written
# inside the prange body.
TILE = 16


@njit(cache=True, error_model="numpy")
def _transpose_in(x, r0, w, buf):
    """buf[j, r] = x[r0 + r, j] for r < w (16 x 16 blocks: both sides stay in cache lines)."""
    n = x.shape[1]
    for jb in range(0, n, 16):
        for r in range(w):
            for j in range(jb, min(jb + 16, n)):
                buf[j, r] = x[r0 + r, j]


@njit(cache=True, error_model="numpy")
def _transpose_out(buf, y, r0, w, scale):
    """y[r0 + r, j] = buf[j, r] * scale for r < w."""
    n = y.shape[1]
    for jb in range(0, n, 16):
        for r in range(w):
            for j in range(jb, min(jb + 16, n)):
                y[r0 + r, j] = buf[j, r] * scale


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
def _base_stage(buf, hm, p, tmp):
    """X <- H_m X across the m segments of length p of buf (m p, lanes); tmp: (m, lanes)."""
    m = hm.shape[0]
    for b in range(p):
        for a in range(m):
            for r in range(TILE):
                tmp[a, r] = 0
            for c in range(m):
                hv = hm[a, c]
                for r in range(TILE):
                    tmp[a, r] += hv * buf[c * p + b, r]
        for a in range(m):
            for r in range(TILE):
                buf[a * p + b, r] = tmp[a, r]


@njit(cache=True, parallel=True, error_model="numpy")
def _fwht_tiles(x, y, hm, m, p, scale, nchunks):
    """y = H_bar x for x, y (N, m * p), y may be x (in place): TILE rows at a time, in nchunks parallel
    chunks of tiles. The scale 1/sqrt(n) is folded into the write-back."""
    nrows, n = y.shape
    ntiles = (nrows + TILE - 1) // TILE
    for ch in prange(nchunks):
        buf = np.zeros((n, TILE), y.dtype)             # one buffer per chunk of tiles, reused
        tmp = np.empty((m, TILE), y.dtype)
        for t in range(ch * ntiles // nchunks, (ch + 1) * ntiles // nchunks):
            r0 = t * TILE
            w = min(TILE, nrows - r0)
            _transpose_in(x, r0, w, buf)
            for a in range(m):
                _sylvester_stages(buf, a * p, p)
            if m > 1:
                _base_stage(buf, hm, p, tmp)
            _transpose_out(buf, y, r0, w, scale)


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
        _fwht_tiles(x.reshape(-1, n), rows, hm, m, p, x.dtype.type(1.0 / np.sqrt(n)),
                    min(numba.get_num_threads(), rows.shape[0]))
    return y
