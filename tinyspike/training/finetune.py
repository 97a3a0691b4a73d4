"""Fine-tuning a sequence classifier (or regressor) on one GLUE-style task, with evaluation.

The loss is cross-entropy over the labels, or the mean squared error for a one-output regressor
(STS-B, toy-overlap); the steps themselves run in the shared loop (``training/loop.py``).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..data.glue import GlueSplit
from ..data.metrics import task_metrics
from ..layers import cross_entropy_backward, cross_entropy_forward, mse_backward, mse_forward
from .loop import LoopConfig, NonFiniteLossError, train_loop

__all__ = ["NonFiniteLossError", "classification_step", "encode_split", "evaluate", "finetune", "predict",
           "trim_padding"]


def trim_padding(ids, types, mask):
    """Drop the columns that are padding in every row: shorter batches, the same outputs at real tokens."""
    width = max(int(mask.sum(1).max()), 1)
    return ids[:, :width], types[:, :width], mask[:, :width]


def predict(model, ids, types, mask, batch: int = 64) -> np.ndarray:
    """Logits for every row, batch by batch."""
    outs = []
    for i in range(0, len(ids), batch):
        outs.append(model.forward(*trim_padding(ids[i:i + batch], types[i:i + batch], mask[i:i + batch])))
    return np.concatenate(outs)


def evaluate(model, encoded: tuple, labels: np.ndarray, metric_names: tuple[str, ...]) -> dict[str, float]:
    logits = predict(model, *encoded)
    pred = logits[:, 0] if logits.shape[1] == 1 else logits.argmax(1)
    return task_metrics(metric_names, pred, labels)


def classification_step(model, train: tuple, labels: np.ndarray):
    """The loop's step function: loss of the rows ``idx``, and the backward that produces its gradients."""
    ids, types, mask = train
    regression = labels.dtype.kind == "f"

    def step(idx, rng):
        logits = model.forward(*trim_padding(ids[idx], types[idx], mask[idx]))
        if regression:
            loss, cache = mse_forward(logits[:, 0], labels[idx].astype(logits.dtype))
            return loss, lambda: model.backward(mse_backward(cache)[:, None].astype(logits.dtype))
        loss, cache = cross_entropy_forward(logits, labels[idx])
        return loss, lambda: model.backward(cross_entropy_backward(cache).astype(logits.dtype))

    return step


def finetune(model, train: tuple, train_labels: np.ndarray, *, epochs: int = 3, batch: int = 32, lr: float = 1e-3,
             warmup: float = 0.1, weight_decay: float = 0.01, clip: float = 1.0, seed: int = 0,
             on_step: Callable[[int, float], None] | None = None, progress: bool = False) -> list[float]:
    """Train ``model`` (a SequenceClassifier) in memory on ``train = (ids, types, mask)``.

    Returns the loss of every step; raises ``NonFiniteLossError`` naming the step if the loss
    stops being finite (the parameters then hold the last finite step's update). For checkpoints,
    logs and resume, call ``train_loop`` with an ``out_dir`` (as ``tinyspike finetune`` does).
    """
    cfg = LoopConfig(epochs=epochs, batch=batch, lr=lr, warmup=warmup, weight_decay=weight_decay, clip=clip,
                     seed=seed)
    result = train_loop(model, classification_step(model, train, train_labels), len(train[0]), cfg,
                        progress=progress, on_step=on_step)
    return result.losses


def encode_split(tok, split: GlueSplit, max_len: int):
    from ..data.tokenizer import encode_batch

    ids, types, mask, truncated = encode_batch(tok, split.text_a, split.text_b, max_len)
    return (ids, types, mask), truncated
