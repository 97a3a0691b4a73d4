"""Inference fusion (SmoothSpike Algorithm 1): fold every transform R into the weights around it.

Inside a block (the official SmoothSpike convertor's formulas; exact re-association, no orthogonality
needed), each Linear between its R_in and R_out (the site table, ``sites.py``):

    Wq <- Wq R1            Wk <- Wk R1
    Wv <- R2^T Wv R1       bv <- R2^T bv
    Wo <- R1^T Wo R2       bo <- R1^T bo
    W1 <- R3^T W1 R1       b1 <- R3^T b1       (R3 block-diagonal: block i of W1's rows times R3_i^T)
    W2 <- R1^T W2 R3       b2 <- R1^T b2

so a fused block is a plain Spikingformer block (same parameters and operations as the baseline)
working in the R1-rotated basis of the residual stream. The R's are the matrices the forward pass
uses (the Newton-Schulz output for learnable transforms), not a fresh SVD msign as Algorithm 1 line 20
writes: the quintic Newton-Schulz output is not orthogonal (R R^T ~ c^2 I, c != 1), so an SVD msign
would change the model. The unfused blocks already run on these folded weights every forward
(``folding.py``), so the fused blocks compute exactly what the unfused ones do.

Outside the blocks (docs/fusion.md derives both):
  * the embedding-side ``e R1`` is KEPT: LayerNorm subtracts the mean and scales by gamma between the
    embedding tables and R1, and neither commutes with R1, so R1 cannot enter the tables or gamma;
  * the final ``RMSNorm(y R1^T)`` is FOLDED into the head when R1 = c Q with Q orthogonal (to within
    ``fold_tol``): RMSNorm_{gamma, eps}(c y Q^T) = RMSNorm_{1, eps/c^2}(y) Q^T diag(gamma), and
    Q^T diag(gamma) joins the head's first dense layer (W <- W diag(gamma) Q). Otherwise it is kept.
"""
from __future__ import annotations

import copy

import numpy as np

from ..layers import RMSNorm
from ..layers.base import Layer
from .block import SpikingBlock, _rot, _rot_back
from .encoder import SpikingEncoder
from .heads import MLMHead, SequenceClassificationHead
from .sites import LINEARS


class FusedEncoder(SpikingEncoder):
    """The encoder of a fused model: blocks without transforms, between two constant rotations.

        e = LayerNorm(word + position + type) R_embed      (R_embed = R1, or None when H1 is off)
        X = block_L(... block_1(repeat(e, T)))
        h = final_norm(mean_T(X) R_final^T)                 (R_final = None when folded into the head)
    """

    def __init__(self, embeddings, blocks, final_norm, T, r_embed=None, r_final=None):
        super().__init__(embeddings, blocks, final_norm, T)
        self.r_embed, self.r_final = r_embed, r_final

    def forward(self, ids, type_ids=None, attention_mask=None):
        """ids, type_ids, attention_mask: (B, S) -> hidden states (B, S, D)."""
        if attention_mask is None:
            attention_mask = np.ones_like(ids)
        e = self.embeddings.forward(ids, type_ids)
        x = np.repeat(_rot(e, self.r_embed)[None], self.T, axis=0)      # (T, B, S, D)
        for block in self.blocks:
            x = block.forward(x, attention_mask)
        mean = x.mean(0)
        self._save((e, mean))
        return self.final_norm.forward(_rot(mean, self.r_final, transpose=True))

    def backward(self, dh):
        """The rotations are constants here: only the activations' gradients flow through them."""
        e, mean = self._pop()
        dmean, _ = _rot_back(self.final_norm.backward(dh), mean, self.r_final, transpose=True)
        dx = np.repeat((dmean / self.T)[None], self.T, axis=0)
        for block in reversed(self.blocks):
            dx = block.backward(dx)[0]
        de, _ = _rot_back(dx.sum(0), e, self.r_embed)
        self.embeddings.backward(de)
        return None


def matrix_used(transform) -> np.ndarray | None:
    """The R a transform hands to the forward pass (the Newton-Schulz output when learnable); its cache is kept."""
    if transform is None:
        return None
    cache = transform._cache
    r = transform.forward()
    transform._cache = cache
    return r


