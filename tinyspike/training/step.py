"""One optimisation step, the whole of it on one screen: forward and loss, backward, clip, AdamW.

``step_fn(batch, rng) -> (loss, backward)`` is the model-specific part (``classification_step``,
``mlm_step``): it runs the forward pass and the loss and returns the closure that runs the backward.
Divergence is caught at the three places it shows: a non-finite loss (before the backward), a
non-finite gradient norm (before the update) and non-finite weights (after the update).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .adamw import AdamW
from .clip import clip_grad_norm


class NonFiniteLossError(FloatingPointError):
    """Training stopped because the loss, the gradient norm or the updated weights became NaN or infinite."""

    def __init__(self, what: str, updated: bool = False):
        super().__init__(f"non-finite {what}")
        self.what, self.updated = what, updated


class StepStats(NamedTuple):
    loss: float
    grad_norm: float          # ||g|| before clipping


def train_step(step_fn, batch: np.ndarray, rng: np.random.Generator, optimizer: AdamW, lr: float,
               clip: float, names: list[str] | None = None) -> StepStats:
    """forward + loss -> backward -> g <- g min(1, clip / ||g||) -> AdamW step at ``lr`` -> weights finite?"""
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked below, not warned about
        loss, backward = step_fn(batch, rng)           # forward and loss
        loss = float(loss)
        if not math.isfinite(loss):
            raise NonFiniteLossError(f"loss {loss}")
        optimizer.zero_grad()
        backward()                                     # dL/dp into every Parameter.grad
        norm = clip_grad_norm(optimizer.params, clip)
        if not math.isfinite(norm):
            raise NonFiniteLossError(f"gradient norm {norm} (loss {loss})")
        optimizer.step(lr)
    bad = [i for i, p in enumerate(optimizer.params) if not np.isfinite(p.value).all()]
    if bad:
        which = ", ".join(names[i] if names else f"#{i}" for i in bad[:3]) + (", ..." if len(bad) > 3 else "")
        raise NonFiniteLossError(f"weights after the update ({len(bad)} of {len(optimizer.params)} tensors: "
                                 f"{which}; loss {loss}, gradient norm {norm:.3g})", updated=True)
    return StepStats(loss, norm)
