"""Pictures of spikes: a raster (tokens x channels x T) and LIF membrane traces, from recorded inputs.

A raster lays one sentence's spikes out as an image: one row per channel, and for each token a group
of T columns (time runs left to right inside the group), so a saturated channel is a row of solid
groups and a silent one an empty row. The membrane is not recorded; ``membrane_traces`` recomputes it
from the neuron's recorded input with the LIF reference loop (``neurons/lif.py``: charge, fire, reset).
Matplotlib is imported inside the functions; the caller (or the test harness) picks the backend.
"""
from __future__ import annotations

import numpy as np

from ..neurons.lif import LIF, lif_forward_reference, membrane


def raster_image(spikes: np.ndarray, max_channels: int | None = None) -> np.ndarray:
    """spikes (T, S, C) -> image (C, S*T): pixel (c, j*T + t) is the spike of token j, channel c, step t."""
    if spikes.ndim != 3:
        raise ValueError(f"raster_image: spikes must be (T, S, C) for one sentence, got shape {spikes.shape}")
    t, s, c = spikes.shape
    keep = c if max_channels is None else min(c, max_channels)
    return np.ascontiguousarray(spikes[..., :keep].transpose(2, 1, 0).reshape(keep, s * t))   # (C, S, T) -> (C, S*T)


def spike_raster(ax, spikes: np.ndarray, *, title: str | None = None, max_channels: int | None = 64):
    """Draw the raster of one sentence's spikes (T, S, C) on ``ax``; ternary spikes (-1, 0, 1) in two colours."""
    t, s, _ = spikes.shape
    img = raster_image(spikes, max_channels)
    ternary = bool((img < 0).any())
    ax.imshow(img, aspect="auto", interpolation="nearest", cmap="bwr" if ternary else "Greys",
              vmin=-1 if ternary else 0, vmax=1)
    for j in range(1, s):
        ax.axvline(j * t - 0.5, color="tab:orange", lw=0.4)
    ax.set_xticks(np.arange(s) * t + (t - 1) / 2, [str(j) for j in range(s)], fontsize=7)
    ax.set_xlabel(f"token (each group: T = {t} steps)")
    ax.set_ylabel("channel")
    if title:
        ax.set_title(f"{title}: firing rate {np.abs(spikes).mean():.3f}", fontsize=9)
    return ax


def lif_membrane(neuron: LIF, inputs: np.ndarray) -> np.ndarray:
    """h (T, ...): the membrane after charge, before reset, recomputed from a LIF's recorded input."""
    if not isinstance(neuron, LIF):
        raise TypeError(f"lif_membrane: membrane traces need a LIF neuron, got {type(neuron).__name__} "
                        "(the elastic neuron has no threshold crossing to draw)")
    _, _, cache = lif_forward_reference(inputs, None, neuron.thr, neuron.cfg)
    return membrane(cache, neuron.cfg)


def membrane_traces(ax, neuron: LIF, inputs: np.ndarray, channels, *, title: str | None = None):
    """Plot h_t of a few channels of one token's input (T, C) with the threshold and the spikes (dots)."""
    if inputs.ndim != 2:
        raise ValueError(f"membrane_traces: inputs must be (T, C) for one token, got shape {inputs.shape}")
    h = lif_membrane(neuron, inputs)                              # (T, C)
    s, _, _ = lif_forward_reference(inputs, None, neuron.thr, neuron.cfg)
    steps = np.arange(h.shape[0])
    thr = np.broadcast_to(np.asarray(neuron.thr, dtype=float), (h.shape[1],))
    for c in channels:
        line, = ax.plot(steps, h[:, c], marker=".", label=f"channel {c}")
        fired = s[:, c] > 0
        ax.scatter(steps[fired], h[fired, c], s=60, facecolors="none", edgecolors=line.get_color())
        ax.axhline(thr[c], color=line.get_color(), ls="--", lw=0.8)
    ax.set_xlabel("time step t")
    ax.set_ylabel("membrane h_t")
    ax.legend(fontsize=7)
    ax.set_title(f"{title + ': ' if title else ''}dashed = threshold, circles = spikes", fontsize=9)
    return ax


def site_rasters(records, path, *, layer: int = 0, sentence: int = 0, max_channels: int = 64) -> None:
    """One PNG: the raster of every neuron site of one block for one sentence (records of ``record_sites``)."""
    import matplotlib.pyplot as plt

    rows = [r for r in records if r.layer == layer]
    if not rows:
        raise ValueError(f"site_rasters: no records for layer {layer} (the model has "
                         f"{1 + max(r.layer for r in records)} blocks)")
    fig, axes = plt.subplots(len(rows), 1, figsize=(12, 2.2 * len(rows)), squeeze=False)
    for ax, r in zip(axes[:, 0], rows):
        spike_raster(ax, r.spikes[:, sentence], title=f"block {layer}, site {r.site}", max_channels=max_channels)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
