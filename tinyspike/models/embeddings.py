"""BERT embeddings: LayerNorm(word + position + token type)."""
from __future__ import annotations

import numpy as np

from ..layers import Embedding, LayerNorm
from ..layers.base import Layer


class BertEmbeddings(Layer):
    def __init__(self, vocab: int, d: int, max_len: int, type_vocab: int, pad_id: int, *, rng, dtype=np.float32,
                 eps: float = 1e-12):
        self.word = Embedding(vocab, d, padding_idx=pad_id, rng=rng, dtype=dtype)
        self.position = Embedding(max_len, d, rng=rng, dtype=dtype)
        self.token_type = Embedding(type_vocab, d, rng=rng, dtype=dtype)
        self.norm = LayerNorm(d, eps, dtype=dtype)
        self.max_len = max_len

    def forward(self, ids: np.ndarray, type_ids: np.ndarray | None = None) -> np.ndarray:
        """ids, type_ids: (B, S) -> (B, S, D)."""
        b, s = ids.shape
        if s > self.max_len:
            raise ValueError(f"BertEmbeddings: sequence length {s} exceeds max_len {self.max_len}; truncate "
                             "the input or build the model with a larger max_len")
        if type_ids is None:
            type_ids = np.zeros_like(ids)
        pos = np.broadcast_to(np.arange(s), (b, s))
        x = self.word.forward(ids) + self.position.forward(pos) + self.token_type.forward(type_ids)
        return self.norm.forward(x)

    def backward(self, dy: np.ndarray) -> None:
        dx = self.norm.backward(dy)
        self.word.backward(dx)
        self.position.backward(dx)
        self.token_type.backward(dx)
        return None
