"""``tinyspike finetune``: fine-tune on one GLUE or toy task, from scratch or from a pretrained checkpoint."""
from __future__ import annotations

import json
import pathlib
import time

from ..cli import command
from ..io import prepare_run_folder
from ..models.spiking_lm import SequenceClassifier
from ..training.finetune import classification_step, evaluate
from ..training.loop import train_loop
from ..training.trained import load_pretrained_encoder, load_trained, tokenizer_extra
from ._common import (add_loop_args, add_model_args, add_tokenizer_args, check_memory, data_fingerprint, data_source,
                      encode_texts, load_split, loop_config, model_config, subsample, task_spec, tokenizer_for)
from ._flags import positive_int


def _configure(p):
    p.add_argument("--task", required=True, help="a GLUE task (sst2, cola, mrpc, stsb, rte, ...) or a toy task")
    p.add_argument("--glue-dir", help="folder in the standard GLUE layout (default: the hub, when online)")
    p.add_argument("--init", help="start from this pretrained masked LM (a `tinyspike pretrain` --out folder)")
    p.add_argument("--limit", type=positive_int, default=None, help="train on this many examples (a seeded sample)")
    p.add_argument("--toy-size", type=positive_int, default=2000, help="training examples of a toy task")
    add_tokenizer_args(p)
    add_model_args(p)
    add_loop_args(p, epochs=3, lr=1e-3)


def dev_split_name(task: str) -> str:
    return "dev_matched" if task == "mnli" else "dev"


@command("finetune", "fine-tune on a GLUE or toy task, from scratch or from a pretrained checkpoint", _configure)
def run(args) -> int:
    with prepare_run_folder(args.out, resume=args.resume, force=args.force):   # before any data is read
        return _finetune(args)


def _finetune(args) -> int:
    task, num_labels, metric_names = task_spec(args.task)
    train = subsample(load_split(task, "train", args.glue_dir, args.toy_size, args.seed), args.limit, args.seed)
    dev = load_split(task, dev_split_name(task), args.glue_dir, seed=args.seed)
    previous = None
    if args.resume:
        previous = load_trained(args.out)
        tok, cfg, init = previous.tokenizer, previous.config, previous.extra.get("init")
    elif args.init:
        pre = load_trained(args.init)
        tok, cfg, init = pre.tokenizer, pre.config, str(pre.path)
    else:
        tok = tokenizer_for(args, train.text_a + (train.text_b or []))
        cfg, init = model_config(args, tok.get_vocab_size()), None
    check_memory(cfg, len(train) + len(dev), args.batch)
    train_x = encode_texts(tok, train.text_a, train.text_b, cfg.max_len, "training")
    dev_x = encode_texts(tok, dev.text_a, dev.text_b, cfg.max_len, "dev")
    data = data_fingerprint(task, data_source(task, args.glue_dir), train_x, train.labels, train_examples=len(train),
                            dev_examples=len(dev))
    model = SequenceClassifier(cfg, num_labels)
    if init and not args.resume:
        load_pretrained_encoder(model, init)
    print(f"fine-tuning on {task}: {len(train)} training and {len(dev)} dev examples, "
          f"{'from ' + init if init else 'from scratch'}")
    t0 = time.perf_counter()
    result = train_loop(model, classification_step(model, train_x, train.labels), len(train),
                        loop_config(args, previous), out_dir=args.out, resume=args.resume, config=cfg.to_dict(),
                        extra={"kind": "classifier", "task": task, "num_labels": num_labels, "max_len": cfg.max_len,
                               "init": init, **tokenizer_extra(tok)},
                        evaluate=lambda: evaluate(model, dev_x, dev.labels, metric_names),
                        desc=f"finetune {task}", progress=not args.no_progress, data=data,
                        lr_change=args.resume and args.lr is not None)
    summary = {"task": task, "step": result.step, "total_steps": result.total_steps,
               "seconds": round(time.perf_counter() - t0, 1), "checkpoint": str(result.checkpoint)}
    if result.step == result.total_steps:
        summary["dev"] = result.last_eval or evaluate(model, dev_x, dev.labels, metric_names)
        (pathlib.Path(args.out) / "dev_metrics.json").write_text(json.dumps(summary["dev"]) + "\n")
    print(json.dumps(summary))
    return 0
