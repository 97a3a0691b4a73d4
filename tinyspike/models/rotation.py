"""Multiplying activations by a transform matrix R (SmoothSpike's H1, H2, H3), with its backward.

``y = x @ R`` for a full matrix R (d, d), or block by block for a block-diagonal R given as its
blocks (g, d/g, d/g). The gradient with respect to R is returned (not accumulated) because one R
(H1) is used at many sites; the model sums them and hands the total to the transform's backward.
"""
from __future__ import annotations

import numpy as np


def rotate_forward(x: np.ndarray, r: np.ndarray, transpose: bool = False) -> np.ndarray:
    """y = x @ R (or x @ R^T); r is (d, d) or block-diagonal blocks (g, d/g, d/g)."""
    if r.ndim == 2:
        return x @ (r.T if transpose else r)
    g, b, _ = r.shape
    xb = x.reshape(*x.shape[:-1], g, b)                           # (..., g, b)
    rr = r.swapaxes(-1, -2) if transpose else r
    return np.einsum("...gi,gij->...gj", xb, rr).reshape(x.shape)


def rotate_backward(dy: np.ndarray, x: np.ndarray, r: np.ndarray, transpose: bool = False):
    """dx = dy @ R^T; dR = x^T dy summed over leading axes (transposed when y = x R^T)."""
    dx = rotate_forward(dy, r, transpose=not transpose)
    if r.ndim == 2:
        d = r.shape[0]
        dr = x.reshape(-1, d).T @ dy.reshape(-1, d)
    else:
        g, b, _ = r.shape
        dr = np.einsum("ngi,ngj->gij", x.reshape(-1, g, b), dy.reshape(-1, g, b))
    return dx, (dr.swapaxes(-1, -2) if transpose else dr)
