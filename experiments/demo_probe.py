"""Why does the demo's SmoothSpike learn less than the baseline? The demo's pipeline, one variable at a time.

``PYTHONPATH=. python experiments/demo_probe.py PROBES --tasks toy-order,toy-overlap --seed 0 [--epochs 10]
[--fold] --out results/demo/probe.jsonl``

Each probe is a set of ``ModelConfig`` fields on top of the demo's model (d 64, 2 layers, 2 heads, T 4,
24 tokens): the same masked-LM pretraining on the toy suite's sentences (one epoch, batch 64), then
fine-tuning on each toy task (batch 32, lr 2e-3), exactly as ``tinyspike demo`` does. ``--fold`` trains the
*fused* model instead (``tinyspike.models.fusion.fuse`` applied before pretraining and fine-tuning): the same
function at initialisation, but AdamW then normalises its steps in the basis the neurons see rather than in
the basis of the unfolded weights. One JSON line per (probe, task) is appended to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from tinyspike.commands.demo import MAX_LEN, _texts
from tinyspike.data.tokenizer import encode_batch, train_wordpiece
from tinyspike.data.toy import TOY_METRICS, TOY_TASKS, make_toy_task
from tinyspike.models.config import ModelConfig
from tinyspike.models.fusion import fuse
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier
from tinyspike.models.variants import FIXED_H123, LEARNABLE_H123
from tinyspike.training.checkpoint import load_parameters
from tinyspike.training.finetune import classification_step, encode_split, evaluate
from tinyspike.training.loop import LoopConfig, train_loop
from tinyspike.training.pretrain import mlm_step, special_ids

PROBES = {
    "baseline": {},
    "baseline-pytorch-init": {"w1_init_rate": None},
    "smoothspike": dict(LEARNABLE_H123),                                        # the published quintic
    "smoothspike-pytorch-init": {**LEARNABLE_H123, "w1_init_rate": None},
    "smoothspike-quintic+cubic": {**LEARNABLE_H123, "ns_scheme": "quintic+cubic"},
    "fixed-h123": dict(FIXED_H123),
}
LR, TRAIN, DEV = 2e-3, 2000, 500


def run(names, tasks, seed, epochs, fold):
    splits = {t: (make_toy_task(t, "train", TRAIN, seed), make_toy_task(t, "dev", DEV, seed)) for t in tasks}
    corpus = [s for t in TOY_TASKS for s in _texts(make_toy_task(t, "train", TRAIN, seed))]
    tok = train_wordpiece(corpus, vocab_size=256)
    for name in names:
        cfg = ModelConfig(vocab_size=tok.get_vocab_size(), d_model=64, n_layers=2, n_heads=2, d_ff=256,
                          max_len=MAX_LEN, T=4, seed=seed, **PROBES[name])
        mlm = fuse(MaskedLM(cfg)) if fold else MaskedLM(cfg)
        ids, types, mask, _ = encode_batch(tok, corpus, None, MAX_LEN)
        step = mlm_step(mlm, (ids, types, mask), tok.token_to_id("[MASK]"), tok.get_vocab_size(), special_ids(tok))
        train_loop(mlm, step, len(corpus), LoopConfig(epochs=1, batch=64, lr=LR, seed=seed), progress=False)
        encoder = {k: p.value for k, p in mlm.encoder.named_parameters()}
        for task in tasks:
            train, dev = splits[task]
            (train_x, _), (dev_x, _) = encode_split(tok, train, MAX_LEN), encode_split(tok, dev, MAX_LEN)
            model = SequenceClassifier(cfg, TOY_TASKS[task])
            model = fuse(model) if fold else model
            load_parameters(model.encoder, encoder, "the probe's pretrained encoder")
            result = train_loop(model, classification_step(model, train_x, train.labels), len(train),
                                LoopConfig(epochs=epochs, batch=32, lr=LR, seed=seed), progress=False)
            metrics = evaluate(model, dev_x, dev.labels, TOY_METRICS[task])
            yield {"probe": name, "fold": fold, "task": task, "seed": seed, "epochs": epochs, "config": PROBES[name],
                   **{k: round(float(v), 4) for k, v in metrics.items()},
                   "final_loss": round(float(np.mean(result.losses[-20:])), 4)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python experiments/demo_probe.py", description=__doc__.splitlines()[0])
    p.add_argument("probes", help=f"comma-separated, from {', '.join(PROBES)}")
    p.add_argument("--tasks", default="toy-order,toy-overlap")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--fold", action="store_true", help="train the fused model (AdamW in the neurons' basis)")
    p.add_argument("--out", required=True, help="JSON-lines file to append to")
    args = p.parse_args(argv)
    names = args.probes.split(",")
    unknown = [n for n in names if n not in PROBES]
    if unknown:
        p.error(f"unknown probes {unknown}; choose from {list(PROBES)}")
    with open(args.out, "a", encoding="utf-8") as f:
        for line in run(names, args.tasks.split(","), args.seed, args.epochs, args.fold):
            print(json.dumps(line), file=f, flush=True)
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
