"""l2 norm by shift-and-add CORDIC vectoring rotations, combined pairwise in a tree.

Vectoring mode rotates (x, y), x >= 0, towards the x axis with micro-rotations by atan(2^-i):
    x' = x + d y >> i,  y' = y - d x >> i,  d = sign(y),   i = 0 .. n-1.
After n of them x = G_n r cos(phi), with r = sqrt(x^2 + y^2), G_n = prod sqrt(1 + 4^-i) ~ 1.6468 the
constant gain, and a residual angle |phi| <= atan(2^-(n-1)); so the relative error is
1 - cos(phi) <= 2 * 4^-n. A vector of d entries is padded with zeros to 2^depth and reduced pairwise
(depth = ceil(log2 d) levels): the root is G_n^depth ||v||, the constant gain folded into the weight
that multiplies the norm's reciprocal (see norms.py). Only adds, compares and shifts.
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import SPIKE_INT


def cordic_gain(iterations: int) -> float:
    """G_n = prod_{i<n} sqrt(1 + 4^-i) (offline constant)."""
    return float(np.prod(np.sqrt(1.0 + 4.0 ** -np.arange(iterations))))


def tree_depth(d: int) -> int:
    """Number of pairwise levels for d entries: ceil(log2 d)."""
    return max(int(d - 1).bit_length(), 0)


def cordic_vectoring(x, y, iterations: int) -> np.ndarray:
    """G_n sqrt(x^2 + y^2) (int64) by n shift-add micro-rotations; the sign of x is dropped first."""
    x = np.abs(np.asarray(x, dtype=SPIKE_INT))
    y = np.asarray(y, dtype=SPIKE_INT).copy()
    for i in range(iterations):
        xs, ys = x >> i, y >> i
        up = y >= 0                                    # rotate clockwise when y >= 0
        x, y = np.where(up, x + ys, x - ys), np.where(up, y - xs, y + xs)
    return x


def l2_norm_tree(v, iterations: int) -> np.ndarray:
    """G_n^depth ||v|| over the last axis, by a pairwise tree of CORDIC vectoring units."""
    v = np.asarray(v, dtype=SPIKE_INT)
    d = v.shape[-1]
    width = 1 << tree_depth(d)
    if width != d:                                     # zero padding leaves the norm unchanged
        v = np.concatenate([v, np.zeros(v.shape[:-1] + (width - d,), SPIKE_INT)], axis=-1)
    while v.shape[-1] > 1:
        v = cordic_vectoring(v[..., 0::2], v[..., 1::2], iterations)   # (..., width / 2)
    return np.abs(v[..., 0])                           # (a single entry never met a CORDIC unit)


def cordic_angle_bound(iterations: int, depth: int) -> float:
    """Relative error bound of the tree from the residual angles: 1 - (1 - 2 4^-n)^depth."""
    return 1.0 - (1.0 - 2.0 * 4.0 ** -iterations) ** depth


def cordic_truncation_bound(d: int, iterations: int) -> float:
    """Absolute error bound (in output units) from truncating shifts.

    Each micro-rotation truncates x >> i and y >> i by < 1 unit each: a perturbation of norm < sqrt 2,
    which the remaining micro-rotations grow by at most G_n. A level with m outputs moves the vector of
    its outputs by < m^(1/2) n sqrt(2) G_n in l2; the later levels are Lipschitz with constant G_n each.
    """
    G, depth = cordic_gain(iterations), tree_depth(d)
    width = 1 << depth
    return sum(np.sqrt(width >> (level + 1)) * iterations * np.sqrt(2.0) * G * G ** (depth - level - 1)
               for level in range(depth))
