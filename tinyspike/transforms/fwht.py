"""Fast Walsh-Hadamard transform y = H_bar x for n = m * 2^k, batched over leading axes.

Layout (same kron order as ``hadamard_matrix``): index i = a * p + b with a < m, b < p = 2^k, so
``H_bar x = (H_m X H_p^T) / sqrt(n)`` with X = x.reshape(m, p): a butterfly on every length-p row
(H_p is symmetric), then a small dense m x m multiply across rows.
Cost O(n (log p + m)) per vector instead of O(n^2).
``fwht_numpy`` is the reference; ``fwht`` checks its arguments and runs the compiled kernel registered for
it (``tinyspike/kernels/fwht.py``) or, with ``backend="reference"``, ``fwht_numpy``.
Backward: dx = H_bar^T dy = ``fwht(dy, transpose=True)`` (H_p symmetric, H_m is not).
"""
from __future__ import annotations

import numpy as np

from ..backends import FAST, kernel
from .hadamard import _base, factor


def fwht_numpy(x: np.ndarray, transpose: bool = False) -> np.ndarray:
    """Reference: y = H_bar x (or H_bar^T x) along the last axis, out of place, orthonormal.

    Floating and complex inputs keep their dtype; booleans and integers are transformed in float64."""
    x = np.asarray(x)
    if x.dtype.kind in "biu":
        x = x.astype(np.float64)
    elif x.dtype.kind not in "fc":
        raise TypeError(f"fwht_numpy: input must be a numeric array, got dtype {x.dtype}")
    if x.ndim < 1:
        raise ValueError("fwht_numpy: input must have at least one axis (the transform runs along the last)")
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


def fwht(x: np.ndarray, transpose: bool = False, out: np.ndarray | None = None,
         inplace: bool = False, *, backend: str = FAST) -> np.ndarray:
    """FWHT along the last axis: y = H_bar x (``transpose``: H_bar^T x), float32/float64.

    ``inplace=True`` overwrites x (must be C-contiguous and writeable); ``out`` receives the result
    otherwise (C-contiguous, x's shape and dtype, sharing no memory with x unless it is x itself).
    """
    _check_fwht(x, out, inplace)
    impl = kernel("fwht", backend)
    if impl is not None:
        return impl(x, transpose, out, inplace)
    y = fwht_numpy(x, transpose)
    if inplace:
        out = x
    if out is None:
        return y
    out[...] = y
    return out


def _check_fwht(x, out, inplace):
    """One clear line for every argument the transform cannot take, before anything runs."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"fwht: input must be a numpy array, got {type(x).__name__}")
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"fwht: dtype must be float32 or float64, got {x.dtype} (fwht_numpy takes any numeric dtype)")
    if x.ndim < 1:
        raise ValueError("fwht: input must have at least one axis (the transform runs along the last)")
    factor(x.shape[-1])                                   # ValueError naming the supported orders
    if inplace:
        if out is not None:
            raise ValueError("fwht: give either inplace=True or out=, not both")
        if not x.flags.c_contiguous or not x.flags.writeable:
            raise ValueError("fwht(inplace=True) needs a C-contiguous, writeable array")
    elif out is not None:
        if (not isinstance(out, np.ndarray) or out.shape != x.shape or out.dtype != x.dtype
                or not out.flags.c_contiguous or not out.flags.writeable):
            raise ValueError(f"fwht: out must be a C-contiguous, writeable array of x's shape {x.shape} and dtype "
                             f"{x.dtype}, got {getattr(out, 'dtype', type(out).__name__)} {getattr(out, 'shape', '')}")
        same = x.flags.c_contiguous and out.__array_interface__["data"][0] == x.__array_interface__["data"][0]
        if not same and np.may_share_memory(out, x) and np.shares_memory(out, x):
            raise ValueError("fwht: out overlaps x without being x; pass a separate buffer (or inplace=True)")
