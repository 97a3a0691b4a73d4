"""Neuron state that is not a parameter but must travel with the weights.

SpikeLM's elastic neuron sets its per-step spike amplitude alpha_t = k mean|u_t| on its first forward
and then keeps it frozen (``ElasticBiSpike.alpha``, a plain array). A checkpoint without it would let
a resumed or reloaded model set alpha afresh from another batch, so the loop and ``load_trained``
save and restore it (as exact float lists in the checkpoint's metadata).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from ..layers.base import Layer
from ..neurons.base import SpikingNeuron


def named_layers(layer: Layer, prefix: str = "") -> Iterator[tuple[str, Layer]]:
    yield prefix.rstrip("."), layer
    for name, child in layer.children():
        yield from named_layers(child, f"{prefix}{name}.")


def neuron_alphas(model: Layer) -> dict[str, list[float]]:
    """The frozen alpha (``SpikingNeuron.frozen_state``) of every neuron that keeps one, by layer path."""
    states = {name: n.frozen_state() for name, n in named_layers(model) if isinstance(n, SpikingNeuron)}
    return {name: np.asarray(state["alpha"]).tolist() for name, state in states.items() if "alpha" in state}


def params_dtype(model: Layer):
    return next(p.value.dtype for _, p in model.named_parameters())


def set_neuron_alphas(model: Layer, alphas: dict[str, list[float]], dtype) -> None:
    layers = dict(named_layers(model))
    for name, values in alphas.items():
        neuron = layers.get(name)
        if not isinstance(neuron, SpikingNeuron) or "alpha" not in neuron.FROZEN_STATE:
            raise ValueError(f"the checkpoint holds an elastic-neuron alpha for '{name}', which this model lacks")
        neuron.load_frozen_state({"alpha": np.asarray(values, dtype=dtype)})
