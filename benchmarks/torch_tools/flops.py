"""Matrix-product FLOPs of one MLM training step of a tinyspike model (the basis of the GPU estimates
in ``docs/scaling.md``; checked against ``torch.utils.flop_counter`` in ``tests/export``).

Per token and time step t, per block (d = d_model, f = d_ff, g = h3_blocks, S = seq):
    projections  4 d^2 + 2 d f        attention (no softmax)  2 S d        (multiply-accumulates)
    H1: 4 d^2 (four uses)   H2: 2 d^2   H3: 2 f (f / g)                      (when the transform is on)
Per token, outside the time loop: d^2 for each of the two H1 uses (embedding, output); per masked
token the MLM head d^2 + d V. Per step (not per token), a learnable transform's Newton-Schulz:
each iteration X X^T, (A X if c != 0), A (.): 2 or 3 multiplications of n^3 per block.
FLOPs = 2 x MACs. Backward: twice the forward (input and weight gradients), except products
with a fixed Hadamard matrix (a buffer: input gradient only, once the forward).
"""
from __future__ import annotations

from tinyspike.models.config import ModelConfig
from tinyspike.transforms.newton_schulz import schedule


def _newton_schulz_macs(n: int, blocks: int, cfg: ModelConfig) -> int:
    per_block = sum((3 if c else 2) * (n // blocks) ** 3 for _, _, c in schedule(cfg.ns_scheme, cfg.ns_steps))
    return blocks * per_block


def matmul_flops(cfg: ModelConfig, batch: int, seq: int, n_masked: int) -> dict:
    """Forward and backward matrix-product FLOPs of one step on a (batch, seq) batch with n_masked
    predicted positions; the transforms' Newton-Schulz is counted once per step."""
    d, f, g, L, T = cfg.d_model, cfg.d_ff, cfg.h3_blocks, cfg.n_layers, cfg.T
    tokens = batch * seq
    learned = {"off": 0, "fixed": 0, "learnable": 1}
    fixed = {"off": 0, "fixed": 1, "learnable": 0}
    on = {"off": 0, "fixed": 1, "learnable": 1}
    dense = tokens * T * L * (4 * d * d + 2 * d * f + 2 * seq * d)     # weights and spikes: 3x in total
    dense += n_masked * (d * d + d * cfg.vocab_size)
    h1 = tokens * (T * L * 4 + 2) * d * d
    h2 = tokens * T * L * 2 * d * d
    h3 = tokens * T * L * 2 * f * (f // g)
    rotations = {"h1": h1, "h2": h2, "h3": h3}
    ns = {"h1": _newton_schulz_macs(d, 1, cfg), "h2": L * _newton_schulz_macs(d, 1, cfg),
          "h3": L * _newton_schulz_macs(f, g, cfg)}
    fwd, bwd = dense, 2 * dense
    for name, macs in rotations.items():
        mode = getattr(cfg, name)
        fwd += on[mode] * macs + learned[mode] * ns[name]
        bwd += (2 * learned[mode] + fixed[mode]) * macs + 2 * learned[mode] * ns[name]
    return dict(forward=2 * fwd, backward=2 * bwd, total=2 * (fwd + bwd))
