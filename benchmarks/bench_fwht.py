"""Batched FWHT vs dense Hadamard product vs a plain copy vs fht-cpu; Newton-Schulz vs SVD msign at n = 768.

Run: python benchmarks/bench_fwht.py   (2 threads for numba, BLAS and fht-cpu; warm-up excluded; medians of
7 calls, 28 at n = 256 where a call takes about a millisecond)
``fht-cpu`` (SIMD C++, PyPI) is optional: ``pip install -e .[bench]``. Prints a table, then one JSON line
(last) with n1024_speedup_vs_dense, n1024_time_vs_copy and n1024_time_vs_fht_cpu (all for the in-place
FWHT; the last is null when fht-cpu is not importable), the same at every n, and the msign errors.
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "2"

import json  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # this checkout first

import numba  # noqa: E402
import numpy as np  # noqa: E402

from tinyspike.transforms import (factor, fwht, hadamard_matrix, msign, newton_schulz,  # noqa: E402
                                  orthogonality_error, randomized_hadamard)

from _timing import median_seconds  # noqa: E402  (benchmarks/_timing.py)

try:  # optional third-party baseline (the ``bench`` extra)
    import fht_cpu  # type: ignore
except ImportError:
    fht_cpu = None

ROWS = 16384


def main():
    numba.set_num_threads(2)
    rng = np.random.default_rng(0)
    results, out = {}, {}
    x = rng.standard_normal((ROWS, 1024)).astype(np.float32)
    buf = np.empty_like(x)
    t_copy_1024 = median_seconds(lambda: np.copyto(buf, x), 7)
    print(f"batched transform of float32 ({ROWS}, n), 2 threads, median seconds; copy bandwidth "
          f"{2 * x.nbytes / t_copy_1024 / 1e9:.1f} GB/s (read + write, np.copyto at n = 1024); "
          f"fht-cpu: {'present' if fht_cpu else 'not importable, skipped'}")
    print(f"{'n':>6} {'fwht':>9} {'in-place':>9} {'fht-cpu':>9} {'dense':>9} {'copy':>9} {'dense/inpl':>11} "
          f"{'inpl/copy':>10} {'inpl/fht-cpu':>13}")
    for n in (256, 768, 1024, 4096):
        x = rng.standard_normal((ROWS, n)).astype(np.float32)
        buf = np.empty_like(x)
        np.copyto(buf, x)                           # touch the buffer once
        h = hadamard_matrix(n, np.float32)
        reps = 7 * max(1, 1024 // n)                # n = 256: a call is ~1 ms, so take 28 of them for the median
        t_fwht = median_seconds(lambda: fwht(x, out=buf), reps)             # out of place, x -> buf
        t_inplace = median_seconds(lambda: fwht(buf, inplace=True), reps)  # orthonormal: values stay bounded
        t_fht = float("nan")
        if fht_cpu is not None and factor(n)[0] == 1:                    # powers of two only
            np.copyto(buf, x)                       # unnormalised: grows by sqrt(n) per call (16^29 < 3e38 at n = 256)
            t_fht = median_seconds(lambda: fht_cpu.fht(buf, axis=-1, inplace=True, num_threads=2), reps)
        t_dense = median_seconds(lambda: x @ h.T, 3 if n >= 4096 else 5)
        t_copy = median_seconds(lambda: np.copyto(buf, x), reps)
        results[n] = (t_inplace, t_dense, t_copy, t_fht)
        out[f"n{n}_speedup_vs_dense"] = round(t_dense / t_inplace, 2)
        out[f"n{n}_time_vs_copy"] = round(t_inplace / t_copy, 2)
        out[f"n{n}_time_vs_fht_cpu"] = None if np.isnan(t_fht) else round(t_inplace / t_fht, 2)
        print(f"{n:>6} {t_fwht:9.4f} {t_inplace:9.4f} {t_fht:9.4f} {t_dense:9.4f} {t_copy:9.4f} "
              f"{t_dense / t_inplace:11.1f} {t_inplace / t_copy:10.2f} {t_inplace / t_fht:13.2f}")

    n = 768
    g = randomized_hadamard(n, 0, dtype=np.float32)
    print(f"\nmsign of a randomized Hadamard, n = {n}, float32: time and ||R R^T - I||_F")
    rows = [("svd", "svd", lambda: msign(g))]
    for scheme, steps in (("quintic", 5), ("cubic", 5), ("cubic", 14), ("quintic+cubic", 5)):
        label = f"{scheme} ({steps} steps{', +4 cubic' if '+' in scheme else ''})"
        rows.append((f"{scheme.replace('+', '_')}{steps}", label, lambda s=scheme, k=steps: newton_schulz(g, s, k)[0]))
    for key, label, fn in rows:
        t = median_seconds(fn, 3)
        err = float(orthogonality_error(fn().astype(np.float64)))
        out[f"n768_msign_{key}_s"] = round(t, 4)
        out[f"n768_msign_{key}_orth_err"] = float(f"{err:.3g}")
        print(f"{label:>32} {t:9.4f} s   orth. error {err:.2e}")

    print(json.dumps(out))


if __name__ == "__main__":
    main()
