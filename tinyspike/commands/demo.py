"""``tinyspike demo``: the main job. For the Spikingformer baseline and its SmoothSpike version (H1,
H2, H3 learnable): a short masked-LM pretraining on the toy suite's sentences, then fine-tuning on
each toy-GLUE task; prints a comparison of the dev metrics, the spike saturation rate and the
energy estimate, and writes each run's loss/metric curves (and saturation histograms) as PNGs."""
from __future__ import annotations

import json
import pathlib
import time

import numpy as np

from ..analysis import energy_report, saturation_report
from ..cli import command
from ..data.tokenizer import encode_batch, train_wordpiece
from ..data.toy import TOY_METRICS, TOY_TASKS, make_toy_task
from ..models.config import ModelConfig
from ..models.spiking_lm import MaskedLM, SequenceClassifier
from ..training.checkpoint import load_parameters
from ..training.finetune import classification_step, encode_split, evaluate, trim_padding
from ..training.loop import CHECKPOINT, METRICS, LoopConfig, train_loop
from ..training.pretrain import mlm_step, special_ids
from ._common import VARIANTS
from ._flags import non_empty, non_negative_int, positive_float, positive_int, seed

MAX_LEN = 24


def _configure(p):
    p.add_argument("--tasks", default=",".join(TOY_TASKS), help="comma-separated toy tasks (default: all)")
    p.add_argument("--epochs", type=positive_int, default=20,
                   help="fine-tuning epochs per task (default 20: SmoothSpike needs more steps, docs/demo.md)")
    p.add_argument("--pretrain-epochs", type=non_negative_int, default=1,
                   help="masked-LM epochs over the toy suite's sentences before fine-tuning (0: none)")
    p.add_argument("--train-size", type=positive_int, default=2000,
                   help="training examples per task (default 2000)")
    p.add_argument("--d-model", type=positive_int, default=64)
    p.add_argument("--layers", type=positive_int, default=2)
    p.add_argument("--T", type=positive_int, default=4, help="time steps (default 4)")
    p.add_argument("--lr", type=positive_float, default=2e-3)
    p.add_argument("--seed", type=seed, default=0, help="seed for data, init and shuffling (default 0)")
    p.add_argument("--out", default="tinyspike-demo", type=non_empty, help="folder for the figures and checkpoints")
    p.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _fresh(folder: pathlib.Path) -> pathlib.Path:
    """The demo reruns in place: remove only the files an earlier demo run wrote there."""
    for name in (CHECKPOINT, METRICS, "curves.png", "saturation.png"):
        (folder / name).unlink(missing_ok=True)
    return folder


def spike_columns(model, inputs, figure: pathlib.Path) -> dict[str, float]:
    """Saturation rate and energy per sequence (mJ) on ``inputs``, with the saturation figure.

    ``energy_mj`` prices the deployed (fused) model, the paper's Table 1 convention, ``energy_blocks_mj`` and
    ``energy_embedding_mj`` its blocks and its embedding-side rotation (kept by fusion); ``energy_unfused_mj``
    the model as trained, whose rotations are real-valued products (docs/analysis.md)."""
    saturation = saturation_report(model, inputs)
    saturation.plot(figure)
    deployed = energy_report(model, inputs)
    layers = {r.layer: r.total_mj for r in deployed.layers}
    return {"saturation": saturation.overall_rate, "energy_mj": deployed.total_mj,
            "energy_blocks_mj": sum(mj for name, mj in layers.items() if name.startswith("block")),
            "energy_embedding_mj": layers.get("embedding", 0.0),
            "energy_unfused_mj": energy_report(model, inputs, fused=False).total_mj}


