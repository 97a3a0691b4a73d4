"""Fuzz every public entry point to a kernel: random shapes (empty ones too), dtypes (bool, int, float16/32/64,
complex), non-contiguous views, NaN, and mismatched ``out=`` buffers, thresholds and gradients.

Each call either raises one of the documented exceptions (ValueError for a wrong shape or value, TypeError
for a wrong type or dtype), as one line, before any kernel runs, or returns the reference's result. It never
crashes and never reads or writes past an array: ``make test`` also runs this file with
``NUMBA_BOUNDSCHECK=1``, where an out-of-bounds index inside a kernel raises IndexError (not in the set).
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import array_shapes

from tinyspike.kernels import rmsnorm as rmsnorm_kernel
from tinyspike.kernels.surrogate import KernelSurrogate
from tinyspike.layers.rmsnorm import RMSNorm, rmsnorm_backward, rmsnorm_forward
from tinyspike.neurons.lif import LIF, LIFConfig, lif_backward, lif_forward
from tinyspike.neurons.surrogate import Sigmoid
from tinyspike.operators import SpikingGELU, SpikingLayerNorm, SpikingRMSNorm, SpikingSiLU, SpikingSoftmax
from tinyspike.testing.strategies import seeds
from tinyspike.transforms import fwht, fwht_numpy, hadamard_matrix

DOCUMENTED = (ValueError, TypeError)
DTYPES = [np.bool_, np.int32, np.int64, np.float16, np.float32, np.float64, np.complex128]
KERNEL_DTYPES = [np.float32, np.float64]
LAYOUTS = ["c", "strided", "transposed", "fortran"]
BACKENDS = ["fast", "reference"]
CFG = LIFConfig(surrogate=KernelSurrogate(Sigmoid()))   # the derivative the kernels compute: equal bit for bit


def _values(rng, shape, dtype, nan):
    v = rng.standard_normal(shape) * 2
    if nan and v.size:
        v.reshape(-1)[rng.integers(v.size)] = np.nan
    if dtype == np.complex128:
        return (v + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype == np.bool_:
        return v > 0
    if np.issubdtype(dtype, np.integer):
        return np.nan_to_num(v * 3).astype(dtype)
    return v.astype(dtype)


@st.composite
def arrays(draw, shape=None, min_dims=1, max_dims=3, min_side=0, max_side=5, dtypes=DTYPES):
    """An array of any listed dtype, C-ordered or a strided / transposed / Fortran-ordered view, maybe with a NaN."""
    if shape is None:
        shape = draw(array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    kernel_dtypes = [d for d in dtypes if d in KERNEL_DTYPES] or dtypes      # half the draws: a kernel's dtype
    dtype = draw(st.one_of(st.sampled_from(kernel_dtypes), st.sampled_from(dtypes)))
    layout = draw(st.sampled_from(LAYOUTS))
    rng = np.random.default_rng(draw(seeds()))
    nan = draw(st.integers(0, 4)) == 0
    if layout == "strided" and shape:
        return _values(rng, shape[:-1] + (2 * shape[-1],), dtype, nan)[..., ::2]
    if layout == "transposed":
        return _values(rng, shape[::-1], dtype, nan).T
    a = _values(rng, shape, dtype, nan)
    return np.asfortranarray(a) if layout == "fortran" else a


def _raises_documented(fn, *args, **kwargs):
    """Run fn; return (True, None) if it raised a documented one-line error, else (False, result)."""
    try:
        return False, fn(*args, **kwargs)
    except DOCUMENTED as e:
        assert "\n" not in str(e) and str(e), repr(e)
        return True, None


def _like(draw, a, dtypes=DTYPES):
    """An array of a's shape (mostly) or of a neighbouring wrong shape, any dtype and layout."""
    shape = a.shape
    if draw(st.integers(0, 3)) == 0:
        shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    return draw(arrays(shape=shape, dtypes=dtypes))


