"""Multi-step neurons in PyTorch with tinyspike's conventions (time first, membrane zero each forward).

LIF (``tinyspike.neurons.lif``), for every step t, x = h_t - thr in the spike function:
    charge  decay_input: h_t = v_{t-1} + (x_t - (v_{t-1} - v_reset)) / tau;   leak: h_t = lam v_{t-1} + x_t
    fire    s_t = SigmoidSpike(h_t - thr)
    reset   hard: v_t = (1 - s_t) h_t + s_t v_reset;   soft: v_t = h_t - s_t thr
            (with detach_reset, the s_t of the reset is a constant for autograd)
Elastic bi-spiking (``tinyspike.neurons.elastic``), s_{t-1} and alpha_{t-1} constants in the recurrence:
    spikelm: u_t = u_{t-1} * 0.25 (alpha_{t-1} - s_{t-1}) + x_t;   lif: u_t = lam (u_{t-1} - s_{t-1}) + x_t
    fire     s_t = ElasticSpike(u_t, alpha_t), alpha_t = k mean|u_t| on the first forward, then kept.

Membranes run in at least float32: under bf16/fp16 autocast the input is upcast before the
threshold comparison (a bf16 membrane near thr = 1 has a resolution of 2^-7). ``record = True``
keeps the last spike train in ``last_spikes`` (the parity tests read it).
"""
from __future__ import annotations

import torch
from torch import nn

from .spikes import ElasticSpike, SigmoidSpike


def _membrane_dtype(x: torch.Tensor) -> torch.dtype:
    return torch.promote_types(x.dtype, torch.float32)


class LIF(nn.Module):
    def __init__(self, thr: float, tau: float = 2.0, surrogate_alpha: float = 4.0, charge: str = "decay_input",
                 leak: float = 0.5, v_reset: float = 0.0, reset: str = "hard", detach_reset: bool = True):
        super().__init__()
        self.register_buffer("thr", torch.tensor(float(thr)))  # scalar, or (C,) once gamma is folded in
        self.tau, self.alpha, self.charge, self.leak = tau, surrogate_alpha, charge, leak
        self.v_reset, self.reset, self.detach_reset = v_reset, reset, detach_reset
        self.record = False
        self.last_spikes: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (T, ...) -> spikes (T, ...) of the membrane dtype."""
        x = x.to(_membrane_dtype(x))
        thr = self.thr.to(x.dtype)
        v = torch.zeros_like(x[0])
        spikes = []
        for t in range(x.shape[0]):
            if self.charge == "decay_input":
                h = v + (x[t] - (v - self.v_reset)) / self.tau
            else:
                h = self.leak * v + x[t]
            s = SigmoidSpike.apply(h - thr, self.alpha)
            sr = s.detach() if self.detach_reset else s
            v = (1.0 - sr) * h + sr * self.v_reset if self.reset == "hard" else h - sr * thr
            spikes.append(s)
        out = torch.stack(spikes)                                      # (T, ...)
        if self.record:
            self.last_spikes = out.detach()
        return out


class ElasticBiSpike(nn.Module):
    """alpha (T,): a buffer (SpikeLM: frozen) or, with ``learnable``, a Parameter; NaN until initialised."""

    def __init__(self, T: int, membrane: str = "spikelm", lam: float = 0.5, k: float = 2.0, learnable: bool = False):
        super().__init__()
        alpha = torch.full((T,), float("nan"), dtype=torch.float64)
        if learnable:
            self.alpha = nn.Parameter(alpha)
        else:
            self.register_buffer("alpha", alpha)
        self.membrane, self.lam, self.k = membrane, lam, k
        self.record = False
        self.last_spikes: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (T, ...) -> ternary spikes in {-alpha_t, 0, alpha_t} (T, ...)."""
        x = x.to(_membrane_dtype(x))
        if x.shape[0] != self.alpha.shape[0]:
            raise ValueError(f"ElasticBiSpike: alpha was built for T={self.alpha.shape[0]} steps, input has "
                             f"T={x.shape[0]}")
        init = bool(torch.isnan(self.alpha).any())
        spikes = []
        u = x[0]
        for t in range(x.shape[0]):
            if t > 0:
                a_prev, s_prev = self.alpha[t - 1].detach().to(x.dtype), spikes[-1].detach()
                if self.membrane == "spikelm":
                    u = u * (0.25 * (a_prev - s_prev)) + x[t]
                else:
                    u = self.lam * (u - s_prev) + x[t]
            if init:                                                   # alpha_t = k mean|u_t| > 0
                with torch.no_grad():
                    mean = u.detach().abs().mean(dtype=torch.float64)
                    self.alpha[t] = torch.clamp(self.k * mean, min=torch.finfo(torch.float64).tiny)
            spikes.append(ElasticSpike.apply(u, self.alpha[t].to(x.dtype)))
        out = torch.stack(spikes)
        if self.record:
            self.last_spikes = out.detach()
        return out
