"""Optimisation: AdamW, the warm-up/decay schedule and gradient clipping."""
from .adamw import AdamW
from .clip import clip_grad_norm, global_grad_norm
from .schedule import linear_warmup_decay

__all__ = ["AdamW", "clip_grad_norm", "global_grad_norm", "linear_warmup_decay"]
