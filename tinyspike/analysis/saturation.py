"""Saturation report: per layer and neuron site, how many neurons fire at every time step.

A neuron is saturated when it spikes at all T steps (``neurons/stats.py``): every input above the
level that makes it fire each step gives the same spike train, so what distinguished those inputs is
lost (SmoothSpike's *information homogenization*). Per site the report gives the saturation rate, the
firing rate and the variance of the inputs of the saturated neurons (large: very different inputs
were flattened into one spike train), over the non-padding tokens.

For a site whose input lives in a transform's basis (R1 for the attention and MLP inputs, R2 for V and
the attention output, R3 for the MLP hidden layer) it also runs the same neuron on that input taken
back to the untransformed basis, c p R^{-1} (= p Q^T when R = c Q, Q orthogonal), and reports the
saturation rate it would have had there:
the pre-activations *before* the transform against those *after* it (paper Fig. 1, 4, 5).

For a site without a transform it runs a single-site counterfactual instead: the same neuron on the
recorded input rotated by a randomized Hadamard matrix drawn for the measurement, x H_R, everything
upstream kept (``saturation_rate_rotated``). So every site has a measured rate *after a rotation*: its own
rate where the model rotates, the counterfactual's where it does not (``rate_after_rotation``).

Beside the measured rates, ``predicted_after_rotation`` is the rate a well-mixing rotation would give,
predicted from the untransformed inputs alone (``analysis/prediction.py``: the Gaussian tail above the
neuron's saturation level at each token's RMS).
"""
from __future__ import annotations

import copy
import dataclasses

import numpy as np

from ..transforms.randomized import randomized_hadamard
from ..neurons.stats import firing_rate, saturated_preactivations, saturation_mask
from .prediction import (neuron_saturation_level, predicted_saturation_after_rotation,
                         predicted_saturation_after_rotation_over_time)
from .recording import SITES, SITE_TRANSFORM, SiteRecord, record_sites

MAX_HIST_VALUES = 200_000     # per site kind, for the histograms
PREDICTION_TOKENS = 2048      # tokens per site for the predicted rate after rotation (its cost grows with T n)


@dataclasses.dataclass
class SiteSaturation:
    layer: int
    site: str
    neurons: int                          # (token, channel) pairs counted
    saturation_rate: float
    firing_rate: float
    saturated_input_variance: float       # NaN when no neuron is saturated
    transform: str | None                 # "R1", "R2", "R3" or None
    saturation_rate_untransformed: float  # the same neuron on c p R^{-1}; NaN without a transform
    predicted_after_rotation: float = float("nan")  # Gaussian-tail prediction after a well-mixing rotation;
                                                    # NaN for neurons without a single level (elastic, soft reset)
    saturation_rate_rotated: float = float("nan")   # the same neuron on x H_R (a drawn randomized Hadamard);
                                                    # NaN where the site has a transform of its own

    @property
    def rate_after_rotation(self) -> float:
        """The measured rate after a rotation: the site's own where it has a transform, else the counterfactual's."""
        return self.saturation_rate if self.transform is not None else self.saturation_rate_rotated


