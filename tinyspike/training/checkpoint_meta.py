"""Every metadata field of a checkpoint checked (type, range, agreement with the tensors' shapes)
before anything is allocated from it; each message names the file and the field."""
from __future__ import annotations

import pathlib

import numpy as np

from ..models.config import ModelConfig
from .checkpoint import Checkpoint, CheckpointError

KINDS = ("mlm", "classifier", "fused")


def require(path, field: str, ok: bool, what: str) -> None:
    if not ok:
        raise CheckpointError(f"{path}: metadata field '{field}' {what}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def checked_int(path, extra: dict, field: str, low: int, high: int | None = None) -> int:
    value = extra.get(field)
    require(path, field, field in extra, "is missing")
    require(path, field, _is_int(value), f"must be an integer, got {value!r}")
    require(path, field, value >= low and (high is None or value <= high),
            f"must be in [{low}, {'...' if high is None else high}], got {value}")
    return value


def checked_config(path, ck: Checkpoint) -> ModelConfig:
    """The model config, validated and matched against the tensors' shapes (no model is built)."""
    try:
        cfg = ModelConfig.from_dict(ck.config)
    except (ValueError, TypeError, MemoryError) as err:
        raise CheckpointError(f"{path}: metadata field 'config' is invalid: {err}") from None
    shapes = {k: v.shape for k, v in ck.params.items()}
    expected = {"encoder.embeddings.word.E": (cfg.vocab_size, cfg.d_model),
                "encoder.embeddings.position.E": (cfg.max_len, cfg.d_model),
                "encoder.embeddings.token_type.E": (cfg.type_vocab_size, cfg.d_model),
                "encoder.blocks.0.w1.W": (cfg.d_ff, cfg.d_model)}
    for name, shape in expected.items():
        require(path, "config", shapes.get(name) == shape,
                f"does not match the tensors: {name} is {shapes.get(name)}, the config implies {shape}")
    layers = {k.split(".")[2] for k in shapes if k.startswith("encoder.blocks.")}
    require(path, "config.n_layers", len(layers) == cfg.n_layers,
            f"is {cfg.n_layers} but the tensors hold {len(layers)} blocks")
    dtypes = {str(v.dtype) for v in ck.params.values()}
    require(path, "config.dtype", dtypes == {cfg.dtype}, f"is {cfg.dtype} but the tensors are {sorted(dtypes)}")
    return cfg


def checked_trained_extra(path: pathlib.Path, ck: Checkpoint, cfg: ModelConfig):
    """kind, num_labels and the tokenizer of a pretrain/finetune checkpoint; returns the tokenizer."""
    from tokenizers import Tokenizer

    extra = ck.extra
    require(path, "kind", extra.get("kind") in KINDS,
            f"must be one of {KINDS} (was the file written by `tinyspike pretrain` or `finetune`?), "
            f"got {extra.get('kind')!r}")
    if extra["kind"] == "mlm":
        require(path, "num_labels", extra.get("num_labels", 0) == 0, "must be 0 for a masked LM")
    else:
        labels = checked_int(path, extra, "num_labels", 1, 1000)
        out = ck.params.get("head.out.W")
        require(path, "num_labels", out is not None and out.shape[0] == labels,
                f"is {labels} but the classifier head's output is {None if out is None else out.shape}")
    require(path, "tokenizer", isinstance(extra.get("tokenizer"), str), "is missing or not a tokenizer JSON string")
    try:
        tok = Tokenizer.from_str(extra["tokenizer"])
    except Exception as err:      # tokenizers raises its own exception type
        raise CheckpointError(f"{path}: metadata field 'tokenizer' is not a tokenizer ({str(err)[:120]})") from None
    require(path, "tokenizer", tok.get_vocab_size() <= cfg.vocab_size and tok.token_to_id("[PAD]") is not None,
            f"does not fit the model: {tok.get_vocab_size()} tokens (config vocab_size {cfg.vocab_size}), "
            "needs [PAD]")
    return tok


def checked_alphas(path, extra: dict) -> dict:
    alphas = extra.get("neuron_alpha", {})

    def finite_list(v) -> bool:
        try:
            return isinstance(v, list) and bool(np.isfinite(np.asarray(v, dtype=float)).all())
        except (TypeError, ValueError):
            return False

    require(path, "neuron_alpha", isinstance(alphas, dict) and all(map(finite_list, alphas.values())),
            "must map neuron names to lists of finite numbers")
    return alphas
