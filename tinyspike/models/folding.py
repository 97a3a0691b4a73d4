"""Moving SmoothSpike's transforms from the activations into the weights (training and inference).

Every transform in a block sits next to a Linear layer with no nonlinearity in between, so
(row-vector convention, y = x W^T + b, a rotation y = x R):

    ((x R_in^T) W^T + b) R_out  =  x (R_out^T W R_in)^T + b R_out

A block can therefore run the *baseline* computation with effective weights

    W' = R_out^T W R_in,    b' = b R_out                                   (one pair per Linear)

computed once per step: O(d^3) work on the weights instead of O(T B S d^2) on the activations.
This is the fusion algebra of SmoothSpike's Algorithm 1, evaluated every step during training
(and once, for good, by inference fusion). The block's sites are:

    Linear   R_in   R_out        Linear   R_in   R_out
    Wq, Wk   R1     -            Wo       R2     R1
    Wv       R1     R2           W1       R1     R3       W2   R3   R1

Backward, with G = dL/dW', M = W R_in (so W' = R_out^T M):
    dM = R_out G,   dR_out = M G^T + b^T db',   db = db' R_out^T,
    dW = dM R_in^T, dR_in = W^T dM.
A block-diagonal R (g, n/g, n/g) acts block by block (``rotation.rotate_forward``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..layers import Linear
from .rotation import rotate_backward, rotate_forward


class FoldCache(NamedTuple):
    m: np.ndarray                 # W R_in
    r_in: np.ndarray | None
    r_out: np.ndarray | None


def fold_linear(lin: Linear, r_in=None, r_out=None):
    """(W', b', cache): the effective weights R_out^T W R_in and b R_out (the originals if both None)."""
    w = lin.W.value
    b = None if lin.b is None else lin.b.value
    m = w if r_in is None else rotate_forward(w, r_in)                # rows (input space) times R_in
    if r_out is None:
        return m, b, FoldCache(m, r_in, r_out)
    w_eff = rotate_forward(m.T, r_out).T                              # columns (output space) times R_out
    b_eff = None if b is None else rotate_forward(b, r_out)
    return np.ascontiguousarray(w_eff), b_eff, FoldCache(m, r_in, r_out)


def grad_buffers(lin: Linear, cache: FoldCache):
    """Where the backward of the effective Linear accumulates: the parameter's own grads when nothing
    was folded, otherwise fresh zero buffers to be mapped back by ``unfold_backward``."""
    if cache.r_in is None and cache.r_out is None:
        return lin.W.grad, None if lin.b is None else lin.b.grad
    return np.zeros_like(lin.W.grad), None if lin.b is None else np.zeros_like(lin.b.grad)


def unfold_backward(lin: Linear, cache: FoldCache, dw_eff, db_eff):
    """Accumulate dW, db into ``lin`` from dL/dW', dL/db'; return (dR_in, dR_out) (None when absent)."""
    m, r_in, r_out = cache
    if r_in is None and r_out is None:
        return None, None                                             # already accumulated in place
    dr_out = None
    dm = dw_eff
    if r_out is not None:
        dmt, dr_out = rotate_backward(dw_eff.T, m.T, r_out)
        dm = dmt.T
        if lin.b is not None:
            db, g = rotate_backward(db_eff[None], lin.b.value[None], r_out)
            lin.b.grad += db[0]
            dr_out = dr_out + g
    elif lin.b is not None:
        lin.b.grad += db_eff
    dr_in = None
    if r_in is not None:
        dw, dr_in = rotate_backward(dm, lin.W.value, r_in)
        lin.W.grad += dw
    else:
        lin.W.grad += dm
    return dr_in, dr_out
