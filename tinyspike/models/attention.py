"""Softmax-free spiking self-attention (Spikingformer / SmoothSpike official code).

Per head: A = (Q K^T * m) * scale, ctx = A V, where m is the 0/1 padding mask on key columns.

With no softmax in between, the product can be re-associated (the "linear attention" identity):

    ctx_i = scale * sum_j (q_i . k_j) m_j v_j = scale * q_i P,      P = K^T diag(m) V   (Dh x Dh)

so the (S x S) score matrix is never formed: 2 S Dh^2 instead of 2 S^2 Dh multiply-adds per
product, and no (S x S) cache. For spike tensors (entries 0/1) every partial sum is an integer
far below 2^24, so both orders give bit-identical float32 results. The padding mask must act on
key columns only (it does: padded keys are dropped for every query) for the identity to hold.

Backward, with dctx the upstream gradient per head:
    dQ = scale * dctx P^T;   dP = scale * Q^T dctx;   dK = diag(m) V dP^T;   dV = diag(m) K dP.
Q, K, V are spike tensors in the model, but the algebra (and its backward) is the same for reals.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class AttnCache(NamedTuple):
    q: np.ndarray    # (..., H, S, Dh)
    km: np.ndarray   # K with padded keys zeroed, (..., H, S, Dh)
    v: np.ndarray
    p: np.ndarray    # (..., H, Dh, Dh) = K^T diag(m) V
    m: np.ndarray    # (B, 1, S, 1): 0/1 on key rows
    scale: float


def _split_heads(x, h):
    *lead, s, d = x.shape
    return np.ascontiguousarray(x.reshape(*lead, s, h, d // h).swapaxes(-2, -3))   # (..., H, S, Dh)


def _merge_heads(x):
    *lead, h, s, dh = x.shape
    return x.swapaxes(-2, -3).reshape(*lead, s, h * dh)       # (..., S, D)


def spiking_attention_forward(q, k, v, key_mask, n_heads: int, scale: float):
    """q, k, v: (..., S, D); key_mask: (B, S) of 0/1 broadcast against the leading axes (e.g. (T, B))."""
    qh, kh, vh = (_split_heads(t, n_heads) for t in (q, k, v))
    m = key_mask.astype(q.dtype)[..., None, :, None]         # (B, 1, S, 1): masks key rows of K
    km = kh * m
    p = km.swapaxes(-1, -2) @ vh                              # (..., H, Dh, Dh)
    ctx = (qh @ p) * q.dtype.type(scale)
    return _merge_heads(ctx), AttnCache(qh, km, vh, p, m, scale)


def spiking_attention_backward(dctx, cache: AttnCache):
    """dQ = s dctx P^T; dP = s Q^T dctx; dK = m * (V dP^T); dV = m * (K dP)  (module docstring)."""
    qh, km, vh, p, m, scale = cache
    s = qh.dtype.type(scale)
    dctx_h = _split_heads(dctx, qh.shape[-3])
    dq = (dctx_h @ p.swapaxes(-1, -2)) * s
    dp = (qh.swapaxes(-1, -2) @ dctx_h) * s
    dk = (vh @ dp.swapaxes(-1, -2)) * m
    dv = km @ dp
    return _merge_heads(dq), _merge_heads(dk), _merge_heads(dv)
