"""The dense layers of a tinyspike model in PyTorch, with tinyspike's parameter names (W, b, gamma,
beta, E) so that ``named_parameters()`` of both models agree name for name (``to_torch.py``).

    Linear     y = x W^T + b                          RMSNorm    y = x / sqrt(mean(x^2) + eps) gamma
    LayerNorm  y = (x - mu) / sqrt(var + eps) gamma + beta      Embedding  y = E[ids] (no grad to padding_idx)
Parameters start at zero: ``to_torch`` fills them from a tinyspike model (whose initialisation is the one).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Linear(nn.Module):
    def __init__(self, d_in: int, d_out: int, dtype: torch.dtype):
        super().__init__()
        self.W = nn.Parameter(torch.zeros(d_out, d_in, dtype=dtype))
        self.b = nn.Parameter(torch.zeros(d_out, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.W, self.b)


class RMSNorm(nn.Module):
    def __init__(self, d: int, eps: float, dtype: torch.dtype):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(d, dtype=dtype))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # under bf16 autocast the input arrives in bf16: normalise in the parameter's precision
        return F.rms_norm(x.to(self.gamma.dtype), self.gamma.shape, self.gamma, self.eps)


class LayerNorm(nn.Module):
    def __init__(self, d: int, eps: float, dtype: torch.dtype):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(d, dtype=dtype))
        self.beta = nn.Parameter(torch.zeros(d, dtype=dtype))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, self.gamma.shape, self.gamma, self.beta, self.eps)


class Embedding(nn.Module):
    def __init__(self, num: int, d: int, dtype: torch.dtype, padding_idx: int | None = None):
        super().__init__()
        self.E = nn.Parameter(torch.zeros(num, d, dtype=dtype))
        self.padding_idx = padding_idx

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, self.E, self.padding_idx)
