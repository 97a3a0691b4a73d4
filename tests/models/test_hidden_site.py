"""The MLP hidden site is alive at initialisation under the default W1 init, and silent under PyTorch's."""
import pathlib

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.analysis.recording import record_sites
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.neurons.stats import firing_rate, saturation_rate
from tinyspike.testing.strategies import seeds


def _hidden_firing(cfg, seed):
    ids = np.random.default_rng(seed).integers(5, cfg.vocab_size, (8, 24))
    records = record_sites(SequenceClassifier(cfg, 2), (ids, np.zeros_like(ids), np.ones_like(ids)))
    return float(np.mean([firing_rate(r.spikes) for r in records if r.site == "mlp_hidden"]))


def _cfg(d, seed, **kw):
    return ModelConfig(vocab_size=128, d_model=d, n_layers=2, n_heads=2, d_ff=4 * d, max_len=24, T=4, seed=seed, **kw)


@given(d=st.sampled_from([64, 128]), seed=seeds())
def test_default_w1_init_keeps_the_hidden_site_firing_a_few_percent(d, seed):
    assert 0.005 < _hidden_firing(_cfg(d, seed % 2**20), seed) < 0.10


@given(seed=seeds())
def test_pytorch_default_w1_init_leaves_the_hidden_site_silent(seed):
    assert _hidden_firing(_cfg(64, seed % 2**20, w1_init_rate=None), seed) < 0.001


@pytest.mark.parametrize("rate", [0.1, 0.5, None])
def test_w1_init_bound_is_sqrt_3_over_rate_d_or_pytorchs(rate):
    d = 64
    w = SequenceClassifier(_cfg(d, 0, w1_init_rate=rate), 2).encoder.blocks[0].w1.W.value
    bound = 1 / np.sqrt(d) if rate is None else np.sqrt(3 / (rate * d))
    assert np.abs(w).max() <= bound * (1 + 1e-6) and np.abs(w).max() > 0.95 * bound


@pytest.mark.parametrize("rate", [0.0, -0.1, 1.5, float("nan")])
def test_config_refuses_an_impossible_w1_init_rate(rate):
    with pytest.raises(ValueError, match="w1_init_rate"):
        _cfg(64, 0, w1_init_rate=rate)


def _init_row(d, name, switches, rate):
    """One row of docs/models.md's table: the hidden site at initialisation, on 16 random sequences of 24 tokens."""
    cfg = ModelConfig(vocab_size=256, d_model=d, n_layers=2, n_heads=2, d_ff=4 * d, max_len=24, T=4,
                      w1_init_rate=rate, **switches)
    ids = np.random.default_rng(1).integers(5, 256, (16, 24))
    records = record_sites(SequenceClassifier(cfg, 2), (ids, np.zeros_like(ids), np.ones_like(ids)))
    hidden = [r for r in records if r.site == "mlp_hidden"]
    mlp_in = [r for r in records if r.site == "mlp_in"]
    sat = np.mean([saturation_rate(r.spikes) for r in hidden])
    return (f"| {d} | {name} | {'PyTorch default' if rate is None else f'spike, rate {rate}'} | "
            f"{np.mean([firing_rate(r.spikes) for r in hidden]):.2%} | {sat:.2%} | "
            f"{max(np.abs(r.inputs).max() for r in hidden):.2f} | {np.mean([firing_rate(r.spikes) for r in mlp_in]):.1%} |")


def test_docs_table_of_the_hidden_site_at_initialisation_is_what_the_models_give():
    """docs/models.md, *The MLP hidden site and W1's initialisation*: every row recomputed."""
    smooth = {"h1": "learnable", "h2": "learnable", "h3": "learnable"}
    rows = [_init_row(d, name, sw, rate) for d, name, sw in ((64, "baseline", {}), (64, "smoothspike (quintic)", smooth),
                                                             (128, "baseline", {})) for rate in (None, 0.1)]
    page = (pathlib.Path(__file__).resolve().parents[2] / "docs/models.md").read_text(encoding="utf-8")
    for row in rows:
        assert row in page, f"docs/models.md's hidden-site table should hold: {row}"
