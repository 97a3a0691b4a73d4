"""Run one unit of the plan and return its result (a small JSON-able dict).

Each training unit works in its own run folder under ``WORK/runs/``, through the same resumable loop
as ``tinyspike pretrain/finetune`` (``tinyspike/training/loop.py``): a unit killed half-way resumes
from its last checkpoint the next time the driver reaches it.
"""
from __future__ import annotations

import math
import pathlib
import shutil
import time

import numpy as np

from tinyspike.commands._common import encode_texts, load_split, sample_indices, subsample, task_spec
from tinyspike.commands.finetune import dev_split_name
from tinyspike.commands.pretrain import split_heldout
from tinyspike.analysis.aggregate import (prediction_abs_error, rate_after_rotation, rate_before_rotation,
                                         saturated_input_variance_over_sites, saturation_rate_over_sites,
                                         weighted_rate)
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier
from tinyspike.training.finetune import classification_step, evaluate, trim_padding
from tinyspike.training.loop import CHECKPOINT, LoopConfig, train_loop
from tinyspike.training.pretrain import corpus_texts, masked_accuracy, mlm_step, special_ids
from tinyspike.training.trained import load_pretrained_encoder, load_trained, tokenizer_extra
from tinyspike.transforms.msign import orthogonality_error

from .plan import Preset, Unit, model_overrides
from .study_plan import REGIMES

MEASURE_TASK = "sst2"          # whose dev sentences the saturation and energy measurements read


class Context:
    """Where a plan reads and writes: the GLUE folder, the work folder, the preset."""

    def __init__(self, preset: Preset, glue_dir, work, progress: bool = False):
        self.preset, self.glue_dir, self.work, self.progress = preset, pathlib.Path(glue_dir), pathlib.Path(work), progress

    def run_dir(self, unit: Unit) -> pathlib.Path:
        return self.work / "runs" / unit.id.replace("/", "__")

    @property
    def tokenizer_path(self) -> pathlib.Path:
        return self.work / "tokenizer.json"

    def pretrain_texts(self) -> tuple[list[str], list[str]]:
        texts = corpus_texts(None, self.glue_dir)
        texts = [texts[i] for i in sample_indices(len(texts), self.preset.pretrain_limit, 0)]
        return split_heldout(texts)

    def loop(self, epochs: int, seed: int) -> LoopConfig:
        p = self.preset
        return LoopConfig(epochs=epochs, batch=p.batch, lr=p.lr, seed=seed, checkpoint_every=p.checkpoint_every)


def _fresh_or_resume(run: pathlib.Path) -> bool:
    """True when ``run`` holds a checkpoint to resume; a folder without one (killed before its first
    checkpoint) is cleared so the unit starts over."""
    if (run / CHECKPOINT).is_file():
        return True
    if run.exists():
        shutil.rmtree(run)
    return False


def run_tokenizer(ctx: Context, unit: Unit) -> dict:
    """One WordPiece for every configuration (training one is not reproducible run to run), trained on all
    the GLUE training text (not only the pretraining sample), so fine-tuning text is covered too."""
    from tinyspike.data.tokenizer import save_tokenizer, train_wordpiece

    train_texts = corpus_texts(None, ctx.glue_dir)
    tok = train_wordpiece(train_texts, vocab_size=ctx.preset.vocab_size)
    ctx.work.mkdir(parents=True, exist_ok=True)
    save_tokenizer(tok, ctx.tokenizer_path)
    return {"metrics": {"vocab_size": tok.get_vocab_size(), "sentences": len(train_texts)}}


def run_pretrain(ctx: Context, unit: Unit) -> dict:
    from tinyspike.data.tokenizer import load_tokenizer

    tok = load_tokenizer(ctx.tokenizer_path)
    seed = unit.seed or 0                                 # the study's pretraining seed; 0 in the other plans
    cfg = ModelConfig(vocab_size=tok.get_vocab_size(), seed=seed, sign_seed=unit.sign,
                      **model_overrides(ctx.preset, unit.config))
    train_texts, held_texts = ctx.pretrain_texts()
    train = encode_texts(tok, train_texts, None, cfg.max_len, "training")
    held = encode_texts(tok, held_texts, None, cfg.max_len, "held-out")
    model = MaskedLM(cfg)
    outliers = REGIMES[unit.regime].apply(model, seed) if unit.regime else []
    step = mlm_step(model, train, tok.token_to_id("[MASK]"), tok.get_vocab_size(), special_ids(tok))
    run = ctx.run_dir(unit)
    resume = _fresh_or_resume(run)
    result = train_loop(model, step, len(train_texts), ctx.loop(ctx.preset.pretrain_epochs, seed), out_dir=run,
                        resume=resume, config=cfg.to_dict(),
                        extra={"kind": "mlm", "num_labels": 0, "max_len": cfg.max_len, **tokenizer_extra(tok)},
                        desc=f"pretrain {unit.config}", progress=ctx.progress)
    held_metrics = masked_accuracy(model, held, tok, 0)
    return {"metrics": {**held_metrics, "mlm_perplexity": math.exp(held_metrics["mlm_loss"]),
                        "steps": result.total_steps, "sentences": len(train_texts), "held_out": len(held_texts)},
            "model": cfg.to_dict(), "outlier_channels": outliers}


