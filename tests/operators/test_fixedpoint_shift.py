"""Fixed-point format and bit-shift scaling: integer results against exact Python-integer oracles."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.operators.fixedpoint import SPIKE_INT, bit_length, from_fixed, rshift_round, to_fixed
from tinyspike.operators.shift import constant_multiplier, scale_by_constant, shift_scale
from tinyspike.testing.strategies import seeds

ints = st.lists(st.integers(-2**40, 2**40), min_size=1, max_size=20)


@given(seed=seeds(), F=st.integers(0, 30))
def test_to_fixed_round_trip_within_half_a_level(seed, F):
    x = np.random.default_rng(seed).standard_normal(50) * 100
    q = to_fixed(x, F)
    assert q.dtype == SPIKE_INT
    assert np.all(np.abs(from_fixed(q, F) - x) <= 2.0 ** -(F + 1) * (1 + 1e-12))


def test_to_fixed_clips_infinities_and_refuses_nan():
    assert list(to_fixed([np.inf, -np.inf, 1.0], 4, bound=2.0)) == [32, -32, 16]
    with pytest.raises(ValueError, match="NaN"):
        to_fixed([np.nan], 4, bound=1.0)
    with pytest.raises(ValueError, match="overflows int64"):
        to_fixed([1.0], 60, bound=8.0)


@given(q=ints, s=st.integers(0, 20))
def test_rshift_round_is_round_half_up_of_q_over_2_pow_s(q, s):
    out = rshift_round(np.array(q, dtype=SPIKE_INT), s)
    assert out.dtype == SPIKE_INT
    assert out.tolist() == [(v + (1 << s >> 1)) >> s for v in q]          # Python integers: exact


@given(q=ints, s=st.lists(st.integers(0, 62), min_size=1, max_size=20))
def test_rshift_round_with_a_shift_per_element(q, s):
    n = min(len(q), len(s))
    out = rshift_round(np.array(q[:n], dtype=SPIKE_INT), np.array(s[:n]))
    assert out.tolist() == [(v + (1 << k >> 1)) >> k for v, k in zip(q[:n], s[:n])]


@given(q=st.lists(st.integers(-2**62, 2**62), min_size=1, max_size=20))
def test_bit_length_matches_python(q):
    assert bit_length(np.array(q, dtype=SPIKE_INT)).tolist() == [abs(v).bit_length() for v in q]


@given(q=ints, s=st.integers(-20, 20))
def test_shift_scale_multiplies_by_2_pow_s(q, s):
    out = shift_scale(np.array(q, dtype=SPIKE_INT), s)
    exact = [v << s if s >= 0 else (v + (1 << -s >> 1)) >> -s for v in q]
    assert out.tolist() == exact


@given(c=st.floats(1e-6, 1e6) | st.floats(-1e6, -1e-6), bits=st.integers(8, 40))
def test_constant_multiplier_error_is_at_most_half_an_ulp_of_the_shift(c, bits):
    m, s = constant_multiplier(c, bits)
    assert abs(m) < 2 ** bits
    assert abs(c - m / 2.0 ** s) <= 2.0 ** -(s + 1) * (1 + 1e-9)
    assert abs(m) >= 2 ** (bits - 2)                                    # uses the bits it is given


@given(q=ints, c=st.floats(0.01, 100.0))
def test_scale_by_constant_is_rounded_integer_product(q, c):
    m, s = constant_multiplier(c, 20)
    out = scale_by_constant(np.array(q, dtype=SPIKE_INT), m, s)
    assert out.dtype == SPIKE_INT
    assert out.tolist() == [(v * m + (1 << s >> 1)) >> s for v in q]
