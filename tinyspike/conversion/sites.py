"""Spiking operator sites: layers that call a plug-and-play spiking operator where the float model had
Softmax, GELU, SiLU, LayerNorm or RMSNorm. Forward only: conversion never fine-tunes.

A norm site keeps the float layer's ``gamma``/``beta`` Parameters and ``eps``; the operator folds them
into its integer affine weights on each call. ``reference(x)`` is the float operator a site replaced
(the engine's forward function), so a report can measure each site's own error on the very input the
converted model feeds it: while ``probe`` is a list, each forward appends ``max |spiking - float|``.
"""
from __future__ import annotations

import numpy as np

from ..layers import gelu_forward, layernorm_forward, rmsnorm_forward, silu_forward, softmax_forward
from ..layers.base import Layer, Parameter


class SpikingSite(Layer):
    """Base of the replacements: ``forward`` runs the operator (and the probe); ``backward`` is refused."""

    op = None
    probe: list | None = None

    def spiking(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def reference(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = self.spiking(x)
        if self.probe is not None:
            self.probe.append(float(np.abs(y.astype(np.float64) - self.reference(x.astype(np.float64))).max()))
        return y

    def _label(self) -> str:
        return f"{type(self).__name__}({self.op!r})"

    def backward(self, dy):
        raise NotImplementedError(f"{self._label()}: a converted model is inference-only (the spiking operators "
                                  "have no backward; conversion replaces operators without fine-tuning)")


class SpikingSoftmaxSite(SpikingSite):
    """p = SpikingSoftmax(x) over the last axis (the engine's Softmax normalises the last axis)."""

    def __init__(self, op, float_layer=None):
        self.op = op

    def spiking(self, x):
        return self.op(x, axis=-1)

    def reference(self, x):
        return softmax_forward(x)[0]


class SpikingGELUSite(SpikingSite):
    """y = SpikingGELU(x) elementwise; the reference is the exact erf GELU."""

    def __init__(self, op, float_layer=None):
        self.op = op

    def spiking(self, x):
        return self.op(x)

    def reference(self, x):
        return gelu_forward(x)[0]


class SpikingSiLUSite(SpikingGELUSite):
    """y = SpikingSiLU(x) elementwise."""

    def reference(self, x):
        return silu_forward(x)[0]


class SpikingLayerNormSite(SpikingSite):
    """y = SpikingLayerNorm(x, gamma, beta, eps) with the float LayerNorm's parameters."""

    def __init__(self, op, float_layer):
        self.op = op
        self.gamma: Parameter = float_layer.gamma
        self.beta: Parameter = float_layer.beta
        self.dim, self.eps = float_layer.dim, float_layer.eps

    def spiking(self, x):
        self._check_last_dim(x, self.dim)
        return self.op(x, self.gamma.value, self.beta.value, eps=self.eps)

    def reference(self, x):
        return layernorm_forward(x, self.gamma.value, self.beta.value, self.eps)[0]


class SpikingRMSNormSite(SpikingSite):
    """y = SpikingRMSNorm(x, gamma, eps); the scale-free RMSNorm (gamma None) uses gamma = 1."""

    def __init__(self, op, float_layer):
        self.op = op
        self.gamma: Parameter | None = float_layer.gamma
        self.dim, self.eps, self.dtype = float_layer.dim, float_layer.eps, float_layer.dtype

    def _gamma(self):
        return np.ones(self.dim, self.dtype) if self.gamma is None else self.gamma.value

    def spiking(self, x):
        self._check_last_dim(x, self.dim)
        return self.op(x, self._gamma(), eps=self.eps)

    def reference(self, x):
        return rmsnorm_forward(x, self._gamma(), self.eps)[0]
