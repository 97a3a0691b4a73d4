"""The MLP hidden site is alive at initialisation under the default W1 init, and silent under PyTorch's."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.analysis.recording import record_sites
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.neurons.stats import firing_rate
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
