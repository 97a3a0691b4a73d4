"""Task heads: the masked-LM head (decoder tied to the word embeddings) and the GLUE head."""
from __future__ import annotations

import numpy as np

from ..layers import GELU, Embedding, LayerNorm, Linear, Parameter, Tanh, linear_backward, linear_forward
from ..layers.base import Layer


class MLMHead(Layer):
    """logits = LayerNorm(GELU(Dense(h))) E^T + b, with E the word-embedding matrix (tied)."""

    def __init__(self, d: int, word_embeddings: Embedding, *, rng, dtype=np.float32, eps: float = 1e-12):
        self.dense = Linear(d, d, rng=rng, dtype=dtype)
        self.act = GELU()
        self.norm = LayerNorm(d, eps, dtype=dtype)
        self.tied = word_embeddings          # its E is shared: gradients from both uses add up
        self.bias = Parameter(np.zeros(word_embeddings.num, dtype), decay=False)

    def forward(self, h: np.ndarray) -> np.ndarray:
        """h: (N, D) hidden states of the masked positions -> (N, V) logits."""
        z = self.norm.forward(self.act.forward(self.dense.forward(h)))
        logits, cache = linear_forward(z, self.tied.E.value, self.bias.value)
        self._save(cache)
        return logits

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        dz = linear_backward(dlogits, self._pop(), self.tied.E.value, self.tied.E.grad, self.bias.grad)
        return self.dense.backward(self.act.backward(self.norm.backward(dz)))

    def children(self):
        # the tied embedding belongs to the encoder: do not list its parameter twice from here
        return ((n, c) for n, c in super().children() if c is not self.tied)


class SequenceClassificationHead(Layer):
    """BERT pooler tanh(Dense(h[:, 0])) then Linear to num_labels (1 = regression, e.g. STS-B)."""

    def __init__(self, d: int, num_labels: int, *, rng, dtype=np.float32):
        self.pool = Linear(d, d, rng=rng, dtype=dtype)
        self.act = Tanh()
        self.out = Linear(d, num_labels, rng=rng, dtype=dtype)

    def forward(self, h: np.ndarray) -> np.ndarray:
        """h: (B, S, D) -> (B, num_labels)."""
        self._save(h.shape)
        return self.out.forward(self.act.forward(self.pool.forward(h[:, 0])))

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        shape = self._pop()
        dh = np.zeros(shape, dlogits.dtype)
        dh[:, 0] = self.pool.backward(self.act.backward(self.out.backward(dlogits)))
        return dh
