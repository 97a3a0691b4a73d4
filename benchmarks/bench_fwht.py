"""Batched FWHT vs dense Hadamard product vs a plain copy; Newton-Schulz vs SVD msign at n = 768.

Run: python benchmarks/bench_fwht.py   (2 threads for numba and BLAS; warm-up excluded; medians)
Prints a table, then one JSON line (last) with n1024_speedup_vs_dense, n1024_time_vs_copy,
n1024_time_vs_fht_cpu (null when the ``fht-cpu`` package is not importable).
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "2"

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # this checkout first

import numba  # noqa: E402
import numpy as np  # noqa: E402

from tinyspike.transforms import (fwht, hadamard_matrix, msign, newton_schulz,  # noqa: E402
                                  orthogonality_error, randomized_hadamard)

from _timing import median_seconds  # noqa: E402  (benchmarks/_timing.py)

try:  # optional third-party baseline
    import fht_cpu  # type: ignore  # noqa: F401
except ImportError:
    fht_cpu = None

ROWS = 16384


def main():
    numba.set_num_threads(2)
    rng = np.random.default_rng(0)
    results = {}
    print(f"batched transform of float32 ({ROWS}, n), 2 threads, median seconds "
          f"(fht-cpu: {'present' if fht_cpu else 'not importable, skipped'})")
    print(f"{'n':>6} {'fwht':>9} {'fwht in-place':>14} {'dense':>9} {'copy':>9} {'dense/fwht':>11} "
          f"{'fwht/copy':>10}")
    for n in (256, 768, 1024, 4096):
        x = rng.standard_normal((ROWS, n)).astype(np.float32)
        buf = np.empty_like(x)
        np.copyto(buf, x)                           # touch the buffer once
        h = hadamard_matrix(n, np.float32)
        t_fwht = median_seconds(lambda: fwht(x, out=buf), 7)             # out of place, x -> buf
        t_inplace = median_seconds(lambda: fwht(buf, inplace=True), 7)  # orthonormal: values stay bounded
        t_dense = median_seconds(lambda: x @ h.T, 3 if n >= 4096 else 5)
        t_copy = median_seconds(lambda: np.copyto(buf, x), 7)
        results[n] = (t_fwht, t_dense, t_copy)
        print(f"{n:>6} {t_fwht:9.4f} {t_inplace:14.4f} {t_dense:9.4f} {t_copy:9.4f} {t_dense / t_fwht:11.1f} "
              f"{t_fwht / t_copy:10.1f}")

    n = 768
    g = randomized_hadamard(n, 0, dtype=np.float32)
    print(f"\nmsign of a randomized Hadamard, n = {n}, float32: time and ||R R^T - I||_F")
    rows = [("svd", lambda: msign(g))]
    for scheme, steps in (("quintic", 5), ("cubic", 5), ("cubic", 14), ("quintic+cubic", 5)):
        rows.append((f"{scheme} ({steps} steps{', +4 cubic' if '+' in scheme else ''})",
                     lambda s=scheme, k=steps: newton_schulz(g, s, k)[0]))
    for name, fn in rows:
        t = median_seconds(fn, 3)
        print(f"{name:>32} {t:9.4f} s   orth. error {float(orthogonality_error(fn().astype(np.float64))):.2e}")

    t_fwht, t_dense, t_copy = results[1024]
    print(json.dumps({"n1024_speedup_vs_dense": round(t_dense / t_fwht, 2),
                      "n1024_time_vs_copy": round(t_fwht / t_copy, 2),
                      "n1024_time_vs_fht_cpu": None}))


if __name__ == "__main__":
    main()
