"""Whole-model gradient checks: run every spiking neuron in its smooth surrogate mode.

In surrogate mode each neuron's step is replaced by the smooth primitive whose derivative the
backward uses, so central differences of the whole model are meaningful. What the forward detaches
(the reset spikes under detach_reset, the spikes in SpikeLM's recurrence) is frozen at the values of
one base run, and SpikeLM's alpha is set by that base run and then fixed, as in training.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

from ..layers.base import Layer
from ..neurons.base import SpikingNeuron


def spiking_neurons(model: Layer) -> Iterator[SpikingNeuron]:
    """Every ``SpikingNeuron`` in ``model`` (its ``spiking`` switch and ``frozen_reset``), depth first."""
    if isinstance(model, SpikingNeuron):
        yield model
    for _, child in model.children():
        yield from spiking_neurons(child)


@contextlib.contextmanager
def surrogate_mode(model: Layer, base_forward: Callable[[], object]):
    """Within the block, neurons are smooth and their detached reset spikes frozen at ``base_forward``'s."""
    neurons = list(spiking_neurons(model))
    for n in neurons:
        n.spiking, n.frozen_reset = False, None
    try:
        base_forward()
        for n in neurons:
            n.frozen_reset = n.last_spikes.copy()
        yield neurons
    finally:
        for n in neurons:
            n.spiking, n.frozen_reset = True, None


def check_model_gradients(model: Layer, forward: Callable[[], object], **check_kwargs):
    """The whole-model gradient check: every parameter of ``model`` against central differences of
    ``forward()`` in surrogate mode (random upstream gradient, detached values frozen at a base run).
    Returns (report, neurons); ``check_kwargs`` go to ``check_gradients``."""
    from .gradcheck import check_gradients

    params = dict(model.named_parameters())

    def backward(dy):
        model.zero_grad()
        model.backward(dy)
        return {k: p.grad.copy() for k, p in params.items()}

    with surrogate_mode(model, forward) as neurons:
        report = check_gradients(forward, backward, {k: p.value for k, p in params.items()}, **check_kwargs)
    return report, neurons