def untransform(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """c x R^{-1} on the last axis, c^2 = mean squared singular value of R (so c R^{-1} = Q^T when R = c Q):
    the same vectors in the untransformed basis, at the scale the neuron saw. R is (n, n) or
    block-diagonal blocks (g, n/g, n/g)."""
    r64 = r.astype(np.float64)
    blocks = r64 if r64.ndim == 3 else r64[None]                       # (g, b, b)
    c = np.sqrt(np.mean(np.sum(blocks * blocks, axis=(1, 2)) / blocks.shape[-1]))
    g, b, _ = blocks.shape
    xb = x.reshape(*x.shape[:-1], g, b)
    return (c * np.einsum("...gi,gij->...gj", xb, np.linalg.inv(blocks))).reshape(x.shape).astype(x.dtype)


def _threshold(neuron) -> float:
    return float(np.mean(neuron.firing_threshold()))     # LIF: thr; elastic: alpha / 2


def _predicted_after_rotation(x: np.ndarray, rec: SiteRecord) -> float:
    """From the untransformed inputs x (T, N, n): the exact Gaussian tail when x is the same at every step,
    else the Gaussian model simulated over time; R3's blocks mix separately."""
    try:
        level = neuron_saturation_level(rec.neuron)
    except (AttributeError, ValueError):
        return float("nan")
    if x.shape[1] == 0:
        return float("nan")
    if x.shape[1] > PREDICTION_TOKENS:                                  # a mean over tokens: an even subsample
        x = x[:, np.linspace(0, x.shape[1] - 1, PREDICTION_TOKENS).astype(np.int64)]
    blocks = rec.transform.shape[0] if rec.transform is not None and rec.transform.ndim == 3 else 1
    if np.all(x == x[:1]):
        return predicted_saturation_after_rotation(x[0], level, blocks)
    return predicted_saturation_after_rotation_over_time(x, level, blocks)


def _rate_on(rec: SiteRecord, inputs: np.ndarray, valid: np.ndarray) -> float:
    """Saturation rate of the site's neuron (a fresh copy of it) on other inputs (T, B, S, n), real tokens only."""
    return float(saturation_mask(copy.copy(rec.neuron).forward(inputs)[:, valid]).mean())


def rotated_counterfactual(rec: SiteRecord, valid: np.ndarray, seed: int) -> float:
    """The single-site counterfactual: the site's neuron on its recorded input times a randomized Hadamard matrix."""
    r = randomized_hadamard(rec.inputs.shape[-1], seed, dtype=np.float64)
    return _rate_on(rec, (rec.inputs.astype(np.float64) @ r).astype(rec.inputs.dtype), valid)


def _site_row(rec: SiteRecord, valid: np.ndarray, seed: int):
    s, x = rec.spikes[:, valid], rec.inputs[:, valid]                   # (T, N, n)
    _, var = saturated_preactivations(s, x)
    before, rate_before, rotated = None, float("nan"), float("nan")
    if rec.transform is not None:
        before_full = untransform(rec.inputs, rec.transform)
        before, rate_before = before_full[:, valid], _rate_on(rec, before_full, valid)
    else:
        rotated = rotated_counterfactual(rec, valid, seed)
    row = SiteSaturation(rec.layer, rec.site, int(np.prod(s.shape[1:])), float(saturation_mask(s).mean()),
                         firing_rate(s), var, SITE_TRANSFORM[rec.site] if rec.transform is not None else None,
                         rate_before, _predicted_after_rotation(x if before is None else before, rec), rotated)
    return row, x, before


def _sample(values: list, rng) -> np.ndarray:
    v = np.concatenate([a.reshape(-1) for a in values]).astype(np.float64)
    return v if v.size <= MAX_HIST_VALUES else rng.choice(v, MAX_HIST_VALUES, replace=False)


@dataclasses.dataclass
class SaturationReport:
    overall_rate: float                   # saturated / counted neurons over every site
    sites: list                           # SiteSaturation rows, layer by layer in forward order
    histograms: dict = dataclasses.field(default_factory=dict, repr=False)  # site -> (after, before|None, thr)

    def to_dict(self) -> dict:
        return {"overall_rate": self.overall_rate,
                "sites": [{**dataclasses.asdict(r), "rate_after_rotation": r.rate_after_rotation} for r in self.sites]}

    def table(self) -> str:
        lines = [f"{'layer':>5} {'site':>10} {'transform':>9} {'sat. rate':>9} {'before':>8} {'firing':>7} "
                 f"{'var(sat. inputs)':>16} {'rotated':>8} {'pred. rot.':>10}"]
        for r in self.sites:
            lines.append(f"{r.layer:>5} {r.site:>10} {r.transform or '-':>9} {r.saturation_rate:>9.4f} "
                         f"{r.saturation_rate_untransformed:>8.4f} {r.firing_rate:>7.4f} "
                         f"{r.saturated_input_variance:>16.4g} {r.rate_after_rotation:>8.4f} "
                         f"{r.predicted_after_rotation:>10.4f}")
        lines.append(f"overall saturation rate: {self.overall_rate:.4f}")
        return "\n".join(lines)

    def plot(self, path) -> None:
        """Histograms of pre-activations per site kind (all layers), before/after the transform; PNG."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 4, figsize=(16, 7))
        for ax, site in zip(axes.flat, SITES):
            after, before, thr = self.histograms[site]
            lo, hi = np.percentile(np.concatenate([after] + ([] if before is None else [before])), [0, 100])
            bins = np.linspace(lo, hi, 80)
            if before is not None:
                ax.hist(before, bins, alpha=0.5, color="tab:red", label="before (c p R$^{-1}$)")
            ax.hist(after, bins, alpha=0.5, color="tab:blue", label="after (neuron input p)")
            ax.axvline(thr, color="k", ls="--", lw=1, label="threshold")
            ax.set_yscale("log")
            rows = [r for r in self.sites if r.site == site]
            sat = np.mean([r.saturation_rate for r in rows])
            title = f"{site}: saturated {sat:.3f}"
            if before is not None:
                title += f" (before {np.mean([r.saturation_rate_untransformed for r in rows]):.3f})"
            ax.set_title(title, fontsize=9)
            ax.legend(fontsize=7)
        ax = axes.flat[-1]
        x = np.arange(len(SITES))
        after = [np.mean([r.saturation_rate for r in self.sites if r.site == s]) for s in SITES]
        before = [np.mean([r.saturation_rate_untransformed for r in self.sites if r.site == s]) for s in SITES]
        ax.bar(x - 0.2, np.nan_to_num(before), 0.4, color="tab:red", label="before")
        ax.bar(x + 0.2, after, 0.4, color="tab:blue", label="after")
        ax.set_xticks(x, SITES, rotation=45, fontsize=8)
        ax.set_title("saturation rate per site", fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)


def saturation_report(model, inputs, *, seed: int = 0) -> SaturationReport:
    """Run ``model`` once on inputs = (ids, type_ids, attention_mask) and measure every neuron site;
    ``seed`` draws the counterfactual rotations' signs (site i: seed + i) and the histograms' samples."""
    records = record_sites(model, inputs)
    valid = np.asarray(inputs[2]).astype(bool)                          # (B, S): non-padding tokens
    rows, after, before = [], {s: [] for s in SITES}, {s: [] for s in SITES}
    for i, rec in enumerate(records):
        row, x, b = _site_row(rec, valid, seed + i)
        rows.append(row)
        after[rec.site].append(x)
        if b is not None:
            before[rec.site].append(b)
    saturated = sum(r.saturation_rate * r.neurons for r in rows)
    overall = float(saturated / sum(r.neurons for r in rows))
    rng = np.random.default_rng(seed)
    hist = {s: (_sample(after[s], rng), _sample(before[s], rng) if before[s] else None,
                _threshold(next(r.neuron for r in records if r.site == s))) for s in SITES}
    return SaturationReport(overall, rows, hist)
