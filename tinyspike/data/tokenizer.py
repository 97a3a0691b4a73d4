"""A lower-cased WordPiece tokenizer with BERT's special tokens, through the `tokenizers` library."""
from __future__ import annotations

import pathlib
from typing import Iterable

import numpy as np

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece(texts: Iterable[str], vocab_size: int = 8192, min_frequency: int = 1):
    """Train a BERT-style (lower-cased, accent-stripped) WordPiece on ``texts``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                        special_tokens=SPECIAL_TOKENS)
    tok.train_from_iterator(texts, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    from tokenizers import decoders
    tok.decoder = decoders.WordPiece()
    return tok


def save_tokenizer(tok, path: str | pathlib.Path) -> None:
    tok.save(str(path))


def load_tokenizer(path: str | pathlib.Path):
    """Load a ``tokenizer.json`` (ours, or any BERT one such as bert-base-uncased's)."""
    from tokenizers import Tokenizer

    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no tokenizer file at {path} (expected a tokenizers 'tokenizer.json')")
    tok = Tokenizer.from_file(str(path))
    missing = [t for t in ("[PAD]", "[CLS]", "[SEP]", "[MASK]") if tok.token_to_id(t) is None]
    if missing:
        raise ValueError(f"{path}: tokenizer lacks BERT special tokens {missing}")
    return tok


def encode_batch(tok, text_a: list[str], text_b: list[str] | None, max_len: int):
    """Token ids, token-type ids and attention mask, each (N, max_len); returns also how many were truncated."""
    tok.enable_truncation(max_len)
    tok.enable_padding(length=max_len, pad_id=tok.token_to_id("[PAD]"), pad_token="[PAD]")
    raw = tok.encode_batch(list(zip(text_a, text_b)) if text_b is not None else list(text_a))
    truncated = sum(1 for e in raw if e.overflowing)
    ids = np.array([e.ids for e in raw], np.int64)
    types = np.array([e.type_ids for e in raw], np.int64)
    mask = np.array([e.attention_mask for e in raw], np.int64)
    tok.no_truncation()
    tok.no_padding()
    return ids, types, mask, truncated
