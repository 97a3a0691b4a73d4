"""LIF forward+backward over T=4 on float32 (T, N): numba kernel vs NumPy reference vs one np.copyto.

    PYTHONPATH=. python benchmarks/bench_lif.py [--n 16777216] [--repeats 5]

Two numba threads; one warm-up call of each contender is excluded (it also touches the reused kernel
output buffers, as the copy's target is touched); medians are reported. Surrogate: Sigmoid (alpha=4). The last
line printed is JSON with numba_speedup_vs_numpy (the specification, whose sigmoid derivative uses the
shared exp_neg), numba_speedup_vs_numpy_np_exp (the same loop with np.exp) and fwd_bwd_vs_copy.
"""
from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np

from tinyspike.neurons.lif import LIFConfig, lif_backward, lif_forward
from tinyspike.neurons.surrogate import Sigmoid

from _timing import median_seconds  # benchmarks/_timing.py


class NumpyExpSigmoid(Sigmoid):
    """The sigmoid surrogate as a plain NumPy user writes it (np.exp), instead of the specification's
    exp_neg (~40 array passes, there so that the kernel can agree with it bit for bit)."""

    def grad(self, x):
        e = np.exp(-self.alpha * np.abs(x))
        return self.alpha * e / ((1.0 + e) * (1.0 + e))


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
    fwd_out = (np.empty_like(x), np.empty(n, np.float32))                   # kernel outputs, reused
    bwd_out = (np.empty_like(x), np.empty(n, np.float32))
    v0 = np.zeros(n, np.float32)

    cfg_np_exp = LIFConfig(detach_reset=True, surrogate=NumpyExpSigmoid())

    def fwd_bwd(backend, cfg=cfg):
        if backend == "numpy":                                       # the specification allocates
            s, v, cache = lif_forward(x, None, 1.0, cfg, backend="numpy")
            return lif_backward(ds, None, cache, cfg, backend="numpy")
        s, v, cache = lif_forward(x, v0, 1.0, cfg, out=fwd_out)
        return lif_backward(ds, v0, cache, cfg, out=bwd_out)          # v0 doubles as a zero dv_T

    buf = np.empty_like(x)
    np.copyto(buf, x)                                                # touch the buffer once
    cache = lif_forward(x, v0, 1.0, cfg, out=fwd_out)[2]
    t_copy = median_seconds(lambda: np.copyto(buf, x), args.repeats)
    t_numba = median_seconds(lambda: fwd_bwd("numba"), args.repeats)
    t_fwd = median_seconds(lambda: lif_forward(x, v0, 1.0, cfg, out=fwd_out), args.repeats)
    t_bwd = median_seconds(lambda: lif_backward(ds, v0, cache, cfg, out=bwd_out), args.repeats)
    t_numpy = median_seconds(lambda: fwd_bwd("numpy"), max(1, args.repeats // 2))
    t_np_exp = median_seconds(lambda: fwd_bwd("numpy", cfg_np_exp), max(1, args.repeats // 2))
    gb = x.nbytes / 1e9
    print(f"LIF forward+backward, T={args.T}, N={args.n:,}, float32 ({gb:.2f} GB input), 2 threads, median")
    print(f"copy bandwidth: {2 * gb / t_copy:.1f} GB/s (read + write, np.copyto)")
    print(f"{'contender':<28}{'seconds':>10}{'x copy':>10}")
    for name, t in (("np.copyto of (T, N)", t_copy), ("numba fwd+bwd", t_numba), ("  numba forward", t_fwd),
                    ("  numba backward", t_bwd), ("NumPy reference fwd+bwd", t_numpy),
                    ("NumPy loop with np.exp", t_np_exp)):
        print(f"{name:<28}{t:>10.4f}{t / t_copy:>10.2f}")
    print(json.dumps({"n": args.n, "T": args.T, "copy_s": t_copy, "numba_s": t_numba, "numba_fwd_s": t_fwd,
                      "numba_bwd_s": t_bwd, "numpy_s": t_numpy, "numpy_np_exp_s": t_np_exp,
                      "numba_speedup_vs_numpy": t_numpy / t_numba, "numba_speedup_vs_numpy_np_exp": t_np_exp / t_numba,
                      "fwd_bwd_vs_copy": t_numba / t_copy}))


if __name__ == "__main__":
    main()
