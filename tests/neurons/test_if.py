"""The IF neuron (no leak): its BPTT against central differences in surrogate mode, and IF = LIF at lam = 1."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.neurons.if_neuron import IF, if_backward, if_forward
from tinyspike.neurons.lif import LIFConfig, lif_backward, lif_forward
from tinyspike.neurons.surrogate import ArcTan, Sigmoid
from tinyspike.testing import check_gradients
from tinyspike.testing.strategies import seeds, shapes

SURROGATES = [Sigmoid(), ArcTan()]


def _draw(seed, shape, T, per_channel):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, *shape)) * 1.5
    thr = rng.uniform(0.5, 1.5, shape[-1]) if per_channel else 1.0
    return x, thr


@pytest.mark.parametrize("sur", SURROGATES, ids=lambda s: type(s).__name__)
@given(seed=seeds(), shape=shapes(1, 2, max_side=4), T=st.integers(1, 5), per_channel=st.booleans(),
       v_reset=st.sampled_from([0.0, -0.3]))
def test_if_bptt_equals_central_differences_of_the_smooth_if(sur, seed, shape, T, per_channel, v_reset):
    """spiking=False: fire is the surrogate's primitive, the reset's s_t is not detached."""
    x, thr = _draw(seed, shape, T, per_channel)

    def forward():
        return if_forward(x, thr, sur, v_reset=v_reset, spiking=False)[0]

    def backward(dy):
        return {"x": if_backward(dy, if_forward(x, thr, sur, v_reset=v_reset, spiking=False)[1], sur,
                                 v_reset=v_reset)}

    check_gradients(forward, backward, {"x": x}, seed=seed, rtol=1e-5, atol=1e-7)


@given(seed=seeds(), shape=shapes(1, 2, max_side=4), T=st.integers(1, 5), per_channel=st.booleans())
def test_if_layer_detach_reset_bptt_equals_central_differences_with_frozen_reset_spikes(seed, shape, T, per_channel):
    """The layer in surrogate mode: the reset uses the spikes of a base run (held constant), as detach_reset does."""
    x, thr = _draw(seed, shape, T, per_channel)
    layer = IF(thr, detach_reset=True, surrogate=Sigmoid())
    layer.spiking = False
    layer.frozen_reset = layer.forward(x).copy()

    def backward(dy):
        layer.forward(x)
        return {"x": layer.backward(dy)}

    check_gradients(lambda: layer.forward(x), backward, {"x": x}, seed=seed, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("detach", [False, True])
@given(seed=seeds(), shape=shapes(1, 3, max_side=5), T=st.integers(1, 6), per_channel=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_if_is_lif_without_leak(detach, seed, shape, T, per_channel, dtype):
    """IF = LIF with charge h_t = lam v_{t-1} + x_t at lam = 1, bit for bit: spikes and BPTT."""
    x, thr = _draw(seed, shape, T, per_channel)
    x = x.astype(dtype)
    ds = np.random.default_rng(seed + 1).standard_normal(x.shape).astype(dtype)
    cfg = LIFConfig(charge="leak", leak=1.0, detach_reset=detach)
    s_lif, _, cache = lif_forward(x, None, thr, cfg, backend="numpy")
    s_if, if_cache = if_forward(x, thr, cfg.surrogate)
    np.testing.assert_array_equal(s_if, s_lif)
    np.testing.assert_array_equal(if_backward(ds, if_cache, cfg.surrogate, detach_reset=detach),
                                  lif_backward(ds, None, cache, cfg, backend="numpy")[0])


@given(seed=seeds(), T=st.integers(1, 8))
def test_if_integrates_without_loss_below_threshold(seed, T):
    """No leak: while nothing has fired, h_t is the running sum of the inputs (a LIF forgets)."""
    x = np.abs(np.random.default_rng(seed).standard_normal((T, 6)))
    thr = x.sum(0) + 1.0                                  # above every partial sum: no spike
    s, cache = if_forward(x, thr, Sigmoid())
    assert not s.any()
    np.testing.assert_allclose(cache.h, np.cumsum(x, axis=0), rtol=1e-14)
