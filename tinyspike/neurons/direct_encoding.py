"""Direct encoding (the same input at every time step) and the mean-over-time readout."""
from __future__ import annotations

import numpy as np


def direct_encode_forward(x: np.ndarray, T: int) -> np.ndarray:
    """x_t = x for t = 1..T:  (...) -> (T, ...)   (SmoothSpike / SpikeLM repeat the embedding T times)."""
    if T < 1:
        raise ValueError(f"direct_encode: T must be >= 1, got {T}")
    return np.repeat(x[None], T, axis=0)            # (T, ...) a real copy, safe to write


def direct_encode_backward(dxt: np.ndarray) -> np.ndarray:
    """dL/dx = sum_t dL/dx_t:  (T, ...) -> (...)."""
    return dxt.sum(axis=0)


def mean_readout_forward(s: np.ndarray) -> np.ndarray:
    """y = (1/T) sum_t s_t:  (T, ...) -> (...)."""
    return s.mean(axis=0)


def mean_readout_backward(dy: np.ndarray, T: int) -> np.ndarray:
    """dL/ds_t = dL/dy / T for every t:  (...) -> (T, ...)."""
    return np.repeat((dy / T)[None], T, axis=0)
