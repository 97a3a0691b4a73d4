"""The fast SmoothSpike / Spikingformer encoder block: the transforms folded into the weights, time first.

The block to read beside the paper is ``smoothspike_block.SmoothSpikeBlock``, which applies R1, R2,
R3 to the activations in the paper's order; this one is its fast version, tested equal to it forward
and backward (``tests/models/test_smoothspike_block.py``). The equations both compute:

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

Implementation: no transform multiplies an activation here. Each R sits next to a Linear with no
nonlinearity in between, so the block runs the baseline computation with effective weights
W' = R_out^T W R_in computed once per forward (``folding.py``; the same algebra as inference
fusion), and its backward maps dL/dW' back to dL/dW and dL/dR. Mathematically identical to the
equations above; O(d^3) per step instead of O(T B S d^2).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..layers import Linear, RMSNorm
from ..layers.base import Layer
from ..layers.linear import linear_backward, linear_forward
from .attention import spiking_attention_backward, spiking_attention_forward
from .folding import fold_linear, grad_buffers, unfold_backward
from .rotation import rotate_backward, rotate_forward
from .sites import LINEARS, transforms


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
                 v_threshold: float = 1.0, w1_init_rate: float | None = None):
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
        if w1_init_rate is not None:       # scaled for spike inputs firing at that rate (ModelConfig)
            self.w1.W.value *= np.sqrt(3.0 / w1_init_rate).astype(dtype)
        self.spike_mlp_hidden = make_neuron(v_threshold)
        self.w2 = Linear(d_ff, d, rng=rng, dtype=dtype)

    def effective_weights(self, r1=None, r2=None, r3=None) -> dict:
        """{name: (W', b', fold cache)} for the six Linears, W' = R_out^T W R_in (``folding.py``, ``sites.py``)."""
        rs = transforms(r1, r2, r3)
        return {lin.name: fold_linear(getattr(self, lin.name), rs[lin.r_in], rs[lin.r_out]) for lin in LINEARS}

    def forward(self, x: np.ndarray, key_mask: np.ndarray, r1=None, r2=None, r3=None) -> np.ndarray:
        """x: (T, B, S, D) in the R1-rotated basis; key_mask: (B, S) of 0/1."""
        w = self.effective_weights(r1, r2, r3)
        caches = {}

        def dense(name, inp):
            y, caches[name] = linear_forward(inp, w[name][0], w[name][1])
            return y

        # ---- attention
        s = self.spike_attn_in.forward(self.norm_attn.forward(x))
        q = self.spike_q.forward(self.norm_q.forward(dense("wq", s)))
        k = self.spike_k.forward(self.norm_k.forward(dense("wk", s)))
        v = self.spike_v.forward(self.norm_v.forward(dense("wv", s)))       # (u Wv^T) R2 folded
        ctx, attn_cache = spiking_attention_forward(q, k, v, key_mask, self.n_heads, self.attn_scale)
        o = self.spike_attn_out.forward(ctx)
        x1 = x + dense("wo", o)                                           # ((o R2^T) Wo^T) R1 folded
        # ---- MLP
        s2 = self.spike_mlp_in.forward(self.norm_mlp.forward(x1))
        h = self.spike_mlp_hidden.forward(dense("w1", s2))                # (T, B, S, d_ff), (u2 W1^T) R3
        self._save((w, caches, attn_cache))
        return x1 + dense("w2", h)                                        # ((h R3^T) W2^T) R1 folded

    def backward(self, dy: np.ndarray):
        """Returns (dx, dR1, dR2, dR3); a dR is None when that transform is off."""
        w, caches, attn_cache = self._pop()
        grads = {name: grad_buffers(getattr(self, name), w[name][2]) for name in w}

        def dense_back(name, dout):
            return linear_backward(dout, caches[name], w[name][0], *grads[name])

        # ---- MLP
        dh = dense_back("w2", dy)
        ds2 = dense_back("w1", self.spike_mlp_hidden.backward(dh))
        dx1 = dy + self.norm_mlp.backward(self.spike_mlp_in.backward(ds2))
        # ---- attention
        do = dense_back("wo", dx1)
        dq, dk, dv = spiking_attention_backward(self.spike_attn_out.backward(do), attn_cache)
        ds = (dense_back("wq", self.norm_q.backward(self.spike_q.backward(dq)))
              + dense_back("wk", self.norm_k.backward(self.spike_k.backward(dk)))
              + dense_back("wv", self.norm_v.backward(self.spike_v.backward(dv))))
        dx = dx1 + self.norm_attn.backward(self.spike_attn_in.backward(ds))
        # ---- from the effective weights back to W and the transforms
        dr = {"R1": None, "R2": None, "R3": None}
        for lin in LINEARS:
            g_in, g_out = unfold_backward(getattr(self, lin.name), w[lin.name][2], *grads[lin.name])
            if lin.r_in is not None:
                dr[lin.r_in] = _add(dr[lin.r_in], g_in)
            if lin.r_out is not None:
                dr[lin.r_out] = _add(dr[lin.r_out], g_out)
        return dx, dr["R1"], dr["R2"], dr["R3"]
