"""Multiplying activations by a transform matrix R (SmoothSpike's H1, H2, H3), with its backward.

``y = x @ R`` for a full matrix R (d, d), or block by block for a block-diagonal R given as its
blocks (g, d/g, d/g). The gradient with respect to R is returned (not accumulated) because one R
(H1) is used at many sites; the model sums them and hands the total to the transform's backward.

All products are done on 2-D views (N, d) of the activations (N = every leading axis, e.g.
T * B * S): one large BLAS call is an order of magnitude faster than NumPy's stacked matmul.
"""
from __future__ import annotations

import numpy as np


def _blocks_matmul(x2: np.ndarray, r: np.ndarray) -> np.ndarray:
    """(N, g*b) times block-diagonal blocks r (g, b, b): each column block times its own matrix."""
    g, b, _ = r.shape
    y = np.empty_like(x2)
    for i in range(g):
        np.matmul(x2[:, i * b:(i + 1) * b], r[i], out=y[:, i * b:(i + 1) * b])
    return y


def rotate_forward(x: np.ndarray, r: np.ndarray, transpose: bool = False) -> np.ndarray:
    """y = x @ R (or x @ R^T); r is (d, d) or block-diagonal blocks (g, d/g, d/g)."""
    x2 = x.reshape(-1, x.shape[-1])                               # (N, d)
    if r.ndim == 2:
        y = x2 @ (r.T if transpose else r)
    else:
        y = _blocks_matmul(x2, r.swapaxes(-1, -2) if transpose else r)
    return y.reshape(x.shape)


def rotate_backward(dy: np.ndarray, x: np.ndarray, r: np.ndarray, transpose: bool = False):
    """dx = dy @ R^T; dR = x^T dy summed over leading axes (transposed when y = x R^T)."""
    dx = rotate_forward(dy, r, transpose=not transpose)
    d = x.shape[-1]
    x2, dy2 = x.reshape(-1, d), dy.reshape(-1, d)
    if r.ndim == 2:
        dr = x2.T @ dy2
    else:
        g, b, _ = r.shape
        dr = np.stack([x2[:, i * b:(i + 1) * b].T @ dy2[:, i * b:(i + 1) * b] for i in range(g)])
    return dx, (dr.swapaxes(-1, -2) if transpose else dr)
