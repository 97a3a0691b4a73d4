"""A trained model back from its checkpoint: the config, the tokenizer and the task travel with the
weights (in the checkpoint's metadata), so one file is enough to evaluate, report on or fuse it."""
from __future__ import annotations

import dataclasses
import pathlib

from ..models.config import ModelConfig
from ..models.spiking_lm import MaskedLM, SequenceClassifier
from .checkpoint import CheckpointError, load_checkpoint, load_parameters
from .checkpoint_meta import checked_alphas, checked_config, checked_trained_extra
from .loop import CHECKPOINT
from .neuron_state import neuron_alphas, params_dtype, set_neuron_alphas


@dataclasses.dataclass
class Trained:
    model: object            # MaskedLM or SequenceClassifier
    tokenizer: object        # a tokenizers.Tokenizer
    config: ModelConfig
    extra: dict              # kind ('mlm' | 'classifier'), task, num_labels, max_len, step, ...
    path: pathlib.Path


def checkpoint_path(path: str | pathlib.Path) -> pathlib.Path:
    """A run folder (``--out`` of pretrain/finetune) means its ``checkpoint.safetensors``."""
    path = pathlib.Path(path)
    return path / CHECKPOINT if path.is_dir() else path


def tokenizer_extra(tok) -> dict:
    return {"tokenizer": tok.to_str()}


def load_trained(path: str | pathlib.Path) -> Trained:
    """The model, tokenizer and config of a checkpoint; every metadata field is validated before the
    model is built (so a corrupt ``vocab_size`` is refused, not allocated)."""
    path = checkpoint_path(path)
    ck = load_checkpoint(path)
    if ck.extra.get("kind") == "fused":
        raise CheckpointError(f"{path} is a fused checkpoint (for inspection and export); give the unfused "
                              "`tinyspike finetune` checkpoint it came from")
    cfg = checked_config(path, ck)
    tok = checked_trained_extra(path, ck, cfg)
    alphas = checked_alphas(path, ck.extra)
    model = MaskedLM(cfg) if ck.extra["kind"] == "mlm" else SequenceClassifier(cfg, ck.extra["num_labels"])
    load_parameters(model, ck.params, str(path))
    try:
        set_neuron_alphas(model, alphas, params_dtype(model))
    except ValueError as err:
        raise CheckpointError(f"{path}: metadata field 'neuron_alpha': {err}") from None
    return Trained(model, tok, cfg, ck.extra, path)


def load_pretrained_encoder(model, path: str | pathlib.Path) -> Trained:
    """Copy a pretrained MaskedLM's encoder into ``model.encoder`` (a fresh SequenceClassifier)."""
    pre = load_trained(path)
    if pre.extra["kind"] != "mlm":
        raise CheckpointError(f"{pre.path} is a fine-tuned classifier, not a pretrained masked LM; --init takes "
                              "the output of `tinyspike pretrain`")
    params = {k[len("encoder."):]: v.value for k, v in pre.model.named_parameters() if k.startswith("encoder.")}
    load_parameters(model.encoder, params, f"{pre.path} (encoder)")
    encoder_alphas = {k[len("encoder."):]: v for k, v in neuron_alphas(pre.model).items() if k.startswith("encoder.")}
    set_neuron_alphas(model.encoder, encoder_alphas, params_dtype(model))
    return pre
