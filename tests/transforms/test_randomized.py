"""Randomized Hadamard R = S H_bar, applied as x @ R (Eq. 7): layer vs dense, gradients, Theorem 4.1."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy.stats import binom

from tinyspike.testing.gradcheck import check_gradients
from tinyspike.testing.strategies import seeds
from tinyspike.transforms import RandomizedHadamard, fwht, hadamard_matrix, randomized_hadamard


@given(nb=st.sampled_from([(8, 1), (8, 4), (12, 1), (24, 2), (48, 4), (64, 2), (40, 2)]), seed=seeds())
def test_randomized_hadamard_layer_equals_dense_and_is_orthogonal(nb, seed):
    n, blocks = nb
    layer = RandomizedHadamard(n, seed=seed % 2**31, blocks=blocks, dtype=np.float64)
    r = layer.matrix()
    np.testing.assert_allclose(r @ r.T, np.eye(n), atol=1e-12)
    x = np.random.default_rng(seed).standard_normal((3, n))
    np.testing.assert_allclose(layer.forward(x), x @ r, atol=1e-12)
    b = n // blocks                                                  # signs first, then each block's H_bar
    mixed = ((x * layer.signs).reshape(3, blocks, b) @ hadamard_matrix(b)).reshape(3, n)
    np.testing.assert_allclose(layer.forward(x), mixed, atol=1e-12)
    blocks_r = randomized_hadamard(n, seed % 2**31, blocks)
    if blocks == 1:
        np.testing.assert_allclose(blocks_r, r)
    else:
        b = n // blocks
        for j in range(blocks):
            np.testing.assert_allclose(blocks_r[j], r[j * b:(j + 1) * b, j * b:(j + 1) * b])


def test_randomized_hadamard_backward_matches_central_differences():
    layer = RandomizedHadamard(24, seed=3, blocks=2, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((2, 3, 24))
    check_gradients(lambda: layer.forward(x), lambda dy: {"x": layer.backward(dy)}, {"x": x}, seed=2)


def test_theorem_4_1_randomized_hadamard_max_entry_tail_bound():
    """P(max_i |(H_R x)_i| >= ||x|| sqrt(2/n log(2n/eps))) <= eps, over draws of S (n=64, 2000 draws)."""
    n, draws, eps = 64, 2000, 0.05
    rng = np.random.default_rng(0)
    h_row = hadamard_matrix(n)[5] * np.sqrt(n)
    outliers = np.full(n, 0.1)
    outliers[[3, 40]] = [50.0, -30.0]
    inputs = {"one-hot": np.eye(n)[7], "outliers": outliers, "all-ones": np.ones(n),
              "hadamard-row": h_row, "gaussian": rng.standard_normal(n)}
    limit = binom.ppf(1 - 1e-6, draws, eps)          # one-sided: exceed only with prob 1e-6
    for name, x in inputs.items():
        s = 2.0 * rng.integers(0, 2, (draws, n)) - 1  # (draws, n) Rademacher signs
        y = fwht(s * x)                               # rows: H_bar S x
        bound = np.linalg.norm(x) * np.sqrt(2 / n * np.log(2 * n / eps))
        hits = int((np.abs(y).max(-1) >= bound).sum())
        assert hits <= limit, f"{name}: {hits}/{draws} draws exceed the bound (limit {limit})"
        # the one-hot input is flat after any signs: max = ||x|| / sqrt(n), far below the bound
        if name == "one-hot":
            np.testing.assert_allclose(np.abs(y).max(-1), 1 / np.sqrt(n))


def test_randomized_hadamard_rejects_bad_blocks_and_sizes():
    with pytest.raises(ValueError, match="must divide"):
        RandomizedHadamard(24, blocks=5)
    with pytest.raises(ValueError, match=r"m \* 2\^k"):
        RandomizedHadamard(36)
