"""The spike functions as ``torch.autograd.Function``s, with tinyspike's surrogate gradients.

    SigmoidSpike:  s = 1[x >= 0];  ds/dx = alpha e / (1 + e)^2,  e = exp(-alpha |x|)
                   (``tinyspike.neurons.surrogate.Sigmoid``: the derivative of sigmoid(alpha x))
    ElasticSpike:  s = alpha clip(round(u / alpha), -1, 1);  ds/du = 1[|u / alpha| <= 1]
                   ds/dalpha = q - u/alpha inside, q outside (q = clip(round(u/alpha), -1, 1))
                   (``tinyspike.neurons.elastic``: SpikeLM's straight-through estimator, LSQ for alpha)

Only the step's derivative is replaced; the membrane recurrence around it (``neurons.py``) is left
to autograd, so the parity test checks tinyspike's hand-written BPTT against an independent one.
"""
from __future__ import annotations

import torch


class SigmoidSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, alpha: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, ds: torch.Tensor):
        (x,) = ctx.saved_tensors
        e = torch.exp(-ctx.alpha * x.abs())           # in (0, 1]: no overflow
        return ds * (ctx.alpha * e / ((1.0 + e) * (1.0 + e))), None


class ElasticSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        r = u / alpha
        q = torch.clamp(torch.round(r), -1, 1)         # round half to even, as np.round
        ctx.save_for_backward(r, q)
        return alpha * q

    @staticmethod
    def backward(ctx, ds: torch.Tensor):
        r, q = ctx.saved_tensors
        inside = r.abs() <= 1
        du = ds * inside
        dalpha = None
        if ctx.needs_input_grad[1]:
            dalpha = (ds * torch.where(inside, q - r, q)).sum()   # alpha is one scalar per time step
        return du, dalpha
