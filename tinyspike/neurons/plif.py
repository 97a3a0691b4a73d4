"""Parametric LIF (PLIF, Fang et al. 2021): the LIF whose time constant is learned, tau = 1 + exp(-w).

For every step t, x (T, ...) time first, v_0 = 0, one learnable w per layer:

    charge  h_t = v_{t-1} + (x_t - (v_{t-1} - v_reset)) / tau,   1/tau = sigmoid(w)
    fire    s_t = H(h_t - thr)                    (surrogate mode: s_t = surrogate.primitive(h_t - thr))
    reset   v_t = (1 - s_t) h_t + s_t v_reset     (hard)

BPTT (docs/neurons-add.md derives it): the LIF's, with dh_t/dx_t = 1/tau, dh_t/dv_{t-1} = 1 - 1/tau; and
since h_t depends on w directly only through 1/tau = sigmoid(w), d sigmoid/dw = (1/tau)(1 - 1/tau):

    dL/dw = (1/tau)(1 - 1/tau) sum_t sum_neurons dL/dh_t (x_t - v_{t-1} + v_reset)

with dL/dh_t the total gradient BPTT computes (through s_t and through v_t into the future).

No kernel: with w fixed, PLIF's forward and dx are the LIF's with the same tau, bit for bit
(``test_plif_with_w_frozen_is_lif_with_the_same_tau``), so the LIF kernel computes them; dL/dw needs
the sum over every membrane, which that kernel does not return. This file is the specification.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..layers.base import Parameter
from .base import SpikingNeuron, heaviside_fire
from .surrogate import Sigmoid, Surrogate


class PLIFCache(NamedTuple):
    h: np.ndarray           # (T, ...) membrane before firing
    v_prev: np.ndarray      # (T, ...) membrane v_{t-1} each step started from
    s_reset: np.ndarray     # (T, ...) the spikes the reset used
    thr: np.ndarray         # () or (C,), in the input's dtype
    tau: float


def plif_tau(w) -> float:
    """tau = 1 + exp(-w) = 1 / sigmoid(w), in float64."""
    return 1.0 + math.exp(-float(w))


def plif_forward(x, w, thr, surrogate: Surrogate, *, v_reset=0.0, spiking=True, reset_spikes=None):
    """Charge with tau = 1 + exp(-w), fire, hard reset over x (T, ...). Returns (s, cache)."""
    tau = plif_tau(w)
    dt = x.dtype.type
    thr = np.asarray(thr, x.dtype)
    v = np.zeros(x.shape[1:], x.dtype)
    h, v_prev, s, s_reset = np.empty_like(x), np.empty_like(x), np.empty_like(x), np.empty_like(x)
    for t in range(x.shape[0]):
        v_prev[t] = v
        h[t] = v + (x[t] - (v - dt(v_reset))) / dt(tau)                              # charge
        s[t] = heaviside_fire(h[t], thr, surrogate, spiking)                        # fire
        s_reset[t] = s[t] if reset_spikes is None else reset_spikes[t]
        v = (1 - s_reset[t]) * h[t] + s_reset[t] * dt(v_reset)                       # reset
    return s, PLIFCache(h, v_prev, s_reset, thr, tau)


def plif_backward(ds, x, cache: PLIFCache, surrogate: Surrogate, *, v_reset=0.0, detach_reset=False):
    """BPTT of ``plif_forward``: (dx (T, ...), dw (float))."""
    h, v_prev, s_reset, thr, tau = cache
    dt = h.dtype.type
    dhdx, dhdv = dt(1.0 / tau), dt(1.0 - 1.0 / tau)
    dx = np.empty_like(h)
    g = np.zeros(h.shape[1:], h.dtype)                        # dL/dv_t, nothing after the last step
    dk = 0.0                                                  # dL/d(1/tau)
    for t in range(h.shape[0] - 1, -1, -1):
        sg = surrogate.grad(h[t] - thr)                       # ds_t/dh_t
        dv_dh = 1 - s_reset[t] if detach_reset else 1 - s_reset[t] - (h[t] - dt(v_reset)) * sg
        dh = ds[t] * sg + g * dv_dh                           # dL/dh_t
        dk += float(np.sum(dh * (x[t] - v_prev[t] + dt(v_reset)), dtype=np.float64))
        dx[t] = dh * dhdx
        g = dh * dhdv
    k = 1.0 / tau
    return dx, dk * k * (1.0 - k)


class PLIF(SpikingNeuron):
    """PLIF layer: ``forward(x (T, ...)) -> spikes``, ``backward(ds) -> dx`` (and w.grad += dL/dw).

    ``tau`` is the initial time constant (> 1): w = -log(tau - 1), Fang et al.'s initialisation.
    """

    def __init__(self, thr=1.0, *, tau: float = 2.0, v_reset: float = 0.0, detach_reset: bool = False,
                 surrogate: Surrogate | None = None, dtype=np.float64):
        if not tau > 1:
            raise ValueError(f"PLIF: the initial tau must be > 1 (tau = 1 + exp(-w)), got {tau}; "
                             "set ModelConfig.tau (or PLIF's tau=) above 1")
        super().__init__()
        self.thr, self.v_reset, self.detach_reset = thr, v_reset, detach_reset
        self.surrogate = surrogate if surrogate is not None else Sigmoid()
        self.w = Parameter(np.array([-math.log(tau - 1.0)], dtype=dtype), decay=False)

    @property
    def tau(self) -> float:
        return plif_tau(self.w.value[0])

    def forward(self, x: np.ndarray) -> np.ndarray:
        s, cache = plif_forward(x, self.w.value[0], self.thr, self.surrogate, v_reset=self.v_reset,
                                spiking=self.spiking, reset_spikes=self.frozen_reset)
        self.last_spikes = s
        self._save((x, cache))
        return s

    def backward(self, ds: np.ndarray) -> np.ndarray:
        x, cache = self._pop()
        detach = self.detach_reset or self.frozen_reset is not None
        dx, dw = plif_backward(ds, x, cache, self.surrogate, v_reset=self.v_reset, detach_reset=detach)
        self.w.grad += dw
        return dx

    def charge(self, v, x):
        dt = x.dtype.type
        return v + (x - (v - dt(self.v_reset))) / dt(self.tau)

    def fire(self, h, t):
        return heaviside_fire(h, np.asarray(self.thr, h.dtype), self.surrogate, self.spiking)

    def reset(self, h, s, t):
        return (1 - s) * h + s * h.dtype.type(self.v_reset)
