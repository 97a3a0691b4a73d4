"""Signed integrate-and-fire encoding: the population simulation, its closed form, the round trip."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.operators.boundary import IFBoundary
from tinyspike.operators.signed_if_encoding import if_decode, if_encode, if_encode_simulated
from tinyspike.operators.fixedpoint import SPIKE_INT
from tinyspike.testing.strategies import seeds

params = dict(seed=seeds(), theta=st.integers(1, 40), T=st.integers(1, 12), levels=st.integers(1, 6))


def _currents(seed, theta, levels, beyond=1.5):
    lim = int(beyond * theta * levels)
    return np.random.default_rng(seed).integers(-lim, lim + 1, size=40, dtype=SPIKE_INT)


@given(**params)
def test_if_population_count_equals_closed_form(seed, theta, T, levels):
    q = _currents(seed, theta, levels)                       # includes currents past saturation
    sim = if_encode_simulated(q, theta, T, levels)
    assert sim.dtype == SPIKE_INT
    assert np.array_equal(sim, if_encode(q, theta, T, levels))


@given(**params)
def test_if_count_is_round_of_T_q_over_theta_then_saturates_at_T_levels(seed, theta, T, levels):
    q = _currents(seed, theta, levels)
    exact = [int(np.sign(v)) * min(T * levels, (T * abs(int(v)) + theta // 2) // theta) for v in q]
    assert if_encode_simulated(q, theta, T, levels).tolist() == exact


@given(**params)
def test_encode_decode_round_trip_within_one_level(seed, theta, T, levels):
    q = _currents(seed, theta, levels, beyond=1.0)           # inside the range |q| <= theta * levels
    back = if_decode(if_encode_simulated(q, theta, T, levels), theta, T)
    assert back.dtype == SPIKE_INT
    level = theta / T                                        # one spike is worth theta / T of current
    assert np.all(np.abs(back - q) <= level)


@given(seed=seeds(), T=st.sampled_from([1, 4, 16]), levels=st.sampled_from([2**8, 2**12]),
       x_range=st.sampled_from([4.0, 16.0]))
def test_boundary_encode_round_trip_within_one_level(seed, T, levels, x_range):
    b = IFBoundary(T, levels, x_range)
    x = np.random.default_rng(seed).uniform(-x_range, x_range, 200)
    n = b.encode(x)
    assert n.dtype == SPIKE_INT
    assert np.all(np.abs(b.decode(n) - x) <= 2.0 ** -b.frac_bits)
    assert np.abs(b.encode([np.inf, -np.inf, 10 * x_range])).max() == T * levels   # saturation


def test_boundary_refuses_knobs_that_are_not_a_fixed_point_format():
    with pytest.raises(ValueError, match="power of two"):
        IFBoundary(3, 100, 8.0)
    with pytest.raises(ValueError, match="T >= 1"):
        IFBoundary(0, 16, 8.0)
