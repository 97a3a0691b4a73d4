"""Elementwise activations, each forward beside its derivative."""
from __future__ import annotations

import numpy as np
from scipy.special import erf

from .base import Layer

_SQRT1_2 = float(1.0 / np.sqrt(2.0))  # python floats keep float32 arrays float32
_INV_SQRT_2PI = float(1.0 / np.sqrt(2.0 * np.pi))


def gelu_forward(x):
    """GELU(x) = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2   (exact erf form, as BERT)."""
    phi = 0.5 * (1.0 + erf(x * _SQRT1_2))
    return x * phi, (x, phi)


def gelu_backward(dy, cache):
    """d/dx x Phi(x) = Phi(x) + x N(x), N the standard normal density."""
    x, phi = cache
    return dy * (phi + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x))


def sigmoid(x):
    """Numerically stable logistic function."""
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def silu_forward(x):
    """SiLU(x) = x sigmoid(x)."""
    s = sigmoid(x)
    return x * s, (x, s)


def silu_backward(dy, cache):
    """d/dx x s(x) = s (1 + x (1 - s))."""
    x, s = cache
    return dy * s * (1.0 + x * (1.0 - s))


def tanh_forward(x):
    """y = tanh(x)."""
    y = np.tanh(x)
    return y, y


def tanh_backward(dy, y):
    """dy/dx = 1 - tanh(x)^2."""
    return dy * (1.0 - y * y)


class _Elementwise(Layer):
    _fwd = staticmethod(lambda x: (x, None))
    _bwd = staticmethod(lambda dy, c: dy)

    def forward(self, x: np.ndarray) -> np.ndarray:
        y, cache = self._fwd(x)
        self._save(cache)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return self._bwd(dy, self._pop())


class GELU(_Elementwise):
    _fwd = staticmethod(gelu_forward)
    _bwd = staticmethod(gelu_backward)


class SiLU(_Elementwise):
    _fwd = staticmethod(silu_forward)
    _bwd = staticmethod(silu_backward)


class Tanh(_Elementwise):
    _fwd = staticmethod(tanh_forward)
    _bwd = staticmethod(tanh_backward)
