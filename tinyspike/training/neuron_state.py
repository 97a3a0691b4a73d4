"""Neuron state that is not a parameter but must travel with the weights.

SpikeLM's elastic neuron sets its per-step spike amplitude alpha_t = k mean|u_t| on its first forward
and then keeps it frozen (``ElasticBiSpike.alpha``, a plain array). A checkpoint without it would let
a resumed or reloaded model set alpha afresh from another batch, so the loop and ``load_trained``
save and restore it (as exact float lists in the checkpoint's metadata).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from ..layers.base import Layer, Parameter
from ..neurons.elastic import ElasticBiSpike


def named_layers(layer: Layer, prefix: str = "") -> Iterator[tuple[str, Layer]]:
    yield prefix.rstrip("."), layer
    for name, child in layer.children():
        yield from named_layers(child, f"{prefix}{name}.")


def neuron_alphas(model: Layer) -> dict[str, list[float]]:
    """The frozen alpha of every elastic neuron that has set it, by layer path."""
    return {name: np.asarray(n.alpha).tolist() for name, n in named_layers(model)
            if isinstance(n, ElasticBiSpike) and n.alpha is not None and not isinstance(n.alpha, Parameter)}


def params_dtype(model: Layer):
    return next(p.value.dtype for _, p in model.named_parameters())


def set_neuron_alphas(model: Layer, alphas: dict[str, list[float]], dtype) -> None:
    layers = dict(named_layers(model))
    for name, values in alphas.items():
        if not isinstance(layers.get(name), ElasticBiSpike):
            raise ValueError(f"the checkpoint holds an elastic-neuron alpha for '{name}', which this model lacks")
        layers[name].alpha = np.asarray(values, dtype=dtype)
