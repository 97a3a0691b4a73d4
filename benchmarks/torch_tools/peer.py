"""``torch_peer_step``: the same-run PyTorch peer of a tinyspike MLM training step, timed on the CPU.

One step = forward of the exported model, cross-entropy at the masked positions, backward,
``torch.optim.AdamW`` step; eager, or with ``compile=True`` the module ``torch.compile``d (its
forward and, through AOTAutograd, its backward). The model is
``to_torch(MaskedLM(cfg))``, so its weights and initialisation are tinyspike's.
"""
from __future__ import annotations

import resource
import time

import numpy as np
import torch
import torch.nn.functional as F

from tinyspike.export.batches import synthetic_mlm_batch
from tinyspike.export.torch_weights import to_torch
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM


def torch_peer_step(cfg: ModelConfig, batch: int, seq: int, steps: int, compile: bool = False) -> dict:
    """Median seconds of one MLM training step over ``steps`` timed steps (after one warm-up step),
    and the process's peak resident memory in MiB (``ru_maxrss``: whole process, whole lifetime)."""
    if steps < 1:
        raise ValueError(f"torch_peer_step: steps must be >= 1, got {steps}")
    module = to_torch(MaskedLM(cfg))
    model = torch.compile(module) if compile else module
    opt = torch.optim.AdamW(module.parameters(), lr=1e-4)
    rng = np.random.default_rng(cfg.seed)
    *inputs, targets = (torch.from_numpy(a) for a in synthetic_mlm_batch(rng, cfg.vocab_size, batch, seq))

    def step():
        loss = F.cross_entropy(model(*inputs), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()                                                   # warm-up: allocation, compilation
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return dict(step_s=float(np.median(times)), peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
