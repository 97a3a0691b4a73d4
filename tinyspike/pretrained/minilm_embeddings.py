"""all-MiniLM-L6-v2's embedding tables copied into a spiking encoder's ``BertEmbeddings``.

MiniLM's word vectors (30522 WordPiece tokens, d = 384) already place words of like meaning
together; a spiking classifier fine-tuned from them starts from that geometry instead of from
N(0, 0.02). Its position table (512 rows) is cut to the encoder's ``max_len``; its token-type table
and the embedding LayerNorm (gamma, beta) fit as they are.
"""
from __future__ import annotations

import numpy as np

from .minilm import minilm_files

PARTS = ("word", "position", "token_type", "norm")
# (BertEmbeddings attribute, Parameter) -> the key in all-MiniLM-L6-v2's model.safetensors
KEYS = {("word", "E"): "embeddings.word_embeddings.weight",
        ("position", "E"): "embeddings.position_embeddings.weight",
        ("token_type", "E"): "embeddings.token_type_embeddings.weight",
        ("norm", "gamma"): "embeddings.LayerNorm.weight",
        ("norm", "beta"): "embeddings.LayerNorm.bias"}


def minilm_embedding_state() -> dict[str, np.ndarray]:
    """The five embedding tensors of the installed all-MiniLM-L6-v2 (``TeacherMissing`` when absent)."""
    from safetensors.numpy import load_file

    state = load_file(str(minilm_files().weights))
    return {key: state[key] for key in KEYS.values()}


def copy_minilm_embeddings(embeddings, parts=PARTS, state: dict[str, np.ndarray] | None = None) -> list[str]:
    """E_word, E_pos[:max_len], E_type, (gamma, beta) <- MiniLM's, for the chosen ``parts``; returns what was copied."""
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise ValueError(f"copy_minilm_embeddings: unknown parts {unknown}; choose among {', '.join(PARTS)}")
    state = minilm_embedding_state() if state is None else state
    word = state[KEYS["word", "E"]]                                  # (30522, 384)
    vocab, d = word.shape
    own = embeddings.word.E.value
    if own.shape[1] != d:
        raise ValueError(f"copy_minilm_embeddings: the model's d_model is {own.shape[1]} but all-MiniLM-L6-v2's "
                         f"embeddings are {d} wide; build the model with d_model={d}")
    if "word" in parts and own.shape[0] != vocab:
        raise ValueError(f"copy_minilm_embeddings: the model's vocab_size is {own.shape[0]} but all-MiniLM-L6-v2 "
                         f"has {vocab} tokens; build it with vocab_size={vocab} and MiniLM's tokenizer.json")
    rows = state[KEYS["position", "E"]].shape[0]
    if "position" in parts and embeddings.max_len > rows:
        raise ValueError(f"copy_minilm_embeddings: the model's max_len is {embeddings.max_len} but all-MiniLM-L6-v2 "
                         f"has {rows} positions; build it with max_len <= {rows}")
    types = state[KEYS["token_type", "E"]].shape[0]
    if "token_type" in parts and embeddings.token_type.E.shape[0] != types:
        raise ValueError(f"copy_minilm_embeddings: the model's type_vocab_size is {embeddings.token_type.E.shape[0]} "
                         f"but all-MiniLM-L6-v2 has {types}; build it with type_vocab_size={types}")
    copied = []
    for (part, name), key in KEYS.items():
        if part in parts:
            param = getattr(getattr(embeddings, part), name)
            src = state[key][:embeddings.max_len] if part == "position" else state[key]
            np.copyto(param.value, src.astype(param.value.dtype))
            copied.append(f"{part}.{name}")
    return copied
