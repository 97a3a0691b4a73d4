"""The kernels' surrogate derivatives, compiled one scalar at a time, equal their array versions bit for bit."""
import numpy as np
import pytest
from numba import njit

from tinyspike.kernels.surrogate import KernelSurrogate, arctan_grad, rectangular_grad, sigmoid_grad
from tinyspike.neurons.surrogate import ARCTAN, SIGMOID, ArcTan, Rectangular, Sigmoid

SURROGATES = [Sigmoid(), Sigmoid(alpha=1.5), ArcTan(), ArcTan(alpha=0.7), Rectangular(), Rectangular(0.4)]


@njit(error_model="numpy")
def _grad_elementwise(kind, x, alpha, out):
    """The kernels' use of a grad: one scalar at a time, compiled by numba."""
    dt = x.dtype.type
    for i in range(x.shape[0]):
        if kind == SIGMOID:
            out[i] = sigmoid_grad(x[i], alpha, dt)
        elif kind == ARCTAN:
            out[i] = arctan_grad(x[i], alpha, dt)
        else:
            out[i] = rectangular_grad(x[i], alpha, dt)


@pytest.mark.kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sur", SURROGATES, ids=repr)
def test_scalar_grad_for_kernels_equals_array_grad_bit_for_bit(sur, dtype):
    x = np.concatenate([np.linspace(-2, 2, 41), [0.0, -0.0, 1e-30, 30.0, -1e4, np.inf]]).astype(dtype)
    out = np.empty_like(x)
    _grad_elementwise(sur.kind, x, dtype(sur.alpha), out)
    spec = KernelSurrogate(sur)
    assert spec.grad(x).dtype == dtype
    np.testing.assert_array_equal(out, spec.grad(x))
    if sur.kind != SIGMOID:                                    # the reference's own derivative, unchanged
        np.testing.assert_array_equal(out, sur.grad(x))
