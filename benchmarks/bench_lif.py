"""LIF forward+backward over T=4 on float32 (T, N): numba kernel vs NumPy reference vs one np.copyto.

    PYTHONPATH=. python benchmarks/bench_lif.py [--n 16777216] [--repeats 5]

Two numba threads; one warm-up call of each contender is excluded (it also touches the reused kernel
output buffers, as the copy's target is touched); medians are reported. Surrogate: Sigmoid (alpha=4). The last
line printed is JSON with numba_speedup_vs_numpy and fwd_bwd_vs_copy.
"""
from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np

from tinyspike.neurons.lif import LIFConfig, lif_backward, lif_forward

from _timing import median_seconds  # benchmarks/_timing.py


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16 * 2**20, help="neurons per time step")
    ap.add_argument("--T", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    numba.set_num_threads(2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.T, args.n), dtype=np.float32)     # (T, N)
    ds = rng.standard_normal((args.T, args.n), dtype=np.float32)
    cfg = LIFConfig(detach_reset=True)                               # SmoothSpike's neuron

    n = args.n
    fwd_out = (np.empty_like(x), np.empty_like(x), np.empty(n, np.float32))   # kernel outputs, reused
    bwd_out = (np.empty_like(x), np.empty(n, np.float32))
    v0 = np.zeros(n, np.float32)

    def fwd_bwd(backend):
        if backend == "numpy":                                       # the specification allocates
            s, v, cache = lif_forward(x, None, 1.0, cfg, backend="numpy")
            return lif_backward(ds, None, cache, cfg, backend="numpy")
        s, v, cache = lif_forward(x, v0, 1.0, cfg, out=fwd_out)
        return lif_backward(ds, v0, cache, cfg, out=bwd_out)          # v0 doubles as a zero dv_T

    buf = np.empty_like(x)
    np.copyto(buf, x)                                                # touch the buffer once
    t_copy = median_seconds(lambda: np.copyto(buf, x), args.repeats)
    t_numba = median_seconds(lambda: fwd_bwd("numba"), args.repeats)
    t_numpy = median_seconds(lambda: fwd_bwd("numpy"), max(1, args.repeats // 2))
    gb = x.nbytes / 1e9
    print(f"LIF forward+backward, T={args.T}, N={args.n:,}, float32 ({gb:.2f} GB input), 2 threads, median")
    print(f"{'contender':<28}{'seconds':>10}{'x copy':>10}")
    for name, t in (("np.copyto of (T, N)", t_copy), ("numba fwd+bwd", t_numba), ("NumPy reference fwd+bwd", t_numpy)):
        print(f"{name:<28}{t:>10.4f}{t / t_copy:>10.2f}")
    print(json.dumps({"n": args.n, "T": args.T, "copy_s": t_copy, "numba_s": t_numba, "numpy_s": t_numpy,
                      "numba_speedup_vs_numpy": t_numpy / t_numba, "fwd_bwd_vs_copy": t_numba / t_copy}))


if __name__ == "__main__":
    main()
