"""The LIF kernels (tinyspike/kernels/lif.py) agree with the reference loop (also run with NUMBA_DISABLE_JIT=1).

Forward and backward agree bit for bit with the reference run with ``KernelSurrogate``, in float64 and in
float32, for every surrogate and option: both compute the same formulas in the same order and dtype
(constants never promote float32 to float64; the sigmoid's exponential is ``exp_neg`` on both sides; numba
does not contract a*b+c into an FMA without fastmath). The reference's own sigmoid derivative (np.exp)
is within ``ULP_BOUND`` ulp of the kernel's.
"""
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.kernels.exp_neg import A_MAX
from tinyspike.kernels.surrogate import GRADS, ULP_BOUND, KernelSurrogate
from tinyspike.neurons.lif import LIF, LIFConfig, lif_backward, lif_forward
from tinyspike.neurons.surrogate import SIGMOID, ArcTan, Rectangular, Sigmoid, Surrogate
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
    ref = _run(x, v0, thr, replace(cfg, surrogate=KernelSurrogate(sur)), ds, dv, "reference")
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
    cfg_ref = replace(cfg, surrogate=KernelSurrogate(cfg.surrogate))
    s_ref, _, cache_ref = lif_forward(x, np.zeros(x.shape[1:], dtype), thr, cfg_ref, backend="reference")
    dx_ref, _ = lif_backward(ds, np.zeros(x.shape[1:], dtype), cache_ref, cfg_ref, backend="reference")
    np.testing.assert_array_equal(s, s_ref)
    np.testing.assert_array_equal(dx, dx_ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [4.0, 1.5, 0.3])
@given(seed=seeds())
def test_kernel_sigmoid_derivative_is_within_the_stated_ulp_bound_of_the_reference(dtype, alpha, seed):
    """exp_neg vs np.exp, then the same four operations: |difference| <= ULP_BOUND ulp of the reference
    while alpha |x| <= A_MAX; beyond, exp_neg gives 0 and the reference's value is below alpha e^-A_MAX."""
    x = (np.random.default_rng(seed).standard_normal(2000) * 10).astype(dtype)
    dt = np.dtype(dtype).type
    ref = Sigmoid(alpha).grad(x)
    got = GRADS[SIGMOID](x, dt(alpha), dt)
    assert got.dtype == ref.dtype == dtype
    inside = alpha * np.abs(x) <= A_MAX
    ulp = np.spacing(np.abs(ref[inside]))
    assert np.all(np.abs(got[inside] - ref[inside]) <= ULP_BOUND * ulp)
    assert np.all(got[~inside] == 0) and np.all(ref[~inside] <= alpha * np.exp(-A_MAX))


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_nan_input_spikes_nan_in_both_backends_never_silence(backend):
    x = np.ones((3, 2, 4), np.float32)
    x[1, 0, 2] = np.nan
    s, v, _ = lif_forward(x, None, 0.5, LIFConfig(), backend=backend)
    assert np.isnan(s[1, 0, 2]) and np.isnan(v[0, 2])
    assert np.isnan(s).sum() == 2                                # the NaN neuron stays NaN (t = 1, 2), others fire
    assert np.array_equal(s[:, 1], lif_forward(x[:, 1:], None, 0.5, LIFConfig(), backend=backend)[0][:, 0])


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_nan_threshold_is_refused_with_the_layer_named(backend):
    x = np.ones((2, 4), np.float32)
    with pytest.raises(ValueError, match="LIF: threshold is NaN"):
        LIF(thr=float("nan"), backend=backend).forward(x)
    with pytest.raises(ValueError, match="LIF: threshold is NaN"):
        lif_forward(x, None, np.array([1.0, np.nan, 1.0, 1.0]), backend=backend)


class _UnknownKind(Surrogate):
    kind = 7

    def primitive(self, x):
        return x


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_unknown_surrogate_kind_is_an_error_not_the_rectangular_branch(backend):
    x = np.ones((2, 4), np.float32)
    cfg = LIFConfig(surrogate=_UnknownKind())
    with pytest.raises(ValueError, match="kind 7"):
        s, _, cache = lif_forward(x, None, 1.0, cfg, backend=backend)
        lif_backward(np.ones_like(x), None, cache, cfg, backend=backend)
