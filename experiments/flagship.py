"""The flagship CPU recipe: a Spikingformer baseline and a SmoothSpike model fine-tuned on all of SST-2.

``PYTHONPATH=. python -m experiments.flagship --glue-dir PATH --model {baseline,smoothspike}
--out results/flagship [--work DIR]`` trains one model through the resumable ``train_loop``
(checkpoints in ``--work``: run the same command again after a kill and it continues), measures
SST-2 dev accuracy ``--evals`` times through the epoch (the learning curve) and writes
``<out>/<model>.json``. ``--layers N`` and ``--T N`` change the model's size for an ablation (the
result is then ``<model>-n_layersN-TN.json``). ``--smoke`` shrinks everything (a few dozen examples, one tiny batch) so
that the whole path runs in seconds.

The recipe (every technique is a field of ``RECIPE``, written into the result):
- all-MiniLM-L6-v2's WordPiece tokenizer (30522 tokens) and its word, position and token-type
  embeddings and embedding LayerNorm copied into the encoder (so d_model = 384);
- the word embeddings frozen (the 67k training sentences do not cover the dev words, and the
  frozen table is also the largest tensor AdamW would otherwise update every step);
- no MLM pretraining: fine-tuning starts from the copied embeddings and random blocks;
- one epoch over all 67,349 training sentences, one block, T = 2, padding trimmed per batch.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import shlex
import sys
import tempfile
import time

from tinyspike.commands._common import data_fingerprint, sample_indices, subsample
from tinyspike.data.glue import load_glue
from tinyspike.data.tokenizer import encode_batch, load_tokenizer
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.models.variants import variant
from tinyspike.pretrained import minilm_files
from tinyspike.pretrained.minilm_embeddings import copy_minilm_embeddings
from tinyspike.training.checkpoint import load_checkpoint
from tinyspike.training.finetune import classification_step, evaluate
from tinyspike.training.freeze import Frozen
from tinyspike.training.loop import CHECKPOINT, LoopConfig, train_loop

MODELS = {"baseline": "spikingformer", "smoothspike": "smoothspike"}
TARGET = 0.825                       # SST-2 dev accuracy the recipe aims at
RECIPE = {
    "tokenizer": "all-MiniLM-L6-v2",            # WordPiece, 30522 tokens
    "embedding_init": "all-MiniLM-L6-v2",       # copied tables
    "embedding_parts": ["word", "position", "token_type", "norm"],
    "frozen": ["encoder.embeddings.word"],
    "mlm_pretraining": False,
    "trim_padding": True,                       # classification_step trims every batch
    "train_limit": None,                        # None: every training sentence
    "dev_limit": None,
    "d_model": 384, "n_layers": 1, "n_heads": 6, "d_ff": 1536, "T": 2, "max_len": 64, "pooling": "cls",
    "epochs": 1, "batch": 32, "lr": 7e-4, "warmup": 0.1, "weight_decay": 0.01, "clip": 1.0, "seed": 0,
    "evals": 8,                                 # dev evaluations spread evenly over the run
}
SMOKE = {"train_limit": 48, "dev_limit": 24, "d_ff": 64, "T": 1, "max_len": 24, "batch": 16, "evals": 2}
CURVE = "curve.jsonl"
PLACEHOLDERS = {"--glue-dir": "GLUE_DIR", "--work": "WORK_DIR"}      # machine-specific paths, not recorded


def command_line(argv: list[str]) -> str:
    """The command that ran, with the data and work folders written as placeholders."""
    shown = [PLACEHOLDERS[argv[i - 1]] if i and argv[i - 1] in PLACEHOLDERS else a for i, a in enumerate(argv)]
    return "PYTHONPATH=. python -m experiments.flagship " + shlex.join(shown)


def recipe(smoke: bool = False, **overrides) -> dict:
    """The recipe's settings; ``smoke`` shrinks the data, the MLP and the batch so a test runs in seconds;
    ``overrides`` (n_layers, T) change the model's size for an ablation."""
    return {**RECIPE, **(SMOKE if smoke else {}), **overrides, "smoke": smoke}


def run_name(model: str, overrides: dict) -> str:
    """``model``, or ``model`` and the changed sizes for an ablation (``baseline-n_layers2-T1``)."""
    return "-".join([model, *(f"{k}{v}" for k, v in overrides.items())])


