"""The numba LIF kernels agree with the NumPy reference loop (also run with NUMBA_DISABLE_JIT=1).

Forward and backward agree bit for bit, in float64 and in float32, for every surrogate and option: both
compute the same formulas in the same order and dtype (constants never promote float32 to float64; the
sigmoid's exponential is ``exp_neg``, shared, not libm's or NumPy's; numba does not contract a*b+c into
an FMA without fastmath).
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
    return s, v, dx, dv0


def _inputs(seed, T, dtype, per_channel):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((T, 3, 7)) * 2).astype(dtype)
    v0 = rng.standard_normal((3, 7)).astype(dtype)
    thr = rng.uniform(0.5, 1.5, 7).astype(dtype) if per_channel else 1.0
    ds = rng.standard_normal(x.shape).astype(dtype)
    dv = rng.standard_normal(v0.shape).astype(dtype)
    return x, v0, thr, ds, dv


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", CONFIGS, ids=str)
@pytest.mark.parametrize("sur", [Rectangular(), Sigmoid(), ArcTan()], ids=repr)
@given(seed=seeds(), T=st.integers(1, 4), per_channel=st.booleans())
def test_kernel_equals_numpy_reference_bit_for_bit(dtype, kw, sur, seed, T, per_channel):
    x, v0, thr, ds, dv = _inputs(seed, T, dtype, per_channel)
    cfg = LIFConfig(surrogate=sur, v_reset=-0.1, **kw)
    got = _run(x, v0, thr, cfg, ds, dv, "numba")
    ref = _run(x, v0, thr, cfg, ds, dv, "numpy")
    for name, a, b in zip(("s", "v", "dx", "dv0"), got, ref):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert all(a.dtype == dtype for a in got)



@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("per_channel", [False, True])
@given(seed=seeds(), T=st.integers(1, 4))
def test_kernel_without_state_equals_reference_from_zero_state(dtype, per_channel, seed, T):
    """The layer's path: no initial membrane (zeros, not read), final membrane and dv0 not wanted."""
    x, _, thr, ds, _ = _inputs(seed, T, dtype, per_channel)
    cfg = LIFConfig(v_reset=-0.1, detach_reset=True)
    s, v, cache = lif_forward(x, None, thr, cfg, return_state=False)
    dx, dv0 = lif_backward(ds, None, cache, cfg, return_state=False)
    assert v is None and dv0 is None
    s_ref, _, cache_ref = lif_forward(x, np.zeros(x.shape[1:], dtype), thr, cfg, backend="numpy")
    dx_ref, _ = lif_backward(ds, np.zeros(x.shape[1:], dtype), cache_ref, cfg, backend="numpy")
    np.testing.assert_array_equal(s, s_ref)
    np.testing.assert_array_equal(dx, dx_ref)
