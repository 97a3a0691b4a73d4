"""Whole-model gradient check (float64, surrogate mode) for the three model variants.

Every parameter — embeddings, every block weight and norm gain, the learnable transforms' H_tilde
(through Newton–Schulz), the head — is probed at random entries and along random directions.
"""
import numpy as np
import pytest

from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.testing.surrogate_mode import check_model_gradients, spiking_neurons

VARIANTS = {"spikingformer": {}, "smoothspike_all_learnable": dict(h1="learnable", h2="learnable", h3="learnable"),
            "spikelm": dict(neuron="elastic")}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_whole_model_backward_matches_central_differences(name):
    cfg = ModelConfig(vocab_size=20, d_model=8, n_layers=2, n_heads=2, d_ff=32, max_len=5, T=2, dtype="float64",
                      seed=3, **VARIANTS[name])
    model = SequenceClassifier(cfg, 3)
    rng = np.random.default_rng(0)
    for p in model.parameters():       # norm gains off 1, so every path carries signal
        p.value[...] += 0.1 * rng.standard_normal(p.shape)
    ids = rng.integers(1, 20, (2, 5))
    types = np.zeros_like(ids)
    mask = np.array([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]])
    params = dict(model.named_parameters())
    if name == "smoothspike_all_learnable":
        assert sum("H_tilde" in k for k in params) == 1 + 2 * cfg.n_layers
    report, neurons = check_model_gradients(model, lambda: model.forward(ids, types, mask), seed=1,
                                            max_entries=4, directions=1, rtol=1e-4, atol=1e-6)
    assert len(neurons) == 7 * cfg.n_layers   # in, Q, K, V, attention out, MLP in, MLP hidden
    assert set(report) == set(params)
    assert all(n.spiking for n in spiking_neurons(model))
