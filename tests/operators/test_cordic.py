"""CORDIC l2 norm: within its angle + truncation bounds, the gain is a constant, the error falls like 4^-n."""
import numpy as np
from hypothesis import given, strategies as st

from tinyspike.operators.cordic import (cordic_angle_bound, cordic_gain, cordic_truncation_bound,
                                        cordic_vectoring, l2_norm_tree, tree_depth)
from tinyspike.operators.fixedpoint import SPIKE_INT
from tinyspike.testing.strategies import seeds


def _vectors(seed, shape, bits):
    return np.random.default_rng(seed).integers(-(1 << bits), 1 << bits, size=shape, dtype=SPIKE_INT)


@given(seed=seeds(), n=st.integers(1, 30), bits=st.integers(4, 40))
def test_cordic_vectoring_within_angle_and_truncation_bound(seed, n, bits):
    x, y = _vectors(seed, (2, 300), bits)
    out = cordic_vectoring(x, y, n)
    assert out.dtype == SPIKE_INT
    G = cordic_gain(n)
    exact = G * np.hypot(x.astype(float), y.astype(float))
    # residual angle |phi| <= atan 2^-(n-1):  1 - cos phi <= 2 4^-n; each step truncates < sqrt 2
    assert np.all(np.abs(out - exact) <= exact * 2 * 4.0 ** -n + n * np.sqrt(2) * G + 1e-6 * exact)


@given(seed=seeds(), d=st.integers(1, 70), n=st.integers(1, 24), bits=st.integers(8, 36))
def test_cordic_norm_tree_within_its_bound(seed, d, n, bits):
    v = _vectors(seed, (20, d), bits)
    root = l2_norm_tree(v, n)
    assert root.dtype == SPIKE_INT
    exact = cordic_gain(n) ** tree_depth(d) * np.linalg.norm(v.astype(float), axis=-1)
    bound = exact * cordic_angle_bound(n, tree_depth(d)) + cordic_truncation_bound(d, n)
    assert np.all(np.abs(root - exact) <= bound * (1 + 1e-9))


def test_cordic_norm_error_shrinks_like_4_pow_minus_n():
    v = _vectors(0, (3000, 8), 40).astype(SPIKE_INT)         # large entries: truncation is negligible
    exact = np.linalg.norm(v.astype(float), axis=-1)
    ns = np.arange(2, 13)
    worst = [np.max(np.abs(l2_norm_tree(v, int(n)) / (cordic_gain(int(n)) ** 3 * exact) - 1)) for n in ns]
    slope = np.polyfit(ns, np.log2(worst), 1)[0]
    assert -2.3 < slope < -1.7                                 # log2 of 4^-n has slope -2


def test_cordic_gain_is_a_constant_folded_out():
    v = _vectors(1, (50, 384), 30)
    for n in (8, 16, 24):
        ratio = l2_norm_tree(v, n) / np.linalg.norm(v.astype(float), axis=-1)
        assert np.allclose(ratio, cordic_gain(n) ** tree_depth(384), rtol=cordic_angle_bound(n, 9) + 1e-7)
    assert abs(cordic_gain(40) - 1.6467602581210654) < 1e-12   # K = prod sqrt(1 + 4^-i), i >= 0
