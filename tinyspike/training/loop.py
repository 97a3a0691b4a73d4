"""The training loop shared by MLM pretraining and GLUE fine-tuning: resumable bit for bit.

Everything a step depends on is either saved in the checkpoint or recomputed from the step number:

- the example order of epoch e is ``default_rng([seed, 0, e]).permutation(N)`` (recomputed);
- the learning rate is ``linear_warmup_decay(step, ...)`` (recomputed);
- the weights, AdamW's moments and step count, and the loop's generator (MLM masking draws from
  it) are saved, atomically, every ``checkpoint_every`` steps and at the end.

So ``resume=True`` continues from the checkpoint's step exactly as the uninterrupted run would have.
A NaN or infinite loss (or gradient norm) stops the run *before* the update; the last checkpoint,
written at a step whose loss was finite, is left untouched, and the error names both steps.
"""
from __future__ import annotations

import dataclasses
import math
import pathlib
import time
from typing import Callable

import numpy as np
from tqdm import tqdm

from .adamw import AdamW
from .checkpoint import CheckpointError, load_checkpoint, load_parameters, save_checkpoint
from .clip import clip_grad_norm
from .metrics_log import MetricsLog, plot_curves, read_metrics
from .neuron_state import neuron_alphas, params_dtype, set_neuron_alphas
from .schedule import linear_warmup_decay

CHECKPOINT = "checkpoint.safetensors"
METRICS = "metrics.jsonl"

# step_fn(batch indices, generator) -> (loss, backward): ``backward()`` runs the model's backward
StepFn = Callable[[np.ndarray, np.random.Generator], tuple[float, Callable[[], None]]]


class NonFiniteLossError(FloatingPointError):
    """Training stopped because the loss (or the gradient norm) became NaN or infinite."""


@dataclasses.dataclass
class LoopConfig:
    epochs: int = 1
    batch: int = 32
    lr: float = 1e-3
    warmup: float = 0.1            # fraction of all steps spent warming up
    weight_decay: float = 0.01
    clip: float = 1.0              # global gradient-norm clip
    seed: int = 0
    checkpoint_every: int = 0      # steps between checkpoints (0: only at the end)
    stop_at: int | None = None     # checkpoint and stop at this step (a later resume continues)

    def schedule_fields(self) -> dict:
        """What a resumed run must share with the run that wrote the checkpoint."""
        d = dataclasses.asdict(self)
        return {k: d[k] for k in ("epochs", "batch", "lr", "warmup", "weight_decay", "clip", "seed")}


@dataclasses.dataclass
class LoopResult:
    losses: list[float]            # the losses of the steps run by this call
    step: int                      # the global step reached
    total_steps: int
    checkpoint: pathlib.Path | None
    last_eval: dict | None = None  # the metrics of the last epoch-end evaluation of this call


