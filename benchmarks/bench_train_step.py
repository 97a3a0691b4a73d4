"""One MLM training step (forward, backward, AdamW) of the SmoothSpike model at a reference size.

    python benchmarks/bench_train_step.py [config.json] [--steps N] [--torch-peer]

The default configuration is benchmarks/train_step.json (vocab 8192, d 256, 4 layers, 4 heads,
d_ff 1024, seq 128, batch 16, T 4, the SmoothSpike variant: H1, H2, H3 learnable, H3 in 4 blocks,
5 quintic Newton-Schulz steps; random ids, 15% masked).

Measured: the median step time (the first step, which compiles the numba kernels, is excluded),
tokens per second (batch * seq / step), peak resident memory of the process, and the model FLOP
utilisation (MFU) against the float32 matrix-multiply rate this machine reaches in the same run.

How MFU counts FLOPs: the products this implementation performs (forward + backward = 3x forward,
2 FLOPs per multiply-add):
  * every Linear: 2 * T * B * S * d_in * d_out (the time window multiplies everything);
  * attention, re-associated as Q (K^T diag(m) V) (models/attention.py): 4 * T * B * S * Dh * d;
  * the transforms, folded into the weights once per step (models/folding.py): W R_in and
    R_out^T (W R_in) for the six Linears of every block (block-diagonal R3: n^2 / g per row);
  * Newton-Schulz (once per step per learnable matrix, not multiplied by T): 3 products of n^3 per
    step forward, 5 backward (so the 3x rule over-counts it slightly);
  * the MLM head at the masked positions: dense d x d and the tied decoder d x vocab.
Elementwise work (neurons, norms, AdamW) is not counted, as is usual for MFU.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tinyspike.data.masking import mask_tokens  # noqa: E402
from tinyspike.layers import cross_entropy_backward, cross_entropy_forward  # noqa: E402
from tinyspike.models.config import ModelConfig  # noqa: E402
from tinyspike.models.spiking_lm import MaskedLM  # noqa: E402
from tinyspike.models.variants import variant  # noqa: E402
from tinyspike.training.adamw import AdamW  # noqa: E402

DEFAULT = Path(__file__).resolve().with_name("train_step.json")
KEYS = ("vocab", "d_model", "layers", "heads", "d_ff", "seq", "batch", "T", "threads", "steps", "variant",
        "h3_blocks", "ns_scheme", "ns_steps")


def load_reference(path: Path | None) -> dict:
    path = DEFAULT if path is None else path
    ref = json.loads(Path(path).read_text())
    missing = [k for k in KEYS if k not in ref]
    if missing:
        raise SystemExit(f"{path}: missing keys {missing}; benchmarks/train_step.json has them all")
    return ref


def model_config(ref: dict) -> ModelConfig:
    return ModelConfig(vocab_size=ref["vocab"], d_model=ref["d_model"], n_layers=ref["layers"],
                       n_heads=ref["heads"], d_ff=ref["d_ff"], max_len=ref["seq"], T=ref["T"],
                       **variant(ref["variant"]), h3_blocks=ref["h3_blocks"], ns_scheme=ref["ns_scheme"],
                       ns_steps=ref["ns_steps"])


def step_flops(cfg: ModelConfig, batch: int, seq: int, n_masked: int) -> float:
    """FLOPs of one step by the counting rule in the module docstring."""
    d, f, L, T, g = cfg.d_model, cfg.d_ff, cfg.n_layers, cfg.T, cfg.h3_blocks
    tokens = T * batch * seq
    linear = 2 * tokens * (4 * d * d + 2 * d * f)                  # q, k, v, o, w1, w2
    attention = 4 * tokens * (d // cfg.n_heads) * d
    folds = 2 * (2 * d ** 3 + 2 * 2 * d ** 3 + 2 * (f * d * d + f * (f // g) * d))
    ns_one = lambda n, blocks: cfg.ns_steps * 3 * 2 * blocks * n ** 3    # noqa: E731
    ns = ns_one(d, 1) * (1 + L) + ns_one(f // g, g) * L
    head = 2 * n_masked * (d * d + d * cfg.vocab_size)
    return 3.0 * (L * (linear + attention + folds) + head + ns)


def matmul_rate(n: int = 1024, repeats: int = 5) -> float:
    """float32 GEMM FLOP/s of this machine (BLAS, all threads it is allowed), median of repeats."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = a.T.copy()
    c = np.empty_like(a)
    np.matmul(a, b, out=c)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    return 2 * n ** 3 / float(np.median(times))


