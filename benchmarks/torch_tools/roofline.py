"""Counted work of one MLM training step of the exported model, for the GPU estimates of docs/scaling.md.

    PYTHONPATH=. python -m benchmarks.torch_tools.roofline --preset base --variant smoothspike --seq 64

Runs one eager forward + backward on the CPU (batch 1) and counts, per token:
  - matrix-product FLOPs (``flops.matmul_flops``, equal to torch's FlopCounterMode);
  - bytes every ATen op reads and writes (a TorchDispatchMode summing input and output sizes: what
    eager execution moves through memory when no operand stays in cache), split into matrix
    products and everything else (neurons, norms, elementwise: what fused kernels remove);
  - bytes autograd saves for the backward (the activation memory), parameters excluded.
Fixed per-step costs (Newton-Schulz of the learnable transforms, the vocabulary-sized embedding
gradient) are separated from per-sequence costs by two runs, batch 1 and batch 2 (attention's
S^2 stays in the per-sequence part). These are counts, not GPU measurements.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from tinyspike.export.batches import synthetic_mlm_batch
from tinyspike.export.torch_weights import to_torch
from tinyspike.export.presets import add_model_args, model_config
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM

from .flops import matmul_flops

MATMULS = {"mm", "addmm", "bmm", "baddbmm", "matmul"}


class ByteCounter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.bytes = {"matmul": 0, "other": 0}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        tensors = [t for t in torch.utils._pytree.tree_leaves((args, kwargs, out)) if isinstance(t, torch.Tensor)]
        name = func.overloadpacket.__name__
        self.bytes["matmul" if name in MATMULS else "other"] += sum(t.numel() * t.element_size() for t in tensors)
        return out


def count_step(cfg: ModelConfig, batch: int, seq: int) -> dict:
    """Bytes moved, bytes saved and FLOPs of one training step on a (batch, seq) batch."""
    module = to_torch(MaskedLM(cfg))
    owned = {t.untyped_storage().data_ptr() for t in list(module.parameters()) + list(module.buffers())}
    *inputs, targets = (torch.from_numpy(a) for a in synthetic_mlm_batch(np.random.default_rng(0),
                                                                        cfg.vocab_size, batch, seq))
    with torch.no_grad():
        module(*inputs)                                             # SpikeLM's alphas, not counted
    saved = {}

    def pack(t):
        if t.untyped_storage().data_ptr() not in owned:
            saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    counter = ByteCounter()
    with counter, torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        F.cross_entropy(module(*inputs), targets).backward()
    return dict(matmul_bytes=counter.bytes["matmul"], other_bytes=counter.bytes["other"],
                saved_bytes=sum(saved.values()), flops=matmul_flops(cfg, batch, seq, int(inputs[3].sum()))["total"])


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description="counted FLOPs and bytes of one training step, per token")
    add_model_args(p, preset="small")
    p.add_argument("--seq", type=int, default=64)
    args = p.parse_args(argv)
    cfg = model_config(args)
    one, two = count_step(cfg, 1, args.seq), count_step(cfg, 2, args.seq)
    result = dict(preset=args.preset, variant=args.variant, T=args.T, seq=args.seq)
    for key in one:                                                 # per step + batch * per sequence
        per_sequence = two[key] - one[key]
        result[f"{key}_per_token"] = per_sequence / args.seq
        result[f"{key}_per_step"] = one[key] - per_sequence
    width = max(map(len, result))
    for k, v in result.items():
        if k.startswith("flops_"):
            print(f"{k:<{width}}  {v / 1e9:,.3f} GFLOP")
        elif k.endswith(("per_token", "per_step")):
            print(f"{k:<{width}}  {v / 2**20:,.2f} MiB")
        else:
            print(f"{k:<{width}}  {v}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