def _out_pair(draw, T, n, dtype):
    """None, the right (T, N), (N,) pair, or a pair with a wrong shape, dtype, layout or an overlap."""
    kind = draw(st.one_of(st.sampled_from(["none", "right", "no_state"]),
                          st.sampled_from(["short", "dtype", "strided", "overlap", "tuple"])))
    if kind == "none":
        return None
    a, b = np.empty((T, n), dtype), np.empty(n, dtype)
    if kind == "no_state":
        b = np.empty(0, dtype)
    elif kind == "short":
        a = np.empty((T, max(n - 1, 0)), dtype)
    elif kind == "dtype":
        b = np.empty(n, np.float16 if dtype != np.float16 else np.float32)
    elif kind == "strided":
        a = np.empty((T, 2 * n), dtype)[:, ::2]
    elif kind == "overlap":
        buf = np.empty(T * n + n, dtype)
        a, b = buf[:T * n].reshape(T, n), buf[T * n - n // 2:T * n - n // 2 + n]
    elif kind == "tuple":
        return (a,)
    return (a, b)


@pytest.mark.parametrize("backend", BACKENDS)
@given(x=arrays(), data=st.data())
def test_lif_forward_and_backward_raise_a_documented_error_or_match_the_reference(backend, x, data):
    x0 = x.copy()
    thr = data.draw(st.one_of(st.floats(0.1, 2.0), st.floats(0.1, 2.0), st.just(float("nan")), st.just("1"),
                              st.just(1 + 1j), arrays(max_dims=2, max_side=6, dtypes=[np.float32, np.float64, np.int64])))
    v0 = None if data.draw(st.booleans()) else _like(data.draw, np.empty(x.shape[1:]))
    T = x.shape[0] if x.ndim else 1
    n = int(np.prod(x.shape[1:])) if x.ndim else 1
    out = _out_pair(data.draw, T, n, x.dtype)
    failed, result = _raises_documented(lif_forward, x, v0, thr, CFG, backend=backend, out=out)
    if failed:
        return
    s, v, cache = result
    s_ref, v_ref, _ = lif_forward(x0, v0, thr, CFG, backend="reference")
    np.testing.assert_array_equal(s, s_ref)
    if out is not None and out[1].size == 0 and n:                 # (0,): the final membrane is not wanted
        assert v is None
    else:
        np.testing.assert_array_equal(v, v_ref)
    ds = _like(data.draw, x)
    dv = None if data.draw(st.booleans()) else _like(data.draw, np.empty(x.shape[1:]))
    out = _out_pair(data.draw, T, n, x.dtype)
    failed, result = _raises_documented(lif_backward, ds, dv, cache, CFG, backend=backend, out=out)
    if not failed:
        dx, dv0 = result
        dx_ref, dv0_ref = lif_backward(ds, dv, lif_forward(x0, v0, thr, CFG, backend="reference")[2], CFG,
                                       backend="reference")
        np.testing.assert_array_equal(dx, dx_ref)
        if out is not None and out[1].size == 0 and n:
            assert dv0 is None
        else:
            np.testing.assert_array_equal(dv0, dv0_ref)


@pytest.mark.parametrize("backend", BACKENDS)
@given(x=arrays(), data=st.data())
def test_lif_layer_refuses_a_gradient_of_the_wrong_shape_or_type(backend, x, data):
    layer = LIF(thr=0.7, backend=backend)
    failed, s = _raises_documented(layer.forward, x)
    if failed:
        return
    ds = _like(data.draw, s)
    failed, dx = _raises_documented(layer.backward, ds)
    if not failed:
        assert dx.shape == x.shape and dx.dtype == x.dtype


def _fwht_expected(x):
    """H_bar x along the last axis by the dense matrix, in complex128 (covers every dtype)."""
    return x.astype(np.complex128) @ hadamard_matrix(x.shape[-1]).T


def _finite_max(a):
    """max |a| over its finite entries (0 when none)."""
    a = np.abs(a.astype(np.complex128))
    return a[np.isfinite(a)].max(initial=0)


def _tolerance(x, dtype):
    """Absolute tolerance of a transform of x computed in dtype: a few roundings times the largest finite |x|."""
    scale = 1 + _finite_max(x) * np.sqrt(max(x.shape[-1], 1))
    return {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-5}.get(np.dtype(dtype), 1e-12) * scale


@st.composite
def hadamard_arrays(draw, dtypes=DTYPES):
    """Mostly a supported last axis (m * 2^k), sometimes any length."""
    lead = draw(array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4))
    n = draw(st.one_of(st.sampled_from([1, 2, 8, 12, 16, 20, 24, 28, 40, 64]), st.integers(0, 70)))
    return draw(arrays(shape=lead + (n,), dtypes=dtypes))


