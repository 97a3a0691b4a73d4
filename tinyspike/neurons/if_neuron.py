"""Integrate-and-fire neuron (IF: the LIF without leak), charge -> fire -> reset with hand-written BPTT.

For every step t, x (T, ...) time first, v_0 = 0:

    charge  h_t = v_{t-1} + x_t
    fire    s_t = H(h_t - thr)                    (surrogate mode: s_t = surrogate.primitive(h_t - thr))
    reset   v_t = (1 - s_t) h_t + s_t v_reset     (hard)

BPTT (docs/neurons-add.md derives it), going back from t = T-1 with g = dL/dv_t from the future,
sg_t = surrogate.grad(h_t - thr):

    dL/dh_t  = dL/ds_t sg_t + g (1 - s_t + (v_reset - h_t) sg_t)      (detach_reset: g (1 - s_t))
    dL/dx_t  = dL/dh_t,      g <- dL/dh_t                            (dh_t/dx_t = dh_t/dv_{t-1} = 1)

No kernel: the IF neuron is the LIF with ``charge="leak"`` and lam = 1, bit for bit
(``test_if_is_lif_without_leak``), so ``LIF(thr, charge="leak", leak=1.0)`` runs it on the LIF kernel.
This file is the specification.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import SpikingNeuron, heaviside_fire
from .surrogate import Sigmoid, Surrogate


class IFCache(NamedTuple):
    h: np.ndarray           # (T, ...) membrane before firing
    s_reset: np.ndarray     # (T, ...) the spikes the reset used
    thr: np.ndarray         # () or (C,), in the input's dtype


def if_forward(x, thr, surrogate: Surrogate, *, v_reset=0.0, spiking=True, reset_spikes=None):
    """h_t = v_{t-1} + x_t;  s_t = H(h_t - thr);  v_t = (1 - s_t) h_t + s_t v_reset.  Returns (s, cache).

    reset_spikes: (T, ...) used by the reset instead of s_t (a constant: surrogate mode's frozen reset).
    """
    thr = np.asarray(thr, x.dtype)
    v = np.zeros(x.shape[1:], x.dtype)
    h, s, s_reset = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    for t in range(x.shape[0]):
        h[t] = v + x[t]                                                              # charge
        s[t] = heaviside_fire(h[t], thr, surrogate, spiking)                        # fire
        s_reset[t] = s[t] if reset_spikes is None else reset_spikes[t]
        v = (1 - s_reset[t]) * h[t] + s_reset[t] * v_reset                           # reset
    return s, IFCache(h, s_reset, thr)


def if_backward(ds, cache: IFCache, surrogate: Surrogate, *, v_reset=0.0, detach_reset=False):
    """BPTT of ``if_forward``: dx (T, ...)."""
    h, s_reset, thr = cache
    dx = np.empty_like(h)
    g = np.zeros(h.shape[1:], h.dtype)                        # dL/dv_t, nothing after the last step
    for t in range(h.shape[0] - 1, -1, -1):
        sg = surrogate.grad(h[t] - thr)                       # ds_t/dh_t
        dv_dh = 1 - s_reset[t] if detach_reset else 1 - s_reset[t] - (h[t] - v_reset) * sg
        dx[t] = ds[t] * sg + g * dv_dh                        # dL/dh_t = dL/dx_t
        g = dx[t]
    return dx


class IF(SpikingNeuron):
    """IF layer: ``forward(x (T, ...)) -> spikes``, ``backward(ds) -> dx``; thr a scalar or (C,)."""

    def __init__(self, thr=1.0, *, v_reset: float = 0.0, detach_reset: bool = False,
                 surrogate: Surrogate | None = None):
        super().__init__()
        self.thr, self.v_reset, self.detach_reset = thr, v_reset, detach_reset
        self.surrogate = surrogate if surrogate is not None else Sigmoid()

    def forward(self, x: np.ndarray) -> np.ndarray:
        s, cache = if_forward(x, self.thr, self.surrogate, v_reset=self.v_reset, spiking=self.spiking,
                              reset_spikes=self.frozen_reset)
        self.last_spikes = s
        self._save(cache)
        return s

    def backward(self, ds: np.ndarray) -> np.ndarray:
        detach = self.detach_reset or self.frozen_reset is not None
        return if_backward(ds, self._pop(), self.surrogate, v_reset=self.v_reset, detach_reset=detach)

    def charge(self, v, x):
        return v + x

    def fire(self, h, t):
        return heaviside_fire(h, np.asarray(self.thr, h.dtype), self.surrogate, self.spiking)

    def reset(self, h, s, t):
        return (1 - s) * h + s * self.v_reset
