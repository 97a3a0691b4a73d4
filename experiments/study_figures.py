"""The seeded study's figures: rate against T with intervals, SmoothSpike's sites before and after its
rotations (the paper's Fig. 5), and the predicted rate after rotation against the measured one."""
from __future__ import annotations

import pathlib

import numpy as np

from tinyspike.analysis.aggregate import rate_after_rotation, rate_before_rotation

from .study_plan import MODELS, REGIMES, TIME_STEPS
from .study_stats import mean_ci


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def rate_against_T(grouped: dict, path: pathlib.Path) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, len(REGIMES), figsize=(5 * len(REGIMES), 3.6), sharey=False)
    for ax, regime in zip(np.atleast_1d(axes), REGIMES):
        for k, model in enumerate(MODELS):
            cis = [mean_ci([r["metrics"]["saturation_rate"] for r in grouped.get((regime, model, T), [])])
                   for T in TIME_STEPS]
            x = np.arange(len(TIME_STEPS)) + (k - 1) * 0.08
            y = np.array([c.mean for c in cis])
            err = np.array([[c.mean - c.low for c in cis], [c.high - c.mean for c in cis]])
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=model)
        ax.set_xticks(range(len(TIME_STEPS)), [f"T = {t}" for t in TIME_STEPS])
        ax.set_title(f"{regime} regime: saturation rate, mean and 95% CI", fontsize=9)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def fig5_sites(grouped: dict, path: pathlib.Path, T: int) -> None:
    """Per site kind, SmoothSpike's rate before and after its rotations (mean over runs and layers)."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(REGIMES), figsize=(5 * len(REGIMES), 3.6))
    for ax, regime in zip(np.atleast_1d(axes), REGIMES):
        runs = grouped.get((regime, "smoothspike", T), [])
        if not runs:
            continue
        sites = list(dict.fromkeys(s["site"] for s in runs[0]["sites"]))
        before = [np.nanmean([rate_before_rotation(s) for r in runs for s in r["sites"] if s["site"] == k])
                  for k in sites]
        after = [np.nanmean([s["saturation_rate"] for r in runs for s in r["sites"] if s["site"] == k]) for k in sites]
        x = np.arange(len(sites))
        ax.bar(x - 0.2, before, 0.4, color="tab:red", label="before (rotated back)")
        ax.bar(x + 0.2, after, 0.4, color="tab:blue", label="after (what the neurons saw)")
        ax.set_xticks(x, sites, rotation=45, fontsize=8)
        ax.set_title(f"{regime} regime: SmoothSpike at T = {T}", fontsize=9)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def prediction_scatter(grouped: dict, path: pathlib.Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    top = 0.0
    for regime, color in zip(REGIMES, ("tab:blue", "tab:orange")):
        pairs = np.array([(s["predicted_after_rotation"], rate_after_rotation(s)) for (g, _, _), runs in grouped.items()
                          if g == regime for r in runs for s in r["sites"]], dtype=np.float64)
        pairs = pairs[np.all(np.isfinite(pairs), axis=1)] if pairs.size else pairs
        if pairs.size:
            ax.scatter(pairs[:, 0], pairs[:, 1], s=6, alpha=0.4, color=color, label=regime)
            top = max(top, float(pairs.max()))
    ax.plot([0, top], [0, top], "k--", lw=1, label="measured = predicted")
    ax.set_xlabel("predicted rate after rotation")
    ax.set_ylabel("measured rate after rotation")
    ax.set_title("every site of every run", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def draw(grouped: dict, folder: pathlib.Path) -> list[tuple[str, str]]:
    """Draw the figures into ``folder``; (file name, caption) each."""
    if not grouped:
        return []
    rate_against_T(grouped, folder / "rate_against_T.png")
    fig5_sites(grouped, folder / "smoothspike_sites_before_after.png", max(TIME_STEPS))
    prediction_scatter(grouped, folder / "prediction_against_measured.png")
    return [("rate_against_T.png", "saturation rate against T, both regimes, 95% intervals"),
            ("smoothspike_sites_before_after.png", "SmoothSpike's sites before and after its rotations"),
            ("prediction_against_measured.png", "predicted against measured rate after rotation")]