def transform_errors(model) -> dict[str, dict]:
    """Orthogonality of every transform the model uses, 'R1', 'R2/layer i', 'R3/layer i':
    frobenius = ||R R^T - I||_F, scaled_max = max |R R^T / c^2 - I| with c^2 = tr(R R^T) / n (the scale the
    neurons see, c, is reported too: Newton-Schulz quintic lands at c != 1)."""
    enc = model.encoder
    named = {"R1": enc.t1}
    for i, (t2, t3) in enumerate(zip(enc.t2, enc.t3)):
        named[f"R2/layer {i}"], named[f"R3/layer {i}"] = t2, t3
    out = {}
    for name, t in named.items():
        if t is None:
            continue
        r = t.forward().astype(np.float64)
        blocks = r if r.ndim == 3 else r[None]                                 # (g, b, b)
        gram = blocks @ np.swapaxes(blocks, -1, -2)
        c2 = float(np.mean(np.trace(gram, axis1=-2, axis2=-1)) / blocks.shape[-1])
        out[name] = {"frobenius": float(np.sqrt(np.sum(orthogonality_error(blocks) ** 2))),
                     "scaled_max": float(np.abs(gram / c2 - np.eye(blocks.shape[-1])).max()), "scale": math.sqrt(c2),
                     "mode": t.mode}
    return out


SITE_TRANSFORM_NAME = {"R1": "R1", "R2": "R2/layer {}", "R3": "R3/layer {}"}


def run_measure(ctx: Context, unit: Unit) -> dict:
    """Saturation per layer and site (with the orthogonality error of the site's transform beside it),
    variance of the saturated neurons' inputs, energy per sequence: the pretrained model on dev sentences."""
    from tinyspike.analysis import energy_report, saturation_report

    trained = load_trained(ctx.run_dir(unit.pretrained))
    split = subsample(load_split(MEASURE_TASK, dev_split_name(MEASURE_TASK), ctx.glue_dir), ctx.preset.measure_n, 0)
    inputs = trim_padding(*encode_texts(trained.tokenizer, split.text_a, split.text_b, trained.config.max_len,
                                        "measurement"))
    saturation = saturation_report(trained.model, inputs, seed=1000 + 100 * (unit.seed or 0) + 10 * (unit.sign or 0))
    energy, unfused = energy_report(trained.model, inputs), energy_report(trained.model, inputs, fused=False)
    errors = transform_errors(trained.model)
    sites = []
    for row in saturation.to_dict()["sites"]:
        name = SITE_TRANSFORM_NAME[row["transform"]].format(row["layer"]) if row["transform"] else None
        sites.append({**row, "orthogonality": errors.get(name)})
    figure = ctx.run_dir(unit).with_suffix(".saturation.png")
    figure.parent.mkdir(parents=True, exist_ok=True)
    saturation.plot(figure)
    rated = [s for s in sites if s["transform"]]
    return {"metrics": {"saturation_rate": saturation.overall_rate,
                        "saturation_rate_without_mlp_hidden": saturation_rate_over_sites(sites, ("mlp_hidden",)),
                        "saturation_rate_untransformed": weighted_mean(rated, "saturation_rate_untransformed"),
                        "saturated_input_variance": saturated_input_variance_over_sites(sites),
                        "saturated_input_variance_without_mlp_hidden":
                            saturated_input_variance_over_sites(sites, ("mlp_hidden",)),
                        "rate_before_rotation": weighted_rate(sites, rate_before_rotation),
                        "rate_after_rotation": weighted_rate(sites, rate_after_rotation),
                        "predicted_after_rotation": weighted_rate(sites, lambda r: r["predicted_after_rotation"]),
                        "prediction_abs_error": prediction_abs_error(sites),
                        "embedding_gain_max_over_median": embedding_gain_ratio(trained.model),
                        "embedding_top6_energy_share": top_energy_share(trained.model, inputs, 6),
                        "energy_mj": energy.total_mj, "energy_unfused_mj": unfused.total_mj,
                        "sentences": len(split)},
            "sites": sites, "transforms": errors, "model": trained.config.to_dict()}


