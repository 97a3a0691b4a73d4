"""The neuron protocol: charge -> fire -> reset over time (spikingjelly's ``BaseNode``), no hidden state.

A spiking neuron is a ``Layer`` over ``x (T, ...)``, time first. Its ``forward`` runs, for every step t,

    charge   h_t = charge(v_{t-1}, x_t)        the membrane before firing (v_0 = 0 on every forward)
    fire     s_t = fire(h_t, t)                 a step function of h_t (its surrogate's primitive in surrogate mode)
    reset    v_t = reset(h_t, s_t, t)           the membrane after firing

and its ``backward(ds)`` is the hand-written BPTT of that loop. The three single-step methods are the
specification (``step_by_step`` runs them; the tests hold ``forward`` to it); ``forward`` and ``backward``
run the whole time loop at once, and may call a kernel.

What the library's tools read from a neuron, and nothing else (docs/neurons-add.md):

    spiking               True; False is surrogate mode (``tinyspike.testing.surrogate_mode``)
    frozen_reset          None, or (T, ...) spikes the reset uses instead of s_t (held constant)
    last_spikes           the spikes (T, ...) of the last forward (recording, energy, saturation)
    firing_threshold()    the level h must reach to fire, scalar, (C,) or (T,) (saturation's histograms)
    frozen_state()        non-parameter state set from data and then kept (checkpoints)
    load_frozen_state(d)  puts such state back
"""
from __future__ import annotations

import numpy as np

from ..layers.base import Layer


class SpikingNeuron(Layer):
    """Base class of every neuron layer; a subclass writes charge, fire, reset, forward and backward."""

    FROZEN_STATE: tuple[str, ...] = ()     # names ``load_frozen_state`` accepts

    def __init__(self):
        self.spiking = True
        self.frozen_reset: np.ndarray | None = None
        self.last_spikes: np.ndarray | None = None

    # ---- one step (the specification) ---------------------------------------------------------
    def charge(self, v: np.ndarray, x: np.ndarray) -> np.ndarray:
        """h_t from v_{t-1} and x_t, both (...)."""
        raise NotImplementedError(f"{self._label()}: a SpikingNeuron must define charge(v, x)")

    def fire(self, h: np.ndarray, t: int) -> np.ndarray:
        """s_t from h_t; with ``spiking = False`` the smooth primitive whose derivative backward uses."""
        raise NotImplementedError(f"{self._label()}: a SpikingNeuron must define fire(h, t)")

    def reset(self, h: np.ndarray, s: np.ndarray, t: int) -> np.ndarray:
        """v_t from h_t and the spikes s_t."""
        raise NotImplementedError(f"{self._label()}: a SpikingNeuron must define reset(h, s, t)")

    def step_by_step(self, x: np.ndarray) -> np.ndarray:
        """The spikes (T, ...) of charge -> fire -> reset run one step at a time from v_0 = 0."""
        v = np.zeros(x.shape[1:], x.dtype)
        s = np.empty_like(x)
        for t in range(x.shape[0]):
            h = self.charge(v, x[t])
            s[t] = self.fire(h, t)
            v = self.reset(h, s[t] if self.frozen_reset is None else self.frozen_reset[t], t)
        return s

    # ---- what the tools read ------------------------------------------------------------------
    def firing_threshold(self):
        """The level h must reach to fire: ``thr`` (a scalar or (C,)) for a neuron with a fixed one."""
        return self.thr

    def frozen_state(self) -> dict[str, np.ndarray]:
        """Non-parameter state set from data and then kept, saved with the weights (none by default)."""
        return {}

    def load_frozen_state(self, state: dict[str, np.ndarray]) -> None:
        unknown = sorted(set(state) - set(self.FROZEN_STATE))
        if unknown:
            raise ValueError(f"{self._label()}: has no frozen state {unknown} (it keeps {list(self.FROZEN_STATE)}); "
                             "the checkpoint was saved from a model with another neuron")
        for name, value in state.items():
            setattr(self, name, value)


def heaviside_fire(h: np.ndarray, thr, surrogate, spiking: bool) -> np.ndarray:
    """s = H(h - thr) = surrogate.spike(h - thr), or surrogate.primitive(h - thr) in surrogate mode."""
    z = h - thr
    return surrogate.spike(z) if spiking else surrogate.primitive(z)
