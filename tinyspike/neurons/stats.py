"""Spike statistics, computed from stored spikes (and inputs) only when asked, never on the forward path.

``s`` is (T, ...) with any nonzero value counting as a spike (so ternary SpikeLM spikes count too).
A neuron is *saturated* when it fires at every one of the T steps (SmoothSpike's saturation rate).
"""
from __future__ import annotations

import numpy as np


def firing_rate(s: np.ndarray) -> float:
    """Fraction of (step, neuron) entries that spike."""
    return float(np.count_nonzero(s)) / s.size


def spike_count(s: np.ndarray) -> np.ndarray:
    """Spikes per neuron over time: (T, ...) -> (...) integers in [0, T]."""
    return np.count_nonzero(s, axis=0)


def saturation_mask(s: np.ndarray) -> np.ndarray:
    """True where the neuron fires at all T steps: (T, ...) -> (...) bool."""
    return spike_count(s) == s.shape[0]


def saturation_rate(s: np.ndarray) -> float:
    """Fraction of neurons that fire at all T steps."""
    return float(saturation_mask(s).mean())


def saturated_preactivations(s: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    """Inputs of the saturated neurons and their variance.

    s, x: (T, ...) spikes and the pre-activations that produced them (or x: (...) when the input is the
    same at every step, as with direct encoding). Returns (values (T, n_sat) or (n_sat,), variance);
    the variance is NaN when no neuron is saturated.
    """
    mask = saturation_mask(s)
    vals = x[:, mask] if x.ndim == s.ndim else x[mask]
    return vals, float(vals.var()) if vals.size else float("nan")