def make_batch(cfg: ModelConfig, batch: int, seq: int, rng: np.random.Generator):
    ids = rng.integers(5, cfg.vocab_size, (batch, seq))
    ids[:, 0] = 2                                                 # [CLS]
    corrupted, labels = mask_tokens(ids, rng, mask_id=4, vocab_size=cfg.vocab_size, special_ids=(0, 1, 2, 3))
    types = np.zeros_like(ids)
    mask = np.ones_like(ids)
    return corrupted, types, mask, labels


def train_step(model, opt, batch) -> float:
    ids, types, mask, labels = batch
    positions = labels != -100
    logits = model.forward(ids, types, mask, positions)
    loss, cache = cross_entropy_forward(logits, labels[positions])
    opt.zero_grad()
    model.backward(cross_entropy_backward(cache).astype(logits.dtype))
    opt.step()
    return float(loss)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: KiB


def _peer_child(cfg_dict, batch, seq, steps, threads, queue):
    import torch

    from benchmarks.torch_tools.peer import torch_peer_step

    torch.set_num_threads(threads)
    queue.put(torch_peer_step(ModelConfig.from_dict(cfg_dict), batch=batch, seq=seq, steps=steps))


def run_torch_peer(cfg: ModelConfig, batch: int, seq: int, steps: int, threads: int) -> dict:
    """The exported PyTorch model's eager step, in a fresh process so its peak memory is its own."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peer_child, args=(cfg.to_dict(), batch, seq, steps, threads, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", nargs="?", type=Path, help="reference JSON (default benchmarks/train_step.json)")
    ap.add_argument("--steps", type=int, help="timed steps (default: the config's 'steps')")
    ap.add_argument("--torch-peer", action="store_true",
                    help="also time the exported PyTorch model in the same run (needs the 'torch' extra)")
    args = ap.parse_args(argv)
    ref = load_reference(args.config)
    steps = args.steps or ref["steps"]
    cfg = model_config(ref)
    batch, seq = ref["batch"], ref["seq"]

    rng = np.random.default_rng(0)
    model = MaskedLM(cfg)
    opt = AdamW(model.parameters(), lr=1e-4)
    data = [make_batch(cfg, batch, seq, rng) for _ in range(steps + 1)]
    t0 = time.perf_counter()
    train_step(model, opt, data[0])                               # warm-up: numba compilation
    warmup_s = time.perf_counter() - t0
    times, losses = [], []
    for b in data[1:]:
        t0 = time.perf_counter()
        losses.append(train_step(model, opt, b))
        times.append(time.perf_counter() - t0)
    step_s = float(np.median(times))
    n_masked = int(np.median([(b[3] != -100).sum() for b in data]))
    flops = step_flops(cfg, batch, seq, n_masked)
    rate = matmul_rate()
    result = dict(step_s=round(step_s, 4), tokens_per_s=round(batch * seq / step_s, 1),
                  peak_rss_mb=round(peak_rss_mb(), 1), mfu=round(flops / step_s / rate, 4),
                  step_gflop=round(flops / 1e9, 2), matmul_gflops=round(rate / 1e9, 2),
                  warmup_s=round(warmup_s, 2), threads=os.environ.get("NUMBA_NUM_THREADS", "default"))
    if args.torch_peer:
        peer = run_torch_peer(cfg, batch, seq, steps, ref["threads"])
        result["torch_eager_step_s"] = round(peer["step_s"], 4)
        result["torch_eager_peak_rss_mb"] = round(peer["peak_rss_mb"], 1)
        result["speedup_vs_torch_eager"] = round(peer["step_s"] / step_s, 3)

    print(f"MLM training step: vocab {cfg.vocab_size}, d {cfg.d_model}, {cfg.n_layers} layers, {cfg.n_heads} heads, "
          f"d_ff {cfg.d_ff}, seq {seq}, batch {batch}, T {cfg.T}, {ref['variant']} (H1/H2/H3 {cfg.h1}/{cfg.h2}/"
          f"{cfg.h3}, {cfg.ns_scheme}, {cfg.ns_steps} steps)")
    print(f"{'quantity':<28}{'value':>14}")
    rows = [("median step (s)", step_s), ("tokens / s", batch * seq / step_s),
            ("peak RSS (MB)", result["peak_rss_mb"]), ("step GFLOP (counted)", flops / 1e9),
            ("matmul GFLOP/s (measured)", rate / 1e9), ("MFU", result["mfu"]),
            ("first step incl. JIT (s)", warmup_s), ("loss, first timed step", losses[0]),
            ("loss, last timed step", losses[-1])]
    for name, value in rows:
        print(f"{name:<28}{value:>14.4f}")
    if args.torch_peer:
        print(f"{'torch eager step (s)':<28}{result['torch_eager_step_s']:>14.4f}")
        print(f"{'speedup vs torch eager':<28}{result['speedup_vs_torch_eager']:>14.3f}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