def run_demo(tasks, epochs=20, train_size=2000, d_model=64, layers=2, T=4, lr=2e-3, seed=0, pretrain_epochs=1,
             out="tinyspike-demo", progress=True):
    out = pathlib.Path(out)
    splits = {t: (make_toy_task(t, "train", train_size, seed), make_toy_task(t, "dev", 500, seed)) for t in tasks}
    corpus = [s for t in TOY_TASKS for s in _texts(make_toy_task(t, "train", train_size, seed))]
    tok = train_wordpiece(corpus, vocab_size=256)
    results = {}
    for name, switches in VARIANTS.items():
        cfg = ModelConfig(vocab_size=tok.get_vocab_size(), d_model=d_model, n_layers=layers, n_heads=2,
                          d_ff=4 * d_model, max_len=MAX_LEN, T=T, seed=seed, **switches)
        encoder = None
        if pretrain_epochs:
            mlm = MaskedLM(cfg)
            ids, types, mask, _ = encode_batch(tok, corpus, None, MAX_LEN)
            step = mlm_step(mlm, (ids, types, mask), tok.token_to_id("[MASK]"), tok.get_vocab_size(), special_ids(tok))
            train_loop(mlm, step, len(corpus), LoopConfig(epochs=pretrain_epochs, batch=64, lr=lr, seed=seed),
                       out_dir=_fresh(out / name / "pretrain"), config=cfg.to_dict(), extra={"kind": "mlm"},
                       desc=f"{'pretrain':13s} {name:13s}", progress=progress)
            encoder = {k: p.value for k, p in mlm.encoder.named_parameters()}
        for task in tasks:
            train, dev = splits[task]
            (train_x, _), (dev_x, _) = encode_split(tok, train, MAX_LEN), encode_split(tok, dev, MAX_LEN)
            model = SequenceClassifier(cfg, TOY_TASKS[task])
            if encoder is not None:
                load_parameters(model.encoder, encoder, "the demo's pretrained encoder")
            t0 = time.perf_counter()
            folder = _fresh(out / name / task)
            result = train_loop(model, classification_step(model, train_x, train.labels), len(train),
                                LoopConfig(epochs=epochs, batch=32, lr=lr, seed=seed), out_dir=folder,
                                config=cfg.to_dict(), extra={"kind": "classifier", "task": task},
                                evaluate=lambda: evaluate(model, dev_x, dev.labels, TOY_METRICS[task]),
                                desc=f"{task:13s} {name:13s}", progress=progress)
            seconds = time.perf_counter() - t0          # training time, without the analysis below
            results[(task, name)] = {**evaluate(model, dev_x, dev.labels, TOY_METRICS[task]),
                                     **spike_columns(model, trim_padding(*(a[:128] for a in dev_x)),
                                                     folder / "saturation.png"),
                                     "final_loss": float(np.mean(result.losses[-20:])), "seconds": seconds}
    return results


def _texts(split) -> list[str]:
    return split.text_a + (split.text_b or [])


def format_table(results) -> str:
    fmt = "{:14s} {:14s} {:34s} {:>6s} {:>11s} {:>7s} {:>7s}"
    lines = [fmt.format("task", "model", "dev metrics", "sat.", "energy mJ*", "loss", "time")]
    for (task, name), r in results.items():
        metrics = "  ".join(f"{k} {r[k]:.3f}" for k in TOY_METRICS[task])
        lines.append(fmt.format(task, name, metrics, f"{r['saturation']:.3f}", f"{r['energy_mj']:.3g}", f"{r['final_loss']:.4f}", f"{r['seconds']:.1f}s"))
    lines.append("* energy per sequence of the deployed (fused) model, as in the paper's Table 1")
    return "\n".join(lines)


@command("demo", "train Spikingformer and SmoothSpike on the toy-GLUE suite and compare them", _configure)
def run(args) -> int:
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in TOY_TASKS]
    if unknown:
        raise ValueError(f"unknown toy task(s) {unknown}; choose from {list(TOY_TASKS)}")
    if not tasks:
        raise ValueError(f"--tasks names no task: give a comma-separated list of {', '.join(TOY_TASKS)}")
    ModelConfig(vocab_size=256, d_model=args.d_model, n_layers=args.layers, n_heads=2, d_ff=4 * args.d_model,
                max_len=MAX_LEN, T=args.T)          # a bad model size is refused before any training
    t0 = time.perf_counter()
    results = run_demo(tasks, args.epochs, args.train_size, args.d_model, args.layers, args.T, args.lr, args.seed,
                       args.pretrain_epochs, args.out, not args.no_progress)
    print("\n" + format_table(results))
    print(f"total {time.perf_counter() - t0:.0f}s; figures and checkpoints in {args.out}/")
    if args.json:
        print(json.dumps({f"{t}/{n}": r for (t, n), r in results.items()}))
    return 0
