"""Each surrogate's grad is the derivative of its primitive; spike is the Heaviside step."""
import numpy as np
import pytest
from hypothesis import given

from tinyspike.neurons.surrogate import ArcTan, Rectangular, Sigmoid, surrogate_grad_scalar
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


@pytest.mark.parametrize("sur", SURROGATES, ids=repr)
def test_scalar_grad_for_kernels_matches_array_grad(sur):
    x = np.linspace(-2, 2, 41)
    scalar = np.array([surrogate_grad_scalar(sur.kind, sur.alpha, v) for v in x])
    np.testing.assert_allclose(scalar, sur.grad(x), rtol=1e-14, atol=0)
