"""The training loop shared by MLM pretraining and GLUE fine-tuning: resumable bit for bit.

Everything a step depends on is either saved in the checkpoint or recomputed from the step number:

- the example order of epoch e is ``default_rng([seed, 0, e]).permutation(N)`` (recomputed);
- the learning rate is ``linear_warmup_decay(step, ...)`` (recomputed);
- the weights, AdamW's moments and step count, and the loop's generator (MLM masking draws from
  it) are saved, atomically, every ``checkpoint_every`` steps and at the end.

So ``resume=True`` continues from the checkpoint's step exactly as the uninterrupted run would have.
Each step is ``train_step`` (``training/step.py``). A NaN or infinite loss or gradient norm stops the
run before the update, non-finite weights right after it; no checkpoint ever holds a non-finite
tensor, so the last one written is left untouched as the last good one, and the error names both
steps. ``resume`` checks the checkpoint's training settings and data fingerprint against this run's
(``lr_change=True`` lets an explicitly asked learning rate differ, and logs it).
"""
from __future__ import annotations

import dataclasses
import math
import pathlib
import sys
import time
from typing import Callable

import numpy as np
from tqdm import tqdm

from .adamw import AdamW
from .checkpoint import CheckpointError, load_checkpoint, load_parameters, save_checkpoint
from .checkpoint_meta import checked_alphas, checked_int, require
from .metrics_log import MetricsLog, plot_curves, read_metrics
from .neuron_state import neuron_alphas, params_dtype, set_neuron_alphas
from .schedule import linear_warmup_decay
from .step import NonFiniteLossError, train_step

CHECKPOINT = "checkpoint.safetensors"
METRICS = "metrics.jsonl"

# step_fn(batch indices, generator) -> (loss, backward): ``backward()`` runs the model's backward
StepFn = Callable[[np.ndarray, np.random.Generator], tuple[float, Callable[[], None]]]


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

    def __post_init__(self):
        checks = {"epochs": _int(self.epochs) and self.epochs >= 1, "batch": _int(self.batch) and self.batch >= 1,
                  "lr": _num(self.lr) and self.lr > 0, "warmup": _num(self.warmup) and 0 <= self.warmup < 1,
                  "weight_decay": _num(self.weight_decay) and self.weight_decay >= 0,
                  "clip": _num(self.clip) and self.clip > 0, "seed": _int(self.seed) and self.seed >= 0,
                  "checkpoint_every": _int(self.checkpoint_every) and self.checkpoint_every >= 0,
                  "stop_at": self.stop_at is None or (_int(self.stop_at) and self.stop_at >= 1)}
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError("LoopConfig: invalid " + ", ".join(f"{k}={getattr(self, k)!r}" for k in bad) +
                             " (epochs, batch >= 1; lr, clip finite > 0; warmup in [0, 1); weight_decay >= 0; "
                             "checkpoint_every >= 0; stop_at >= 1)")

    def schedule_fields(self) -> dict:
        """What a resumed run must share with the run that wrote the checkpoint."""
        d = dataclasses.asdict(self)
        return {k: d[k] for k in ("epochs", "batch", "lr", "warmup", "weight_decay", "clip", "seed")}


def _int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _num(v) -> bool:
    return isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool) and math.isfinite(v)


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
               on_step: Callable[[int, float], None] | None = None, data: dict | None = None,
               lr_change: bool = False) -> LoopResult:
    """Run ``cfg.epochs`` epochs of ``train_step`` over shuffled batches of ``range(n_examples)``.

    With ``out_dir`` the loop writes ``checkpoint.safetensors`` (``config``, ``extra`` and the data
    fingerprint ``data`` go into its metadata), ``metrics.jsonl`` and ``curves.png`` there.
    ``evaluate()`` runs at each epoch's end and its metrics are logged with ``split='dev'``.
    """
    if n_examples <= 0:
        raise ValueError("train_loop: no training examples (is the data file empty?)")
    named = list(model.named_parameters())
    names, params = [k for k, _ in named], [p for _, p in named]
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
        start, old_lr = _restore(ckpt, model, opt, rng, cfg, total, data, lr_change)
        saved_at = start
        log.truncate_after(start)          # only after the whole checkpoint was accepted
        if old_lr != cfg.lr:
            print(f"note: resuming {ckpt} at step {start} with --lr {cfg.lr} instead of the run's {old_lr}, as "
                  "asked", file=sys.stderr)
            log.write({"step": start, "lr_changed": [old_lr, cfg.lr]})
    elif ckpt is not None and ckpt.exists():
        raise FileExistsError(f"{ckpt} already exists: pass --resume to continue that run, or choose another "
                              "--out folder (nothing was overwritten)")

    def save(step: int) -> None:
        nonlocal saved_at
        save_checkpoint(ckpt, {k: p.value for k, p in named}, opt.state_dict(), config or {},
                        {"loop": rng.bit_generator.state},
                        {**(extra or {}), "step": step, "total_steps": total, "loop": cfg.schedule_fields(),
                         "neuron_alpha": neuron_alphas(model), **({"data": data} if data is not None else {})})
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
            lr = linear_warmup_decay(step, cfg.lr, warmup, total)
            try:
                loss, norm = train_step(step_fn, order[pos * cfg.batch:(pos + 1) * cfg.batch], rng, opt, lr,
                                        cfg.clip, names)
            except NonFiniteLossError as err:
                _stop_non_finite(log, step, err, ckpt, saved_at)
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
                with np.errstate(over="ignore", invalid="ignore"):   # huge weights: the metrics say so
                    last_eval = evaluate()
                bar.write(f"{desc} epoch {epoch + 1}: " + "  ".join(f"{k} {v:.4f}" for k, v in last_eval.items()))
                if log:
                    log.write({"step": step, "epoch": epoch + 1, "split": "dev", **last_eval})
            if ckpt and cfg.checkpoint_every and step % cfg.checkpoint_every == 0 and step < total:
                save(step)
    finally:
        bar.close()
    if ckpt:
        if step != saved_at:               # a resume that ran no step leaves its checkpoint as it was
            save(step)
        plot_curves(read_metrics(log.path), out / "curves.png", desc)
    return LoopResult(losses, step, total, ckpt, last_eval)


