"""Optimisation: AdamW, the warm-up/decay schedule, gradient clipping, and one training step."""
from .adamw import AdamW
from .clip import clip_grad_norm, global_grad_norm
from .schedule import linear_warmup_decay
from .step import NonFiniteLossError, StepStats, train_step

__all__ = ["AdamW", "NonFiniteLossError", "StepStats", "clip_grad_norm", "global_grad_norm", "linear_warmup_decay",
           "train_step"]
