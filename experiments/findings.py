"""The sentences a results page states, each computed from the result files (never typed by hand).

``findings(results)`` returns markdown bullets: saturation with and without the MLP hidden site, the
variance of saturated inputs (aggregated by ``tinyspike.analysis.aggregate``), before/after at the
transformed sites, GLUE against the seed spread, perplexity, energy and what the stored files can and
cannot say. ``fix_notice(results)`` says when the files predate the sign and energy fixes.
``tests/experiments/test_results_pages.py`` regenerates each committed page and compares.
"""
from __future__ import annotations

import numpy as np

from tinyspike.analysis.aggregate import saturated_input_variance_over_sites, saturation_rate_over_sites

T_PAIRS = (("baseline-T1", "smoothspike-T1"), ("baseline-T2", "smoothspike-T2"), ("baseline", "smoothspike"))
HIDDEN = ("mlp_hidden",)


def _measures(results):
    return {r["config"]: r for r in results if r["kind"] == "measure"}


def predates_fixes(results) -> bool:
    """Measurements written before the sign and energy fixes store no unfused energy beside the fused one."""
    return any("energy_unfused_mj" not in r["metrics"] for r in results if r["kind"] == "measure")


def fix_notice(results) -> str:
    if not predates_fixes(results):
        return ""
    return ("> **Measured before two fixes.** Every SmoothSpike row on this page (any model with a transform) "
            "was measured with the randomized Hadamard's random signs applied *after* the mixing (x H̄ S, so the "
            "sign draw did not change any |entry| and Theorem 4.1 did not apply), and every energy is the "
            "*unfused* model's, which prices the rotations as multiply-accumulates; the paper's convention is "
            "the fused model. Both are fixed in the library, and W1 is now initialised for spike inputs so that the "
            "MLP hidden site fires (`ModelConfig.w1_init_rate`; these models used PyTorch's initialisation, under "
            "which the site stays nearly silent); these files were not re-run. The aggregates "
            "below are recomputed from the stored per-site rows with the corrected rule (variance weighted by "
            "saturated neurons).\n")


def _direction(a: float, b: float, lower: str = "lower", higher: str = "higher") -> str:
    return lower if a < b else higher if a > b else "equal to"


def saturation_findings(measure: dict) -> list[str]:
    out = []
    for base, smooth in T_PAIRS:
        if base not in measure or smooth not in measure:
            continue
        t = measure[base]["model"]["T"]
        b, s = measure[base]["sites"], measure[smooth]["sites"]
        rb, rs = saturation_rate_over_sites(b), saturation_rate_over_sites(s)
        hb, hs = saturation_rate_over_sites(b, HIDDEN), saturation_rate_over_sites(s, HIDDEN)
        vb, vs = saturated_input_variance_over_sites(b), saturated_input_variance_over_sites(s)
        wb, ws = saturated_input_variance_over_sites(b, HIDDEN), saturated_input_variance_over_sites(s, HIDDEN)
        lower, compared = _sites_with_lower_variance(b, s)
        out.append(f"- T = {t}: SmoothSpike's saturation rate is {_direction(rs, rb)} than the baseline's "
                   f"({rs:.4f} against {rb:.4f}; without the MLP hidden site {hs:.4f} against {hb:.4f}). "
                   f"The variance of saturated inputs is {_direction(vs, vb)} ({vs:.3g} against {vb:.3g}; "
                   f"without the MLP hidden site {_direction(ws, wb)}: {ws:.3g} against {wb:.3g}); site by site "
                   f"it is lower at {lower} of the {compared} (layer, site) pairs where both models saturate.")
    return out


def _sites_with_lower_variance(base_sites, smooth_sites) -> tuple[int, int]:
    """(pairs where SmoothSpike's variance of saturated inputs is lower, pairs where both have one)."""
    base = {(r["layer"], r["site"]): r["saturated_input_variance"] for r in base_sites}
    pairs = [(base[(r["layer"], r["site"])], r["saturated_input_variance"]) for r in smooth_sites
             if (r["layer"], r["site"]) in base]
    pairs = [(b, s) for b, s in pairs if b == b and s == s and b is not None and s is not None]
    return sum(s < b for b, s in pairs), len(pairs)