def _restore(ckpt: pathlib.Path, model, opt: AdamW, rng: np.random.Generator, cfg: LoopConfig, total: int,
             data: dict | None, lr_change: bool) -> tuple[int, float]:
    """Validate the whole checkpoint against this run, then load it; returns (step, the run's lr)."""
    ck = load_checkpoint(ckpt)
    if data is not None:
        _check_data(ckpt, ck.extra.get("data"), data)
    theirs, mine = ck.extra.get("loop"), cfg.schedule_fields()
    require(ckpt, "loop", isinstance(theirs, dict) and set(theirs) == set(mine),
            f"must hold the training settings {sorted(mine)}, got {theirs!r}")
    differ = [k for k in mine if theirs[k] != mine[k] and not (k == "lr" and lr_change)]
    if differ:
        raise CheckpointError(f"{ckpt} was written by a run with other training settings ({theirs}); resume "
                              f"needs the same ones, got {mine} (differing: {', '.join(differ)})")
    require(ckpt, "loop.lr", _num(theirs["lr"]) and theirs["lr"] > 0,
            f"must be a finite number > 0, got {theirs['lr']!r}")
    require(ckpt, "total_steps", ck.extra.get("total_steps") == total,
            f"is {ck.extra.get('total_steps')!r} but this run has {total} steps (other data size or --batch?)")
    step = checked_int(ckpt, ck.extra, "step", 0, total)
    state = ck.rng_states.get("loop")
    try:
        np.random.default_rng().bit_generator.state = state     # validated on a scratch generator
    except (TypeError, ValueError, KeyError) as err:
        raise CheckpointError(f"{ckpt}: metadata field 'rng_states.loop' is missing or not a generator state "
                              f"({type(err).__name__}: {err})") from None
    t = ck.optimizer.get("t")
    require(ckpt, "optim/t", t is not None and t.size == 1 and t.dtype.kind in "iu" and int(t.item()) == step,
            f"must be the number of updates, {step}, got {None if t is None else t.tolist()}")
    for i, p in enumerate(opt.params):
        for key in (f"m.{i}", f"v.{i}"):
            got = ck.optimizer.get(key)
            require(ckpt, f"optim/{key}", got is not None and got.shape == p.shape and got.dtype == p.value.dtype,
                    f"must be {p.shape} {p.value.dtype}, got {None if got is None else (got.shape, got.dtype)}")
    alphas = checked_alphas(ckpt, ck.extra)
    load_parameters(model, ck.params, str(ckpt))
    set_neuron_alphas(model, alphas, params_dtype(model))
    opt.load_state_dict(ck.optimizer)
    rng.bit_generator.state = state
    return step, theirs["lr"]


def _check_data(ckpt, stored, data: dict) -> None:
    """The resume fingerprint: the checkpoint's data (task, source, sizes, hash) must be this run's."""
    if stored is None:                       # written before fingerprints were stored
        print(f"note: {ckpt} holds no data fingerprint: the data cannot be checked against it", file=sys.stderr)
        return
    require(ckpt, "data", isinstance(stored, dict), f"must be a data fingerprint (an object), got {stored!r}")
    differ = [k for k in [*data, *(k for k in stored if k not in data)] if data.get(k) != stored.get(k)]

    def short(v):
        return v[:12] + "..." if isinstance(v, str) and len(v) == 64 else v       # a SHA-256

    if differ:
        raise CheckpointError(f"{ckpt} was trained on other data: " + "; ".join(
            f"{k} {short(stored.get(k))!r} there, {short(data.get(k))!r} now" for k in differ) +
            ". Resume with the same --task, data and sizes, or start a new run in another --out")


def _stop_non_finite(log, step: int, err: NonFiniteLossError, ckpt, saved_at) -> None:
    if log:
        log.write({"step": step, "stopped": f"non-finite {err.what}"})
    advice = ("the last good checkpoint, {} at step {}, is kept unchanged (every tensor finite): continue from it "
              "with --resume and a lower --lr".format(ckpt, saved_at) if saved_at is not None
              else "no checkpoint had been written yet: try a lower --lr or a smaller --clip")
    raise NonFiniteLossError(f"{err.what} at step {step}: training stopped {'after' if err.updated else 'before'} "
                             f"that update; {advice}", err.updated) from None
