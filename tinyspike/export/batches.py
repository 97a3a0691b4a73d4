"""Synthetic masked-LM batches for the PyTorch training examples (NumPy only; no data files).

Each row is a random phrase of ``period`` tokens repeated to the sequence length, behind [CLS]:
a masked token can be read off another copy of its phrase, so the loss falls well below
log(vocab) once attention learns to copy. BERT's 15% masking (``tinyspike.data.masking``) is applied.
"""
from __future__ import annotations

import numpy as np

from ..data.masking import IGNORE, mask_tokens

PAD, UNK, CLS, SEP, MASK = range(5)   # tinyspike.data.tokenizer.SPECIAL_TOKENS order
FIRST_WORD = 5


def synthetic_mlm_batch(rng: np.random.Generator, vocab_size: int, batch: int, seq: int, period: int = 8):
    """Returns ids, type_ids, attention_mask, positions (bool) and targets (at the positions), all (B, S) but
    targets (N,)."""
    if vocab_size <= FIRST_WORD or seq < 2:
        raise ValueError(f"synthetic_mlm_batch: need vocab_size > {FIRST_WORD} and seq >= 2, got {vocab_size}, {seq}")
    phrase = rng.integers(FIRST_WORD, vocab_size, (batch, period))
    clean = np.concatenate([np.full((batch, 1), CLS), np.tile(phrase, seq // period + 1)[:, :seq - 1]], axis=1)
    ids, labels = mask_tokens(clean, rng, mask_id=MASK, vocab_size=vocab_size, special_ids=(PAD, UNK, CLS, SEP, MASK))
    positions = labels != IGNORE
    return ids, np.zeros_like(ids), np.ones_like(ids), positions, labels[positions]
