"""SmoothSpike's transforms H1, H2, H3 in PyTorch (``tinyspike.transforms.orthogonal``).

fixed:      R = H_R, the randomized Hadamard matrix, a buffer copied from the tinyspike model.
learnable:  R = NS(H_tilde): X_0 = H_tilde / (||H_tilde||_F + 1e-7), then per (a, b, c) of the scheme
            X <- a X + b A X + c A^2 X with A = X X^T (the same ``schedule`` as tinyspike);
            autograd differentiates it, which the parity test compares with the hand-written backward.
The projection always runs in at least float32 with autocast off: in bf16 the iteration drifts
away from orthogonal. ``rotate`` is ``y = x @ R`` (or R^T), R full (d, d) or block-diagonal (g, d/g, d/g).
"""
from __future__ import annotations

import torch
from torch import nn

from ..transforms.newton_schulz import NORM_EPS, schedule


def newton_schulz(g: torch.Tensor, scheme: str = "quintic", steps: int = 5) -> torch.Tensor:
    """R ~ msign(G) for each matrix in g (..., r, c), as ``tinyspike.transforms.newton_schulz``."""
    with torch.autocast(device_type=g.device.type, enabled=False):
        x = g.to(torch.promote_types(g.dtype, torch.float32))
        if scheme == "svd":                                              # exact U V^T
            u, _, vh = torch.linalg.svd(x, full_matrices=False)
            return u @ vh
        x = x / (torch.linalg.matrix_norm(x, keepdim=True) + NORM_EPS)
        for a, b, c in schedule(scheme, steps):
            A = x @ x.mT                                                 # (..., r, r)
            bx = b * x + c * (A @ x) if c else b * x
            x = a * x + A @ bx
        return x


class OrthogonalTransform(nn.Module):
    def __init__(self, shape: tuple[int, ...], mode: str, scheme: str, steps: int, dtype: torch.dtype):
        super().__init__()
        self.mode, self.scheme, self.steps = mode, scheme, steps
        if mode == "fixed":
            self.register_buffer("R", torch.zeros(shape, dtype=dtype))
        elif mode == "learnable":
            self.H_tilde = nn.Parameter(torch.zeros(shape, dtype=dtype))
        else:
            raise ValueError(f"OrthogonalTransform: mode must be 'fixed' or 'learnable', got {mode!r}")

    def forward(self) -> torch.Tensor:
        if self.mode == "fixed":
            return self.R
        return newton_schulz(self.H_tilde, self.scheme, self.steps)


def rotate(x: torch.Tensor, r: torch.Tensor | None, transpose: bool = False) -> torch.Tensor:
    """y = x @ R (or x @ R^T); the identity when the transform is off (r is None)."""
    if r is None:
        return x
    rr = r.mT if transpose else r
    if r.dim() == 2:
        return x @ rr
    g, b, _ = r.shape
    xb = x.reshape(*x.shape[:-1], g, b)                                  # (..., g, b)
    return torch.einsum("...gi,gij->...gj", xb, rr).reshape(x.shape)
