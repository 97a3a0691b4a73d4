"""Train an exported tinyspike masked LM with PyTorch DistributedDataParallel (``docs/scaling.md``).

    torchrun --standalone --nproc_per_node=8 -m tinyspike.export.ddp_train --preset base --batch 64   # 8 GPUs
    torchrun --standalone --nproc_per_node=2 -m tinyspike.export.ddp_train --preset tiny --threads 1  # 2 CPU procs

Every rank builds the same tinyspike ``MaskedLM`` from the config (same seed, same weights) and
exports it with ``to_torch``; SpikeLM's alphas are set by one forward on a batch every rank draws
alike, before DDP wraps the module. Each rank then trains on its own synthetic batches
(``batches.py``); DDP averages the gradients. Weight decay follows tinyspike's ``Parameter.decay``.
Rank 0 prints a table, optionally saves the weights back into a tinyspike checkpoint
(``from_torch``), and prints one JSON line last. Timing excludes ``--warmup`` steps.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from ..models.spiking_lm import MaskedLM
from .batches import synthetic_mlm_batch
from .torch_weights import from_torch, to_torch
from .presets import add_model_args, model_config

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_model_args(p)
    p.add_argument("--batch", type=int, default=16, help="sequences per rank and step")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--steps", type=int, default=30, help="timed steps")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--amp", choices=["off", "bf16"], default="off", help="bf16 autocast for the matrix products")
    p.add_argument("--backend", choices=["auto", "nccl", "gloo"], default="auto", help="auto: nccl on GPUs")
    p.add_argument("--threads", type=int, default=0, help="CPU threads per process (0: torch's default)")
    p.add_argument("--compile", action="store_true", help="torch.compile the module before wrapping it")
    p.add_argument("--save", default="", help="rank 0 writes the trained weights as a tinyspike checkpoint")
    return p.parse_args(argv)


def param_groups(module: torch.nn.Module, model: MaskedLM, weight_decay: float):
    """AdamW groups with tinyspike's no-decay set (biases, norms, embeddings, H_tilde)."""
    decay = {name: p.decay for name, p in model.named_parameters()}
    named = list(module.named_parameters())
    return [{"params": [p for n, p in named if decay[n]], "weight_decay": weight_decay},
            {"params": [p for n, p in named if not decay[n]], "weight_decay": 0.0}]


def params_in_sync(module: torch.nn.Module) -> bool:
    """Every rank holds the same weights (what DDP promises): elementwise max over ranks == min."""
    with torch.no_grad():
        hi = torch.cat([p.detach().flatten() for p in module.parameters()])
        lo = hi.clone()
        dist.all_reduce(hi, op=dist.ReduceOp.MAX)
        dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    return bool(torch.equal(hi, lo))


def main(argv=None) -> dict:
    args = parse_args(argv)
    backend = args.backend if args.backend != "auto" else ("nccl" if torch.cuda.is_available() else "gloo")
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    if backend == "nccl":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if args.threads:
        torch.set_num_threads(args.threads)

    cfg = model_config(args)
    model = MaskedLM(cfg)
    module = to_torch(model).to(device)

    def to_device(arrays):
        return [torch.from_numpy(a).to(device, non_blocking=True) for a in arrays]

    with torch.no_grad():                     # alphas (SpikeLM) from a batch every rank draws alike
        module(*to_device(synthetic_mlm_batch(np.random.default_rng(cfg.seed), cfg.vocab_size, args.batch,
                                              args.seq))[:4])
    net = torch.compile(module) if args.compile else module
    ddp = DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None)
    opt = torch.optim.AdamW(param_groups(module, model, 0.01), lr=args.lr)
    amp = (torch.autocast(device.type, dtype=torch.bfloat16) if args.amp == "bf16"
           else contextlib.nullcontext())
    rng = np.random.default_rng(1000 + rank)  # each rank its own data

    losses, t_start = [], None
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
            dist.barrier()
            t_start = time.perf_counter()
        *inputs, targets = to_device(synthetic_mlm_batch(rng, cfg.vocab_size, args.batch, args.seq))
        with amp:
            loss = F.cross_entropy(ddp(*inputs).float(), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()                        # DDP all-reduces the gradients here
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    if device.type == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - t_start
    mean_loss = torch.tensor([np.mean(losses[:5]), np.mean(losses[-5:])], dtype=torch.float64)
    dist.all_reduce(mean_loss)
    mean_loss /= world

    n_params = sum(p.numel() for p in module.parameters())
    in_sync = params_in_sync(module)
    result = dict(preset=args.preset, variant=args.variant, T=cfg.T, world_size=world, backend=backend,
                  device=str(device.type) + ("" if device.type == "cpu" else f" {torch.cuda.get_device_name()}"),
                  amp=args.amp, compile=args.compile, threads_per_proc=torch.get_num_threads(), params=n_params,
                  batch_per_rank=args.batch, seq=args.seq, steps=args.steps, seconds=elapsed,
                  steps_per_s=args.steps / elapsed, tokens_per_s=args.steps * args.batch * args.seq * world / elapsed,
                  tokens_per_s_per_rank=args.steps * args.batch * args.seq / elapsed,
                  loss_first5=float(mean_loss[0]), loss_last5=float(mean_loss[1]), params_in_sync=in_sync,
                  torch=torch.__version__)
    if rank == 0:
        if args.save:
            from ..training.checkpoint import save_checkpoint
            from_torch(module, model)
            save_checkpoint(args.save, {n: p.value for n, p in model.named_parameters()}, {}, cfg.to_dict())
        width = max(map(len, result))
        for k, v in result.items():
            print(f"{k:<{width}}  {v:.4g}" if isinstance(v, float) else f"{k:<{width}}  {v}")
        print(json.dumps(result))
    dist.destroy_process_group()
    return result


if __name__ == "__main__":
    main()