def train_loop(model, step_fn: StepFn, n_examples: int, cfg: LoopConfig, *, out_dir=None, resume: bool = False,
               config: dict | None = None, extra: dict | None = None,
               evaluate: Callable[[], dict] | None = None, desc: str = "train", progress: bool = True,
               on_step: Callable[[int, float], None] | None = None) -> LoopResult:
    """Run ``cfg.epochs`` epochs of ``step_fn`` over shuffled batches of ``range(n_examples)``.

    With ``out_dir`` the loop writes ``checkpoint.safetensors`` (``config`` and ``extra`` go into
    its metadata), ``metrics.jsonl`` and ``curves.png`` there. ``evaluate()`` runs at each epoch's
    end and its metrics are logged with ``split='dev'``.
    """
    if n_examples <= 0:
        raise ValueError("train_loop: no training examples (is the data file empty?)")
    params = model.parameters()
    opt = AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    rng = np.random.default_rng([cfg.seed, 1])
    steps_per_epoch = math.ceil(n_examples / cfg.batch)
    total = cfg.epochs * steps_per_epoch
    warmup = int(cfg.warmup * total)
    out = pathlib.Path(out_dir) if out_dir is not None else None
    ckpt = out / CHECKPOINT if out else None
    log = MetricsLog(out / METRICS) if out else None
    start, saved_at = 0, None
    if resume:
        if ckpt is None:
            raise ValueError("train_loop: resume=True needs out_dir (the folder holding the checkpoint)")
        start = saved_at = _restore(ckpt, model, opt, rng, cfg)
        log.truncate_after(start)
    elif ckpt is not None and ckpt.exists():
        raise FileExistsError(f"{ckpt} already exists: pass --resume to continue that run, or choose another "
                              "--out folder (nothing was overwritten)")

    def save(step: int) -> None:
        nonlocal saved_at
        save_checkpoint(ckpt, {k: p.value for k, p in model.named_parameters()}, opt.state_dict(), config or {},
                        {"loop": rng.bit_generator.state},
                        {**(extra or {}), "step": step, "total_steps": total, "loop": cfg.schedule_fields(),
                         "neuron_alpha": neuron_alphas(model)})
        saved_at = step

    losses: list[float] = []
    last_eval = None
    bar = tqdm(total=total, initial=start, desc=desc, disable=not progress, dynamic_ncols=True)
    order, order_epoch = None, -1
    step, t0 = start, time.perf_counter()
    try:
        while step < total:
            if cfg.stop_at is not None and step >= cfg.stop_at:
                break
            epoch, pos = divmod(step, steps_per_epoch)
            if epoch != order_epoch:
                order, order_epoch = np.random.default_rng([cfg.seed, 0, epoch]).permutation(n_examples), epoch
            loss, backward = step_fn(order[pos * cfg.batch:(pos + 1) * cfg.batch], rng)
            loss = float(loss)
            norm = float("nan")
            if math.isfinite(loss):
                opt.zero_grad()
                backward()
                norm = clip_grad_norm(params, cfg.clip)
            if not (math.isfinite(loss) and math.isfinite(norm)):
                _stop_non_finite(log, step, loss, norm, ckpt, saved_at)
            lr = linear_warmup_decay(step, cfg.lr, warmup, total)
            opt.step(lr)
            losses.append(loss)
            if log:
                log.write({"step": step, "epoch": epoch, "loss": loss, "lr": lr, "grad_norm": norm,
                           "seconds": round(time.perf_counter() - t0, 3)})
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}")
            if on_step:
                on_step(step - 1, loss)
            if evaluate is not None and step % steps_per_epoch == 0:
                last_eval = evaluate()
                bar.write(f"{desc} epoch {epoch + 1}: " + "  ".join(f"{k} {v:.4f}" for k, v in last_eval.items()))
                if log:
                    log.write({"step": step, "epoch": epoch + 1, "split": "dev", **last_eval})
            if ckpt and cfg.checkpoint_every and step % cfg.checkpoint_every == 0 and step < total:
                save(step)
    finally:
        bar.close()
    if ckpt:
        save(step)
        plot_curves(read_metrics(log.path), out / "curves.png", desc)
    return LoopResult(losses, step, total, ckpt, last_eval)


def _restore(ckpt: pathlib.Path, model, opt: AdamW, rng: np.random.Generator, cfg: LoopConfig) -> int:
    ck = load_checkpoint(ckpt)
    theirs = ck.extra.get("loop")
    if theirs != cfg.schedule_fields():
        raise CheckpointError(f"{ckpt} was written by a run with other training settings ({theirs}); resume "
                              f"needs the same ones, got {cfg.schedule_fields()}")
    load_parameters(model, ck.params, str(ckpt))
    set_neuron_alphas(model, ck.extra.get("neuron_alpha", {}), params_dtype(model))
    opt.load_state_dict(ck.optimizer)
    rng.bit_generator.state = ck.rng_states["loop"]
    return int(ck.extra["step"])


def _stop_non_finite(log, step, loss, norm, ckpt, saved_at) -> None:
    what = f"loss {loss}" if not math.isfinite(loss) else f"gradient norm {norm} (loss {loss})"
    if log:
        log.write({"step": step, "stopped": f"non-finite {what}"})
    kept = (f"the last good checkpoint, {ckpt} at step {saved_at}, is kept unchanged" if saved_at is not None
            else "no checkpoint had been written yet")
    raise NonFiniteLossError(f"non-finite {what} at step {step}: training stopped before that update; {kept}. "
                             "Try a lower --lr or a smaller --clip.")
