"""SpikeLM elastic bi-spiking neuron: ternary outputs, alpha initialisation, straight-through gradients."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.neurons import stats
from tinyspike.neurons.elastic import (ElasticBiSpike, ElasticConfig, elastic_backward, elastic_forward,
                                       elastic_spike_backward)
from tinyspike.testing import gradcheck
from tinyspike.testing.strategies import seeds, shapes

MEMBRANES = ["spikelm", "lif"]


@pytest.mark.parametrize("membrane", MEMBRANES)
@given(seed=seeds(), shape=shapes(1, 3), T=st.integers(1, 5), k=st.floats(0.5, 6.0))
def test_elastic_outputs_in_minus_alpha_zero_alpha(membrane, seed, shape, T, k):
    x = np.random.default_rng(seed).standard_normal((T, *shape)) * 3
    s, alpha, _ = elastic_forward(x, None, ElasticConfig(membrane=membrane, k=k))
    for t in range(T):
        assert np.all(np.isin(s[t], [-alpha[t], 0.0, alpha[t]]))


@given(seed=seeds(), k=st.floats(0.5, 6.0))
def test_alpha_initialised_to_k_mean_abs_membrane_per_step(seed, k):
    x = np.random.default_rng(seed).standard_normal((3, 4, 6))
    _, alpha, cache = elastic_forward(x, None, ElasticConfig(k=k))
    np.testing.assert_allclose(alpha, k * np.abs(cache.u).mean(axis=(1, 2)), rtol=1e-12)


@given(seed=seeds(), shape=shapes(1, 3))
def test_single_step_gradient_equals_straight_through_definition(seed, shape):
    """du = ds where |u/alpha| <= 1 else 0;  dalpha = sum ds (q - u/alpha inside, q outside)."""
    rng = np.random.default_rng(seed)
    u, ds, alpha = rng.standard_normal(shape) * 2, rng.standard_normal(shape), float(rng.uniform(0.3, 2))
    du, dalpha = elastic_spike_backward(ds, u, alpha)
    expected_du = np.array([d if abs(v / alpha) <= 1 else 0.0 for v, d in zip(u.ravel(), ds.ravel())])
    np.testing.assert_array_equal(du.ravel(), expected_du)
    q = np.clip(np.round(u / alpha), -1, 1)
    expected_da = sum(d * ((qq - v / alpha) if abs(v / alpha) <= 1 else qq)
                      for v, d, qq in zip(u.ravel(), ds.ravel(), q.ravel()))
    assert dalpha == pytest.approx(expected_da, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("membrane", MEMBRANES)
@given(seed=seeds(), shape=shapes(1, 2, max_side=4), T=st.integers(1, 5))
def test_multistep_ste_backward_equals_central_differences_with_round_as_identity(membrane, seed, shape, T):
    """The STE network: round -> identity (spiking=False) and recurrent spikes frozen (they are detached)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, *shape)) * 2
    cfg = ElasticConfig(membrane=membrane)
    _, alpha, _ = elastic_forward(x, None, cfg, spiking=False)
    s_base, _, _ = elastic_forward(x, alpha, cfg, spiking=False)
    frozen = s_base.copy()

    def forward():
        return elastic_forward(x, alpha, cfg, spiking=False, reset_spikes=frozen)[0]

    def backward(dy):
        _, _, cache = elastic_forward(x, alpha, cfg, spiking=False)
        return {"x": elastic_backward(dy, cache, cfg)[0]}

    gradcheck.check_gradients(forward, backward, {"x": x}, seed=seed)


@given(seed=seeds())
def test_spikelm_leak_is_asymmetric_in_the_previous_spike(seed):
    """u_2 = u_1 * 0.25 (alpha - s_1) + x_2: a +alpha spike clears u, a -alpha spike doubles the leak."""
    alpha = np.array([1.0, 1.0])
    x = np.array([[0.9, -0.9, 0.2], [0.0, 0.0, 0.0]])                 # (T=2, 3)
    _, _, cache = elastic_forward(x, alpha, ElasticConfig())
    np.testing.assert_allclose(cache.u[1], [0.0, -0.9 * 0.5, 0.2 * 0.25])


def test_firing_rate_falls_as_k_grows():
    x = np.random.default_rng(0).standard_normal((4, 64, 64))
    rates = [stats.firing_rate(elastic_forward(x, None, ElasticConfig(k=k))[0]) for k in (1.0, 2.0, 4.0)]
    assert rates[0] > rates[1] > rates[2] > 0


@given(seed=seeds())
def test_layer_learnable_alpha_accumulates_ste_gradient(seed):
    rng = np.random.default_rng(seed)
    x, ds = rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 5, 4))
    layer = ElasticBiSpike(learnable=True, membrane="lif")
    s = layer.forward(x)
    dx = layer.backward(ds)
    _, _, cache = elastic_forward(x, layer.alpha.value, layer.cfg)
    dx_ref, dalpha_ref = elastic_backward(ds, cache, layer.cfg)
    np.testing.assert_array_equal(dx, dx_ref)
    np.testing.assert_array_equal(layer.alpha.grad, dalpha_ref)
    assert [p for p in layer.parameters()] == [layer.alpha]
    assert ElasticBiSpike().parameters() == []
    np.testing.assert_array_equal(layer.forward(x), s)                 # alpha frozen after the first forward
