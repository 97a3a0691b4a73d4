"""Thermometer + table exponentials: the population equals its closed form; errors within eps_exp, ~1/K^2."""
import numpy as np
from hypothesis import given, strategies as st

from tinyspike.operators.exponential import (Base2Exp, eps_exp, eps_exp2, exp2_fixed, exp2_table, exp_pwl,
                                             exp_table)
from tinyspike.operators.fixedpoint import SPIKE_INT, rshift_round
from tinyspike.operators.pwl import build_pwl_table, thermometer_segment, thermometer_segment_simulated
from tinyspike.testing.strategies import seeds

IN, OUT = 16, 32        # fine grids so the table error, not rounding, is what we measure


def _max_rel_exp_error(L, K):
    t = exp_table(L, K, IN, OUT)
    x_q = np.arange(t.lo_q, t.hi_q + 1, max(t.width_q // 64, 1), dtype=SPIKE_INT)
    y = exp_pwl(x_q, t) * 2.0 ** -OUT
    return np.max(np.abs(y / np.exp(x_q * 2.0 ** -IN) - 1.0)), t


@given(seed=seeds(), K=st.integers(1, 40), lo=st.integers(-300, 0), width=st.integers(1, 50))
def test_thermometer_population_count_equals_closed_form(seed, K, lo, width):
    t = build_pwl_table(np.sin, lo / 16, (lo + K * width) / 16, K, 4, 10)       # widths of any size
    x = np.random.default_rng(seed).integers(t.lo_q - 60, t.hi_q + 60, size=200, dtype=SPIKE_INT)
    sim = thermometer_segment_simulated(x, t)
    assert sim.dtype == SPIKE_INT
    assert np.array_equal(sim, thermometer_segment(x, t))


@given(L=st.sampled_from([1.0, 2.0, 5.0, 8.0]), K=st.sampled_from([8, 16, 32, 64, 128, 256]))
def test_exp_relative_error_within_eps_exp_and_attained_at_midpoints(L, K):
    err, t = _max_rel_exp_error(L, K)
    h = t.width_q * 2.0 ** -IN
    rounding = 3 * 2.0 ** -(OUT + 1) * np.exp(L)              # start, slope, shift roundings / min e^x
    assert err <= eps_exp(L, K) + rounding                     # the paper's bound L^2/(2K^2) e^{2L/K}
    assert err >= (np.cosh(h / 2) - 1) - rounding              # chord error at a segment midpoint


def test_exp_relative_error_at_the_paper_defaults():
    err, _ = _max_rel_exp_error(5.0, 64)                        # paper: bound 3.6e-3, measured 3.05e-3
    assert np.cosh(5.0 / 64) - 1 - 1e-9 <= err <= eps_exp(5.0, 64)
    assert 3.0e-3 < err < 3.1e-3


def test_exp_relative_error_shrinks_like_inverse_K_squared():
    Ks = np.array([8, 16, 32, 64, 128, 256])
    errs = [_max_rel_exp_error(5.0, int(K))[0] for K in Ks]
    slope = np.polyfit(np.log2(Ks), np.log2(errs), 1)[0]
    assert -2.1 < slope < -1.9
    assert all(3.6 < a / b < 4.4 for a, b in zip(errs[1:], errs[2:]))    # each doubling of K: ~4x


def test_exp_pwl_below_the_range_gives_zero_or_the_clipped_value():
    t = exp_table(5.0, 64, IN, OUT)
    x = np.array([t.lo_q - 1, t.hi_q + 10**6], dtype=SPIKE_INT)
    assert exp_pwl(x, t)[0] == 0
    assert exp_pwl(x, t, below="clip")[0] == t.start[0]
    assert exp_pwl(x, t)[1] == exp_pwl(np.array([t.hi_q]), t)[0]        # clipped above at e^L


@given(K=st.sampled_from([4, 8, 16, 32, 64, 128]))
def test_exp2_fraction_relative_error_within_its_bound_and_shrinks_like_inverse_K_squared(K):
    t = exp2_table(K, IN, OUT)
    f = np.arange(0, 1 << IN, 7, dtype=SPIKE_INT)
    err = np.max(np.abs(exp2_fixed(f, t) * 2.0 ** -OUT / np.exp2(f * 2.0 ** -IN) - 1))
    h = 1.0 / K
    assert (np.cosh(h * np.log(2) / 2) - 1) - 2.0 ** -OUT * 3 <= err <= eps_exp2(K) + 3 * 2.0 ** -OUT


@given(seed=seeds(), k=st.integers(-45, 20))
def test_exp2_integer_part_is_a_shift(seed, k):
    t = exp2_table(64, IN, 30)
    y = np.random.default_rng(seed).integers(-(5 << IN), 5 << IN, size=100, dtype=SPIKE_INT)
    base = exp2_fixed(y, t)
    moved = exp2_fixed(y + (SPIKE_INT(k) << IN), t)
    assert moved.dtype == SPIKE_INT
    # 2^(y + k) = 2^y shifted by k; right shifts of the table value round once
    i = y >> IN
    v = exp2_fixed(y - (i << IN), t)                            # the table value 2^frac(y)
    expect = np.where(i + k >= 0, v << np.maximum(i + k, 0), rshift_round(v, np.minimum(-(i + k), 62)))
    assert np.array_equal(moved, expect)
    if k >= 0:
        assert np.array_equal(moved[i >= 0], base[i >= 0] << k)


@given(seed=seeds())
def test_base2_exp_relative_error_within_table_plus_rounding(seed):
    F = 14
    e = Base2Exp(64, F, 30, frac_bits=28)
    x_q = np.random.default_rng(seed).integers(-(20 << F), 1 << F, size=500, dtype=SPIKE_INT)
    x = x_q * 2.0 ** -F
    rel = np.abs(e(x_q) * 2.0 ** -30 / np.exp(x) - 1)
    # table + y rounding (ln2 2^-29) + log2e weight (|x| 2^-(s+1) ln2) + output rounding (2^-OUT / e^x)
    bound = eps_exp2(64) + np.log(2) * (2.0 ** -29 + np.abs(x) * 2.0 ** -(e.s + 1)) + 3 * 2.0 ** -30 / np.exp(x)
    assert np.all(rel <= bound * (1 + 1e-6))
