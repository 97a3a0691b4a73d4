"""How many spikes bf16 autocast changes: the exported model run in fp32 and under bf16 autocast.

    PYTHONPATH=. python -m benchmarks.torch_tools.precision --preset tiny --variant smoothspike

Prints, per neuron, the percentage of neuron-steps that fire differently, the mean firing rate,
and the largest logit difference relative to the largest fp32 logit; one JSON line last. As a
yardstick, the same for an fp32 run whose word embeddings were multiplied by 1 + 2^-9 z (z standard
normal: about one bf16 rounding): how sensitive the spike trains themselves are to such a change.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from tinyspike.export.batches import synthetic_mlm_batch
from tinyspike.export.torch_weights import to_torch
from tinyspike.export.model import NEURONS
from tinyspike.export.presets import add_model_args, model_config
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM


def _spikes(module) -> dict:
    return {f"{i}.{n}": getattr(b, n).last_spikes.clone() for i, b in enumerate(module.encoder.blocks) for n in NEURONS}


def _compare(exact, ref, spikes, logits) -> dict:
    return dict(differ_percent={k: 100 * float((exact[k] != spikes[k]).float().mean()) for k in exact},
                logit_error=float((logits.float() - ref).abs().max() / ref.abs().max()))


def spike_disagreement(cfg: ModelConfig, batch: int, seq: int, seed: int = 0) -> dict:
    """Percent of neuron-steps whose spike differs from fp32, per neuron: under bf16 autocast, and
    in fp32 after perturbing the word embeddings by one bf16-sized relative rounding."""
    module = to_torch(MaskedLM(cfg))
    for m in module.modules():
        if hasattr(m, "record"):
            m.record = True
    *inputs, _ = (torch.from_numpy(a) for a in synthetic_mlm_batch(np.random.default_rng(seed), cfg.vocab_size,
                                                                   batch, seq))
    with torch.no_grad():
        ref = module(*inputs)
        exact = _spikes(module)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = module(*inputs)
        bf16 = _compare(exact, ref, _spikes(module), low)
        E = module.encoder.embeddings.word.E
        E.mul_(1 + 2.0 ** -9 * torch.randn(E.shape, generator=torch.Generator().manual_seed(seed), dtype=E.dtype))
        logits = module(*inputs)
        perturbed = _compare(exact, ref, _spikes(module), logits)
    firing = 100 * float(np.mean([float((s != 0).float().mean()) for s in exact.values()]))
    return dict(bf16=bf16, fp32_perturbed=perturbed, firing_percent=firing)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description="spikes changed by bf16 autocast")
    add_model_args(p)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=128)
    args = p.parse_args(argv)
    cfg = model_config(args)
    result = spike_disagreement(cfg, args.batch, args.seq)
    print(f"{'neuron':<22} {'bf16 autocast':>14} {'fp32, E perturbed':>18}   (% of neuron-steps that differ)")
    for name, pct in result["bf16"]["differ_percent"].items():
        print(f"{name:<22} {pct:13.2f}% {result['fp32_perturbed']['differ_percent'][name]:17.2f}%")
    print(f"logit error (of the largest logit): bf16 {result['bf16']['logit_error']:.3g}, perturbed "
          f"{result['fp32_perturbed']['logit_error']:.3g}; mean firing rate {result['firing_percent']:.2f}%")
    print(json.dumps(dict(preset=args.preset, variant=args.variant, **result)))
    return result


if __name__ == "__main__":
    main()
