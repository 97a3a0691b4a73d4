"""Theorem 4.1 on the matrices the model actually holds (H1, H2, H3 of a built encoder).

The randomized Hadamard flattens any input: with probability >= 1 - eps over the sign draw,
max_i |(x R)_i| <= ||x R|| sqrt(2/n log(2n/eps)). Checked on every transform site of a model built by
``build_encoder`` (fixed, and learnable at initialisation, whose Newton-Schulz output is a scaled
copy of the same randomized Hadamard, hence the ratio to ||x R|| rather than to ||x||), at widths
that are powers of two and 12 * 2^k, on adversarial inputs: all-ones, one-hot, the rows and the
columns of H_bar (a column of H_bar is exactly what H_bar alone maps to a one-hot).
eps = 1e-6 per check keeps the chance that a correct implementation fails negligible; with the
signs on the wrong side (x @ H_bar S) an all-ones row or a column of H_bar gives a ratio of 1.
"""
import numpy as np
from hypothesis import given, strategies as st

from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import build_encoder
from tinyspike.transforms import hadamard_matrix, randomized_hadamard
from tinyspike.testing.strategies import seeds

EPS = 1e-6


def model_matrices(d: int, mode: str, seed: int) -> dict:
    """{site: list of square matrices R} for H1, every block's H2 and every diagonal block of H3."""
    cfg = ModelConfig(vocab_size=32, d_model=d, n_layers=2, n_heads=2, d_ff=4 * d, max_len=8, T=1,
                      h1=mode, h2=mode, h3=mode, seed=seed, dtype="float64")
    enc = build_encoder(cfg)
    out = {"h1": [enc.t1.forward()]}
    out["h2"] = [t.forward() for t in enc.t2]
    out["h3"] = [block for t in enc.t3 for block in t.forward()]   # each (d_ff/g, d_ff/g)
    return out


def adversarial_inputs(n: int) -> dict:
    h = hadamard_matrix(n)
    return {"all-ones": np.ones(n), "one-hot": np.eye(n)[n // 3], "row of H_bar": h[1], "column of H_bar": h[:, 2]}


@given(d=st.sampled_from([64, 96, 128, 192]), mode=st.sampled_from(["fixed", "learnable"]), seed=seeds())
def test_theorem_4_1_holds_for_every_transform_the_model_holds(d, mode, seed):
    for site, mats in model_matrices(d, mode, seed % 2**20).items():
        for r in mats:
            n = r.shape[0]
            bound = np.sqrt(2 / n * np.log(2 * n / EPS))
            for name, x in adversarial_inputs(n).items():
                y = x @ r
                ratio = np.abs(y).max() / np.linalg.norm(y)
                assert ratio <= bound, f"{site} ({mode}, n={n}): max|xR|/||xR|| = {ratio:.3f} > {bound:.3f} for {name}"


def test_theorem_4_1_at_the_papers_width_768():
    """d = 768 = 12 * 64, the official width: all-ones goes from ratio 1 (signs after) to about 0.22 or less."""
    r = model_matrices(768, "fixed", 0)["h1"][0]
    bound = np.sqrt(2 / 768 * np.log(2 * 768 / EPS))
    for name, x in adversarial_inputs(768).items():
        y = x @ r
        assert np.abs(y).max() / np.linalg.norm(y) <= bound, name


@given(seed=seeds())
def test_randomized_hadamard_output_modulus_depends_on_the_sign_seed(seed):
    """|x @ R| changes with the sign draw (it would not if the signs acted after the mixing)."""
    n = 96
    x = np.ones(n)
    a = np.abs(x @ randomized_hadamard(n, seed % 2**20))
    b = np.abs(x @ randomized_hadamard(n, seed % 2**20 + 1))
    assert not np.allclose(a, b)
    assert not np.allclose(a, np.abs(x @ hadamard_matrix(n)))
