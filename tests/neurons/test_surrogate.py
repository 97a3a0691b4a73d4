"""Each surrogate's grad is the derivative of its primitive; spike is the Heaviside step."""
import numpy as np
import pytest
from hypothesis import given

from tinyspike.neurons.surrogate import ArcTan, Rectangular, Sigmoid
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


def test_spike_of_nan_is_nan_not_silence():
    x = np.array([-1.0, np.nan, 2.0])
    np.testing.assert_array_equal(Sigmoid().spike(x), [0.0, np.nan, 1.0])


def test_unknown_surrogate_kind_is_an_error():
    class Unknown(Sigmoid):
        kind = 9
    with pytest.raises(ValueError, match="unknown surrogate kind 9"):
        Unknown().grad(np.zeros(3))
