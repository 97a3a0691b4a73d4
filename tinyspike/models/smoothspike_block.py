"""The SmoothSpike encoder block in the paper's order (SmoothSpike Fig. 3, the official SmoothSpike code).

Every transform multiplies the activations where the figure draws it (row vectors, y = x @ R):

Attention:  h = RMSNorm(X);  u = LIF(h) @ R1^T
            Q = LIF(RMSNorm_q(u Wq^T));  K = LIF(RMSNorm_k(u Wk^T));  V = LIF(RMSNorm_v((u Wv^T) @ R2))
            ctx = (Q K^T * mask) V * scale per head (no softmax)
            X <- X + ((LIF_0.5(ctx) @ R2^T) Wo^T) @ R1
MLP:        s = LIF(RMSNorm(X));  z = (s @ R1^T) W1^T          (d_ff wide, g blocks: z_i @ R3_i)
            X <- X + ((LIF(z @ R3) @ R3^T) W2^T) @ R1

This is the block to read beside the paper. ``SpikingBlock`` (``block.py``) is its fast version: the
same parameters, the same equations, with each R folded into the Linear next to it (W' = R_out^T W R_in,
``folding.py``); ``tests/models/test_smoothspike_block.py`` checks the two agree, forward and backward.
Any of R1, R2, R3 may be None (that transform is off). ``docs/models.md`` derives the backward.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .attention import spiking_attention_backward, spiking_attention_forward
from .block import SpikingBlock
from .block import _rot as rot               # x @ R (or x @ R^T); block by block for R3; x itself when R is None
from .block import _rot_back as rot_backward  # (dx, dR) = (dy @ R^T, x^T dy), rotation.py; (dy, None) when R is None


def _sum(*grads):
    """The total gradient of a matrix used at several sites (None entries are sites where it is off)."""
    present = [g for g in grads if g is not None]
    return sum(present[1:], present[0]) if present else None


class BlockCache(NamedTuple):
    """The input of every rotation, for dR = x^T dy, and the attention cache."""
    a: np.ndarray         # LIF(RMSNorm(X)), (T, B, S, D): input of @ R1^T before the Q, K, V projections
    zv: np.ndarray        # u Wv^T: input of @ R2
    o: np.ndarray         # LIF_0.5(ctx): input of @ R2^T
    zo: np.ndarray        # (o R2^T) Wo^T: input of @ R1
    s: np.ndarray         # LIF(RMSNorm(X1)): input of @ R1^T before W1
    z: np.ndarray         # (s R1^T) W1^T, (T, B, S, d_ff): input of @ R3
    m: np.ndarray         # LIF(z R3): input of @ R3^T
    zm: np.ndarray        # (m R3^T) W2^T: input of @ R1
    attn: object
    r1: np.ndarray | None
    r2: np.ndarray | None
    r3: np.ndarray | None


class SmoothSpikeBlock(SpikingBlock):
    """The paper-order block on ``SpikingBlock``'s parameters: same constructor, same sublayers."""

    @classmethod
    def sharing(cls, block: SpikingBlock) -> "SmoothSpikeBlock":
        """A paper-order view of ``block``: the very same Linear, RMSNorm and neuron layers (so the same
        weights, and gradients accumulate into the same ``Parameter.grad``). Run one of the two at a time."""
        view = cls.__new__(cls)
        view.__dict__.update(vars(block))
        return view

    def forward(self, x: np.ndarray, key_mask: np.ndarray, r1=None, r2=None, r3=None) -> np.ndarray:
        """x: (T, B, S, D) in the R1-rotated basis; key_mask: (B, S) of 0/1."""
        # ---- attention
        a = self.spike_attn_in.forward(self.norm_attn.forward(x))
        u = rot(a, r1, transpose=True)                                   # back to the basis Wq, Wk, Wv expect
        q = self.spike_q.forward(self.norm_q.forward(self.wq.forward(u)))
        k = self.spike_k.forward(self.norm_k.forward(self.wk.forward(u)))
        zv = self.wv.forward(u)
        v = self.spike_v.forward(self.norm_v.forward(rot(zv, r2)))       # V smoothed by H2 before its LIF
        ctx, attn = spiking_attention_forward(q, k, v, key_mask, self.n_heads, self.attn_scale)
        o = self.spike_attn_out.forward(ctx)
        zo = self.wo.forward(rot(o, r2, transpose=True))
        x1 = x + rot(zo, r1)                                             # back into the residual's R1 basis
        # ---- MLP
        s = self.spike_mlp_in.forward(self.norm_mlp.forward(x1))
        z = self.w1.forward(rot(s, r1, transpose=True))                  # (T, B, S, d_ff)
        m = self.spike_mlp_hidden.forward(rot(z, r3))                    # block i of z times R3_i, then LIF
        zm = self.w2.forward(rot(m, r3, transpose=True))
        self._save(BlockCache(a, zv, o, zo, s, z, m, zm, attn, r1, r2, r3))
        return x1 + rot(zm, r1)

    def backward(self, dy: np.ndarray):
        """Returns (dx, dR1, dR2, dR3), each dR summed over the sites where that R is used (None when off)."""
        c = self._pop()
        # ---- MLP, last line first: y = x1 + zm R1
        dzm, dr1_mlp_out = rot_backward(dy, c.zm, c.r1)
        dm, dr3_out = rot_backward(self.w2.backward(dzm), c.m, c.r3, transpose=True)
        dz, dr3_in = rot_backward(self.spike_mlp_hidden.backward(dm), c.z, c.r3)
        ds, dr1_mlp_in = rot_backward(self.w1.backward(dz), c.s, c.r1, transpose=True)
        dx1 = dy + self.norm_mlp.backward(self.spike_mlp_in.backward(ds))
        # ---- attention: x1 = x + zo R1
        dzo, dr1_attn_out = rot_backward(dx1, c.zo, c.r1)
        do, dr2_out = rot_backward(self.wo.backward(dzo), c.o, c.r2, transpose=True)
        dq, dk, dv = spiking_attention_backward(self.spike_attn_out.backward(do), c.attn)
        dzv, dr2_in = rot_backward(self.norm_v.backward(self.spike_v.backward(dv)), c.zv, c.r2)
        du = (self.wq.backward(self.norm_q.backward(self.spike_q.backward(dq)))
              + self.wk.backward(self.norm_k.backward(self.spike_k.backward(dk)))
              + self.wv.backward(dzv))                                   # u feeds three projections
        da, dr1_attn_in = rot_backward(du, c.a, c.r1, transpose=True)
        dx = dx1 + self.norm_attn.backward(self.spike_attn_in.backward(da))
        return (dx, _sum(dr1_attn_in, dr1_attn_out, dr1_mlp_in, dr1_mlp_out), _sum(dr2_in, dr2_out),
                _sum(dr3_in, dr3_out))
