"""The majority and bag-of-words reference rows: their fits are right, and the script runs on every task."""
import json

import numpy as np
import pytest
import scipy.sparse as sp

from experiments.reference_rows import features, logistic_regression, main, ngrams, ridge, vectorise
from tests.experiments.conftest import write_tiny_glue


def test_ngrams_are_lowercased_unigrams_and_bigrams():
    assert ngrams("A good, GOOD film") == ["a", "good", "good", "film", "a good", "good good", "good film"]
    pair = features(["the cat"], ["a cat"])[0]
    assert "a:the cat" in pair and "b:a cat" in pair and "both:cat" in pair


def test_logistic_regression_gradient_is_zero_at_its_optimum_and_separates_separable_data():
    rng = np.random.default_rng(0)
    x = sp.csr_matrix(rng.standard_normal((200, 5)))
    y = (x @ np.array([2.0, -1.0, 0.0, 0.5, 0.0]) > 0).astype(int)
    w = logistic_regression(x, y, 2, lam=1e-3)
    xb = np.hstack([x.toarray(), np.ones((200, 1))])
    p = np.exp(xb @ w - (xb @ w).max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    grad = xb.T @ (p - np.eye(2)[y]) / 200
    grad[:-1] += 1e-3 * w[:-1]
    assert np.abs(grad).max() < 1e-4
    assert ((xb @ w).argmax(1) == y).mean() > 0.95


def test_ridge_matches_the_normal_equations():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((100, 4))
    y = x @ np.array([1.0, -2.0, 0.5, 0.0]) + 3.0 + 0.1 * rng.standard_normal(100)
    lam = 1e-2
    w = ridge(sp.csr_matrix(x), y, lam)
    xb = np.hstack([x, np.ones((100, 1))])
    reg = np.diag([lam * 100 / 2] * 4 + [0.0])                       # (2/n) X^T r + lam w = 0
    exact = np.linalg.solve(xb.T @ xb + reg, xb.T @ y)
    np.testing.assert_allclose(w, exact, atol=1e-4)


def test_vectorise_scales_rows_and_ignores_unseen_ngrams():
    xtr, xdev = vectorise([["a", "b", "b"]], [["b", "zzz"]])
    np.testing.assert_allclose(xtr.toarray(), [[1 / np.sqrt(3), 2 / np.sqrt(3)]])
    np.testing.assert_allclose(xdev.toarray(), [[0.0, 1.0]])


def test_reference_rows_script_on_a_tiny_glue_folder(tmp_path):
    glue = write_tiny_glue(tmp_path / "glue", rows=60)
    out = tmp_path / "rows.json"
    assert main(["--glue-dir", str(glue), "--out", str(out)]) == 0
    rows = {r["task"]: r for r in json.loads(out.read_text())["rows"]}
    assert set(rows) == {"cola", "sst2", "mrpc", "stsb", "rte"}
    assert rows["stsb"]["majority"] == {"pearson": 0.0, "spearman": 0.0}   # a constant prediction
    for r in rows.values():
        assert all(0 <= v <= 1 or r["task"] in ("cola", "stsb") for v in r["bag_of_words"].values())
