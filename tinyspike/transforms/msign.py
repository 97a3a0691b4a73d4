"""Matrix sign msign(G) = U V^T for G = U Sigma V^T (SmoothSpike Eq. 12), batched over leading axes.

msign(G) is the orthogonal polar factor: the orthogonal matrix closest to G in Frobenius norm
(Theorem 4.2). Exact reference for the Newton-Schulz iterations in ``newton_schulz.py``.
"""
from __future__ import annotations

import numpy as np


def msign(g: np.ndarray) -> np.ndarray:
    """U V^T from the SVD of each matrix in g (..., r, c)."""
    u, _, vt = np.linalg.svd(g, full_matrices=False)
    return u @ vt


def orthogonality_error(r: np.ndarray) -> np.ndarray:
    """Frobenius ||R R^T - I||_F per matrix in r (..., n, n) (Frobenius, not spectral)."""
    n = r.shape[-2]
    return np.linalg.norm(r @ np.swapaxes(r, -1, -2) - np.eye(n, dtype=r.dtype), axis=(-2, -1))
