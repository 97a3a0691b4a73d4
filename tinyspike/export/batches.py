"""Synthetic masked-LM batches for the PyTorch training examples (NumPy only; no data files).

Each row is a random phrase of ``period`` words repeated to the sequence length, behind [CLS]. Words
are drawn with Zipf's law (p(word of rank r) ~ 1/r), so the loss first falls from log(vocab) to the
words' entropy as the output bias learns the frequencies, and below it once attention learns to
copy a masked word from another copy of its phrase. BERT's 15% masking (``tinyspike.data.masking``).
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
    p = 1.0 / np.arange(1, vocab_size - FIRST_WORD + 1)
    phrase = FIRST_WORD + rng.choice(vocab_size - FIRST_WORD, (batch, period), p=p / p.sum())
    clean = np.concatenate([np.full((batch, 1), CLS), np.tile(phrase, seq // period + 1)[:, :seq - 1]], axis=1)
    ids, labels = mask_tokens(clean, rng, mask_id=MASK, vocab_size=vocab_size, special_ids=(PAD, UNK, CLS, SEP, MASK))
    positions = labels != IGNORE
    return ids, np.zeros_like(ids), np.ones_like(ids), positions, labels[positions]