@pytest.mark.parametrize("backend", BACKENDS)
@given(x=hadamard_arrays(), data=st.data())
def test_fwht_raises_a_documented_error_or_matches_the_dense_product(backend, x, data):
    x0 = x.copy()
    kind = data.draw(st.one_of(st.sampled_from(["none", "inplace", "right", "self"]),
                               st.sampled_from(["shape", "dtype", "strided", "overlap"])))
    out, inplace = None, kind == "inplace"
    if kind == "right":
        out = np.empty_like(x, order="C")
    elif kind == "self":
        out = x
    elif kind == "shape":
        out = np.empty(x.shape[:-1] + (x.shape[-1] + 1,), x.dtype)
    elif kind == "dtype":
        out = np.empty(x.shape, np.float16)
    elif kind == "strided":
        out = np.empty(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)[..., ::2]
    elif kind == "overlap" and x.size:
        buf = np.empty(x.size + 3, x.dtype)
        x = buf[3:].reshape(x.shape)
        x[...] = x0
        out = buf[:x.size].reshape(x.shape)
    failed, y = _raises_documented(fwht, x, out=out, inplace=inplace, backend=backend)
    if not failed:
        assert y.shape == x0.shape and y.dtype == x0.dtype
        np.testing.assert_allclose(y, _fwht_expected(x0), atol=_tolerance(x0, x0.dtype))


@given(x=hadamard_arrays())
def test_fwht_numpy_raises_a_documented_error_or_matches_the_dense_product(x):
    failed, y = _raises_documented(fwht_numpy, x)
    if not failed:
        assert y.shape == x.shape
        np.testing.assert_allclose(y, _fwht_expected(x), atol=_tolerance(x, y.dtype))


@given(x=arrays(min_dims=1, max_side=6), data=st.data())
def test_rmsnorm_kernels_raise_a_documented_error_or_match_the_reference(x, data):
    d = x.shape[-1] if x.ndim else 0
    gamma = None if data.draw(st.booleans()) else data.draw(arrays(
        shape=data.draw(st.sampled_from([(d,), (d + 1,), ()])), dtypes=[np.float32, np.float64, np.int64]))
    failed, result = _raises_documented(rmsnorm_kernel.rmsnorm_forward, x, gamma, 1e-6)
    if failed:
        return
    y, cache = result
    tol = 1e-12 if x.dtype == np.float64 else 2e-5
    y_ref, cache_ref = rmsnorm_forward(x, gamma if gamma is None else gamma.astype(x.dtype), 1e-6)
    np.testing.assert_allclose(y, y_ref, rtol=tol, atol=tol)
    dy = _like(data.draw, x)
    dgamma = None if gamma is None else data.draw(st.one_of(st.just(np.zeros(d, x.dtype)), st.just(np.zeros(d + 1)),
                                                           st.just(np.zeros(d, np.int64))))
    failed, dx = _raises_documented(rmsnorm_kernel.rmsnorm_backward, dy, cache, gamma, dgamma)
    if not failed:
        g = None if gamma is None else gamma.astype(x.dtype)
        dx_ref = rmsnorm_backward(dy, cache_ref, g, None if g is None else np.zeros(d, x.dtype))
        terms = cache_ref.rstd * dy * (1 if g is None else g)           # dx is a difference of terms this size
        np.testing.assert_allclose(dx, dx_ref, rtol=tol, atol=tol * (1 + _finite_max(terms)))


@pytest.mark.parametrize("backend", BACKENDS)
@given(x=arrays(min_dims=1, min_side=1), data=st.data())
def test_rmsnorm_layer_refuses_bad_inputs_and_gradients(backend, x, data):
    layer = RMSNorm(x.shape[-1], dtype=np.float32, backend=backend)
    failed, y = _raises_documented(layer.forward, x)
    if not failed:
        failed, dx = _raises_documented(layer.backward, _like(data.draw, y))
        assert failed or dx.shape == x.shape


KNOBS = dict(T=4, levels=2**10, x_range=32.0)
OPERATORS = {
    "softmax": lambda backend: SpikingSoftmax(K=16, backend=backend, **KNOBS),
    "silu": lambda backend: SpikingSiLU(K=16, backend=backend, **KNOBS),
    "gelu": lambda backend: SpikingGELU(K=16, backend=backend, **KNOBS),
    "rmsnorm": lambda backend: SpikingRMSNorm(backend=backend, **KNOBS),
    "layernorm": lambda backend: SpikingLayerNorm(backend=backend, **KNOBS),
}


