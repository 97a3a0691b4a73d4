"""Division neuron group: its spike count is floor(A 2^n / B); the error is below 2^-n and halves per bit."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.operators.division import divide, divide_signed, division_population, reciprocal
from tinyspike.operators.fixedpoint import SPIKE_INT
from tinyspike.testing.strategies import seeds


@given(seed=seeds(), n=st.integers(0, 6), M=st.integers(1, 70), T=st.integers(1, 4))
def test_division_count_equals_floor_A_2n_over_B_for_the_simulated_population(seed, n, M, T):
    rng = np.random.default_rng(seed)
    B = rng.integers(1, 50, size=30, dtype=SPIKE_INT)
    A = rng.integers(0, 100, size=30, dtype=SPIKE_INT)
    count = division_population(A, B, n, neurons=M, T=T)
    assert count.dtype == SPIKE_INT
    exact = [min(T * M, (int(a) << n) // int(b)) for a, b in zip(A, B)]   # Python-integer oracle
    assert count.tolist() == exact
    big = division_population(A, B, n, neurons=(100 << n), T=1)            # enough capacity:
    assert np.array_equal(big, divide(A, B, n))                            # the closed form


@given(seed=seeds(), n=st.integers(0, 30))
def test_division_error_is_below_2_pow_minus_n(seed, n):
    rng = np.random.default_rng(seed)
    B = rng.integers(1, 2**30, size=200, dtype=SPIKE_INT)
    A = rng.integers(0, 2**31, size=200, dtype=SPIKE_INT) % (B * 4 + 1)
    err = A / B - divide(A, B, n) * 2.0 ** -n
    assert np.all(err >= -1e-12 * A / B) and np.all(err < 2.0 ** -n * (1 + 1e-9))


@given(seed=seeds())
def test_division_error_shrinks_like_2_pow_minus_n(seed):
    rng = np.random.default_rng(seed)
    B = rng.integers(2**20, 2**30, size=4000, dtype=SPIKE_INT)
    A = rng.integers(0, 2**30, size=4000, dtype=SPIKE_INT)
    ns = np.arange(4, 25, 2)
    worst = [np.max(A / B - divide(A, B, int(n)) * 2.0 ** -n) for n in ns]
    slope = np.polyfit(ns, np.log2(worst), 1)[0]
    assert -1.1 < slope < -0.9                       # one bit of n halves the worst error


@given(seed=seeds(), n=st.integers(0, 20))
def test_reciprocal_and_signed_division_are_division_groups(seed, n):
    rng = np.random.default_rng(seed)
    B = rng.integers(1, 1000, size=50, dtype=SPIKE_INT)
    A = rng.integers(-1000, 1000, size=50, dtype=SPIKE_INT)
    assert reciprocal(B, n).tolist() == [(1 << n) // int(b) for b in B]
    assert divide_signed(A, B, n).tolist() == [int(np.sign(a)) * ((abs(int(a)) << n) // int(b)) for a, b in zip(A, B)]


def test_division_refuses_negative_numerators_and_zero_denominators():
    with pytest.raises(ValueError, match="numerator"):
        divide(np.array([-1]), np.array([2]), 3)
    with pytest.raises(ValueError, match="denominator"):
        division_population(np.array([1]), np.array([0]), 3, neurons=4)
