"""Softmax-free spiking self-attention (Spikingformer / SmoothSpike official code).

Per head: A = (Q K^T * m) * scale, ctx = A V, where m is the 0/1 padding mask on key columns.
Q, K, V are spike tensors in the model, but the algebra (and its backward) is the same for reals.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class AttnCache(NamedTuple):
    q: np.ndarray   # (..., H, S, Dh)
    k: np.ndarray
    v: np.ndarray
    a: np.ndarray   # (..., H, S, S), already masked and scaled
    m: np.ndarray   # (..., 1, 1, S)
    scale: float


def _split_heads(x, h):
    *lead, s, d = x.shape
    return x.reshape(*lead, s, h, d // h).swapaxes(-2, -3)   # (..., H, S, Dh)


def _merge_heads(x):
    *lead, h, s, dh = x.shape
    return x.swapaxes(-2, -3).reshape(*lead, s, h * dh)       # (..., S, D)


def spiking_attention_forward(q, k, v, key_mask, n_heads: int, scale: float):
    """q, k, v: (..., S, D); key_mask: (B, S) of 0/1 broadcast against the leading axes (e.g. (T, B))."""
    qh, kh, vh = (_split_heads(t, n_heads) for t in (q, k, v))
    m = key_mask.astype(q.dtype)[..., None, None, :]         # (B, 1, 1, S): masks key columns
    a = (qh @ kh.swapaxes(-1, -2)) * m * q.dtype.type(scale)  # (..., H, S, S)
    ctx = a @ vh
    return _merge_heads(ctx), AttnCache(qh, kh, vh, a, m, scale)


def spiking_attention_backward(dctx, cache: AttnCache):
    """dA = dctx V^T; dV = A^T dctx; dS = dA * m * scale; dQ = dS K; dK = dS^T Q."""
    qh, kh, vh, a, m, scale = cache
    n_heads = qh.shape[-3]
    dctx_h = _split_heads(dctx, n_heads)
    da = dctx_h @ vh.swapaxes(-1, -2)
    dv = a.swapaxes(-1, -2) @ dctx_h
    ds = da * m * qh.dtype.type(scale)
    dq = ds @ kh
    dk = ds.swapaxes(-1, -2) @ qh
    return _merge_heads(dq), _merge_heads(dk), _merge_heads(dv)
