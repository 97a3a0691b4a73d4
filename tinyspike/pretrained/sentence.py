"""Sentence embeddings from a BERT encoder: tokenize, run in length-sorted batches, mean-pool real tokens.

    u = sum_s m_s h_s / sum_s m_s        (m the attention mask: padding never enters the mean)
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def mean_pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """hidden (B, S, D), attention_mask (B, S) of 0/1 -> (B, D), the mean over real tokens only."""
    m = attention_mask.astype(hidden.dtype)[..., None]                 # (B, S, 1)
    return (hidden * m).sum(1) / np.maximum(m.sum(1), 1.0)


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of matching rows of a and b, computed in float64."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


class SentenceEncoder:
    """A BERT encoder (float or converted) and its tokenizer; ``embed`` gives mean-pooled sentence vectors."""

    def __init__(self, model, tokenizer, max_len: int = 256):
        if max_len > model.config.max_position_embeddings:
            raise ValueError(f"SentenceEncoder: max_len {max_len} exceeds the model's "
                             f"max_position_embeddings {model.config.max_position_embeddings}")
        self.model, self.tokenizer, self.max_len = model, tokenizer, max_len
        self.pad_id = tokenizer.token_to_id("[PAD]")

    def tokenize(self, sentences: Sequence[str]) -> list[list[int]]:
        """[CLS] tokens [SEP], lowercased by the tokenizer's own normaliser, truncated to max_len."""
        if isinstance(sentences, str):
            raise TypeError("SentenceEncoder: pass a list of sentences, not one string")
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_len)
        return [e.ids for e in self.tokenizer.encode_batch(list(sentences))]

    def embed(self, sentences: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """(N, D) mean-pooled embeddings, in the order given; batches group similar lengths to waste no padding."""
        ids = self.tokenize(sentences)
        out = np.empty((len(ids), self.model.config.hidden_size), self.model.dtype)
        order = np.argsort([len(t) for t in ids], kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(ids[r]) for r in rows)
            batch = np.full((len(rows), width), self.pad_id, np.int64)   # (B, S)
            mask = np.zeros((len(rows), width), np.int64)
            for i, r in enumerate(rows):
                batch[i, :len(ids[r])], mask[i, :len(ids[r])] = ids[r], 1
            hidden = self.model.forward(batch, np.zeros_like(batch), mask)
            out[rows] = mean_pool(hidden, mask)
        return out

    def similarity(self, text_a: Sequence[str], text_b: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Cosine similarity of the embeddings of each pair (text_a[i], text_b[i])."""
        if len(text_a) != len(text_b):
            raise ValueError(f"SentenceEncoder.similarity: {len(text_a)} first sentences but {len(text_b)} second")
        emb = self.embed(list(text_a) + list(text_b), batch_size)
        return cosine_rows(emb[:len(text_a)], emb[len(text_a):])
