"""Learning-rate schedule: linear warm-up from 0, then linear decay to 0 (BERT's schedule)."""
from __future__ import annotations


def linear_warmup_decay(step: int, peak_lr: float, warmup_steps: int, total_steps: int) -> float:
    """lr(step) for step = 0, 1, ...: peak * (step+1)/warmup during warm-up, then linear to 0 at total."""
    if total_steps <= 0 or warmup_steps < 0 or warmup_steps > total_steps:
        raise ValueError(f"linear_warmup_decay: need 0 <= warmup_steps ({warmup_steps}) <= total_steps "
                         f"({total_steps}) and total_steps > 0")
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    remaining = total_steps - warmup_steps
    return peak_lr * max(0.0, (total_steps - step) / remaining) if remaining else 0.0
