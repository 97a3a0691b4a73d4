"""The fused operator kernels (tinyspike/kernels/operators) give bit for bit their reference's results (also with
NUMBA_DISABLE_JIT=1)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.operators import SpikingGELU, SpikingLayerNorm, SpikingRMSNorm, SpikingSiLU, SpikingSoftmax
from tinyspike.testing.strategies import seeds, shapes

pytestmark = pytest.mark.kernel

KNOBS = st.sampled_from([dict(), dict(T=4, levels=2**10, x_range=32.0, K=16), dict(T=1, levels=2**8, x_range=8.0, K=8)])


def _inputs(seed, shape, dtype, scale=4.0):
    """Gaussian values with a few edge values mixed in: saturating, infinite, zero."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale
    flat = x.reshape(-1)
    edge = np.array([0.0, 1e4, -1e4, np.inf, -np.inf, 1e-9])
    k = min(flat.size, 3)
    flat[rng.choice(flat.size, k, replace=False)] = rng.choice(edge, k)
    return x.astype(dtype)


@given(seed=seeds(), shape=shapes(1, 3, 1, 9), knobs=KNOBS, dtype=st.sampled_from([np.float32, np.float64]))
def test_softmax_kernel_equals_numpy_specification(seed, shape, knobs, dtype):
    x = _inputs(seed, shape, dtype)
    axis = seed % len(shape) - len(shape)
    assert np.array_equal(SpikingSoftmax(**knobs)(x, axis=axis), SpikingSoftmax(backend="numpy", **knobs)(x, axis=axis))


@given(seed=seeds(), shape=shapes(1, 3, 1, 9), knobs=KNOBS, dtype=st.sampled_from([np.float32, np.float64]))
def test_silu_and_gelu_kernels_equal_numpy_specification(seed, shape, knobs, dtype):
    x = _inputs(seed, shape, dtype)
    assert np.array_equal(SpikingSiLU(**knobs)(x), SpikingSiLU(backend="numpy", **knobs)(x))
    knobs = {k: v for k, v in knobs.items() if k != "K"}
    assert np.array_equal(SpikingGELU(K=16, **knobs)(x), SpikingGELU(K=16, backend="numpy", **knobs)(x))


NORM_KNOBS = st.sampled_from([dict(), dict(iterations=5, n=20), dict(T=1, levels=2**8, x_range=8.0, gamma_bits=8)])


@given(seed=seeds(), rows=shapes(0, 2, 1, 4), d=st.integers(1, 40), knobs=NORM_KNOBS,
       eps=st.sampled_from([0.0, 1e-12, 1e-5]), spread=st.sampled_from([1e-3, 1.0, 30.0]))
def test_norm_kernels_equal_numpy_specification(seed, rows, d, knobs, eps, spread):
    rng = np.random.default_rng(seed)
    x = _inputs(seed, rows + (d,), np.float64, spread)
    g, b = rng.standard_normal(d), rng.standard_normal(d)
    assert np.array_equal(SpikingLayerNorm(**knobs)(x, g, b, eps=eps),
                          SpikingLayerNorm(backend="numpy", **knobs)(x, g, b, eps=eps))
    assert np.array_equal(SpikingRMSNorm(**knobs)(x, g, eps=eps),
                          SpikingRMSNorm(backend="numpy", **knobs)(x, g, eps=eps))
