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
    """BERT pooler tanh(Dense(p)) then Linear to num_labels (1 = regression, e.g. STS-B), where p is the first
    token's hidden state (``pooling="cls"``, BERT's) or the mean over the real tokens (``pooling="mean"``:
    p = sum_s m_s h_s / sum_s m_s, m the attention mask)."""

    def __init__(self, d: int, num_labels: int, *, rng, dtype=np.float32, pooling: str = "cls"):
        if pooling not in POOLINGS:
            raise ValueError(f"SequenceClassificationHead: pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pool = Linear(d, d, rng=rng, dtype=dtype)
        self.act = Tanh()
        self.out = Linear(d, num_labels, rng=rng, dtype=dtype)
        self.pooling = pooling

    def forward(self, h: np.ndarray, attention_mask: np.ndarray | None = None) -> np.ndarray:
        """h: (B, S, D), attention_mask: (B, S) (None: every token real) -> (B, num_labels)."""
        if self.pooling == "cls":
            pooled, weights = h[:, 0], None
        else:
            m = np.ones(h.shape[:2], h.dtype) if attention_mask is None else np.asarray(attention_mask, h.dtype)
            weights = m / np.maximum(m.sum(1, keepdims=True), 1)                    # (B, S): m_s / sum m
            pooled = np.einsum("bs,bsd->bd", weights, h)
        self._save((h.shape, weights))
        return self.out.forward(self.act.forward(self.pool.forward(pooled)))

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        shape, weights = self._pop()
        dpooled = self.pool.backward(self.act.backward(self.out.backward(dlogits)))   # (B, D)
        if weights is None:
            dh = np.zeros(shape, dlogits.dtype)
            dh[:, 0] = dpooled
            return dh
        return weights[:, :, None] * dpooled[:, None, :]                              # dh_s = m_s / sum m * dp


POOLINGS = ("cls", "mean")
