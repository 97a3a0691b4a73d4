"""Arguments and helpers the sub-commands share: the model, the training loop, tasks and encoding."""
from __future__ import annotations

import hashlib
import pathlib
import sys

import numpy as np

from ..data.glue import GLUE_TASKS, load_glue
from ..data.toy import TOY_METRICS, TOY_TASKS, make_toy_task
from ..models.config import ModelConfig, available_memory
from ..models.variants import CLI, select
from ..neurons.registry import NEURONS
from ..training.loop import LoopConfig
from ._flags import (fraction, non_empty, non_negative_float, non_negative_int, positive_float, positive_int, seed,
                     sequence_length)

# the two models the project compares: Spikingformer, and SmoothSpike = Spikingformer + H1, H2, H3
VARIANTS = select(CLI)


def add_model_args(p) -> None:
    g = p.add_argument_group("model (ignored with --init: the pretrained config is used)")
    g.add_argument("--variant", choices=list(VARIANTS), default="smoothspike")
    g.add_argument("--neuron", choices=sorted(NEURONS), default="lif")
    g.add_argument("--d-model", type=positive_int, default=128)
    g.add_argument("--layers", type=positive_int, default=2)
    g.add_argument("--heads", type=positive_int, default=4)
    g.add_argument("--T", type=positive_int, default=4, help="time steps (default 4)")
    g.add_argument("--max-len", type=sequence_length, default=64,
                   help="tokens per sequence (at least 3); longer ones are truncated")


def model_config(args, vocab_size: int) -> ModelConfig:
    return ModelConfig(vocab_size=vocab_size, d_model=args.d_model, n_layers=args.layers, n_heads=args.heads,
                       d_ff=4 * args.d_model, max_len=args.max_len, T=args.T, neuron=args.neuron, seed=args.seed,
                       **VARIANTS[args.variant])


def add_loop_args(p, epochs: int, lr: float) -> None:
    g = p.add_argument_group("training")
    g.add_argument("--out", required=True, type=non_empty,
                   help="run folder: checkpoint.safetensors, metrics.jsonl, curves.png")
    g.add_argument("--epochs", type=positive_int, default=epochs)
    g.add_argument("--batch", type=positive_int, default=32)
    g.add_argument("--lr", type=positive_float, default=None,
                   help=f"peak learning rate (default {lr}; with --resume: the run's own, unless given)")
    g.add_argument("--warmup", type=fraction, default=0.1, help="fraction of the steps spent warming up, in [0, 1)")
    g.add_argument("--weight-decay", type=non_negative_float, default=0.01)
    g.add_argument("--clip", type=positive_float, default=1.0, help="global gradient-norm clip (> 0)")
    g.add_argument("--seed", type=seed, default=0)
    g.add_argument("--checkpoint-every", type=non_negative_int, default=200,
                   help="steps between checkpoints (0: at the end)")
    g.add_argument("--stop-at", type=positive_int, default=None,
                   help="checkpoint and stop at this step; --resume continues")
    g.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    g.add_argument("--force", action="store_true",
                   help="delete the files of an earlier run in --out and start over")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(default_lr=lr)


def loop_config(args, previous=None) -> LoopConfig:
    """The loop's settings; on --resume the learning rate is the run's own unless --lr is given."""
    return LoopConfig(epochs=args.epochs, batch=args.batch, lr=resolved_lr(args, previous), warmup=args.warmup,
                      weight_decay=args.weight_decay, clip=args.clip, seed=args.seed,
                      checkpoint_every=args.checkpoint_every, stop_at=args.stop_at)


def resolved_lr(args, previous=None) -> float:
    if args.lr is not None:
        return args.lr
    stored = (previous.extra.get("loop") or {}).get("lr") if previous is not None else None
    ok = isinstance(stored, (int, float)) and not isinstance(stored, bool) and np.isfinite(stored) and stored > 0
    return float(stored) if ok else args.default_lr


def check_memory(cfg: ModelConfig, n_examples: int, batch: int) -> None:
    """Refuse, before encoding anything, a run whose data and activations will not fit in memory."""
    encoded = 3 * 8 * n_examples * cfg.max_len                            # ids, types, mask: int64 (N, S)
    activations = 48 * batch * cfg.max_len * cfg.T * cfg.d_model * cfg.n_layers * np.dtype(cfg.dtype).itemsize
    need, have = cfg.training_bytes() + encoded + activations, available_memory()
    if have is not None and need > have:
        raise MemoryError(f"this run needs about {need / 2**30:.1f} GiB ({n_examples} sequences of --max-len "
                          f"{cfg.max_len}, --batch {batch}, --T {cfg.T}, --d-model {cfg.d_model}, --layers "
                          f"{cfg.n_layers}), more than the {have / 2**30:.1f} GiB of memory available; choose a "
                          "smaller --max-len, --batch or model")


