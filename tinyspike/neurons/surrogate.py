"""Surrogate gradients: the Heaviside spike forward, a smooth primitive, and its derivative.

Each surrogate pairs three functions of ``x = h - thr`` (spikingjelly's pattern):

    spike(x)     = 1[x >= 0]                       used in the spiking forward
    primitive(x) = a smooth step with the same limits   used by ``spiking=False`` (finite differences)
    grad(x)      = d primitive / dx                used by the backward in both modes

Each ``grad`` is a module-level function ``*_grad(x, alpha, dt)`` on arrays or scalars. Every constant is
either exact in any float dtype (``ONE``, ``HALF``) or cast to the working float type ``dt``, so float32
input is computed in float32 throughout.

NaN: ``spike(NaN) = NaN`` (not 0), so a NaN membrane shows up as NaN spikes downstream instead of
vanishing as silence.
"""
from __future__ import annotations

import math

import numpy as np

SIGMOID, ARCTAN, RECTANGULAR = 0, 1, 2
ONE, HALF = np.float32(1.0), np.float32(0.5)   # exact in every float dtype: never promote float32 to float64


class Surrogate:
    kind: int = -1
    alpha: float = 1.0

    def spike(self, x: np.ndarray) -> np.ndarray:
        """Heaviside step: 1 where x >= 0, else 0 (same dtype as x); NaN stays NaN."""
        return np.where(np.isnan(x), x, x >= 0).astype(x.dtype)

    def grad(self, x):
        """d primitive / dx, in x's float dtype (float16 and integers are computed in float64)."""
        if self.kind not in GRADS:
            raise ValueError(f"{type(self).__name__}: unknown surrogate kind {self.kind!r}; known kinds are "
                             f"{sorted(GRADS)} (SIGMOID, ARCTAN, RECTANGULAR); subclass one of Sigmoid, ArcTan, "
                             "Rectangular or override grad")
        x = np.asarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float64)
        dt = x.dtype.type
        return GRADS[self.kind](x, dt(self.alpha), dt)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha})"


def sigmoid_grad(x, alpha, dt):
    """alpha e / (1 + e)^2 with e = exp(-alpha |x|)  (= alpha sigmoid(alpha x) (1 - sigmoid(alpha x)))."""
    e = np.exp(-(alpha * np.abs(x)))             # in (0, 1]: no overflow
    return alpha * e / ((ONE + e) * (ONE + e))


def arctan_grad(x, alpha, dt):
    """(alpha/2) / (1 + z^2) with z = (pi/2) alpha x."""
    z = dt(0.5 * math.pi) * alpha * x
    return HALF * alpha / (ONE + z * z)


def rectangular_grad(x, alpha, dt):
    """1/a on |x| < a/2, else 0 (a = alpha, the window width)."""
    return (np.abs(x) < HALF * alpha) * (ONE / alpha)


GRADS = {SIGMOID: sigmoid_grad, ARCTAN: arctan_grad, RECTANGULAR: rectangular_grad}


class Sigmoid(Surrogate):
    """primitive(x) = sigmoid(alpha x);  grad(x) = alpha sigmoid(alpha x)(1 - sigmoid(alpha x)).

    grad is evaluated as ``alpha e / (1 + e)^2`` with ``e = exp(-alpha |x|)`` (symmetric, no overflow).
    SmoothSpike / spikingjelly default: alpha = 4.
    """
    kind = SIGMOID

    def __init__(self, alpha: float = 4.0):
        if not alpha > 0:
            raise ValueError(f"Sigmoid surrogate: alpha must be positive, got {alpha}")
        self.alpha = float(alpha)

    def primitive(self, x):
        e = np.exp(-self.alpha * np.abs(x))            # in (0, 1]: no overflow
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)


class ArcTan(Surrogate):
    """primitive(x) = 1/2 + arctan(pi/2 alpha x) / pi;  grad(x) = (alpha/2) / (1 + (pi/2 alpha x)^2)."""
    kind = ARCTAN

    def __init__(self, alpha: float = 2.0):
        self.alpha = float(alpha)

    def primitive(self, x):
        return 0.5 + np.arctan(0.5 * math.pi * self.alpha * x) / math.pi


class Rectangular(Surrogate):
    """Straight-through with window a: primitive(x) = clip(x/a + 1/2, 0, 1);  grad(x) = 1/a on |x| < a/2.

    ``alpha`` holds the width ``a``. The kinks at |x| = a/2 take the derivative 0 (outside value).
    """
    kind = RECTANGULAR

    def __init__(self, width: float = 1.0):
        if not width > 0:
            raise ValueError(f"Rectangular surrogate: width must be positive, got {width}")
        self.alpha = float(width)

    def primitive(self, x):
        return np.clip(x / self.alpha + 0.5, 0.0, 1.0)
