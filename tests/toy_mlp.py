"""A two-block residual MLP trained with AdamW on a generated toy task (no spikes), for the engine's tests;
``tutorials/t00_engine_and_gradcheck.py`` builds the same kind of network step by step.

The task: 8 signed inputs; the label is whether an *odd* number of the first three are positive
(a 3-bit parity, which no linear model can learn, plus 5 distractor inputs).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from tinyspike.layers import GELU, Dropout, LayerNorm, Linear, Residual, Sequential, cross_entropy_backward, cross_entropy_forward
from tinyspike.training import AdamW, clip_grad_norm, linear_warmup_decay


def make_parity_data(n: int, rng: np.random.Generator, dtype=np.float32):
    x = rng.standard_normal((n, 8)).astype(dtype)
    y = ((x[:, :3] > 0).sum(1) % 2).astype(np.int64)
    return x, y


def build_mlp(d: int, rng: np.random.Generator, dtype=np.float32, dropout: float = 0.0, seed: int = 0) -> Sequential:
    def block():
        return Residual(Sequential(LayerNorm(d, dtype=dtype), Linear(d, 4 * d, rng=rng, dtype=dtype), GELU(),
                                   Linear(4 * d, d, rng=rng, dtype=dtype), Dropout(dropout, seed=seed)))
    return Sequential(Linear(8, d, rng=rng, dtype=dtype), block(), block(), LayerNorm(d, dtype=dtype),
                      Linear(d, 2, rng=rng, dtype=dtype))


def train_mlp_toy(steps: int = 300, seed: int = 0, batch: int = 64, lr: float = 3e-3, dtype=np.float32,
                  log: Callable[[str], None] | None = None) -> dict:
    rng = np.random.default_rng(seed)
    x_train, y_train = make_parity_data(4096, rng, dtype)
    x_test, y_test = make_parity_data(1024, rng, dtype)
    net = build_mlp(32, rng, dtype, dropout=0.1, seed=seed)
    params = net.parameters()
    opt = AdamW(params, lr=lr, weight_decay=0.01)
    losses = []
    for step in range(steps):
        idx = rng.integers(0, len(x_train), batch)
        logits = net.forward(x_train[idx])
        loss, cache = cross_entropy_forward(logits, y_train[idx])
        opt.zero_grad()
        net.backward(cross_entropy_backward(cache))
        clip_grad_norm(params, 1.0)
        opt.step(linear_warmup_decay(step, lr, steps // 10, steps))
        losses.append(loss)
        if log and (step + 1) % max(1, steps // 5) == 0:
            log(f"step {step + 1:5d}  loss {np.mean(losses[-20:]):.4f}")
    net.eval()
    acc = float((net.forward(x_test).argmax(1) == y_test).mean())
    return {"test_acc": acc, "final_loss": float(np.mean(losses[-20:])), "losses": losses,
            "params": [p.value.copy() for p in params]}
