"""Shared by the export tests: the exported variants, a model whose every neuron fires, a batch."""
from __future__ import annotations

import numpy as np

from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier
from tinyspike.models.variants import EXPORT, variant as variant_fields

VARIANTS = EXPORT       # Spikingformer; SmoothSpike, H1 H2 H3 learnable; SpikeLM's neuron with H1 H2 H3 fixed


def config(variant: str, dtype: str = "float64", seed: int = 0, **kw) -> ModelConfig:
    base = dict(vocab_size=50, d_model=32, n_layers=2, n_heads=2, d_ff=128, max_len=16, T=4, h3_blocks=4)
    return ModelConfig(**{**base, **variant_fields(variant), **kw}, dtype=dtype, seed=seed)


def excite(model, rng: np.random.Generator):
    """Raise the RMSNorm gains and W1 so that every neuron fires at initialisation (a silent neuron
    passes no gradient and would leave part of the parity untested)."""
    for name, p in model.named_parameters():
        if name.endswith("gamma") and ".blocks." in f".{name}":
            p.value[...] = rng.uniform(1.0, 3.0, p.shape)
        if name.endswith("w1.W"):
            p.value *= 6
    return model


def build(variant: str, dtype: str, seed: int, classifier: bool = False):
    cfg = config(variant, dtype, seed)
    model = SequenceClassifier(cfg, 3) if classifier else MaskedLM(cfg)
    return excite(model, np.random.default_rng(seed))


def batch(rng: np.random.Generator, b: int, s: int, vocab: int = 50):
    """ids, type ids, a padding mask (the first row padded after half) and masked positions."""
    ids = rng.integers(1, vocab, (b, s))
    type_ids = (np.arange(s) >= s // 2).astype(np.int64)[None].repeat(b, 0)
    mask = np.ones_like(ids)
    mask[0, max(1, s // 2):] = 0
    positions = rng.random((b, s)) < 0.4
    positions[:, 0] = True                                    # at least one prediction per row
    return ids, type_ids, mask, positions
