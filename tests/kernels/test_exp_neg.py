"""exp_neg: e^{-a} from +, -, * only, within a few ulp of the true value, identical on arrays and in numba."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays
from numba import njit

from tinyspike.kernels.exp_neg import A_MAX, exp_neg, pow2_neg

ULPS = {np.float32: 1, np.float64: 2}


@njit(error_model="numpy")
def _exp_neg_elementwise(a, out):
    dt = a.dtype.type
    for i in range(a.shape[0]):
        out[i] = exp_neg(a[i], dt)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(a=st.lists(st.floats(0, 100, width=32), min_size=1, max_size=50))
def test_exp_neg_is_within_a_few_ulp_of_exp(dtype, a):
    a = np.array(a, dtype)
    got = exp_neg(a, dtype)
    true = np.exp(-a.astype(np.longdouble))
    expect = np.where(a <= A_MAX, true, 0)
    assert got.dtype == dtype
    ulp = np.spacing(expect.astype(dtype)).astype(np.longdouble)
    assert np.all(np.abs(got - expect) <= ULPS[dtype] * np.abs(ulp))


def test_exp_neg_edges_zero_one_beyond_range_and_nan():
    a = np.array([0.0, -0.0, A_MAX, np.nextafter(A_MAX, np.inf), 1e4, np.inf, np.nan])
    got = exp_neg(a, np.float64)
    assert got[0] == 1 and got[1] == 1
    assert got[2] == pytest.approx(np.exp(-A_MAX), rel=1e-15)
    np.testing.assert_array_equal(got[3:], 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow2_neg_is_exact_for_every_k(dtype):
    k = np.arange(127, dtype=dtype)
    np.testing.assert_array_equal(pow2_neg(k, dtype), (2.0 ** -np.arange(127)).astype(dtype))


@pytest.mark.kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_exp_neg_in_numba_equals_numpy_bit_for_bit(dtype, data):
    a = data.draw(arrays(dtype, st.integers(1, 64), elements=st.floats(0, 200, width=32)))
    out = np.empty_like(a)
    _exp_neg_elementwise(a, out)
    np.testing.assert_array_equal(out, exp_neg(a, dtype))


@njit(error_model="numpy")
def _pow2_neg_elementwise(k, out):
    dt = k.dtype.type
    for i in range(k.shape[0]):
        out[i] = pow2_neg(k[i], dt)


@pytest.mark.kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow2_neg_in_numba_is_exact_for_every_k(dtype):
    """The numba overload (bit pattern through an intrinsic) against 2^-k, for every k exp_neg can produce."""
    k = np.arange(127, dtype=dtype)
    out = np.empty_like(k)
    _pow2_neg_elementwise(k, out)
    np.testing.assert_array_equal(out, (2.0 ** -np.arange(127)).astype(dtype))
