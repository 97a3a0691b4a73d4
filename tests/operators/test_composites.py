"""Composite operators against float: every error within its derived bound, over the knobs."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy.special import erf

from tinyspike.layers import layernorm_forward, rmsnorm_forward, softmax_forward
from tinyspike.operators import SpikingGELU, SpikingLayerNorm, SpikingRMSNorm, SpikingSiLU, SpikingSoftmax
from tinyspike.operators.fixedpoint import SPIKE_INT
from tinyspike.testing.strategies import seeds

ENCODERS = st.sampled_from([dict(T=16, levels=2**16, x_range=64.0), dict(T=4, levels=2**10, x_range=32.0),
                            dict(T=1, levels=2**8, x_range=16.0)])


def gelu(x):
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def silu(x):
    return x / (1 + np.exp(-x))


def _within(y, ref, bound):
    err = np.abs(np.asarray(y, np.float64) - ref)
    assert np.all(err <= bound), f"worst error / bound = {np.max(err / bound):.3f}"


@given(seed=seeds(), enc=ENCODERS, K=st.sampled_from([4, 16, 64]), exp=st.sampled_from(["base2", "pwl"]),
       n=st.sampled_from([12, 20, 30]), scale=st.sampled_from([0.5, 3.0, 8.0]))
def test_softmax_error_within_its_bound(seed, enc, K, exp, n, scale):
    op = SpikingSoftmax(K=K, exp=exp, n=n, backend="numpy", **enc)
    x = np.random.default_rng(seed).standard_normal((3, 4, 33)) * scale
    x = np.clip(x, -enc["x_range"] / 2, enc["x_range"] / 2)
    _within(op(x), softmax_forward(x)[0], op.error_bound(x))


@given(seed=seeds(), enc=ENCODERS, K=st.sampled_from([8, 32, 256]), L=st.sampled_from([4.0, 8.0]))
def test_gelu_error_within_its_bound(seed, enc, K, L):
    levels_per_unit = enc["T"] * enc["levels"] / enc["x_range"]
    K = min(K, int(L * levels_per_unit))                        # a segment is at least one input level
    op = SpikingGELU(K=K, L=L, backend="numpy", **enc)
    x = np.random.default_rng(seed).standard_normal(500) * 4
    x = np.clip(x, -enc["x_range"], enc["x_range"])
    _within(op(x), gelu(x), op.error_bound(x))


@given(seed=seeds(), enc=ENCODERS, K=st.sampled_from([8, 32, 64]), exp=st.sampled_from(["base2", "pwl"]))
def test_silu_error_within_its_bound(seed, enc, K, exp):
    op = SpikingSiLU(K=K, exp=exp, backend="numpy", **enc)
    x = np.random.default_rng(seed).standard_normal(500) * 6
    x = np.clip(x, -enc["x_range"], enc["x_range"])
    _within(op(x), silu(x), op.error_bound(x))


NORM_KNOBS = st.sampled_from([dict(), dict(iterations=6), dict(n=14), dict(T=4, levels=2**12, x_range=64.0)])


@given(seed=seeds(), d=st.integers(2, 70), knobs=NORM_KNOBS, spread=st.sampled_from([0.05, 1.0, 10.0]))
def test_layernorm_error_within_its_bound(seed, d, knobs, spread):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((6, d)) * spread + rng.standard_normal((6, 1))
    g, b = rng.standard_normal(d), rng.standard_normal(d)
    op = SpikingLayerNorm(backend="numpy", **knobs)
    _within(op(x, g, b, eps=1e-5), layernorm_forward(x, g, b, 1e-5)[0], op.error_bound(x, g, 1e-5))


@given(seed=seeds(), d=st.integers(1, 70), knobs=NORM_KNOBS, spread=st.sampled_from([0.05, 1.0, 10.0]))
def test_rmsnorm_error_within_its_bound(seed, d, knobs, spread):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((6, d)) * spread
    g = rng.standard_normal(d)
    op = SpikingRMSNorm(backend="numpy", **knobs)
    _within(op(x, g, eps=1e-6), rmsnorm_forward(x, g, 1e-6)[0], op.error_bound(x, g, 1e-6))


def test_symmetric_silu_has_no_clipped_exp_tail_error():
    """REFERENCE pitfall: clipping e^{-x} at L = 5 freezes sigma(x) at sigma(5) past x = 5, an error
    x (sigma(x) - sigma(5)): 3.3e-2 by x = 6.5, growing to x e^-5 / (1 + e^-5) = 0.13 at x = 20."""
    x = np.linspace(-20, 20, 40001)
    naive = SpikingSiLU(exp="pwl", L=5.0, K=64, symmetric=False, backend="numpy")
    sym = SpikingSiLU(exp="pwl", L=5.0, K=64, backend="numpy")
    tail = x >= 6.5
    predicted = x[tail] * (1 / (1 + np.exp(-x[tail])) - 1 / (1 + np.exp(-5.0)))
    assert np.all(np.abs(naive(x) - silu(x))[tail] >= 0.95 * predicted) and predicted.min() > 3.3e-2
    err = np.abs(sym(x) - silu(x))
    assert np.all(err <= sym.error_bound(x)) and err.max() < 2.5e-3


def test_defaults_are_accurate_to_about_1e_minus_4():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 12, 16, 64)) * 4
    p = SpikingSoftmax()(x)
    assert np.max(np.abs(p - softmax_forward(x)[0])) < 1e-4
    h = rng.standard_normal((40, 384)) * 3
    assert np.max(np.abs(SpikingGELU()(h) - gelu(h))) < 2e-4
    assert np.max(np.abs(SpikingSiLU()(h) - silu(h))) < 2e-4
    g, b = rng.standard_normal(384), rng.standard_normal(384)
    assert np.max(np.abs(SpikingLayerNorm()(h, g, b) - layernorm_forward(h, g, b, 1e-12)[0])) < 2e-4
    assert np.max(np.abs(SpikingRMSNorm()(h, g) - rmsnorm_forward(h, g, 1e-6)[0])) < 2e-4


@given(seed=seeds())
def test_integer_dtypes_on_the_spiking_path(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 17)).astype(np.float32) * 3
    g, b = rng.standard_normal(17), rng.standard_normal(17)
    stages = [SpikingSoftmax(backend="numpy").spike_counts(x), SpikingSoftmax(exp="pwl").spike_counts(x),
              SpikingGELU().spike_counts(x), SpikingSiLU().spike_counts(x), SpikingSiLU(exp="pwl").spike_counts(x),
              SpikingLayerNorm().spike_counts(x, g, b), SpikingRMSNorm().spike_counts(x, g, eps=1e-6)]
    for counts in stages:
        for name, v in counts.items():
            assert v.dtype == SPIKE_INT, name


@pytest.mark.parametrize("op, args", [(SpikingSoftmax(), ()), (SpikingGELU(), ()), (SpikingSiLU(), ()),
                                      (SpikingLayerNorm(), (np.ones(5), np.zeros(5))),
                                      (SpikingRMSNorm(), (np.ones(5),))], ids=lambda o: type(o).__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_in_float_out_same_shape(op, args, dtype):
    x = np.random.default_rng(0).standard_normal((2, 3, 5)).astype(dtype)
    y = op(x, *args)
    assert y.shape == x.shape and y.dtype == dtype


def test_softmax_axis_and_masked_scores():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6, 5))
    assert np.allclose(SpikingSoftmax()(x, axis=1), softmax_forward(np.moveaxis(x, 1, -1))[0].swapaxes(1, 2),
                       atol=1e-4)
    m = x.copy()
    m[..., 3:] = -np.inf                                        # attention mask as -inf or -1e4
    p = SpikingSoftmax()(m)
    assert np.all(p[..., 3:] == 0) and np.allclose(p.sum(-1), 1, atol=1e-6)
    assert np.array_equal(SpikingSoftmax()(np.where(np.isinf(m), -1e4, m)), p)


def test_constant_rows_normalise_to_beta():
    x = np.full((2, 8), 0.7)
    b = np.arange(8.0)
    assert np.allclose(SpikingLayerNorm()(x, np.ones(8), b), b, atol=2e-7)
    assert np.all(SpikingRMSNorm()(np.zeros((2, 8)), np.ones(8)) == 0)


def test_clear_errors_for_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        SpikingGELU()(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="gamma must have shape"):
        SpikingLayerNorm()(np.ones((2, 4)), np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match="beta must have shape"):
        SpikingLayerNorm()(np.ones((2, 4)), np.ones(4), np.zeros(5))
    with pytest.raises(ValueError, match="power of two"):
        SpikingSoftmax(levels=1000)
    with pytest.raises(ValueError, match="backend"):
        SpikingSiLU(backend="torch")
    with pytest.raises(ValueError, match="exp must be"):
        SpikingSoftmax(exp="taylor")
    with pytest.raises(ValueError, match="int64"):
        SpikingSoftmax(n=40, exp_bits=30)