def model_config(model: str, r: dict, vocab_size: int) -> ModelConfig:
    return ModelConfig(vocab_size=vocab_size, d_model=r["d_model"], n_layers=r["n_layers"], n_heads=r["n_heads"],
                       d_ff=r["d_ff"], max_len=r["max_len"], T=r["T"], seed=r["seed"], pooling=r.get("pooling", "cls"),
                       **variant(MODELS[model]))


def eval_steps(total: int, evals: int) -> list[int]:
    """``evals`` step counts spread evenly over ``total`` steps, the last one ``total``."""
    return sorted({max(1, round(total * (i + 1) / evals)) for i in range(evals)})


def read_curve(path: pathlib.Path, upto: int) -> list[dict]:
    """The curve points already measured, up to step ``upto`` (those after the checkpoint are redone)."""
    if not path.exists():
        return []
    points = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [p for p in points if p["step"] <= upto]


def load_data(glue_dir, r: dict):
    """SST-2 train and dev (seeded samples when the recipe limits them), encoded with MiniLM's tokenizer."""
    tok = load_tokenizer(minilm_files().tokenizer)
    train = subsample(load_glue("sst2", "train", glue_dir), r["train_limit"], r["seed"])
    dev = subsample(load_glue("sst2", "dev", glue_dir), r["dev_limit"], r["seed"])
    encoded = []
    for split, what in ((train, "training"), (dev, "dev")):
        ids, types, mask, truncated = encode_batch(tok, split.text_a, None, r["max_len"])
        if truncated:
            print(f"warning: {truncated} of {len(ids)} {what} sentences are longer than the recipe's max_len "
                  f"{r['max_len']} tokens and were truncated", file=sys.stderr)
        encoded.append((ids, types, mask))
    return tok.get_vocab_size(), train, dev, *encoded


def build_model(model: str, r: dict, vocab_size: int):
    """The classifier with MiniLM's embedding tables copied in, and the view of it AdamW trains (frozen parts hidden)."""
    cfg = model_config(model, r, vocab_size)
    net = SequenceClassifier(cfg, 2)
    copy_minilm_embeddings(net.encoder.embeddings, r["embedding_parts"])
    return net, Frozen(net, tuple(r["frozen"])) if r["frozen"] else net


