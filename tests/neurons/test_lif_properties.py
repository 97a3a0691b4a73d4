"""Properties of the spiking LIF forward: counts, saturation level, scale equivariance (App. C)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.neurons import stats
from tinyspike.neurons.lif import LIFConfig, lif_forward
from tinyspike.testing.strategies import seeds, shapes

CHARGES = ["decay_input", "leak"]
RESETS = ["hard", "soft"]


@pytest.mark.parametrize("charge", CHARGES)
@pytest.mark.parametrize("reset", RESETS)
@given(seed=seeds(), shape=shapes(1, 3), T=st.integers(1, 6))
def test_spike_count_in_0_T(charge, reset, seed, shape, T):
    x = np.random.default_rng(seed).standard_normal((T, *shape)) * 3
    s, _, _ = lif_forward(x, None, 1.0, LIFConfig(charge=charge, reset=reset))
    assert set(np.unique(s)) <= {0.0, 1.0}
    c = stats.spike_count(s)
    assert c.min() >= 0 and c.max() <= T


@pytest.mark.parametrize("charge", CHARGES)
@pytest.mark.parametrize("reset", RESETS)
@given(T=st.integers(1, 8), thr=st.floats(0.1, 3.0))
def test_zero_input_gives_no_spikes(charge, reset, T, thr):
    s, v, _ = lif_forward(np.zeros((T, 7)), None, thr, LIFConfig(charge=charge, reset=reset))
    assert not s.any() and not v.any()


@pytest.mark.parametrize("charge", CHARGES)
@given(seed=seeds(), T=st.integers(1, 12), thr=st.floats(0.2, 2.0), lam=st.floats(0.1, 0.95))
def test_constant_input_count_is_monotone_in_input(charge, seed, T, thr, lam):
    """Hard reset to v_reset = v0 = 0: the train is periodic with a period that shrinks as x grows."""
    xs = np.sort(np.random.default_rng(seed).uniform(-1, 5 * thr, 64))   # (N,) one level per neuron
    x = np.broadcast_to(xs, (T, xs.size)).copy()                           # (T, N) constant in time
    s, _, _ = lif_forward(x, None, thr, LIFConfig(charge=charge, reset="hard", leak=lam))
    assert np.all(np.diff(stats.spike_count(s)) >= 0)


@given(seed=seeds(), T=st.integers(1, 8), tau_exp=st.integers(0, 3), thr=st.floats(0.1, 4.0))
def test_saturation_exactly_above_tau_thr_for_decay_input(seed, T, tau_exp, thr):
    """decay_input, hard reset, v_reset = 0: every-step firing iff x / tau >= thr, i.e. x >= tau thr."""
    tau = 2.0 ** tau_exp                      # power of two: x / tau and tau * thr are exact
    level = tau * thr
    xs = np.concatenate([[level, np.nextafter(level, -np.inf), np.nextafter(level, np.inf)],
                         np.random.default_rng(seed).uniform(0, 2 * level, 61)])
    s, _, _ = lif_forward(np.broadcast_to(xs, (T, xs.size)).copy(), None, thr, LIFConfig(tau=tau))
    np.testing.assert_array_equal(stats.saturation_mask(s), xs >= level)


@given(seed=seeds(), T=st.integers(1, 8), lam=st.floats(0.0, 0.99), thr=st.floats(0.1, 4.0))
def test_saturation_exactly_above_thr_for_leak(seed, T, lam, thr):
    """leak, hard reset, v_reset = 0: h_1 = x and after every spike v = 0, so saturation iff x >= thr."""
    xs = np.concatenate([[thr, np.nextafter(thr, -np.inf)], np.random.default_rng(seed).uniform(0, 2 * thr, 62)])
    s, _, _ = lif_forward(np.broadcast_to(xs, (T, xs.size)).copy(), None, thr,
                          LIFConfig(charge="leak", leak=lam))
    np.testing.assert_array_equal(stats.saturation_mask(s), xs >= thr)


@pytest.mark.parametrize("charge", CHARGES)
@pytest.mark.parametrize("reset", RESETS)
@given(seed=seeds(), shape=shapes(1, 2), T=st.integers(1, 6), gamma_exp=st.integers(-6, 6),
       per_channel=st.booleans())
def test_app_c_scale_equivariance_input_threshold_and_reset(charge, reset, seed, shape, T, gamma_exp, per_channel):
    """SmoothSpike App. C: (x, thr, v_reset, v0) -> gamma (x, thr, v_reset, v0) leaves spikes unchanged."""
    rng = np.random.default_rng(seed)
    gamma = 2.0 ** gamma_exp                  # exact in float64
    x = rng.standard_normal((T, *shape)) * 2
    v0 = rng.standard_normal(shape) * 0.5
    thr = rng.uniform(0.3, 2.0, shape[-1]) if per_channel else 1.0
    v_reset = float(rng.uniform(-0.3, 0.3))
    cfg = LIFConfig(charge=charge, reset=reset, v_reset=v_reset, leak=0.75)
    cfg_g = LIFConfig(charge=charge, reset=reset, v_reset=v_reset * gamma, leak=0.75)
    s, v, _ = lif_forward(x, v0, thr, cfg)
    s_g, v_g, _ = lif_forward(x * gamma, v0 * gamma, np.multiply(thr, gamma), cfg_g)
    np.testing.assert_array_equal(s, s_g)
    np.testing.assert_array_equal(v * gamma, v_g)


def test_per_channel_threshold_broadcasts_on_last_axis():
    x = np.full((3, 2, 4), 1.0)
    thr = np.array([0.4, 0.6, 100.0, 0.5])
    s, _, _ = lif_forward(x, None, thr, LIFConfig(charge="leak"))
    assert s[..., 2].sum() == 0 and s[..., [0, 1, 3]].all()


def test_bad_threshold_shape_is_reported():
    with pytest.raises(ValueError, match="threshold"):
        lif_forward(np.zeros((2, 3, 4)), None, np.ones(3))
