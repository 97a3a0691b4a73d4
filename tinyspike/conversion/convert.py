"""ANN-to-SNN conversion without fine-tuning: replace a trained float model's nonlinearities by spiking operators.

    conv = convert(model, ops={"softmax": SpikingSoftmax(), "gelu": SpikingGELU(), "layernorm": SpikingLayerNorm()})
    conv.model                  # a deep copy with every selected layer replaced; ``model`` is left untouched
    conv.report(*inputs)        # per-layer output error of conv.model against the float model

Each selected kind replaces every layer of its float class anywhere in the model tree (attributes and
lists of layers): Softmax, GELU, SiLU, LayerNorm, RMSNorm. The weights are not changed.
"""
from __future__ import annotations

import copy
import dataclasses

from ..layers import GELU, LayerNorm, RMSNorm, SiLU, Softmax
from ..layers.base import Layer
from ..operators import SpikingGELU, SpikingLayerNorm, SpikingRMSNorm, SpikingSiLU, SpikingSoftmax
from .report import ErrorReport, error_report
from .sites import (SpikingGELUSite, SpikingLayerNormSite, SpikingRMSNormSite, SpikingSiLUSite, SpikingSite,
                    SpikingSoftmaxSite)

# kind -> (the float layer class it replaces, the spiking operator class it takes, the site that calls it)
OPERATOR_KINDS = {
    "softmax": (Softmax, SpikingSoftmax, SpikingSoftmaxSite),
    "gelu": (GELU, SpikingGELU, SpikingGELUSite),
    "silu": (SiLU, SpikingSiLU, SpikingSiLUSite),
    "layernorm": (LayerNorm, SpikingLayerNorm, SpikingLayerNormSite),
    "rmsnorm": (RMSNorm, SpikingRMSNorm, SpikingRMSNormSite),
}


@dataclasses.dataclass
class Conversion:
    """The converted copy, the float original it came from, and where each operator went (path, kind)."""
    model: Layer
    float_model: Layer
    sites: list[tuple[str, str]]

    def counts(self) -> dict[str, int]:
        """How many layers of each kind were replaced."""
        out: dict[str, int] = {}
        for _, kind in self.sites:
            out[kind] = out.get(kind, 0) + 1
        return out

    def site_layers(self) -> list[tuple[str, SpikingSite]]:
        """(path, site layer) in the converted model, in the order of ``sites``."""
        return [(path, _get(self.model, path)) for path, _ in self.sites]

    def report(self, *inputs, positions=None) -> ErrorReport:
        """Per-layer output error of the converted model against the float model on ``inputs``
        (see ``error_report``); ``positions`` (bool, the leading axes of a hidden state) restricts it,
        e.g. to real tokens."""
        return error_report(self, *inputs, positions=positions)


def _check_ops(ops: dict) -> None:
    if not isinstance(ops, dict) or not ops:
        raise TypeError(f"convert: ops must be a non-empty dict kind -> spiking operator, e.g. "
                        f"{{'softmax': SpikingSoftmax()}}, got {ops!r}")
    for kind, op in ops.items():
        if kind not in OPERATOR_KINDS:
            raise ValueError(f"convert: unknown operator kind {kind!r}; known kinds: {', '.join(OPERATOR_KINDS)}")
        want = OPERATOR_KINDS[kind][1]
        if not isinstance(op, want):
            raise TypeError(f"convert: ops[{kind!r}] must be a {want.__name__} instance (e.g. {want.__name__}()), "
                            f"got {type(op).__name__}")


def _replace_in(layer: Layer, ops: dict, prefix: str, sites: list) -> None:
    """Walk ``layer``'s attributes and lists of layers, swapping selected float layers for sites in place."""
    for name, value in list(vars(layer).items()):
        if isinstance(value, Layer):
            setattr(layer, name, _replacement(value, ops, prefix + name, sites))
        elif isinstance(value, (list, tuple)) and any(isinstance(v, Layer) for v in value):
            items = [_replacement(v, ops, f"{prefix}{name}.{i}", sites) if isinstance(v, Layer) else v
                     for i, v in enumerate(value)]
            setattr(layer, name, type(value)(items))


def _replacement(layer: Layer, ops: dict, path: str, sites: list) -> Layer:
    for kind, op in ops.items():
        float_cls, _, site_cls = OPERATOR_KINDS[kind]
        if isinstance(layer, float_cls):
            sites.append((path, kind))
            return site_cls(op, layer)
    _replace_in(layer, ops, path + ".", sites)
    return layer


def _get(model: Layer, path: str) -> Layer:
    obj = model
    for part in path.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def convert(model: Layer, ops: dict) -> Conversion:
    """Replace each selected kind of nonlinearity in a deep copy of ``model``; ``model`` is not mutated.

    ``ops`` maps a kind ('softmax', 'gelu', 'silu', 'layernorm', 'rmsnorm') to a spiking operator
    instance carrying its knobs, e.g. ``{"gelu": SpikingGELU(K=64)}``. A kind that finds no layer of
    its float class in the model is an error (a misspelt model or a wrong expectation).
    """
    _check_ops(ops)
    if not isinstance(model, Layer):
        raise TypeError(f"convert: model must be a tinyspike Layer, got {type(model).__name__}")
    converted = copy.deepcopy(model)
    for _, sub in _walk(converted):
        sub._cache = None                       # the float forward's caches are not the converted model's
    sites: list[tuple[str, str]] = []
    _replace_in(converted, ops, "", sites)
    found = {kind for _, kind in sites}
    absent = [kind for kind in ops if kind not in found]
    if absent:
        names = ", ".join(OPERATOR_KINDS[k][0].__name__ for k in absent)
        raise ValueError(f"convert: the model has no {names} layer to replace for ops {absent}; drop those keys")
    return Conversion(converted.eval(), model, sites)


def _walk(layer: Layer, prefix: str = ""):
    yield prefix, layer
    for name, child in layer.children():
        yield from _walk(child, f"{prefix}{name}.")
