"""``to_torch(model)``: a tinyspike model as an equivalent ``torch.nn.Module``; ``from_torch`` copies back.

Parameters correspond name for name (``encoder.blocks.0.wq.W`` in both ``named_parameters()``).
Besides the parameters, three things travel as buffers: the fixed randomized Hadamard matrices
(``encoder.t2.0.R``), the LIF thresholds, and SpikeLM's alphas (set by the tinyspike model's first
forward; NaN until then, and the PyTorch model initialises them on its own first forward instead).
"""
from __future__ import annotations

import numpy as np
import torch

from ..models.spiking_lm import MaskedLM, SequenceClassifier, neuron_factory
from ..neurons.elastic import ElasticBiSpike as NumpyElastic
from ..neurons.lif import LIF as NumpyLIF
from . import model as tm


def _tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a, copy=True))


def to_torch(model) -> torch.nn.Module:
    """An equivalent ``torch.nn.Module`` (float32 or float64 as the model), on the CPU."""
    if isinstance(model, MaskedLM):
        module = tm.MaskedLM(model.config)
    elif isinstance(model, SequenceClassifier):
        module = tm.SequenceClassifier(model.config, model.head.out.d_out)
    else:
        raise TypeError(f"to_torch: expected a tinyspike MaskedLM or SequenceClassifier, got {type(model).__name__}")
    params = dict(module.named_parameters())
    _check_names(params, model, "to_torch")
    with torch.no_grad():
        for name, p in model.named_parameters():
            params[name].copy_(_tensor(p.value))
        for mine, theirs in _transforms(model, module):
            if mine.mode == "fixed":
                theirs.R.copy_(_tensor(mine.R))
        for where, mine, theirs in _neurons(model, module):
            _neuron_to_torch(where, mine, theirs, neuron_factory(model.config)(0.0))
    return module


def from_torch(module: torch.nn.Module, model) -> None:
    """Copy the PyTorch module's parameters (and SpikeLM alphas) into the tinyspike model, in place."""
    params = dict(module.named_parameters())
    _check_names(params, model, "from_torch")
    for name, p in model.named_parameters():
        src = params[name].detach().cpu().numpy()
        if src.shape != p.value.shape:
            raise ValueError(f"from_torch: {name} has shape {src.shape} in the module, {p.value.shape} in the model")
        p.value[...] = src
    for _, mine, theirs in _neurons(model, module):
        if isinstance(mine, NumpyElastic) and not mine.learnable:
            alpha = theirs.alpha.detach().cpu().numpy().astype(np.float64)
            mine.alpha = None if np.isnan(alpha).any() else alpha


def _check_names(params: dict, model, who: str) -> None:
    mine = {name for name, _ in model.named_parameters()}
    if mine != set(params):
        raise ValueError(f"{who}: the module's parameters do not match the model's: only in the model "
                         f"{sorted(mine - set(params))}, only in the module {sorted(set(params) - mine)}; "
                         "build both from the same ModelConfig")


def _transforms(model, module):
    enc, tenc = model.encoder, module.encoder
    pairs = [(enc.t1, tenc.t1)]
    for mine_list, theirs_list in ((enc.t2, tenc.t2), (enc.t3, tenc.t3)):
        pairs += zip(mine_list, theirs_list or [])
    return [(m, t) for m, t in pairs if m is not None]


def _neurons(model, module):
    for i, (block, tblock) in enumerate(zip(model.encoder.blocks, module.encoder.blocks)):
        for name in tm.NEURONS:
            yield f"encoder.blocks.{i}.{name}", getattr(block, name), getattr(tblock, name)


def _neuron_to_torch(where: str, mine, theirs, expected) -> None:
    """Copy the threshold (LIF) or alpha (elastic); refuse a neuron the config would not have built."""
    if isinstance(mine, NumpyLIF):
        if repr(mine.cfg) != repr(expected.cfg):              # the surrogate object compares by its repr
            raise ValueError(f"to_torch: {where} is {mine.cfg}, not the config's {expected.cfg}; "
                             "only the config's neuron is exported")
        theirs.thr = _tensor(np.asarray(mine.thr, dtype=np.float64))
        return
    if mine.cfg != expected.cfg:
        raise ValueError(f"to_torch: {where} is {mine.cfg}, not the config's {expected.cfg}")
    if mine.learnable:
        raise ValueError(f"to_torch: {where} has a learnable alpha; the config builds a frozen one")
    if mine.alpha is not None:
        theirs.alpha.copy_(_tensor(mine.alpha_value()))