def top_energy_share(model, inputs, k: int) -> float:
    """Mean over real tokens of the share of a token's energy (sum of squares) in its k largest channels, at the
    embedding output: near 1 when a few channels dominate (then a rotated entry is a sum of a few large terms,
    not Gaussian: Lindeberg's condition behind the saturation prediction fails), k / d for equal channels."""
    ids, types, mask = inputs
    e = model.encoder.embeddings.forward(ids, types).astype(np.float64)[np.asarray(mask).astype(bool)]   # (N, D)
    sq = e * e
    return float(np.mean(np.sort(sq, axis=-1)[:, -k:].sum(-1) / sq.sum(-1)))


def embedding_gain_ratio(model) -> float:
    """max |gamma| / median |gamma| of the embedding LayerNorm: how strong its outlier channels are."""
    gamma = np.abs(model.encoder.embeddings.norm.gamma.value.astype(np.float64))
    return float(gamma.max() / np.median(gamma))


def weighted_mean(rows: list[dict], key: str) -> float:
    """Mean of a per-neuron rate ``key`` over rows weighted by their neuron counts (NaN rows skipped; NaN when
    none left). Right for rates; not for the variance of saturated inputs (``saturated_input_variance_over_sites``)."""
    return float(weighted_rate(rows, lambda r: r[key]))


def task_score(metrics: dict[str, float]) -> float:
    """GLUE's per-task score: the mean of the task's metrics (MRPC: F1 and accuracy; STS-B: Pearson and
    Spearman), times 100."""
    return 100.0 * float(np.mean(list(metrics.values())))


def run_finetune(ctx: Context, unit: Unit) -> dict:
    task, num_labels, metric_names = task_spec(unit.task)
    train = subsample(load_split(task, "train", ctx.glue_dir), ctx.preset.finetune_limit, unit.seed)
    dev = load_split(task, dev_split_name(task), ctx.glue_dir)
    pretrained = ctx.run_dir(unit.pretrained)
    run = ctx.run_dir(unit)
    resume = _fresh_or_resume(run)
    source = load_trained(run if resume else pretrained)
    tok, cfg = source.tokenizer, source.config
    train_x = encode_texts(tok, train.text_a, train.text_b, cfg.max_len, "training")
    dev_x = encode_texts(tok, dev.text_a, dev.text_b, cfg.max_len, "dev")
    model = SequenceClassifier(cfg, num_labels)
    if not resume:
        load_pretrained_encoder(model, pretrained)
    result = train_loop(model, classification_step(model, train_x, train.labels), len(train),
                        ctx.loop(ctx.preset.finetune_epochs, unit.seed), out_dir=run, resume=resume,
                        config=cfg.to_dict(),
                        extra={"kind": "classifier", "task": task, "num_labels": num_labels, "max_len": cfg.max_len,
                               "init": str(pretrained), **tokenizer_extra(tok)},
                        desc=f"finetune {unit.config} {task} seed {unit.seed}", progress=ctx.progress)
    metrics = evaluate(model, dev_x, dev.labels, metric_names)
    return {"metrics": {**metrics, "score": task_score(metrics), "steps": result.total_steps, "train": len(train),
                        "dev": len(dev)}}


RUNNERS = {"tokenizer": run_tokenizer, "pretrain": run_pretrain, "measure": run_measure, "finetune": run_finetune}


def run_unit(ctx: Context, unit: Unit) -> dict:
    """The unit's result; ``seconds`` is wall-clock, ``cpu_seconds`` the process's CPU time (what the unit would
    take alone on an idle core, with one thread)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = RUNNERS[unit.kind](ctx, unit)
    return {"unit": unit.id, "kind": unit.kind, "config": unit.config, "task": unit.task, "seed": unit.seed,
            **({"regime": unit.regime, "sign": unit.sign} if unit.regime else {}), **out,
            "seconds": round(time.perf_counter() - t0, 2), "cpu_seconds": round(time.process_time() - c0, 2)}
