"""Surrogate gradients: the Heaviside spike forward, a smooth primitive, and its derivative.

Each surrogate pairs three functions of ``x = h - thr`` (spikingjelly's pattern):

    spike(x)     = 1[x >= 0]                       used in the spiking forward
    primitive(x) = a smooth step with the same limits   used by ``spiking=False`` (finite differences)
    grad(x)      = d primitive / dx                used by the backward in both modes

``kind`` is the integer the numba kernels switch on (``surrogate_grad_scalar``).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

SIGMOID, ARCTAN, RECTANGULAR = 0, 1, 2


class Surrogate:
    kind: int = -1
    alpha: float = 1.0

    def spike(self, x: np.ndarray) -> np.ndarray:
        """Heaviside step: 1 where x >= 0, else 0 (same dtype as x)."""
        return (x >= 0).astype(x.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha})"


class Sigmoid(Surrogate):
    """primitive(x) = sigmoid(alpha x);  grad(x) = alpha sigmoid(alpha x)(1 - sigmoid(alpha x)).

    grad is evaluated as ``alpha e / (1 + e)^2`` with ``e = exp(-alpha |x|)`` (symmetric, no overflow).
    SmoothSpike / spikingjelly default: alpha = 4.
    """
    kind = SIGMOID

    def __init__(self, alpha: float = 4.0):
        self.alpha = float(alpha)

    def primitive(self, x):
        e = np.exp(-self.alpha * np.abs(x))            # in (0, 1]: no overflow
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)

    def grad(self, x):
        e = np.exp(-self.alpha * np.abs(x))
        return self.alpha * e / ((1.0 + e) * (1.0 + e))


class ArcTan(Surrogate):
    """primitive(x) = 1/2 + arctan(pi/2 alpha x) / pi;  grad(x) = (alpha/2) / (1 + (pi/2 alpha x)^2)."""
    kind = ARCTAN

    def __init__(self, alpha: float = 2.0):
        self.alpha = float(alpha)

    def primitive(self, x):
        return 0.5 + np.arctan(0.5 * math.pi * self.alpha * x) / math.pi

    def grad(self, x):
        z = 0.5 * math.pi * self.alpha * x
        return 0.5 * self.alpha / (1.0 + z * z)


class Rectangular(Surrogate):
    """Straight-through with window a: primitive(x) = clip(x/a + 1/2, 0, 1);  grad(x) = 1/a on |x| < a/2.

    ``alpha`` holds the width ``a``. The kinks at |x| = a/2 take the derivative 0 (outside value).
    """
    kind = RECTANGULAR

    def __init__(self, width: float = 1.0):
        self.alpha = float(width)

    def primitive(self, x):
        return np.clip(x / self.alpha + 0.5, 0.0, 1.0)

    def grad(self, x):
        return np.where(np.abs(x) < 0.5 * self.alpha, 1.0 / self.alpha, 0.0).astype(x.dtype)


@njit(cache=True, error_model="numpy")
def surrogate_grad_scalar(kind, alpha, x):
    """The same ``grad(x)`` for one float, for the numba kernels (formulas as in the classes above)."""
    if kind == SIGMOID:
        e = math.exp(-alpha * abs(x))
        return alpha * e / ((1.0 + e) * (1.0 + e))
    if kind == ARCTAN:
        z = 0.5 * math.pi * alpha * x
        return 0.5 * alpha / (1.0 + z * z)
    return 1.0 / alpha if abs(x) < 0.5 * alpha else 0.0