def before_after_findings(measure: dict) -> list[str]:
    out = []
    for config, r in measure.items():
        rated = [s for s in r["sites"] if s["transform"]]
        if not rated:
            continue
        after = saturation_rate_over_sites(rated)
        neurons = sum(s["neurons"] for s in rated)
        before = sum(s["saturation_rate_untransformed"] * s["neurons"] for s in rated) / neurons
        out.append(f"`{config}` {_direction(after, before, 'lowers', 'raises')} it ({before:.4f} → {after:.4f})")
    if not out:
        return []
    return ["- At the sites with a transform, against the same neurons fed the untransformed inputs, the "
            "transforms: " + "; ".join(out) + "."]


def hidden_site_findings(measure: dict) -> list[str]:
    lif = [r for r in measure.values() if r["model"].get("neuron", "lif") == "lif"]
    rows = [s for r in lif for s in r["sites"] if s["site"] == "mlp_hidden"]
    if not rows:
        return []
    neurons = sum(s["neurons"] for s in rows)
    total = sum(s["neurons"] for r in lif for s in r["sites"])
    sat = max(s["saturation_rate"] for s in rows)
    fire = [s["firing_rate"] for s in rows]
    return [f"- In the LIF models the MLP hidden site fires for {min(fire):.2%}–{max(fire):.2%} of its neurons and "
            f"its largest saturation rate in any of them is {sat:.5f}; it holds {neurons / total:.0%} of the counted "
            "neurons, so rates with and without it are both given."]


def glue_findings(results) -> list[str]:
    scores: dict = {}
    for r in results:
        if r["kind"] == "finetune":
            scores.setdefault((r["config"], r["task"]), []).append(r["metrics"]["score"])
    sst2 = {c: v for (c, t), v in scores.items() if t == "sst2"}
    if "baseline" not in sst2:
        return []
    b = sst2["baseline"]
    parts = []
    for config, v in sst2.items():
        if config == "baseline":
            continue
        spread = max(np.std(v, ddof=1) if len(v) > 1 else 0.0, np.std(b, ddof=1) if len(b) > 1 else 0.0)
        diff = float(np.mean(v) - np.mean(b))
        word = "within the seed spread of" if abs(diff) <= spread else _direction(np.mean(v), np.mean(b), "below", "above")
        parts.append(f"`{config}` {np.mean(v):.1f} ({word})")
    return [f"- SST-2 dev accuracy against the baseline's {np.mean(b):.1f} ± {np.std(b, ddof=1):.1f} "
            f"(n = {len(b)}): " + "; ".join(parts) + ". \"Within the seed spread\": the difference of the means is "
            "at most the larger of the two standard deviations."]


def perplexity_findings(results) -> list[str]:
    ppl = {r["config"]: r["metrics"]["mlm_perplexity"] for r in results if r["kind"] == "pretrain"}
    if "baseline" not in ppl or len(ppl) < 2:
        return []
    others = [v for c, v in ppl.items() if c != "baseline" and not c.startswith("baseline-") and "spikelm" not in c]
    if not others:
        return []
    return [f"- MLM perplexity of the LIF models with transforms at T = 4 and below: {min(others):.0f}–"
            f"{max(others):.0f}, against the baseline's {ppl['baseline']:.0f}."]


def energy_findings(measure: dict, predates: bool) -> list[str]:
    if "baseline" not in measure or "smoothspike" not in measure:
        return []
    b, s = measure["baseline"]["metrics"]["energy_mj"], measure["smoothspike"]["metrics"]["energy_mj"]
    if predates:
        return [f"- Energy (unfused, so not the paper's convention): SmoothSpike {s:.3g} mJ against the baseline's "
                f"{b:.3g} mJ per sequence, {s / b:.1f}x; most of it is the rotations priced as multiply-accumulates, "
                "which fusion turns back into spike-driven accumulates (docs/analysis.md)."]
    u = measure["smoothspike"]["metrics"]["energy_unfused_mj"]
    return [f"- Energy of the deployed (fused) models: SmoothSpike {s:.3g} mJ against the baseline's {b:.3g} mJ "
            f"per sequence ({s / b:.2f}x); unfused, SmoothSpike would cost {u:.3g} mJ."]


def findings(results) -> str:
    measure = _measures(results)
    lines = (saturation_findings(measure) + before_after_findings(measure) + hidden_site_findings(measure)
             + glue_findings(results) + perplexity_findings(results) + energy_findings(measure, predates_fixes(results)))
    return "\n".join(lines) if lines else "Nothing measured yet."
