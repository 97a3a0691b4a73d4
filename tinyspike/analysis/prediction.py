"""The saturation rate a well-mixing rotation will give, predicted from the untransformed inputs.

A randomized Hadamard R = S H_bar (``transforms/randomized.py``) is orthogonal, so it keeps each
token's norm, and every rotated entry y_i = sum_j s_j H_bar_ji x_j is a sum of n terms with random
signs and variance x_j^2 / n each. When no few channels carry most of the token's energy, the central
limit theorem makes y_i close to N(0, rms^2), rms^2 = ||x||^2 / n (the *uncentred* RMS: a channel
mean is spread like any other energy). Whatever the input's distribution, after the rotation

    P(neuron saturates) ~ Q(level / rms),      Q(z) = P(N(0, 1) >= z) = erfc(z / sqrt 2) / 2

and the site's rate is the mean over its tokens (``docs/analysis.md``, "When rotation lowers
saturation"). So the rotation lowers the rate only where the untransformed upper tail above the level
is heavier than this Gaussian one, and raises it where it is lighter.

The *saturation level* is the constant input at and above which a neuron fires at every step. For the
LIF with hard reset to v_reset = 0, starting from v = 0: the decay_input charge gives h = x / tau after
a reset, so it fires at every step exactly when x_t >= tau thr at every step (2 thr for tau = 2); the
leak charge gives h = x, level thr. No membrane carries over while the neuron keeps firing, so
this holds for time-varying inputs too: saturated <=> min_t x_t >= level.

``predicted_saturation_after_rotation`` assumes the input is constant over the T steps (direct
encoding; the first block's sites). ``predicted_saturation_after_rotation_over_time`` handles a
time-varying input by simulating the same Gaussian model: a token's T rotated copies of coordinate i
are jointly N(0, G / n), G_tt' = <x_t, x_t'> its Gram matrix, and one draw per neuron is compared
with the level at every step.
"""
from __future__ import annotations

import numpy as np
from scipy.special import erfc


def lif_saturation_level(thr, tau: float = 2.0, charge: str = "decay_input", reset: str = "hard",
                         v_reset: float = 0.0):
    """level = tau thr (decay_input) or thr (leak): a constant input x saturates the LIF iff x >= level."""
    if reset != "hard" or v_reset != 0.0:
        raise ValueError(f"lif_saturation_level: only a hard reset to v_reset = 0 has a single level; got "
                         f"reset={reset!r}, v_reset={v_reset} (simulate the neuron instead)")
    thr = np.asarray(thr, np.float64)
    return tau * thr if charge == "decay_input" else thr


def neuron_saturation_level(neuron):
    """The level of a LIF layer (``neurons/lif.py``), from its threshold(s) and config."""
    c = neuron.cfg
    return lif_saturation_level(neuron.thr, c.tau, c.charge, c.reset, c.v_reset)


def gaussian_tail(level, rms) -> np.ndarray:
    """Q(level / rms) = P(N(0, rms^2) >= level); rms = 0 gives 1 where level <= 0, else 0."""
    level, rms = np.asarray(level, np.float64), np.asarray(rms, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = 0.5 * erfc(level / (rms * np.sqrt(2.0)))
    return np.where(rms > 0, q, (level <= 0).astype(np.float64))


def token_rms(x: np.ndarray, blocks: int = 1) -> np.ndarray:
    """sqrt(mean_j x_j^2) over each of ``blocks`` equal blocks of the last axis: (..., n) -> (..., blocks)."""
    n = x.shape[-1]
    if blocks < 1 or n % blocks:
        raise ValueError(f"token_rms: blocks={blocks} must divide the last axis n={n}")
    xb = np.asarray(x, np.float64).reshape(*x.shape[:-1], blocks, n // blocks)     # (..., g, n/g)
    return np.sqrt((xb * xb).mean(-1))


def _levels(level, n: int, blocks: int) -> np.ndarray:
    """A scalar level or one per (rotated) coordinate, shaped (g, n/g)."""
    lv = np.asarray(level, np.float64)
    if lv.ndim > 1 or (lv.ndim == 1 and lv.shape[0] != n):
        raise ValueError(f"saturation prediction: level must be a scalar or one value per channel ({n}), "
                         f"got shape {lv.shape}")
    return np.broadcast_to(lv, (n,)).reshape(blocks, n // blocks)


def predicted_saturation_after_rotation(inputs: np.ndarray, level, blocks: int = 1) -> float:
    """mean over tokens (and coordinates) of Q(level / rms_token); inputs (..., n) constant over T.

    ``blocks``: a block-diagonal rotation with g blocks mixes each block separately, so each block has
    its own RMS. ``level``: scalar, or (n,) for a per-coordinate level in the rotated basis.
    """
    x = np.asarray(inputs)
    if x.ndim < 1 or x.shape[-1] == 0 or x.size == 0:
        raise ValueError(f"predicted_saturation_after_rotation: inputs must be (..., n) with tokens, got {x.shape}")
    rms = token_rms(x, blocks).reshape(-1, blocks, 1)                               # (N, g, 1)
    return float(gaussian_tail(_levels(level, x.shape[-1], blocks)[None], rms).mean())


def predicted_saturation_after_rotation_over_time(inputs: np.ndarray, level, blocks: int = 1,
                                                  seed: int = 0) -> float:
    """Time-varying inputs (T, ..., n): the fraction of one Gaussian draw per neuron, z ~ N(0, G / n) over
    the T steps (G the token's Gram matrix per block), with z_t >= level at every step."""
    x = np.asarray(inputs, np.float64)
    if x.ndim < 2:
        raise ValueError(f"predicted_saturation_after_rotation_over_time: inputs must be (T, ..., n), got {x.shape}")
    T, n = x.shape[0], x.shape[-1]
    if blocks < 1 or n % blocks:
        raise ValueError(f"predicted_saturation_after_rotation_over_time: blocks={blocks} must divide n={n}")
    b = n // blocks
    xb = np.moveaxis(x.reshape(T, -1, blocks, b), 0, 2)                             # (N, g, T, b)
    gram = xb @ xb.swapaxes(-1, -2) / b                                             # (N, g, T, T)
    w, v = np.linalg.eigh(gram)
    root = v * np.sqrt(np.clip(w, 0.0, None))[..., None, :]                         # root root^T = G / b
    z = root @ np.random.default_rng(seed).standard_normal(xb.shape)                # (N, g, T, b)
    return float(np.all(z >= _levels(level, n, blocks)[None, :, None, :], axis=2).mean())
