"""Kernel versions of the surrogate derivatives (reference: ``tinyspike/neurons/surrogate.py``).

The LIF kernels inline one derivative per element. ``arctan_grad`` and ``rectangular_grad`` are the
reference functions themselves, compiled by numba (same operations, same dtype: bit for bit). The sigmoid's
derivative differs in one place: its exponential is ``exp_neg`` (``kernels/exp_neg.py``) instead of
``np.exp``, because numba's scalar exp is libm's, which stops the backward loop from vectorising. Both
exponentials are within 2 ulp of e^{-a} (``exp_neg``: 1 ulp in float32, 2 in float64; NumPy's exp: under
2 ulp in float32 and 1 in float64), and the remaining operations (one product, two sums, one product, one
quotient) are the same, so the two sigmoid derivatives differ by at most ULP_BOUND ulp of the result
(``tests/kernels/test_lif.py`` checks it). ``KernelSurrogate`` is the reference surrogate with the kernel's
derivative: the specification the LIF kernels agree with bit for bit.
"""
from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from ..neurons.surrogate import (ARCTAN, ONE, RECTANGULAR, SIGMOID, Surrogate, arctan_grad, rectangular_grad)
from .exp_neg import exp_neg

ULP_BOUND = 8   # |sigmoid_grad (kernel) - sigmoid_grad (reference)| <= 8 ulp: 2 + 2 from the two exps, 4 roundings

arctan_grad = register_jitable(inline="always")(arctan_grad)
rectangular_grad = register_jitable(inline="always")(rectangular_grad)


@register_jitable(inline="always")
def sigmoid_grad(x, alpha, dt):
    """alpha e / (1 + e)^2 with e = exp(-alpha |x|) by ``exp_neg`` (reference: ``surrogate.sigmoid_grad``)."""
    e = exp_neg(alpha * np.abs(x), dt)           # in (0, 1]: no overflow
    return alpha * e / ((ONE + e) * (ONE + e))


GRADS = {SIGMOID: sigmoid_grad, ARCTAN: arctan_grad, RECTANGULAR: rectangular_grad}


def check_kind(surrogate: Surrogate, where: str) -> None:
    """Raise unless the kernels have a derivative for this surrogate's kind."""
    if getattr(surrogate, "kind", None) not in GRADS:
        raise ValueError(f"{where}: surrogate {surrogate!r} has kind {getattr(surrogate, 'kind', None)!r}, which "
                         f"has no kernel derivative (kinds {sorted(GRADS)}); use backend='reference'")


class KernelSurrogate(Surrogate):
    """``surrogate`` with the kernels' derivative (only the sigmoid's changes): the LIF kernels' specification."""

    def __init__(self, surrogate: Surrogate):
        check_kind(surrogate, "KernelSurrogate")
        self.inner, self.kind, self.alpha = surrogate, surrogate.kind, surrogate.alpha

    def primitive(self, x):
        return self.inner.primitive(x)

    def grad(self, x):
        x = np.asarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float64)
        dt = x.dtype.type
        return GRADS[self.kind](x, dt(self.alpha), dt)
