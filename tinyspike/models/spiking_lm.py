"""Spikingformer / SmoothSpike language models built from a ``ModelConfig``.

``build_encoder(cfg)`` wires the embeddings, blocks, transforms (H1 shared, H2 and H3 per block)
and neurons (any in ``neurons/registry.py``) together; ``MaskedLM`` and ``SequenceClassifier`` put the
MLM head or the GLUE head on top.
"""
from __future__ import annotations

import numpy as np

from ..layers import RMSNorm
from ..layers.base import Layer
from ..neurons.registry import build_neuron
from ..transforms.orthogonal import OrthogonalTransform
from .block import SpikingBlock
from .config import ModelConfig
from .embeddings import BertEmbeddings
from .encoder import SpikingEncoder
from .heads import MLMHead, SequenceClassificationHead


def neuron_factory(cfg: ModelConfig):
    """A function threshold -> neuron layer, for the neuron the config names (``neurons/registry.py``)."""
    return lambda thr: build_neuron(cfg, thr)


def _transform(mode: str, n: int, cfg: ModelConfig, seed: int, blocks: int = 1):
    if mode == "off":
        return None
    return OrthogonalTransform(n, mode, blocks, cfg.ns_scheme, cfg.ns_steps, seed, dtype=np.dtype(cfg.dtype))


def build_encoder(cfg: ModelConfig) -> SpikingEncoder:
    rng = np.random.default_rng(cfg.seed)
    dtype = np.dtype(cfg.dtype)
    make = neuron_factory(cfg)
    emb = BertEmbeddings(cfg.vocab_size, cfg.d_model, cfg.max_len, cfg.type_vocab_size, cfg.pad_id, rng=rng,
                         dtype=dtype, eps=cfg.layernorm_eps)
    blocks = [SpikingBlock(cfg.d_model, cfg.n_heads, cfg.d_ff, make, rng=rng, dtype=dtype, eps=cfg.norm_eps,
                           attn_threshold=cfg.attn_threshold, attn_scale=cfg.attn_scale, v_threshold=cfg.v_threshold,
                           w1_init_rate=cfg.w1_init_rate)
              for _ in range(cfg.n_layers)]
    if cfg.h3 != "off" and cfg.d_ff % cfg.h3_blocks:
        raise ValueError(f"ModelConfig: d_ff={cfg.d_ff} is not divisible by h3_blocks={cfg.h3_blocks}")
    signs = cfg.seed if cfg.sign_seed is None else cfg.sign_seed        # the transforms' random signs
    t1 = _transform(cfg.h1, cfg.d_model, cfg, signs + 1)
    t2 = [_transform(cfg.h2, cfg.d_model, cfg, signs + 100 + i) for i in range(cfg.n_layers)]
    t3 = [_transform(cfg.h3, cfg.d_ff, cfg, signs + 200 + i, cfg.h3_blocks) for i in range(cfg.n_layers)]
    return SpikingEncoder(emb, blocks, RMSNorm(cfg.d_model, cfg.norm_eps, dtype=dtype), cfg.T, t1,
                          None if cfg.h2 == "off" else t2, None if cfg.h3 == "off" else t3)


class MaskedLM(Layer):
    """Encoder + MLM head; ``forward`` returns logits (N, V) at the positions ``labels != -100``."""

    def __init__(self, cfg: ModelConfig):
        self.config = cfg
        self.encoder = build_encoder(cfg)
        rng = np.random.default_rng(cfg.seed + 7)
        self.head = MLMHead(cfg.d_model, self.encoder.embeddings.word, rng=rng, dtype=np.dtype(cfg.dtype),
                            eps=cfg.layernorm_eps)

    def forward(self, ids, type_ids, attention_mask, positions):
        """positions: boolean (B, S), the masked positions whose tokens are predicted."""
        h = self.encoder.forward(ids, type_ids, attention_mask)
        self._save((h.shape, positions))
        return self.head.forward(h[positions])

    def backward(self, dlogits):
        shape, positions = self._pop()
        dh = np.zeros(shape, dlogits.dtype)
        dh[positions] = self.head.backward(dlogits)
        self.encoder.backward(dh)


class SequenceClassifier(Layer):
    """Encoder + pooler head; num_labels = 1 is regression (STS-B)."""

    def __init__(self, cfg: ModelConfig, num_labels: int):
        self.config = cfg
        self.encoder = build_encoder(cfg)
        rng = np.random.default_rng(cfg.seed + 11)
        self.head = SequenceClassificationHead(cfg.d_model, num_labels, rng=rng, dtype=np.dtype(cfg.dtype),
                                               pooling=cfg.pooling)

    def forward(self, ids, type_ids, attention_mask):
        return self.head.forward(self.encoder.forward(ids, type_ids, attention_mask), attention_mask)

    def backward(self, dlogits):
        self.encoder.backward(self.head.backward(dlogits))
