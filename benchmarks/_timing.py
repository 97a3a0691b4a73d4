"""Shared by the benchmarks: the median wall time of a call, warm-up excluded."""
import time

import numpy as np


def median_seconds(fn, repeats):
    fn()                                                     # warm-up: JIT compile, page faults
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))