def data_fingerprint(task: str, source: str, encoded: tuple, labels=None, **sizes) -> dict:
    """What a resumed run must share with the run it continues: the task, where the data came from, the
    sizes, and a SHA-256 of the encoded examples (token ids, types, mask, labels)."""
    h = hashlib.sha256()
    for a in (*encoded, *(() if labels is None else (labels,))):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return {"task": task, "source": source, **{k: int(v) for k, v in sizes.items()}, "sha256": h.hexdigest()}


def data_source(task: str, glue_dir) -> str:
    if task in TOY_TASKS:
        return "toy"
    return str(pathlib.Path(glue_dir).resolve()) if glue_dir is not None else "hub"


def task_spec(task: str) -> tuple[str, int, tuple[str, ...]]:
    """(canonical name, number of labels, metric names) of a toy or GLUE task; unknown names are refused."""
    if task in TOY_TASKS:
        return task, TOY_TASKS[task], TOY_METRICS[task]
    key = task.lower().replace("-", "").replace("_", "")
    if key in GLUE_TASKS:
        return key, GLUE_TASKS[key].num_labels, GLUE_TASKS[key].metrics
    raise ValueError(f"unknown task '{task}': choose a GLUE task ({', '.join(GLUE_TASKS)}, with --glue-dir) or a "
                     f"toy task ({', '.join(TOY_TASKS)}, generated offline)")


def load_split(task: str, split: str, glue_dir=None, toy_size: int | None = None, seed: int = 0):
    name, _, _ = task_spec(task)
    if name in TOY_TASKS:
        return make_toy_task(name, split, toy_size if split == "train" else None, seed)
    try:
        return load_glue(name, split, glue_dir)
    except RuntimeError as err:      # neither --glue-dir nor the hub: the message names both ways
        raise FileNotFoundError(str(err)) from None


def sample_indices(n: int, limit: int | None, seed: int) -> np.ndarray:
    """``limit`` of ``range(n)`` drawn by a seeded shuffle, in their original order (all when None)."""
    if limit is None or limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng([seed, 3]).permutation(n)[:limit])


def subsample(split, limit: int | None, seed: int):
    """A seeded sample of ``limit`` examples of a split (the whole split when ``limit`` is None)."""
    if limit is None or limit >= len(split):
        return split
    keep = sample_indices(len(split), limit, seed)
    return type(split)(split.task, [split.text_a[i] for i in keep],
                       None if split.text_b is None else [split.text_b[i] for i in keep], split.labels[keep])


def encode_texts(tok, text_a, text_b, max_len: int, what: str):
    """Encode to (ids, types, mask); sequences over ``max_len`` tokens are truncated, counted, and
    reported in ONE warning per call (not one per sequence)."""
    from ..data.tokenizer import encode_batch

    ids, types, mask, truncated = encode_batch(tok, text_a, text_b, max_len)
    if truncated:
        warn(f"{truncated} of {len(ids)} {what} sequences were longer than --max-len {max_len} tokens and were "
             "truncated")
    return ids, types, mask


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def tokenizer_for(args, texts: list[str]):
    """--tokenizer PATH loads one (ours or any BERT tokenizer.json); otherwise train a WordPiece on ``texts``."""
    from ..data.tokenizer import load_tokenizer, train_wordpiece

    if getattr(args, "tokenizer", None):
        try:
            return load_tokenizer(args.tokenizer)
        except (OSError, ValueError):
            raise
        except Exception as err:          # tokenizers raises its own exception type on a malformed file
            raise ValueError(f"{args.tokenizer}: not a tokenizers 'tokenizer.json' ({str(err)[:120]})") from None
    return train_wordpiece(texts, vocab_size=args.vocab_size)


def add_tokenizer_args(p) -> None:
    p.add_argument("--tokenizer", help="a tokenizer.json to use (default: train a WordPiece on the training text)")
    p.add_argument("--vocab-size", type=positive_int, default=8192,
                   help="WordPiece vocabulary size when training one")
