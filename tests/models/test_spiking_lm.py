"""Building the three model variants from a config; the tied MLM decoder; a few training steps learn."""
import numpy as np
import pytest

from tinyspike.data.masking import IGNORE, mask_tokens
from tinyspike.layers import cross_entropy_backward, cross_entropy_forward
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier
from tinyspike.training import AdamW

VARIANTS = {"spikingformer": {}, "smoothspike": dict(h1="learnable", h2="learnable", h3="learnable"),
            "spikelm+smoothspike": dict(neuron="elastic", h1="fixed", h2="fixed", h3="fixed")}


def _cfg(**kw):
    return ModelConfig(vocab_size=50, d_model=16, n_layers=2, n_heads=2, d_ff=64, max_len=12, T=2, **kw)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_forward_backward_shapes_and_gradients_reach_every_parameter(name):
    rng = np.random.default_rng(0)
    model = SequenceClassifier(_cfg(**VARIANTS[name]), 3)
    ids = rng.integers(1, 50, (4, 12))
    mask = np.ones_like(ids)
    mask[0, 8:] = 0
    logits = model.forward(ids, np.zeros_like(ids), mask)
    assert logits.shape == (4, 3) and logits.dtype == np.float32
    model.zero_grad()
    model.backward(rng.standard_normal(logits.shape).astype(np.float32))
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(np.isfinite(g).all() for g in grads.values())
    # silent neurons at initialisation can leave some weights without gradient (a spiking fact, not
    # a bug); the head, the embeddings and the first block's input projections always receive one
    for n in ("head.out.W", "head.pool.W", "encoder.embeddings.word.E", "encoder.blocks.0.wq.W",
              "encoder.final_norm.gamma"):
        assert np.any(grads[n]), n
    if name == "smoothspike":
        assert any("H_tilde" in n for n, _ in model.named_parameters())


def test_mlm_decoder_is_tied_to_word_embeddings_and_training_lowers_the_loss():
    rng = np.random.default_rng(1)
    model = MaskedLM(_cfg(h1="learnable"))
    params = model.parameters()
    assert sum(p is model.encoder.embeddings.word.E for p in params) == 1
    ids = np.tile(np.arange(5, 17), (8, 1))                       # a fixed pattern to memorise
    opt = AdamW(params, lr=3e-3)
    losses = []
    for _ in range(25):
        x, labels = mask_tokens(ids, rng, mask_id=4, vocab_size=50, special_ids=(0, 1, 2, 3, 4))
        pos = labels != IGNORE
        logits = model.forward(x, np.zeros_like(x), np.ones_like(x), pos)
        loss, cache = cross_entropy_forward(logits, labels[pos])
        opt.zero_grad()
        model.backward(cross_entropy_backward(cache).astype(np.float32))
        opt.step()
        losses.append(loss)
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5
