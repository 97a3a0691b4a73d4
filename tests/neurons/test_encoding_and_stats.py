"""Direct encoding / mean readout backward, and the spike statistics."""
import numpy as np
from hypothesis import given, strategies as st

from tinyspike.neurons import stats
from tinyspike.neurons.direct_encoding import (direct_encode_backward, direct_encode_forward, mean_readout_backward,
                                        mean_readout_forward)
from tinyspike.testing import gradcheck
from tinyspike.testing.strategies import seeds, shapes


@given(seed=seeds(), shape=shapes(1, 3), T=st.integers(1, 5))
def test_direct_encode_and_mean_readout_backward_equal_central_differences(seed, shape, T):
    x = np.random.default_rng(seed).standard_normal(shape)
    gradcheck.check_gradients(lambda: direct_encode_forward(x, T), lambda dy: {"x": direct_encode_backward(dy)},
                              {"x": x}, seed=seed)
    s = np.random.default_rng(seed + 1).standard_normal((T, *shape))
    gradcheck.check_gradients(lambda: mean_readout_forward(s), lambda dy: {"s": mean_readout_backward(dy, T)},
                              {"s": s}, seed=seed)


def test_stats_on_a_known_spike_train():
    s = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 0, 0]], float)   # (T=3, 4 neurons)
    x = np.array([5.0, 1.0, 0.5, -1.0])                               # direct-encoded inputs
    assert stats.firing_rate(s) == 6 / 12
    np.testing.assert_array_equal(stats.spike_count(s), [3, 2, 1, 0])
    assert stats.saturation_rate(s) == 0.25
    vals, var = stats.saturated_preactivations(s, x)
    np.testing.assert_array_equal(vals, [5.0])
    assert var == 0.0
    vals_t, _ = stats.saturated_preactivations(s, np.broadcast_to(x, s.shape))
    assert vals_t.shape == (3, 1)
    assert np.isnan(stats.saturated_preactivations(np.zeros((2, 3)), np.ones(3))[1])
