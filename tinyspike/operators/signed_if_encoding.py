"""Signed integrate-and-fire encoding of a value over T steps (reset by subtraction), and decoding.

An ON/OFF pair of integrate-and-fire populations: the ON one integrates max(q, 0), the OFF one max(-q, 0);
each population has `levels` neurons with ordered thresholds theta, 2 theta, ..., levels * theta on one
shared membrane, pre-charged to theta // 2 so counts round to nearest. Each step the neurons whose
threshold the membrane reaches fire and the membrane loses (number fired) * theta. Over T steps the
signed count is n = sign(q) * min(T * levels, floor((T |q| + theta // 2) / theta)), so n * theta / T
recovers q within one level theta / T. T and levels are interchangeable: capacity T * levels.
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import SPIKE_INT


def _check(theta: int, T: int, levels: int) -> None:
    if int(theta) < 1 or int(T) < 1 or int(levels) < 1:
        raise ValueError(f"integrate-and-fire encoder: need theta >= 1, T >= 1, levels >= 1; "
                         f"got theta={theta}, T={T}, levels={levels}")


def if_encode_simulated(current, theta: int, T: int, levels: int) -> np.ndarray:
    """Run the ON/OFF populations step by step: current (int) -> signed spike count (int64)."""
    _check(theta, T, levels)
    current = np.asarray(current, dtype=SPIKE_INT)
    sign, mag = np.sign(current), np.abs(current)
    thresholds = SPIKE_INT(theta) * np.arange(1, levels + 1, dtype=SPIKE_INT)   # ordered thresholds
    v = np.full(mag.shape, theta // 2, dtype=SPIKE_INT)                         # pre-charged membrane
    count = np.zeros(mag.shape, dtype=SPIKE_INT)
    for _ in range(T):
        v = v + mag                                                  # integrate
        fired = (v[..., None] >= thresholds).sum(-1, dtype=SPIKE_INT)   # fire: neurons over threshold
        v = v - fired * SPIKE_INT(theta)                             # reset by subtraction
        count += fired
    return sign * count


def if_encode(current, theta: int, T: int, levels: int) -> np.ndarray:
    """Closed form of `if_encode_simulated` (proved equal by tests/operators/test_encoding.py)."""
    _check(theta, T, levels)
    current = np.asarray(current, dtype=SPIKE_INT)
    mag = (SPIKE_INT(T) * np.abs(current) + SPIKE_INT(theta // 2)) // SPIKE_INT(theta)
    return np.sign(current) * np.minimum(mag, SPIKE_INT(T) * SPIKE_INT(levels))


def if_decode(count, theta: int, T: int) -> np.ndarray:
    """q_hat = round(n * theta / T): the current a count stands for, in the same integer units."""
    count = np.asarray(count, dtype=SPIKE_INT)
    mag = (np.abs(count) * SPIKE_INT(theta) + SPIKE_INT(T // 2)) // SPIKE_INT(T)
    return np.sign(count) * mag
