"""Each surrogate's grad is the derivative of its primitive; spike is the Heaviside step."""
import numpy as np
import pytest
from hypothesis import given

from numba import njit

from tinyspike.neurons.surrogate import (ARCTAN, SIGMOID, ArcTan, Rectangular, Sigmoid, arctan_grad, rectangular_grad,
                                         sigmoid_grad)
from tinyspike.testing.strategies import seeds

SURROGATES = [Sigmoid(), Sigmoid(alpha=1.5), ArcTan(), ArcTan(alpha=0.7), Rectangular(), Rectangular(0.4)]


@pytest.mark.parametrize("sur", SURROGATES, ids=repr)
@given(seed=seeds())
def test_grad_is_derivative_of_primitive(sur, seed):
    x = np.random.default_rng(seed).uniform(-3, 3, 200)
    if isinstance(sur, Rectangular):  # keep away from the two kinks
        x = x[np.abs(np.abs(x) - 0.5 * sur.alpha) > 1e-3]
    h = 1e-6
    num = (sur.primitive(x + h) - sur.primitive(x - h)) / (2 * h)
    np.testing.assert_allclose(sur.grad(x), num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("sur", SURROGATES, ids=repr)
def test_spike_is_heaviside_and_primitive_goes_from_0_to_1(sur):
    x = np.array([-1e6, -1.0, -1e-12, 0.0, 1e-12, 1.0, 1e6])
    np.testing.assert_array_equal(sur.spike(x), [0, 0, 0, 1, 1, 1, 1])
    assert sur.primitive(x)[0] == pytest.approx(0, abs=1e-6) and sur.primitive(x)[-1] == pytest.approx(1, abs=1e-6)


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
    assert sur.grad(x).dtype == dtype
    np.testing.assert_array_equal(out, sur.grad(x))
