"""The numba LIF kernels agree with the NumPy reference loop (also run with NUMBA_DISABLE_JIT=1).

Forward and the Rectangular backward agree bit for bit in float64. The Sigmoid and ArcTan backward use
exp/arctan: NumPy's vectorised versions and libm's scalar ones may differ in the last bit, so those are
compared to 1e-13 relative. float32 agrees to rounding.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.neurons.lif import LIFConfig, lif_backward, lif_forward
from tinyspike.neurons.surrogate import ArcTan, Rectangular, Sigmoid
from tinyspike.testing.strategies import seeds

pytestmark = pytest.mark.kernel

CONFIGS = [dict(charge=c, reset=r, detach_reset=d) for c in ("decay_input", "leak")
           for r in ("hard", "soft") for d in (False, True)]


def _run(x, v0, thr, cfg, ds, dv, backend):
    s, v, cache = lif_forward(x, v0, thr, cfg, backend=backend)
    dx, dv0 = lif_backward(ds, dv, cache, cfg, backend=backend)
    return s, v, cache.h, dx, dv0


def _inputs(seed, T, dtype, per_channel):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((T, 3, 7)) * 2).astype(dtype)
    v0 = rng.standard_normal((3, 7)).astype(dtype)
    thr = rng.uniform(0.5, 1.5, 7).astype(dtype) if per_channel else 1.0
    ds = rng.standard_normal(x.shape).astype(dtype)
    dv = rng.standard_normal(v0.shape).astype(dtype)
    return x, v0, thr, ds, dv


@pytest.mark.parametrize("kw", CONFIGS, ids=str)
@pytest.mark.parametrize("sur", [Rectangular(), Sigmoid(), ArcTan()], ids=repr)
@given(seed=seeds(), T=st.integers(1, 4), per_channel=st.booleans())
def test_kernel_equals_numpy_reference_float64(kw, sur, seed, T, per_channel):
    x, v0, thr, ds, dv = _inputs(seed, T, np.float64, per_channel)
    cfg = LIFConfig(surrogate=sur, v_reset=-0.1, **kw)
    got = _run(x, v0, thr, cfg, ds, dv, "numba")
    ref = _run(x, v0, thr, cfg, ds, dv, "numpy")
    for name, a, b in zip(("s", "v", "h"), got[:3], ref[:3]):
        np.testing.assert_array_equal(a, b, err_msg=name)
    for name, a, b in zip(("dx", "dv0"), got[3:], ref[3:]):
        if isinstance(sur, Rectangular):
            np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("kw", CONFIGS, ids=str)
@given(seed=seeds(), T=st.integers(1, 4), per_channel=st.booleans())
def test_kernel_equals_numpy_reference_float32_to_rounding(kw, seed, T, per_channel):
    x, v0, thr, ds, dv = _inputs(seed, T, np.float32, per_channel)
    cfg = LIFConfig(**kw)
    got = _run(x, v0, thr, cfg, ds, dv, "numba")
    ref = _run(x, v0, thr, cfg, ds, dv, "numpy")
    assert all(a.dtype == np.float32 for a in got)
    np.testing.assert_allclose(got[2], ref[2], rtol=1e-5, atol=1e-6)      # h
    # a membrane within rounding of the threshold may fire in one and not the other: compare elsewhere
    near = np.abs(ref[2] - np.asarray(thr, np.float32)) < 1e-4
    if not near.any():
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_allclose(got[1], ref[1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got[3], ref[3], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got[4], ref[4], rtol=1e-4, atol=1e-5)
