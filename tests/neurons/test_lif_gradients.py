"""BPTT backward of the LIF equals central differences of the spiking=False network (random upstream grad)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.neurons.lif import LIF, LIFConfig, lif_backward, lif_forward
from tinyspike.neurons.surrogate import ArcTan, Sigmoid
from tinyspike.testing import gradcheck
from tinyspike.testing.strategies import seeds, shapes

CONFIGS = [dict(charge=c, reset=r, surrogate=sur, v_reset=vr)
           for c in ("decay_input", "leak") for r in ("hard", "soft")
           for sur, vr in ((Sigmoid(), 0.0), (ArcTan(), -0.2))]


def _ids(kw):
    return f"{kw['charge']}-{kw['reset']}-{type(kw['surrogate']).__name__}"


def _draw(seed, shape, T, per_channel):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, *shape)) * 1.5
    v0 = rng.standard_normal(shape) * 0.5
    thr = rng.uniform(0.5, 1.5, shape[-1]) if per_channel else 1.0
    return x, v0, thr


@pytest.mark.parametrize("kw", CONFIGS, ids=_ids)
@given(seed=seeds(), shape=shapes(1, 2, max_side=4), T=st.integers(1, 5), per_channel=st.booleans())
def test_bptt_equals_central_differences_of_smooth_lif(kw, seed, shape, T, per_channel):
    """Outputs are the spikes of every step and the final membrane (so dv_T and dv0 are checked too)."""
    x, v0, thr = _draw(seed, shape, T, per_channel)
    cfg = LIFConfig(leak=0.6, **kw)
    n_s = x.size

    def forward():
        s, v, _ = lif_forward(x, v0, thr, cfg, spiking=False)
        return np.concatenate([s.ravel(), v.ravel()])

    def backward(dy):
        _, _, cache = lif_forward(x, v0, thr, cfg, spiking=False)
        dx, dv0 = lif_backward(dy[:n_s].reshape(x.shape), dy[n_s:].reshape(v0.shape), cache, cfg)
        return {"x": dx, "v0": dv0}

    gradcheck.check_gradients(forward, backward, {"x": x, "v0": v0}, seed=seed, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kw", CONFIGS, ids=_ids)
@given(seed=seeds(), shape=shapes(1, 2, max_side=4), T=st.integers(1, 5), per_channel=st.booleans())
def test_detach_reset_bptt_equals_central_differences_with_frozen_reset_spikes(kw, seed, shape, T, per_channel):
    """detach_reset: the reset's s_t is a constant, so the finite-difference runs reuse the base run's
    reset spikes (``reset_spikes=``), and the plain detach_reset backward must match them."""
    x, v0, thr = _draw(seed, shape, T, per_channel)
    cfg = LIFConfig(leak=0.6, detach_reset=True, **kw)
    s_base, _, _ = lif_forward(x, v0, thr, cfg, spiking=False)
    frozen = s_base.copy()

    def forward():
        return lif_forward(x, v0, thr, cfg, spiking=False, reset_spikes=frozen)[0]

    def backward(dy):
        _, _, cache = lif_forward(x, v0, thr, cfg, spiking=False)     # no frozen spikes: detach_reset alone
        dx, dv0 = lif_backward(dy, None, cache, cfg)
        return {"x": dx, "v0": dv0}

    gradcheck.check_gradients(forward, backward, {"x": x, "v0": v0}, seed=seed, rtol=1e-5, atol=1e-7)


@given(seed=seeds(), T=st.integers(1, 4))
def test_lif_layer_backward_matches_functional_backward(seed, T):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, 3, 5))
    ds = rng.standard_normal(x.shape)
    layer = LIF(thr=0.7, detach_reset=True)
    s = layer.forward(x)
    dx = layer.backward(ds)
    s_ref, _, cache = lif_forward(x, None, 0.7, layer.cfg, backend="numpy")
    np.testing.assert_array_equal(s, s_ref)
    np.testing.assert_allclose(dx, lif_backward(ds, None, cache, layer.cfg, backend="numpy")[0], rtol=1e-13, atol=0)
    with pytest.raises(RuntimeError, match="without a matching forward"):
        layer.backward(ds)
