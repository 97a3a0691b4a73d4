"""The FWHT's SIMD building blocks: LLVM vector code (inside numba) == the NumPy specification, bit for bit."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from numba import njit

from tinyspike.testing.strategies import seeds
from tinyspike.transforms import sylvester
from tinyspike.kernels.simd_butterfly import (butterfly_pass, butterfly_pass_radix, lanes, vector_butterflies,
                                                   vector_combination)

dtypes = st.sampled_from([np.float32, np.float64])


@njit
def _vector_butterflies_nb(src, i, dst, k):
    vector_butterflies(src, i, dst, k)


@njit
def _vector_combination_nb(src, i, stride, w, dst, k, scale, width):
    """width is a run-time value here; the LLVM code needs it as a constant."""
    if width == 1:
        vector_combination(src, i, stride, w, dst, k, scale, 1)
    elif width == 2:
        vector_combination(src, i, stride, w, dst, k, scale, 2)
    else:
        vector_combination(src, i, stride, w, dst, k, scale, 4)


def _data(seed, dtype, size):
    """Normal values with a spread of magnitudes, so that rounding differences would show."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(size) * np.exp2(rng.integers(-20, 20, size))).astype(dtype)


@pytest.mark.kernel
@given(dtype=dtypes, seed=seeds(), i=st.integers(0, 40), k=st.integers(0, 40))
def test_vector_butterflies_llvm_equals_numpy_bit_for_bit(dtype, seed, i, k):
    """Unaligned offsets i, k included (rows of a NumPy array need not start on a 64-byte boundary)."""
    src = _data(seed, dtype, 64)
    dst, expect = np.zeros_like(src), np.zeros_like(src)
    _vector_butterflies_nb(src, i, dst, k)
    vector_butterflies(src, i, expect, k)
    np.testing.assert_array_equal(dst, expect)


def test_in_vector_stages_are_the_sylvester_matrix_H_L():
    """log2(L) butterfly stages on one vector = H_L v (Sylvester order L): the stages all live inside it."""
    for dtype in (np.float32, np.float64):
        n_lanes = lanes(dtype)
        v = np.random.default_rng(n_lanes).standard_normal(n_lanes).astype(dtype)
        out = np.zeros_like(v)
        vector_butterflies(v, 0, out, 0)
        np.testing.assert_allclose(out, sylvester(n_lanes) @ v, rtol=0, atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.kernel
@given(dtype=dtypes, seed=seeds(), s=st.integers(1, 4), hv=st.integers(1, 3), i=st.integers(0, 20),
       k=st.integers(0, 20), scaled=st.booleans(), same=st.booleans())
def test_butterfly_pass_llvm_equals_numpy_bit_for_bit(dtype, seed, s, hv, i, k, scaled, same):
    """Radix 2^s at stride h = hv L; out of place, or in place (dst is src, k = i) as the FWHT uses it."""
    h = hv * lanes(dtype)
    src = _data(seed, dtype, 40 + 2 ** s * h)
    scale = dtype(0.7) if scaled else None
    if same:
        got, expect = src.copy(), src.copy()
        butterfly_pass_radix(got, i, got, i, h, s, scale)
        butterfly_pass(expect, i, expect, i, h, s, scale)
    else:
        got, expect = np.zeros_like(src), np.zeros_like(src)
        butterfly_pass_radix(src, i, got, k, h, s, scale)
        butterfly_pass(src, i, expect, k, h, s, scale)
    np.testing.assert_array_equal(got, expect)


def test_butterfly_pass_is_s_stages_of_the_fwht():
    """Radix 2^s at stride h on vectors t h: H_{2^s} applied across the 2^s vectors, lane by lane."""
    for s in (1, 2, 3, 4):
        h = lanes(np.float64)
        x = np.random.default_rng(s).standard_normal(2 ** s * h)
        out = np.zeros_like(x)
        butterfly_pass(x, 0, out, 0, h, s, None)
        np.testing.assert_allclose(out.reshape(2 ** s, h), sylvester(2 ** s) @ x.reshape(2 ** s, h), atol=1e-12)


@pytest.mark.kernel
@given(dtype=dtypes, seed=seeds(), m=st.integers(1, 13), width=st.sampled_from([1, 2, 4]), stride_v=st.integers(4, 6),
       i=st.integers(0, 20), k=st.integers(0, 20))
def test_vector_combination_llvm_equals_numpy_bit_for_bit(dtype, seed, m, width, stride_v, i, k):
    stride = stride_v * lanes(dtype)
    src = _data(seed, dtype, 40 + m * stride)
    w = np.random.default_rng(seed + 1).standard_normal(m).astype(dtype)    # any weights, not only +-1
    got, expect = np.zeros_like(src), np.zeros_like(src)
    _vector_combination_nb(src, i, stride, w, got, k, dtype(0.3), width)
    vector_combination(src, i, stride, w, expect, k, dtype(0.3), width)
    np.testing.assert_array_equal(got, expect)
