"""``tinyspike evaluate``: the official metrics of a fine-tuned checkpoint on a task's dev set."""
from __future__ import annotations

import json

from ..cli import command
from ..training.finetune import evaluate
from ..training.trained import load_trained
from ._common import encode_texts, load_split, task_spec
from .finetune import dev_split_name


def _configure(p):
    p.add_argument("--checkpoint", required=True, help="a `tinyspike finetune` --out folder or checkpoint file")
    p.add_argument("--task", help="the task to evaluate on (default: the one it was fine-tuned on)")
    p.add_argument("--glue-dir", help="folder in the standard GLUE layout (default: the hub, when online)")
    p.add_argument("--split", help="the task's own split name: dev (default; MNLI: dev_matched, dev_mismatched) or "
                                  "train; never a path")


@command("evaluate", "evaluate a fine-tuned checkpoint on a task's dev set (official GLUE metrics)", _configure)
def run(args) -> int:
    trained = load_trained(args.checkpoint)
    if trained.extra["kind"] != "classifier":
        raise ValueError(f"{trained.path} is a pretrained masked LM; evaluate a `tinyspike finetune` checkpoint")
    task, num_labels, metric_names = task_spec(args.task or trained.extra["task"])
    if num_labels != trained.extra["num_labels"]:
        raise ValueError(f"{trained.path} predicts {trained.extra['num_labels']} label(s) but {task} has {num_labels}")
    split_name = args.split or dev_split_name(task)
    split = load_split(task, split_name, args.glue_dir)
    encoded = encode_texts(trained.tokenizer, split.text_a, split.text_b, trained.config.max_len, split_name)
    metrics = evaluate(trained.model, encoded, split.labels, metric_names)
    print(json.dumps({"task": task, "split": split_name, "examples": len(split), **metrics}))
    return 0
