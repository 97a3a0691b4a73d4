"""LIF forward+backward over T=4 on float32 (T, N): numba kernel vs the NumPy reference vs one np.copyto.

    PYTHONPATH=. python benchmarks/bench_lif.py [--n 16777216] [--repeats 15]

The numba rows run the LIF layer's path: the membrane starts at zero, and neither the final membrane
nor dv0 is wanted (``return_state=False``: not read, not written). "with state" also passes v0 and dv_T
in and returns v_T and dv0 (two more (N,) arrays read and written, 1/T of the traffic each).

Two numba threads; one warm-up call of each contender is excluded (it also touches the reused kernel
output buffers, as the copy's target is touched); medians are reported. The "x copy" column of the numba
rows is the median of per-pair ratios, the copy timed right before each call (a shared machine's load
bursts then hit both sides of a pair). Surrogate: Sigmoid (alpha=4). The last
line printed is JSON with numba_speedup_vs_numpy (the reference loop, tinyspike/neurons/lif.py, whose
sigmoid derivative uses np.exp), fwd_vs_copy, bwd_vs_copy, fwd_bwd_vs_copy and fwd_bwd_with_state_vs_copy.
"""
from __future__ import annotations

import argparse
import json

import numba
import numpy as np

from tinyspike.neurons.lif import LIFConfig, lif_backward, lif_forward

from _timing import median_seconds, paired_ratio  # benchmarks/_timing.py


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16 * 2**20, help="neurons per time step")
    ap.add_argument("--T", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    numba.set_num_threads(2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.T, args.n), dtype=np.float32)     # (T, N)
    ds = rng.standard_normal((args.T, args.n), dtype=np.float32)
    cfg = LIFConfig(detach_reset=True)                               # SmoothSpike's neuron

    n = args.n
    none = np.empty(0, np.float32)                                   # "state not wanted" (the layer's path)
    fwd_out = (np.empty_like(x), none)                               # kernel outputs, reused
    bwd_out = (np.empty_like(x), none)
    fwd_out_state = (fwd_out[0], np.empty(n, np.float32))
    bwd_out_state = (bwd_out[0], np.empty(n, np.float32))
    v0 = np.zeros(n, np.float32)

    def fwd_bwd(backend, cfg=cfg):
        if backend == "reference":                                   # the reference allocates
            s, v, cache = lif_forward(x, None, 1.0, cfg, backend="reference")
            return lif_backward(ds, None, cache, cfg, backend="reference")
        if backend == "numba+state":                                 # v0 in, v_T out; dv_T in, dv0 out
            s, v, cache = lif_forward(x, v0, 1.0, cfg, out=fwd_out_state)
            return lif_backward(ds, v0, cache, cfg, out=bwd_out_state)  # v0 doubles as a zero dv_T
        s, v, cache = lif_forward(x, None, 1.0, cfg, out=fwd_out, return_state=False)   # as the LIF layer
        return lif_backward(ds, None, cache, cfg, out=bwd_out, return_state=False)

    buf = np.empty_like(x)
    np.copyto(buf, x)                                                # touch the buffer once
    cache = lif_forward(x, None, 1.0, cfg, out=fwd_out, return_state=False)[2]
    copy = lambda: np.copyto(buf, x)                                # noqa: E731
    t_numba, t_copy, r_numba = paired_ratio(lambda: fwd_bwd("numba"), copy, args.repeats)
    t_fwd, _, r_fwd = paired_ratio(lambda: lif_forward(x, None, 1.0, cfg, out=fwd_out, return_state=False), copy,
                                   args.repeats)
    t_bwd, _, r_bwd = paired_ratio(lambda: lif_backward(ds, None, cache, cfg, out=bwd_out, return_state=False), copy,
                                   args.repeats)
    t_state, _, r_state = paired_ratio(lambda: fwd_bwd("numba+state"), copy, args.repeats)
    t_numpy = median_seconds(lambda: fwd_bwd("reference"), max(1, args.repeats // 4))
    gb = x.nbytes / 1e9
    print(f"LIF forward+backward, T={args.T}, N={args.n:,}, float32 ({gb:.2f} GB input), 2 threads, median")
    print(f"copy bandwidth: {2 * gb / t_copy:.1f} GB/s (read + write, np.copyto)")
    print(f"{'contender':<28}{'seconds':>10}{'x copy':>10}")
    for name, t, r in (("np.copyto of (T, N)", t_copy, 1.0), ("numba fwd+bwd", t_numba, r_numba),
                       ("  numba forward", t_fwd, r_fwd), ("  numba backward", t_bwd, r_bwd),
                       ("numba fwd+bwd with state", t_state, r_state),
                       ("NumPy reference fwd+bwd", t_numpy, t_numpy / t_copy)):
        print(f"{name:<28}{t:>10.4f}{r:>10.2f}")
    print(json.dumps({"n": args.n, "T": args.T, "copy_s": t_copy, "numba_s": t_numba, "numba_fwd_s": t_fwd,
                      "numba_bwd_s": t_bwd, "numpy_s": t_numpy,
                      "numba_speedup_vs_numpy": t_numpy / t_numba,
                      "fwd_vs_copy": r_fwd, "fwd_bwd_with_state_vs_copy": r_state, "bwd_vs_copy": r_bwd, "fwd_bwd_vs_copy": r_numba}))


if __name__ == "__main__":
    main()
