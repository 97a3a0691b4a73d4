"""GLUE metrics against scipy and hand-computed values."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from tinyspike.data.metrics import accuracy, f1_binary, matthews_corrcoef, pearson, spearman
from tinyspike.testing.strategies import seeds


def test_binary_metrics_by_hand():
    pred = np.array([1, 1, 0, 0, 1, 0])
    gold = np.array([1, 0, 0, 1, 1, 0])   # TP=2, FP=1, TN=2, FN=1
    assert accuracy(pred, gold) == pytest.approx(4 / 6)
    assert f1_binary(pred, gold) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert matthews_corrcoef(pred, gold) == pytest.approx((2 * 2 - 1 * 1) / np.sqrt(3 * 3 * 3 * 3))


def test_mcc_is_zero_for_a_constant_prediction():
    assert matthews_corrcoef(np.ones(5, int), np.array([0, 1, 0, 1, 1])) == 0.0


@given(seed=seeds(), n=st.integers(3, 60), ties=st.booleans())
def test_correlations_match_scipy(seed, n, ties):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, n).astype(float) if ties else rng.standard_normal(n)
    y = x + rng.standard_normal(n)
    assume(np.ptp(x) > 0)              # a constant prediction has no correlation to compare
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-10)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-10)
