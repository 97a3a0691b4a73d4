"""Division by a neuron group with ordered thresholds: the number of neurons that fire is floor(A 2^n / B).

The group integrates the denominator B into its thresholds (neuron i fires at i * B, i = 1..M); its
membrane is charged with the numerator shifted by n bits, A << n; each step the neurons whose threshold
is reached fire and the membrane loses (number fired) * B (reset by subtraction). After T steps the
count is min(T M, floor(A 2^n / B)): M neurons and T steps are interchangeable (capacity T M).
"""
from __future__ import annotations

import numpy as np

from .fixedpoint import SPIKE_INT


def _operands(A, B, where):
    A, B = np.asarray(A, dtype=SPIKE_INT), np.asarray(B, dtype=SPIKE_INT)
    if (A < 0).any():
        raise ValueError(f"{where}: numerator must be >= 0 (split the sign off first, see divide_signed)")
    if (B <= 0).any():
        raise ValueError(f"{where}: denominator must be >= 1, got min {int(B.min())}")
    return A, B


def division_population(A, B, n: int, neurons: int, T: int = 1) -> np.ndarray:
    """Simulate the group: M = neurons thresholds i*B, membrane A << n, T steps -> spike count (int64)."""
    A, B = _operands(A, B, "division_population")
    A, B = np.broadcast_arrays(A, B)
    thresholds = B[..., None] * np.arange(1, neurons + 1, dtype=SPIKE_INT)    # (..., M) ordered
    v = A << SPIKE_INT(n)                                                      # charged numerator
    count = np.zeros(A.shape, dtype=SPIKE_INT)
    for _ in range(T):
        fired = (v[..., None] >= thresholds).sum(-1, dtype=SPIKE_INT)
        v = v - fired * B
        count += fired
    return count


def divide(A, B, n: int) -> np.ndarray:
    """Closed form of the group with enough capacity: floor(A 2^n / B)  (A >= 0, B >= 1, A << n < 2^63)."""
    A, B = _operands(A, B, "divide")
    return (A << SPIKE_INT(n)) // B


def divide_signed(A, B, n: int) -> np.ndarray:
    """sign(A) floor(|A| 2^n / B): an ON/OFF pair of division groups."""
    A = np.asarray(A, dtype=SPIKE_INT)
    return np.sign(A) * divide(np.abs(A), B, n)


def reciprocal(B, n: int) -> np.ndarray:
    """floor(2^n / B): the division group fed the constant numerator 1."""
    return divide(np.ones_like(np.asarray(B, dtype=SPIKE_INT)), B, n)
