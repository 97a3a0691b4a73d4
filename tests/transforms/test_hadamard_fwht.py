"""Hadamard matrices and the FWHT: orthogonality, norms, involution, numba == NumPy, sizes."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.testing.strategies import leading_shapes, seeds
from tinyspike.transforms import factor, fwht, fwht_numpy, hadamard_matrix, paley
from tinyspike.transforms.hadamard import BASES, base_matrix, paley2

SMALL_SIZES = [1, 2, 4, 8, 12, 16, 20, 24, 28, 40, 44, 48, 56, 64, 80, 88, 96, 112]
sizes = st.sampled_from(SMALL_SIZES)


@pytest.mark.parametrize("n", SMALL_SIZES + [768])
def test_hadamard_matrix_is_orthonormal_HtH_eq_I(n):
    h = hadamard_matrix(n)
    np.testing.assert_allclose(h.T @ h, np.eye(n), atol=1e-12)
    np.testing.assert_array_equal(np.abs(h * np.sqrt(n)).round(12), 1.0)   # entries +-1/sqrt(n)


@pytest.mark.parametrize("order", [12, 20, 44])
def test_paley_I_construction_gives_hadamard_matrix(order):
    h = paley(order)
    np.testing.assert_array_equal(h @ h.T, order * np.eye(order))


@pytest.mark.parametrize("order", [28])
def test_paley_II_construction_gives_symmetric_hadamard_matrix(order):
    h = paley2(order)
    np.testing.assert_array_equal(h @ h.T, order * np.eye(order))
    np.testing.assert_array_equal(h, h.T)


@pytest.mark.parametrize("m", BASES)
def test_every_base_is_hadamard_HtH_eq_mI(m):
    h = base_matrix(m)
    assert set(np.unique(h)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(h.T @ h, m * np.eye(m))


@pytest.mark.parametrize("m", BASES)
@pytest.mark.parametrize("k", [0, 1, 3])
def test_fwht_equals_dense_product_for_every_base(m, k):
    """Every supported base m and its doublings m * 2^k; 40 = 20 * 2 (the issue's base order 40) included."""
    n = m * 2 ** k
    x = np.random.default_rng(n).standard_normal((3, n))
    np.testing.assert_allclose(fwht(x), x @ hadamard_matrix(n).T, atol=1e-12)
    np.testing.assert_allclose(fwht_numpy(x), x @ hadamard_matrix(n).T, atol=1e-12)


def test_order_40_is_twenty_times_two():
    assert factor(40) == (20, 2)
    h = hadamard_matrix(40)
    np.testing.assert_allclose(h.T @ h, np.eye(40), atol=1e-12)


@pytest.mark.parametrize("n", [0, 3, 36, 52, 60, 100, 768 + 12])
def test_unsupported_order_error_names_supported_forms(n):
    with pytest.raises(ValueError, match=r"m \* 2\^k"):
        hadamard_matrix(n)


def test_factor_uses_base_times_power_of_two():
    assert factor(768) == (12, 64) and factor(40) == (20, 2) and factor(1024) == (1, 1024)
    assert factor(28) == (28, 1) and factor(1792) == (28, 64)


@given(n=sizes, lead=leading_shapes(), seed=seeds())
def test_fwht_equals_dense_hadamard_product(n, lead, seed):
    x = np.random.default_rng(seed).standard_normal(lead + (n,))
    h = hadamard_matrix(n)
    np.testing.assert_allclose(fwht(x), x @ h.T, atol=1e-12)
    np.testing.assert_allclose(fwht(x, transpose=True), x @ h, atol=1e-12)
    np.testing.assert_allclose(fwht_numpy(x), x @ h.T, atol=1e-12)


@given(n=sizes, seed=seeds())
def test_fwht_preserves_norms(n, seed):
    x = np.random.default_rng(seed).standard_normal((3, n))
    np.testing.assert_allclose(np.linalg.norm(fwht(x), axis=-1), np.linalg.norm(x, axis=-1), rtol=1e-12)


@given(n=sizes, seed=seeds())
def test_fwht_twice_is_identity(n, seed):
    """H^T (H x) = x for every base; H (H x) = x for Sylvester sizes (H symmetric)."""
    x = np.random.default_rng(seed).standard_normal((2, n))
    np.testing.assert_allclose(fwht(fwht(x), transpose=True), x, atol=1e-12)
    if factor(n)[0] == 1:
        np.testing.assert_allclose(fwht(fwht(x)), x, atol=1e-12)


def test_fwht_rejects_integer_input():
    with pytest.raises(TypeError, match="float32 or float64"):
        fwht(np.ones(8, dtype=np.int64))


def test_fwht_numpy_transforms_integers_in_float64_instead_of_rounding_to_zero():
    x = np.arange(8, dtype=np.int64)
    y = fwht_numpy(x)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, hadamard_matrix(8) @ x, atol=1e-12)


def test_fwht_reference_backend_honours_out_and_inplace():
    x = np.random.default_rng(1).standard_normal((3, 24))
    out = np.empty_like(x)
    assert fwht(x, out=out, backend="reference") is out
    np.testing.assert_array_equal(out, fwht_numpy(x))
    x2 = x.copy()
    assert fwht(x2, inplace=True, backend="reference") is x2
    np.testing.assert_array_equal(x2, fwht_numpy(x))


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_fwht_refuses_an_out_that_overlaps_its_input(backend):
    """An out= shifted by a few elements against x used to give wrong values silently."""
    buf = np.random.default_rng(0).standard_normal(3 * 16 + 4)
    x = buf[4:].reshape(3, 16)
    with pytest.raises(ValueError, match="out overlaps x without being x"):
        fwht(x, out=buf[:48].reshape(3, 16), backend=backend)
    y = fwht(x.copy(), backend=backend)
    assert fwht(x, out=x, backend=backend) is x                    # out is x itself: in place
    np.testing.assert_array_equal(x, y)
