"""One Spikingformer / SmoothSpike encoder block (REFERENCE.md, "Attention" and "MLP"), time first.

Attention:  h = RMSNorm(X);  u = LIF(h) R1^T
            Q = LIF(RMSNorm_q(u Wq^T));  K = LIF(RMSNorm_k(u Wk^T));  V = LIF(RMSNorm_v((u Wv^T) R2))
            ctx = (Q K^T * mask) V * scale per head (no softmax)
            X <- X + ((LIF_0.5(ctx) R2^T) Wo^T) R1
MLP:        u = LIF(RMSNorm(X)) R1^T;  z = u W1^T (4d, split in g blocks, each times R3_i)
            X <- X + ((LIF(z R3) R3^T) W2^T) R1

Any of R1, R2, R3 may be None (that transform is off). The neurons are layers built by the
``make_neuron(threshold)`` factory, so the same block runs LIF (Spikingformer) or the elastic
bi-spiking neuron (SpikeLM). ``backward`` returns the gradients with respect to x and to each R,
since R1 is shared by every block and its total gradient is summed by the model.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..layers import Linear, RMSNorm
from ..layers.base import Layer
from .attention import spiking_attention_backward, spiking_attention_forward
from .rotation import rotate_backward, rotate_forward


def _rot(x, r, transpose=False):
    return x if r is None else rotate_forward(x, r, transpose)


def _rot_back(dy, x, r, transpose=False):
    if r is None:
        return dy, None
    return rotate_backward(dy, x, r, transpose)


def _add(total, part):
    if part is None:
        return total
    return part if total is None else total + part


class SpikingBlock(Layer):
    def __init__(self, d: int, n_heads: int, d_ff: int, make_neuron: Callable[[float], Layer], *, rng,
                 dtype=np.float32, eps: float = 1e-6, attn_threshold: float = 0.5, attn_scale: float = 0.125,
                 v_threshold: float = 1.0):
        self.n_heads, self.attn_scale = n_heads, attn_scale
        self.norm_attn = RMSNorm(d, eps, dtype=dtype)
        self.spike_attn_in = make_neuron(v_threshold)
        self.wq = Linear(d, d, rng=rng, dtype=dtype)
        self.wk = Linear(d, d, rng=rng, dtype=dtype)
        self.wv = Linear(d, d, rng=rng, dtype=dtype)
        self.norm_q, self.norm_k, self.norm_v = (RMSNorm(d, eps, dtype=dtype) for _ in range(3))
        self.spike_q, self.spike_k, self.spike_v = (make_neuron(v_threshold) for _ in range(3))
        self.spike_attn_out = make_neuron(attn_threshold)
        self.wo = Linear(d, d, rng=rng, dtype=dtype)
        self.norm_mlp = RMSNorm(d, eps, dtype=dtype)
        self.spike_mlp_in = make_neuron(v_threshold)
        self.w1 = Linear(d, d_ff, rng=rng, dtype=dtype)
        self.spike_mlp_hidden = make_neuron(v_threshold)
        self.w2 = Linear(d_ff, d, rng=rng, dtype=dtype)

    def forward(self, x: np.ndarray, key_mask: np.ndarray, r1=None, r2=None, r3=None) -> np.ndarray:
        """x: (T, B, S, D) in the R1-rotated basis; key_mask: (B, S) of 0/1."""
        # ---- attention
        s = self.spike_attn_in.forward(self.norm_attn.forward(x))
        u = _rot(s, r1, transpose=True)                                   # back to the unrotated basis
        q = self.spike_q.forward(self.norm_q.forward(self.wq.forward(u)))
        k = self.spike_k.forward(self.norm_k.forward(self.wk.forward(u)))
        pv = self.wv.forward(u)
        v = self.spike_v.forward(self.norm_v.forward(_rot(pv, r2)))
        ctx, attn_cache = spiking_attention_forward(q, k, v, key_mask, self.n_heads, self.attn_scale)
        o = self.spike_attn_out.forward(ctx)
        a = self.wo.forward(_rot(o, r2, transpose=True))
        x1 = x + _rot(a, r1)
        # ---- MLP
        s2 = self.spike_mlp_in.forward(self.norm_mlp.forward(x1))
        u2 = _rot(s2, r1, transpose=True)
        z = self.w1.forward(u2)                                           # (T, B, S, d_ff)
        h = self.spike_mlp_hidden.forward(_rot(z, r3))
        m = self.w2.forward(_rot(h, r3, transpose=True))
        self._save((s, pv, attn_cache, o, a, s2, z, h, m, r1, r2, r3))
        return x1 + _rot(m, r1)

    def backward(self, dy: np.ndarray):
        """Returns (dx, dR1, dR2, dR3); a dR is None when that transform is off."""
        s, pv, attn_cache, o, a, s2, z, h, m, r1, r2, r3 = self._pop()
        dr1 = dr2 = dr3 = None
        # ---- MLP
        dm, g = _rot_back(dy, m, r1)
        dr1 = _add(dr1, g)
        dh, g = _rot_back(self.w2.backward(dm), h, r3, transpose=True)
        dr3 = _add(dr3, g)
        dz, g = _rot_back(self.spike_mlp_hidden.backward(dh), z, r3)
        dr3 = _add(dr3, g)
        ds2, g = _rot_back(self.w1.backward(dz), s2, r1, transpose=True)
        dr1 = _add(dr1, g)
        dx1 = dy + self.norm_mlp.backward(self.spike_mlp_in.backward(ds2))
        # ---- attention
        da, g = _rot_back(dx1, a, r1)
        dr1 = _add(dr1, g)
        do, g = _rot_back(self.wo.backward(da), o, r2, transpose=True)
        dr2 = _add(dr2, g)
        dq, dk, dv = spiking_attention_backward(self.spike_attn_out.backward(do), attn_cache)
        dpv, g = _rot_back(self.norm_v.backward(self.spike_v.backward(dv)), pv, r2)
        dr2 = _add(dr2, g)
        du = (self.wq.backward(self.norm_q.backward(self.spike_q.backward(dq)))
              + self.wk.backward(self.norm_k.backward(self.spike_k.backward(dk)))
              + self.wv.backward(dpv))
        ds, g = _rot_back(du, s, r1, transpose=True)
        dr1 = _add(dr1, g)
        dx = dx1 + self.norm_attn.backward(self.spike_attn_in.backward(ds))
        return dx, dr1, dr2, dr3
