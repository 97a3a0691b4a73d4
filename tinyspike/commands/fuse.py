"""``tinyspike fuse``: fold a trained model's transforms into its weights and save the fused checkpoint,
after checking on real inputs that the fused model computes what the original did."""
from __future__ import annotations

import json

import numpy as np

from ..cli import command
from ..io import check_output_file
from ..training.checkpoint import load_checkpoint, save_checkpoint
from ..training.trained import checkpoint_path, load_trained
from ._flags import non_empty, positive_int
from .report import report_inputs


def _configure(p):
    p.add_argument("--checkpoint", required=True, help="a `tinyspike finetune` --out folder or checkpoint file")
    p.add_argument("--out", required=True, type=non_empty, help="the fused checkpoint file to write (a new file)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists (never the input checkpoint)")
    p.add_argument("--task", help="whose dev sentences check the fused model (default: the checkpoint's task)")
    p.add_argument("--glue-dir", help="folder in the standard GLUE layout")
    p.add_argument("--n", type=positive_int, default=32, help="dev sentences used for the check (default 32)")


@command("fuse", "fold the transforms into the weights (same outputs, fewer operations) and save", _configure)
def run(args) -> int:
    from ..models.fusion import fuse

    check_output_file(args.out, args.force, inputs=[checkpoint_path(args.checkpoint)])   # before any work
    trained = load_trained(args.checkpoint)
    if trained.extra["kind"] != "classifier":
        raise ValueError(f"{trained.path} is a pretrained masked LM; fuse a `tinyspike finetune` checkpoint")
    inputs = report_inputs(trained, args.task or trained.extra["task"], args.glue_dir, args.n)
    before = trained.model.forward(*inputs)
    fused = fuse(trained.model)
    after = fused.forward(*inputs)
    diff = float(np.abs(after - before).max())
    # kind 'fused': the weights of the folded model, for inspection and export (not for training)
    ck = load_checkpoint(trained.path)
    save_checkpoint(args.out, {k: p.value for k, p in fused.named_parameters()}, {}, trained.config.to_dict(), {},
                    {**ck.extra, "kind": "fused", "fused_from": str(trained.path)})
    print(json.dumps({"out": args.out, "max_abs_logit_change": diff, "parameters": len(list(fused.named_parameters()))}))
    return 0
