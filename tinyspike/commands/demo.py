"""``tinyspike demo``: the main job. Trains the Spikingformer baseline and its SmoothSpike version
(H1, H2, H3 learnable) on the generated toy-GLUE suite, evaluates both, and prints a comparison."""
from __future__ import annotations

import json
import time

import numpy as np
from tqdm import tqdm

from ..cli import command
from ..data.metrics import task_metrics
from ..data.tokenizer import train_wordpiece
from ..data.toy import TOY_METRICS, TOY_TASKS, make_toy_task
from ..models.config import ModelConfig
from ..models.spiking_lm import SequenceClassifier
from ..training.finetune import encode_split, finetune, predict
from ._common import VARIANTS



def _configure(p):
    p.add_argument("--tasks", default=",".join(TOY_TASKS), help="comma-separated toy tasks (default: all)")
    p.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs per task (default 3)")
    p.add_argument("--train-size", type=int, default=2000, help="training examples per task (default 2000)")
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--T", type=int, default=4, help="time steps (default 4)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0, help="seed for data, init and shuffling (default 0)")
    p.add_argument("--json", action="store_true", help="also print the results as one JSON line")


def run_demo(tasks, epochs=3, train_size=2000, d_model=64, layers=2, T=4, lr=2e-3, seed=0, progress=True):
    results = {}
    for task in tasks:
        train = make_toy_task(task, "train", train_size, seed)
        dev = make_toy_task(task, "dev", 500, seed)
        tok = train_wordpiece(train.text_a + (train.text_b or []), vocab_size=256)
        (train_x, _), (dev_x, _) = encode_split(tok, train, 24), encode_split(tok, dev, 24)
        for name, switches in VARIANTS.items():
            cfg = ModelConfig(vocab_size=tok.get_vocab_size(), d_model=d_model, n_layers=layers, n_heads=2,
                              d_ff=4 * d_model, max_len=24, T=T, seed=seed, **switches)
            model = SequenceClassifier(cfg, TOY_TASKS[task])
            steps = epochs * -(-len(train) // 32)
            bar = tqdm(total=steps, desc=f"{task:13s} {name:13s}", disable=not progress, leave=False)
            t0 = time.perf_counter()
            losses = finetune(model, train_x, train.labels, epochs=epochs, batch=32, lr=lr, seed=seed,
                              on_step=lambda s, loss: (bar.update(1), bar.set_postfix(loss=f"{loss:.3f}")))
            bar.close()
            logits = predict(model, *dev_x)
            pred = logits[:, 0] if logits.shape[1] == 1 else logits.argmax(1)
            metrics = task_metrics(TOY_METRICS[task], pred, dev.labels)
            results[(task, name)] = {**metrics, "final_loss": float(np.mean(losses[-20:])),
                                     "seconds": time.perf_counter() - t0}
    return results


@command("demo", "train Spikingformer and SmoothSpike on the toy-GLUE suite and compare them", _configure)
def run(args) -> int:
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in TOY_TASKS]
    if unknown:
        raise SystemExit(f"tinyspike demo: unknown task(s) {unknown}; choose from {list(TOY_TASKS)}")
    results = run_demo(tasks, args.epochs, args.train_size, args.d_model, args.layers, args.T, args.lr, args.seed)
    print(f"\n{'task':14s} {'model':14s} {'dev metrics':34s} {'loss':>7s} {'time':>7s}")
    for (task, name), r in results.items():
        metrics = "  ".join(f"{k} {v:.3f}" for k, v in r.items() if k in TOY_METRICS[task])
        print(f"{task:14s} {name:14s} {metrics:34s} {r['final_loss']:7.4f} {r['seconds']:6.1f}s")
    if args.json:
        print(json.dumps({f"{t}/{n}": r for (t, n), r in results.items()}))
    return 0
