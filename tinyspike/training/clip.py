"""Global-norm gradient clipping."""
from __future__ import annotations

import numpy as np

from ..layers.base import Parameter


def global_grad_norm(params: list[Parameter]) -> float:
    """||g|| over all parameters' gradients, accumulated in float64."""
    return float(np.sqrt(sum(float(np.vdot(p.grad, p.grad)) for p in params)))


def clip_grad_norm(params: list[Parameter], max_norm: float) -> float:
    """Scale all gradients by min(1, max_norm / ||g||) in place; returns the norm before clipping."""
    norm = global_grad_norm(params)
    if not np.isfinite(norm):
        return norm
    if norm > max_norm:
        scale = max_norm / (norm + 1e-12)
        for p in params:
            p.grad *= scale
    return norm
