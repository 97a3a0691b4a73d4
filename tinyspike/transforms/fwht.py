"""Fast Walsh-Hadamard transform y = H_bar x for n = m * 2^k, batched over leading axes.

Layout (same kron order as ``hadamard_matrix``): index i = a * p + b with a < m, b < p = 2^k, so
``H_bar x = (H_m X H_p^T) / sqrt(n)`` with X = x.reshape(m, p): a butterfly on every length-p row
(H_p is symmetric), then a small dense m x m multiply across rows. Cost O(n (log p + m)) instead of O(n^2).
``fwht_numpy`` is the specification; ``fwht`` is the numba kernel tested against it.
Backward: dx = H_bar^T dy = ``fwht(dy, transpose=True)`` (H_p symmetric, H_m is not).
"""
from __future__ import annotations

import numpy as np
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


@njit(cache=True, parallel=True)
def _fwht_rows(y, hm, m, p, scale):
    """In place on y (N, m * p): butterfly per length-p segment, then hm (m x m) across segments."""
    nrows = y.shape[0]
    for r in prange(nrows):
        row = y[r]
        for a in range(m):
            off = a * p
            h = 1
            while h < p:
                for i in range(0, p, 2 * h):
                    for j in range(off + i, off + i + h):
                        u = row[j]
                        v = row[j + h]
                        row[j] = u + v
                        row[j + h] = u - v
                h *= 2
        if m > 1:
            tmp = np.empty(m, dtype=y.dtype)
            for b in range(p):
                for a in range(m):
                    acc = 0.0
                    for c in range(m):
                        acc += hm[a, c] * row[c * p + b]
                    tmp[a] = acc
                for a in range(m):
                    row[a * p + b] = tmp[a]
        for j in range(m * p):
            row[j] *= scale


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
        np.copyto(out, x)
        y = out
    else:
        y = np.array(x, order="C", copy=True)
    hm = (_base(m).T if transpose else _base(m)).astype(x.dtype)
    _fwht_rows(y.reshape(-1, n), hm, m, p, x.dtype.type(1.0 / np.sqrt(n)))
    return y