def fuse_block(block: SpikingBlock, r1, r2, r3) -> None:
    """Fold R1, R2, R3 into the block's linear layers in place.

    The fused weights are the block's own effective weights W' = R_out^T W R_in (``folding.py``): the
    very arrays the unfused forward multiplies by, so a fused block computes bit for bit what the
    unfused block computes."""
    weights = block.effective_weights(r1, r2, r3)
    for site in LINEARS:                                              # the six Linears (sites.py)
        w_eff, b_eff, _ = weights[site.name]
        lin = getattr(block, site.name)
        lin.W.value[...] = w_eff
        if lin.b is not None:
            lin.b.value[...] = b_eff


def orthogonal_scale(r: np.ndarray) -> tuple[float, float]:
    """(c, err) with c^2 = tr(R R^T) / n and err = max |R R^T / c^2 - I|: R = c Q, Q orthogonal, iff err = 0."""
    r = r.astype(np.float64)
    g = r @ r.T
    c2 = np.trace(g) / r.shape[0]
    return float(np.sqrt(c2)), float(np.abs(g / c2 - np.eye(r.shape[0])).max())


def _head_input_layer(head: Layer):
    if isinstance(head, MLMHead):
        return head.dense
    if isinstance(head, SequenceClassificationHead):
        return head.pool
    raise TypeError(f"fuse: cannot fold the final rotation into a head of type {type(head).__name__}; "
                    "pass fold_tol=-1 to keep the rotation instead")


def _fold_final_rotation(encoder: SpikingEncoder, head: Layer, r1: np.ndarray, c: float) -> RMSNorm:
    """Head's first dense W <- W diag(gamma) Q (Q = R1 / c); returns the gain-free final norm with eps / c^2."""
    norm = encoder.final_norm
    gamma = np.ones(norm.dim) if norm.gamma is None else norm.gamma.value.astype(np.float64)
    dense = _head_input_layer(head)
    q = r1.astype(np.float64) / c
    dense.W.value[...] = ((dense.W.value.astype(np.float64) * gamma) @ q).astype(dense.W.value.dtype)
    return RMSNorm(norm.dim, norm.eps / c ** 2, learnable=False, dtype=norm.dtype)


def fuse(model, *, fold_tol: float | None = None):
    """A copy of ``model`` (MaskedLM or SequenceClassifier) with every transform folded into weights.

    Same class and forward signature; the blocks hold no transforms (their parameter and operation
    counts equal the baseline Spikingformer's). ``fold_tol``: the largest orthogonality error
    max|R1 R1^T / c^2 - I| for which the final R1^T is folded into the head (default 1000 machine
    epsilons of the model's dtype; a negative value always keeps it). ``fused.encoder.r_final`` is
    None when it was folded. SpikeLM neurons keep the alpha they already have (run the model once
    before fusing, so that alpha is set from its first batch as in training).
    """
    encoder = model.encoder
    if not isinstance(encoder, SpikingEncoder) or isinstance(encoder, FusedEncoder):
        raise TypeError("fuse: expected an unfused MaskedLM or SequenceClassifier (model.encoder a SpikingEncoder), "
                        f"got encoder of type {type(encoder).__name__}")
    fused = copy.deepcopy(model)
    enc = fused.encoder
    r1 = matrix_used(encoder.t1)
    for block, t2, t3 in zip(enc.blocks, encoder.t2, encoder.t3):
        fuse_block(block, r1, matrix_used(t2), matrix_used(t3))
    final_norm, r_final = enc.final_norm, r1
    if r1 is not None:
        c, err = orthogonal_scale(r1)
        tol = 1e3 * np.finfo(r1.dtype).eps if fold_tol is None else fold_tol
        if err <= tol:
            final_norm, r_final = _fold_final_rotation(enc, fused.head, r1, c), None
    fused.encoder = FusedEncoder(enc.embeddings, enc.blocks, final_norm, enc.T, r1, r_final)
    return fused
