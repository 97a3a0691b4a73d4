"""The neuron registry: the names ``ModelConfig(neuron=...)`` accepts, and how each builds a neuron.

Each entry builds the neuron of one site from the model's config and that site's threshold
(``v_threshold``, or ``attn_threshold`` for the attention output) and names the ``ModelConfig`` fields
it reads. Adding a neuron is one file (a ``SpikingNeuron``) and one line here (docs/neurons-add.md).

SpikeLM's elastic neuron reads no threshold: it fires where |u_t| >= alpha_t / 2 with alpha_t = k mean|u_t|
set from the data, so its firing level follows the input's scale (an absolute threshold would undo
that); its firing-rate knob is ``ElasticConfig.k``. ``ModelConfig`` warns when a field the chosen neuron
does not read is set away from its default.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .base import SpikingNeuron
from .elastic import ElasticBiSpike
from .if_neuron import IF
from .lif import LIF
from .plif import PLIF
from .surrogate import Sigmoid

THRESHOLDS = ("v_threshold", "attn_threshold")
HEAVISIDE = (*THRESHOLDS, "surrogate_alpha")      # what a thresholded neuron with a sigmoid surrogate reads


@dataclass(frozen=True)
class NeuronSpec:
    build: Callable[[Any, float], SpikingNeuron]     # (ModelConfig, the site's threshold) -> a neuron
    reads: tuple[str, ...]                           # the ModelConfig fields ``build`` uses


def smoothspike(cfg) -> dict:
    """SmoothSpike's neuron settings: the reset detached, the sigmoid surrogate with alpha = surrogate_alpha."""
    return dict(detach_reset=True, surrogate=Sigmoid(cfg.surrogate_alpha))


NEURONS: dict[str, NeuronSpec] = {
    "lif": NeuronSpec(lambda c, thr: LIF(thr, tau=c.tau, **smoothspike(c)), (*HEAVISIDE, "tau")),
    "elastic": NeuronSpec(lambda c, thr: ElasticBiSpike(), ()),
    "if": NeuronSpec(lambda c, thr: IF(thr, **smoothspike(c)), HEAVISIDE),
    "plif": NeuronSpec(lambda c, thr: PLIF(thr, tau=c.tau, dtype=c.dtype, **smoothspike(c)), (*HEAVISIDE, "tau")),
}


def build_neuron(cfg, thr: float) -> SpikingNeuron:
    """The neuron ``cfg.neuron`` names, for a site with threshold ``thr``."""
    if cfg.neuron not in NEURONS:
        raise ValueError(f"ModelConfig: neuron must be one of {sorted(NEURONS)}, got {cfg.neuron!r}")
    return NEURONS[cfg.neuron].build(cfg, thr)
