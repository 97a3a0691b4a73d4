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


def paired_ratio(fn, ref, repeats):
    """(median seconds of fn, median seconds of ref, median of the ratios fn / ref), timing ref right
    before every fn call, so a burst of load from elsewhere on a shared machine hits both sides of a pair.
    Warm-up of both excluded."""
    fn()
    ref()
    t_fn, t_ref = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ref()
        t1 = time.perf_counter()
        fn()
        t2 = time.perf_counter()
        t_ref.append(t1 - t0)
        t_fn.append(t2 - t1)
    ratios = np.array(t_fn) / np.array(t_ref)
    return float(np.median(t_fn)), float(np.median(t_ref)), float(np.median(ratios))
