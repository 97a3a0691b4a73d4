"""Fine-tuning a sequence classifier (or regressor) on one GLUE-style task, with evaluation."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..data.glue import GlueSplit
from ..data.metrics import task_metrics
from ..layers import cross_entropy_backward, cross_entropy_forward, mse_backward, mse_forward
from .adamw import AdamW
from .clip import clip_grad_norm
from .schedule import linear_warmup_decay


class NonFiniteLossError(FloatingPointError):
    """Training stopped because the loss became NaN or infinite."""


def predict(model, ids, types, mask, batch: int = 64) -> np.ndarray:
    """Logits for every row, in eval mode, batch by batch."""
    outs = []
    for i in range(0, len(ids), batch):
        outs.append(model.forward(ids[i:i + batch], types[i:i + batch], mask[i:i + batch]))
    return np.concatenate(outs)


def evaluate(model, encoded: tuple, labels: np.ndarray, metric_names: tuple[str, ...]) -> dict[str, float]:
    logits = predict(model, *encoded)
    pred = logits[:, 0] if logits.shape[1] == 1 else logits.argmax(1)
    return task_metrics(metric_names, pred, labels)


def finetune(model, train: tuple, train_labels: np.ndarray, *, epochs: int = 3, batch: int = 32, lr: float = 1e-3,
             warmup: float = 0.1, weight_decay: float = 0.01, clip: float = 1.0, seed: int = 0,
             on_step: Callable[[int, float], None] | None = None) -> list[float]:
    """Train ``model`` (a SequenceClassifier) on encoded inputs ``train = (ids, types, mask)``.

    Returns the loss of every step; raises ``NonFiniteLossError`` naming the step if the loss
    stops being finite (the parameters then hold the last finite step's update).
    """
    ids, types, mask = train
    regression = train_labels.dtype.kind == "f"
    rng = np.random.default_rng(seed)
    params = model.parameters()
    opt = AdamW(params, lr=lr, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(ids) / batch)
    total = epochs * steps_per_epoch
    losses: list[float] = []
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(ids))
        for i in range(0, len(ids), batch):
            idx = order[i:i + batch]
            logits = model.forward(ids[idx], types[idx], mask[idx])
            if regression:
                loss, cache = mse_forward(logits[:, 0], train_labels[idx].astype(logits.dtype))
                dlogits = mse_backward(cache)[:, None]
            else:
                loss, cache = cross_entropy_forward(logits, train_labels[idx])
                dlogits = cross_entropy_backward(cache)
            if not np.isfinite(loss):
                raise NonFiniteLossError(f"loss became {loss} at step {step}; stopped before updating")
            opt.zero_grad()
            model.backward(dlogits.astype(logits.dtype))
            clip_grad_norm(params, clip)
            opt.step(linear_warmup_decay(step, lr, int(warmup * total), total))
            losses.append(loss)
            if on_step:
                on_step(step, loss)
            step += 1
    return losses


def encode_split(tok, split: GlueSplit, max_len: int):
    from ..data.tokenizer import encode_batch

    ids, types, mask, truncated = encode_batch(tok, split.text_a, split.text_b, max_len)
    return (ids, types, mask), truncated
