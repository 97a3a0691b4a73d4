"""Losses: softmax cross-entropy with an ignore index, and mean squared error."""
from __future__ import annotations

import numpy as np


def cross_entropy_forward(logits: np.ndarray, targets: np.ndarray, ignore_index: int = -100):
    """L = -mean over non-ignored rows of log softmax(logits)[target]; logits (N, C), targets (N,)."""
    if logits.ndim != 2 or targets.shape != logits.shape[:1]:
        raise ValueError(f"cross_entropy: logits must be (N, C) and targets (N,), got {logits.shape} "
                         f"and {targets.shape}")
    keep = targets != ignore_index
    n = int(keep.sum())
    t = np.where(keep, targets, 0)
    if keep.any() and (t[keep].min() < 0 or t[keep].max() >= logits.shape[1]):
        raise IndexError(f"cross_entropy: targets must lie in [0, {logits.shape[1]}) or equal "
                         f"ignore_index={ignore_index}")
    z = logits - logits.max(1, keepdims=True)
    logsumexp = np.log(np.exp(z).sum(1))
    logp_t = z[np.arange(len(t)), t] - logsumexp
    loss = -(logp_t * keep).sum() / max(n, 1)
    return float(loss), (z, logsumexp, t, keep, max(n, 1))


def cross_entropy_backward(cache, dloss: float = 1.0):
    """dlogits = (softmax(logits) - onehot(target)) / n on kept rows, 0 on ignored rows."""
    z, logsumexp, t, keep, n = cache
    p = np.exp(z - logsumexp[:, None])
    p[np.arange(len(t)), t] -= 1.0
    p *= (keep * (dloss / n))[:, None].astype(p.dtype)
    return p


def mse_forward(pred: np.ndarray, target: np.ndarray):
    """L = mean((pred - target)^2)."""
    if pred.shape != target.shape:
        raise ValueError(f"mse: pred shape {pred.shape} != target shape {target.shape}")
    diff = pred - target
    return float(np.mean(diff * diff)), diff


def mse_backward(diff, dloss: float = 1.0):
    """dpred = 2 (pred - target) / N."""
    return diff * (2.0 * dloss / diff.size)
