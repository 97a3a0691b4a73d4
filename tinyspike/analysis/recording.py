"""Run a model once and keep, for every neuron site of every block, its input and its spikes.

Recording wraps the ``forward`` of each neuron (and of each block, to see the R's it was given) on
the instances for one forward pass, then removes the wrappers: the model's own code has no hook and
costs nothing when nothing records.

``force``: the records of another run of a model with the same sites (e.g. the unfused model when this
one is its fusion). Each neuron still computes and records its own spikes, but hands the forced run's
spikes downstream, so every site is compared on the same upstream spikes (teacher forcing): a spike
that flips at one site cannot change the inputs of the sites after it.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..models.sites import NEURON_SITES, SITE_NAMES, transforms

SITES = SITE_NAMES                                                 # forward order in a block (models/sites.py)
NEURON_ATTR = {site.name: site.neuron for site in NEURON_SITES}
SITE_TRANSFORM = {site.name: site.basis for site in NEURON_SITES}   # the transform in whose basis the input lives


@dataclasses.dataclass
class SiteRecord:
    layer: int
    site: str
    inputs: np.ndarray            # (T, B, S, n) what the neuron received
    spikes: np.ndarray            # (T, B, S, n)
    neuron: object
    transform: np.ndarray | None  # R (n, n) or blocks (g, n/g, n/g) of that basis; None when off


def check_inputs(model, inputs):
    """inputs = (ids, type_ids, attention_mask), integer arrays of one shape (B, S)."""
    if not hasattr(model, "encoder") or not hasattr(model.encoder, "blocks"):
        raise TypeError(f"analysis: expected a MaskedLM or SequenceClassifier, got {type(model).__name__}")
    if not isinstance(inputs, (tuple, list)) or len(inputs) != 3:
        raise TypeError("analysis: inputs must be a tuple (ids, type_ids, attention_mask)")
    arrays = [np.asarray(a) for a in inputs]
    for name, a in zip(("ids", "type_ids", "attention_mask"), arrays):
        if a.ndim != 2 or a.shape != arrays[0].shape or not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"analysis: {name} must be an integer array of shape (B, S) = {arrays[0].shape}, "
                             f"got {a.dtype} {a.shape}")
    return arrays


def _wrap(obj, fn):
    obj.forward = fn          # an instance attribute shadows the class's method until deleted


def record_sites(model, inputs, force: list[SiteRecord] | None = None) -> list[SiteRecord]:
    """One forward of ``model.encoder`` on inputs; returns the records in forward order."""
    ids, type_ids, mask = check_inputs(model, inputs)
    forced = None if force is None else {(r.layer, r.site): r.spikes for r in force}
    seen, matrices, wrapped = {}, {}, []
    try:
        for i, block in enumerate(model.encoder.blocks):
            for site in SITES:
                neuron = getattr(block, NEURON_ATTR[site])

                def neuron_forward(x, _orig=neuron.forward, _key=(i, site)):
                    seen[_key] = x
                    own = _orig(x)
                    return own if forced is None else forced[_key]
                _wrap(neuron, neuron_forward)
                wrapped.append(neuron)

            def block_forward(x, key_mask, r1=None, r2=None, r3=None, _orig=block.forward, _i=i):
                matrices[_i] = transforms(r1, r2, r3)
                return _orig(x, key_mask, r1, r2, r3)
            _wrap(block, block_forward)
            wrapped.append(block)
        model.encoder.forward(ids, type_ids, mask)
    finally:
        for obj in wrapped:
            del obj.forward
    records = []
    for i, block in enumerate(model.encoder.blocks):
        for site in SITES:
            neuron = getattr(block, NEURON_ATTR[site])
            name = SITE_TRANSFORM[site]
            records.append(SiteRecord(i, site, seen[(i, site)], neuron.last_spikes, neuron,
                                      None if name is None else matrices[i][name]))
    return records
