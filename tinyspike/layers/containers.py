"""Composition: a sequence of layers, and a residual connection around one."""
from __future__ import annotations

import numpy as np

from .base import Layer


class Sequential(Layer):
    """y = f_n(... f_1(x)); backward runs the layers in reverse."""

    def __init__(self, *layers: Layer):
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy


class Residual(Layer):
    """y = x + f(x); dx = dy + f'(x)^T dy."""

    def __init__(self, inner: Layer):
        self.inner = inner

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x + self.inner.forward(x)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy + self.inner.backward(dy)
