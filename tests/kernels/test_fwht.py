"""The FWHT kernel (tinyspike/kernels/fwht.py) against its reference ``fwht_numpy`` (also with NUMBA_DISABLE_JIT=1):
bit for bit at n = 2^k, within float tolerance where a base m > 1 adds a dense stage."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.testing.strategies import leading_shapes, seeds
from tinyspike.transforms import fwht as fwht_dispatch
from tinyspike.transforms import fwht_numpy

pytestmark = pytest.mark.kernel
sizes = st.sampled_from([1, 2, 4, 8, 12, 16, 20, 24, 28, 40, 44, 48, 56, 64, 80, 88, 96, 112])


def fwht(x, **kw):
    """The kernel, chosen explicitly (whatever TINYSPIKE_BACKEND says)."""
    return fwht_dispatch(x, backend="numba", **kw)


@given(n=sizes, lead=leading_shapes(), seed=seeds(), transpose=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_fwht_numba_kernel_equals_numpy_specification(n, lead, seed, transpose, dtype):
    x = np.random.default_rng(seed).standard_normal(lead + (n,)).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    y = fwht(x, transpose=transpose)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, fwht_numpy(x, transpose=transpose), atol=tol)


@given(k=st.integers(0, 12), rows=st.integers(1, 5), seed=seeds(), dtype=st.sampled_from([np.float32, np.float64]))
def test_fwht_numba_kernel_equals_numpy_specification_bit_for_bit_at_powers_of_two(k, rows, seed, dtype):
    """n = 2^k: the kernel does the specification's additions in the specification's order (stage h = 1 first,
    lo + hi and lo - hi, the scale last), only regrouped into vectors and passes, so the results are identical.
    Up to n = 4096: every path (scalar, one vector, in-vector stages plus passes of radix 2 to 16)."""
    x = np.random.default_rng(seed).standard_normal((rows, 2 ** k)).astype(dtype)
    np.testing.assert_array_equal(fwht(x), fwht_numpy(x))


@pytest.mark.parametrize("n", [24, 96, 352])
def test_fwht_short_segments_over_several_row_blocks_equal_numpy_specification(n):
    """float32 segments shorter than a vector (p = 2, 8, 8 < 16) go through blocks of 64 rows and one BLAS
    product each: 150 rows = whole and partial blocks, in both threads' chunks."""
    x = np.random.default_rng(n).standard_normal((150, n)).astype(np.float32)
    for transpose in (False, True):
        np.testing.assert_allclose(fwht(x, transpose=transpose), fwht_numpy(x, transpose=transpose), atol=1e-5)


def test_fwht_in_place_and_out_agree():
    x = np.random.default_rng(0).standard_normal((5, 24)).astype(np.float32)
    expect = fwht(x)
    out = np.empty_like(x)
    assert fwht(x, out=out) is out
    np.testing.assert_array_equal(out, expect)
    x2 = x.copy()
    assert fwht(x2, inplace=True) is x2
    np.testing.assert_array_equal(x2, expect)


