"""BERT's masked-LM corruption: choose 15% of the real tokens; of those 80% -> [MASK], 10% -> a
random token, 10% unchanged. Labels hold the original id at chosen positions and -100 elsewhere."""
from __future__ import annotations

import numpy as np

IGNORE = -100


def mask_tokens(ids: np.ndarray, rng: np.random.Generator, mask_id: int, vocab_size: int,
                special_ids: tuple[int, ...], prob: float = 0.15):
    """Returns (corrupted ids, labels); special tokens ([PAD], [CLS], [SEP]) are never chosen."""
    ids = np.asarray(ids)
    candidates = ~np.isin(ids, special_ids)
    chosen = (rng.random(ids.shape) < prob) & candidates
    labels = np.where(chosen, ids, IGNORE)
    roll = rng.random(ids.shape)
    out = ids.copy()
    out[chosen & (roll < 0.8)] = mask_id
    randomised = chosen & (roll >= 0.8) & (roll < 0.9)
    out[randomised] = rng.integers(0, vocab_size, int(randomised.sum()))
    return out, labels