def run(args) -> dict | None:
    overrides = {k: v for k, v in (("n_layers", args.layers), ("T", args.T), ("pooling", args.pooling))
                 if v is not None}
    r, name = recipe(args.smoke, **overrides), run_name(args.model, overrides)
    vocab_size, train, dev, train_x, dev_x = load_data(args.glue_dir, r)
    net, model = build_model(args.model, r, vocab_size)
    total = r["epochs"] * -(-len(train) // r["batch"])
    points = eval_steps(total, r["evals"])
    loop = LoopConfig(epochs=r["epochs"], batch=r["batch"], lr=r["lr"], warmup=r["warmup"],
                      weight_decay=r["weight_decay"], clip=r["clip"], seed=r["seed"], checkpoint_every=points[0],
                      stop_at=args.stop_at)
    work = pathlib.Path(args.work) if args.work else pathlib.Path(tempfile.gettempdir()) / "tinyspike-flagship"
    work = work / (name + ("-smoke" if args.smoke else ""))
    work.mkdir(parents=True, exist_ok=True)
    ckpt, curve_path = work / CHECKPOINT, work / CURVE
    resume = ckpt.exists()
    done = int(load_checkpoint(ckpt).extra["step"]) if resume else 0
    curve = read_curve(curve_path, done)
    curve_path.write_text("".join(json.dumps(p) + "\n" for p in curve))
    base_wall, base_cpu = (curve[-1]["seconds"], curve[-1]["cpu_seconds"]) if curve else (0.0, 0.0)
    wall0, cpu0 = time.perf_counter(), time.process_time()

    def on_step(step: int, loss: float) -> None:
        if step + 1 in points:
            acc = evaluate(net, dev_x, dev.labels, ("accuracy",))["accuracy"]
            point = {"step": step + 1, "dev_accuracy": acc, "loss": loss,
                     "seconds": round(base_wall + time.perf_counter() - wall0, 1),
                     "cpu_seconds": round(base_cpu + time.process_time() - cpu0, 1)}
            curve.append(point)
            with curve_path.open("a") as f:
                f.write(json.dumps(point) + "\n")
            print(f"{name} step {step + 1}/{total}: dev accuracy {acc:.4f}", file=sys.stderr, flush=True)

    data = data_fingerprint("sst2", str(pathlib.Path(args.glue_dir).resolve()), train_x, train.labels,
                            train_examples=len(train), dev_examples=len(dev))
    if resume:
        print(f"resuming {name} from {ckpt} at step {done}", file=sys.stderr)
    result = train_loop(model, classification_step(model, train_x, train.labels), len(train), loop, out_dir=work,
                        resume=resume, config=net.config.to_dict(), extra={"kind": "classifier", "task": "sst2"},
                        desc=f"flagship {name}", progress=not args.no_progress, on_step=on_step, data=data)
    if args.stop_at is not None and result.step < total:
        print(f"{name}: stopped at step {result.step} of {total} as asked (--stop-at); the same command "
              "without --stop-at continues from the checkpoint", file=sys.stderr)
        return None
    if result.step != total or not curve or curve[-1]["step"] != total:
        raise RuntimeError(f"flagship: the run in {work} stopped at step {result.step} of {total}; run the same "
                           "command again to resume it")
    seen = sample_indices(len(train), len(dev), r["seed"])      # as many training sentences as dev ones
    train_acc = evaluate(net, tuple(a[seen] for a in train_x), train.labels[seen], ("accuracy",))["accuracy"]
    final = curve[-1]
    out = {"name": name, "model": args.model, "variant": MODELS[args.model], "task": "sst2",
           "dev_accuracy": final["dev_accuracy"], "target": TARGET, "meets_target": final["dev_accuracy"] >= TARGET,
           "curve": [[p["step"], p["dev_accuracy"]] for p in curve], "steps": total,
           "train_sample_accuracy": train_acc, "seconds": final["seconds"], "cpu_seconds": final["cpu_seconds"],
           "seconds_per_step": round(final["seconds"] / total, 3),
           "train_examples": len(train), "dev_examples": len(dev),
           "trainable_parameters": sum(p.value.size for _, p in model.named_parameters()),
           "frozen_parameters": sum(p.value.size for p in model.frozen_parameters()) if r["frozen"] else 0,
           "config": net.config.to_dict(), "recipe": r, "command": command_line(args.argv)}
    dest = pathlib.Path(args.out) / f"{name}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=1) + "\n")
    print(f"{name}: SST-2 dev accuracy {out['dev_accuracy']:.4f} after {total} steps, {out['seconds']:.0f} s; "
          f"wrote {dest}", file=sys.stderr)
    return out


def parse(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m experiments.flagship", description=__doc__.splitlines()[0])
    p.add_argument("--glue-dir", required=True, help="folder in the standard GLUE layout (holding SST-2/)")
    p.add_argument("--model", required=True, choices=list(MODELS))
    p.add_argument("--out", required=True, help="folder for <model>.json")
    p.add_argument("--work", help="folder for checkpoints and the curve (default: the system temp folder)")
    p.add_argument("--layers", type=int, default=None, help=f"blocks, for an ablation (recipe: {RECIPE['n_layers']})")
    p.add_argument("--T", type=int, default=None, help=f"time steps, for an ablation (recipe: {RECIPE['T']})")
    p.add_argument("--pooling", choices=("cls", "mean"), default=None,
                   help=f"the head's input, for an ablation (recipe: {RECIPE['pooling']})")
    p.add_argument("--smoke", action="store_true", help="toy-sized settings: the whole path in seconds")
    p.add_argument("--stop-at", type=int, default=None, help="checkpoint and stop after this many steps (a test "
                   "of resuming: run again without it to continue)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    args.argv = list(argv)
    for flag, value in (("--stop-at", args.stop_at), ("--layers", args.layers), ("--T", args.T)):
        if value is not None and value < 1:
            p.error(f"{flag} must be an integer >= 1, got {value}")
    sst2 = pathlib.Path(args.glue_dir) / "SST-2"
    if not sst2.is_dir():
        p.error(f"--glue-dir {args.glue_dir} holds no SST-2 folder; pass the folder of the GLUE download "
                "(the one holding SST-2/train.tsv and SST-2/dev.tsv)")
    return args


def main(argv=None) -> int:
    run(parse(sys.argv[1:] if argv is None else argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
