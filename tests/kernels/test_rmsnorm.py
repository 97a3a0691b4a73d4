"""The fused RMSNorm kernels (tinyspike/kernels/rmsnorm.py) agree with their reference (layers/rmsnorm.py) in
both dtypes, within the tolerance the kernel file states (it accumulates in float64)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.kernels.rmsnorm import rmsnorm_backward as rmsnorm_backward_fused
from tinyspike.kernels.rmsnorm import rmsnorm_forward as rmsnorm_forward_fused
from tinyspike.layers.rmsnorm import RMSNorm, rmsnorm_backward, rmsnorm_forward
from tinyspike.testing import check_layer
from tinyspike.testing.strategies import seeds

pytestmark = pytest.mark.kernel
TOL = {np.float64: 1e-12, np.float32: 2e-5}


@given(seed=seeds(), rows=st.integers(1, 600), d=st.integers(1, 40), dtype=st.sampled_from([np.float32, np.float64]),
       learnable=st.booleans())
def test_fused_rmsnorm_equals_the_numpy_specification(seed, rows, d, dtype, learnable):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, d)) * rng.uniform(0.1, 10)).astype(dtype)
    dy = rng.standard_normal((rows, d)).astype(dtype)
    gamma = rng.standard_normal(d).astype(dtype) if learnable else None
    y_ref, cache_ref = rmsnorm_forward(x, gamma, 1e-6)
    y, cache = rmsnorm_forward_fused(x, gamma, 1e-6)
    np.testing.assert_allclose(y, y_ref, rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(cache.rstd, cache_ref.rstd, rtol=TOL[dtype])
    dg_ref = np.zeros(d, dtype) if learnable else None
    dg = np.zeros(d, dtype) if learnable else None
    dx_ref = rmsnorm_backward(dy, cache_ref, gamma, dg_ref)
    dx = rmsnorm_backward_fused(dy, cache, gamma, dg)
    scale = np.abs(dx_ref).max() + 1
    np.testing.assert_allclose(dx, dx_ref, rtol=TOL[dtype], atol=TOL[dtype] * scale)
    if learnable:
        np.testing.assert_allclose(dg, dg_ref, rtol=TOL[dtype], atol=TOL[dtype] * (np.abs(dg_ref).max() + rows))
    assert y.dtype == dx.dtype == dtype


@given(seed=seeds(), learnable=st.booleans())
def test_fused_rmsnorm_backward_matches_central_differences(seed, learnable):
    rng = np.random.default_rng(seed)
    layer = RMSNorm(6, learnable=learnable, dtype=np.float64, backend="numba")
    if learnable:
        layer.gamma.value[:] = rng.standard_normal(6)
    check_layer(layer, rng.standard_normal((2, 3, 6)), seed=seed)