@pytest.mark.parametrize("name", list(OPERATORS))
@given(x=arrays(min_dims=1, min_side=1), data=st.data())
def test_operator_kernels_raise_a_documented_error_or_equal_the_reference(name, x, data):
    args = ()
    if name in ("rmsnorm", "layernorm"):
        d = x.shape[-1]
        shape = data.draw(st.sampled_from([(d,), (d + 1,)]))
        args = (np.linspace(0.5, 1.5, shape[0]),) + ((np.zeros(shape[0]),) if name == "layernorm" else ())
    failed, y = _raises_documented(OPERATORS[name]("fast"), x, *args)
    reference_failed, y_ref = _raises_documented(OPERATORS[name]("reference"), x, *args)
    assert failed == reference_failed
    if not failed:
        np.testing.assert_array_equal(y, y_ref)


# ---- every kernel on valid but awkward arguments, so that the NUMBA_BOUNDSCHECK=1 run checks each kernel's
# indexing on every path whatever the random draws above reached

@pytest.mark.parametrize("dtype", KERNEL_DTYPES)
@pytest.mark.parametrize("shape, per_channel", [((3, 0), False), ((1, 1), False), ((2, 3, 7), True), ((4, 5), True),
                                                ((2, 70000), False), ((2, 2, 33000), True)])
def test_lif_kernels_on_awkward_valid_shapes_equal_the_reference(dtype, shape, per_channel):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape[:-1] + (2 * shape[-1],)) * 2).astype(dtype)[..., ::2]     # a strided view
    thr = rng.uniform(0.5, 1.5, shape[-1]).astype(dtype) if per_channel else 0.9
    v0, ds, dv = (rng.standard_normal(s).astype(dtype) for s in (shape[1:], shape, shape[1:]))
    for state in (True, False):
        got = lif_forward(x, v0 if state else None, thr, CFG, backend="numba")
        ref = lif_forward(x, v0 if state else None, thr, CFG, backend="reference")
        for a, b in zip(got[:2], ref[:2]):
            np.testing.assert_array_equal(a, b)
        dx = lif_backward(ds, dv if state else None, got[2], CFG, backend="numba")
        dx_ref = lif_backward(ds, dv if state else None, ref[2], CFG, backend="reference")
        for a, b in zip(dx, dx_ref):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", KERNEL_DTYPES)
@pytest.mark.parametrize("n", [1, 2, 8, 16, 32, 256, 4096, 8192, 12, 24, 96, 352, 768, 1280, 1792])
def test_fwht_kernel_on_every_path_equals_the_reference(dtype, n):
    """Scalar rows, one vector, in-vector stages plus passes, the scratch row and the long in-y rows with their
    prefetch, short segments through BLAS blocks, and the base stage for m = 12, 20, 28."""
    x = np.random.default_rng(n).standard_normal((67, n)).astype(dtype)
    tol = _tolerance(x, dtype)
    for transpose in (False, True):
        expect = fwht_numpy(x, transpose)
        np.testing.assert_allclose(fwht(x, transpose, backend="numba"), expect, atol=tol)
        np.testing.assert_allclose(fwht(x[:, None, :], transpose, backend="numba")[:, 0], expect, atol=tol)
        y = x.copy()
        fwht(y, transpose, inplace=True, backend="numba")
        np.testing.assert_allclose(y, expect, atol=tol)


@pytest.mark.parametrize("dtype", KERNEL_DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (600, 7), (2, 3, 40)])
def test_rmsnorm_kernels_on_awkward_valid_shapes_equal_the_reference(dtype, shape):
    rng = np.random.default_rng(2)
    x, dy = (rng.standard_normal(shape).astype(dtype) for _ in range(2))
    gamma = rng.standard_normal(shape[-1]).astype(dtype)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    y, cache = rmsnorm_kernel.rmsnorm_forward(x, gamma, 1e-6)
    y_ref, cache_ref = rmsnorm_forward(x, gamma, 1e-6)
    np.testing.assert_allclose(y, y_ref, rtol=tol, atol=tol)
    dg, dg_ref = np.zeros_like(gamma), np.zeros_like(gamma)
    dx = rmsnorm_kernel.rmsnorm_backward(dy, cache, gamma, dg)
    np.testing.assert_allclose(dx, rmsnorm_backward(dy, cache_ref, gamma, dg_ref), rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(dg, dg_ref, rtol=tol, atol=tol * shape[0] * 10)
