"""Arguments and helpers the sub-commands share: the model, the training loop, tasks and encoding."""
from __future__ import annotations

import sys

import numpy as np

from ..data.glue import GLUE_TASKS, load_glue
from ..data.toy import TOY_METRICS, TOY_TASKS, make_toy_task
from ..models.config import ModelConfig
from ..models.variants import CLI, select
from ..neurons.registry import NEURONS
from ..training.loop import LoopConfig

# the two models the project compares: Spikingformer, and SmoothSpike = Spikingformer + H1, H2, H3
VARIANTS = select(CLI)


def add_model_args(p) -> None:
    g = p.add_argument_group("model (ignored with --init: the pretrained config is used)")
    g.add_argument("--variant", choices=list(VARIANTS), default="smoothspike")
    g.add_argument("--neuron", choices=sorted(NEURONS), default="lif")
    g.add_argument("--d-model", type=int, default=128)
    g.add_argument("--layers", type=int, default=2)
    g.add_argument("--heads", type=int, default=4)
    g.add_argument("--T", type=int, default=4, help="time steps (default 4)")
    g.add_argument("--max-len", type=int, default=64, help="tokens per sequence; longer ones are truncated")


def model_config(args, vocab_size: int) -> ModelConfig:
    return ModelConfig(vocab_size=vocab_size, d_model=args.d_model, n_layers=args.layers, n_heads=args.heads,
                       d_ff=4 * args.d_model, max_len=args.max_len, T=args.T, neuron=args.neuron, seed=args.seed,
                       **VARIANTS[args.variant])


def add_loop_args(p, epochs: int, lr: float) -> None:
    g = p.add_argument_group("training")
    g.add_argument("--out", required=True, help="run folder: checkpoint.safetensors, metrics.jsonl, curves.png")
    g.add_argument("--epochs", type=int, default=epochs)
    g.add_argument("--batch", type=int, default=32)
    g.add_argument("--lr", type=float, default=lr)
    g.add_argument("--warmup", type=float, default=0.1, help="fraction of the steps spent warming up")
    g.add_argument("--weight-decay", type=float, default=0.01)
    g.add_argument("--clip", type=float, default=1.0, help="global gradient-norm clip")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--checkpoint-every", type=int, default=200, help="steps between checkpoints (0: at the end)")
    g.add_argument("--stop-at", type=int, default=None, help="checkpoint and stop at this step; --resume continues")
    g.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")


def loop_config(args) -> LoopConfig:
    return LoopConfig(epochs=args.epochs, batch=args.batch, lr=args.lr, warmup=args.warmup,
                      weight_decay=args.weight_decay, clip=args.clip, seed=args.seed,
                      checkpoint_every=args.checkpoint_every, stop_at=args.stop_at)


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
        return load_tokenizer(args.tokenizer)
    return train_wordpiece(texts, vocab_size=args.vocab_size)


def add_tokenizer_args(p) -> None:
    p.add_argument("--tokenizer", help="a tokenizer.json to use (default: train a WordPiece on the training text)")
    p.add_argument("--vocab-size", type=int, default=8192, help="WordPiece vocabulary size when training one")
