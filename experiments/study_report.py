"""docs/results.md and results/summary.json from the seeded study's result files.

``python -m experiments.study_report results/study --out docs/results.md --summary results/summary.json
--figures docs/figures/study --intro experiments/results_intro.md --reference results/reference-rows.json
--flagship results/flagship --appendix results/cpu results/cpu-slice``

Every number and every direction on the page is computed here from the result files (``study_claims``);
the hand-written introduction states none. The appendix renders the studies measured before the fixes
(``summarise.render``), marked as such. ``tests/experiments/test_study_page.py`` regenerates the page.
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import re
import sys

import numpy as np

from tinyspike.analysis.aggregate import rate_after_rotation, rate_before_rotation, saturated_input_variance_over_sites

from . import flagship_page, study_figures
from .plan import GLUE5
from .study_claims import (GLUE_MODELS, Claim, glue_claims, glue_energy, glue_scores, prediction_error, runs,
                           saturation_claims, study_fields, t_values, theory_check)
from .study_plan import MODELS, REGIMES, TIME_STEPS
from .study_stats import mean_ci
from .summarise import TASK_METRIC, load_results, no_results, read_json, relative_link, render

BUDGET_HOURS = 8.0
TWO_CORES = 2


def _ci(ci, fmt=".4f") -> str:
    return "–" if ci.n == 0 else f"{ci.mean:{fmt}} [{ci.low:{fmt}}, {ci.high:{fmt}}]"


def claims_table(claims: list[Claim]) -> list[str]:
    lines = ["| claim | regime | T | difference [95% CI] | runs | verdict |", "|---|---|---|---|---|---|"]
    for c in claims:
        lines.append(f"| {c.statement} | {c.regime or '–'} | {c.T or '–'} | {_ci(c.ci, c.fmt)} | {c.ci.n} | "
                     f"**{c.verdict}** |")
    return lines


def claim_sentences(claims: list[Claim], grouped: dict) -> list[str]:
    """Per statement and regime, one sentence naming the verdict at each T."""
    out = []
    seen = []
    for c in claims:
        if c.regime is not None and (c.key, c.regime) not in seen:
            seen.append((c.key, c.regime))
    for key, regime in seen:
        rows = [c for c in claims if c.key == key and c.regime == regime]
        per_t = "; ".join(f"T = {c.T}: {c.verdict} ({_ci(c.ci, c.fmt)})" for c in rows)
        out.append(f"- *{regime}* regime, {rows[0].statement}: {per_t}.")
    for regime in REGIMES:
        for T in TIME_STEPS:
            predicted, measured, same = theory_check(claims, regime, T)
            if same is None:
                continue
            out.append(f"- *{regime}* regime, T = {T}: the prediction says rotating the baseline's sites leaves its "
                       f"rate *{predicted}*; the single-site counterfactuals measured it *{measured}*: the prediction "
                       f"{'holds' if same else 'fails'}.")
        err = prediction_error(grouped, regime)
        share = mean_ci([r["metrics"].get("embedding_top6_energy_share", float("nan"))
                         for (g, _, _), rs in grouped.items() if g == regime for r in rs])
        out.append(f"- *{regime}* regime: the predicted rate after rotation is off the measured one by "
                   f"{_ci(err)} on average over sites ({err.n} runs, every model and T). The six largest "
                   f"channels of the embedding output hold {_ci(share, '.3f')} of a token's energy ({share.n} runs; "
                   "the prediction assumes no few channels dominate).")
    return out


def expectation_sentence(claims: list[Claim]) -> str:
    """The theory's expectation for the two regimes (lower with outliers, not lower without), tested at each T."""
    parts = []
    for T in TIME_STEPS:
        got = {regime: theory_check(claims, regime, T)[1] for regime in REGIMES}
        if "not measured" in got.values():
            continue
        held = got["outlier"] == "lower" and got["default"] != "lower"
        parts.append(f"T = {T}: outlier {got['outlier']}, default {got['default']} "
                     f"({'as expected' if held else 'not as expected'})")
    if not parts:
        return "- The expectation for the two regimes is not measured yet."
    return ("- The expectation that a rotation lowers saturation in the outlier regime and not in the default one, "
            "measured by the baseline's counterfactuals: " + "; ".join(parts) + ".")


def rate_table(grouped: dict, regime: str) -> list[str]:
    lines = ["| model | T | saturation rate | without MLP hidden | var(saturated inputs) | before rotation | "
             "after rotation | predicted after | fused energy (mJ / seq) | runs |", "|---" * 10 + "|"]
    for model in MODELS:
        for T in TIME_STEPS:
            g = grouped.get((regime, model, T), [])
            cell = {n: mean_ci([r["metrics"][n] for r in g]) for n in (
                "saturation_rate", "saturation_rate_without_mlp_hidden", "saturated_input_variance",
                "rate_before_rotation", "rate_after_rotation", "predicted_after_rotation", "energy_mj")}
            lines.append(f"| {model} | {T} | {_ci(cell['saturation_rate'])} | "
                         f"{_ci(cell['saturation_rate_without_mlp_hidden'])} | "
                         f"{_ci(cell['saturated_input_variance'], '.3g')} | {_ci(cell['rate_before_rotation'])} | "
                         f"{_ci(cell['rate_after_rotation'])} | {_ci(cell['predicted_after_rotation'])} | "
                         f"{_ci(cell['energy_mj'], '.3g')} | {len(g)} |")
    return lines


def seed_spread(group: list[dict]) -> tuple[float, float]:
    """(relative sd of the rate over sign seeds within a pretraining seed, averaged over pretraining seeds;
    relative sd over pretraining seeds of the rate averaged over sign seeds), both divided by the mean rate."""
    by_seed: dict[int, list[float]] = {}
    for r in group:
        by_seed.setdefault(r["seed"], []).append(r["metrics"]["saturation_rate"])
    mean = float(np.mean([r["metrics"]["saturation_rate"] for r in group]))
    within = float(np.mean([np.std(v, ddof=1) for v in by_seed.values() if len(v) > 1]))
    across = float(np.std([np.mean(v) for v in by_seed.values()], ddof=1))
    return within / mean, across / mean


def spread_table(grouped: dict) -> list[str]:
    lines = ["| regime | model | T | sign draw alone (sd / mean) | pretraining seed (sd / mean) |", "|---" * 5 + "|"]
    for regime in REGIMES:
        for model in MODELS[1:]:
            for T in TIME_STEPS:
                g = grouped.get((regime, model, T), [])
                if len(g) >= 4:
                    within, across = seed_spread(g)
                    lines.append(f"| {regime} | {model} | {T} | ±{100 * within:.0f}% | ±{100 * across:.0f}% |")
    return lines


def _mean(rows: list[dict], value) -> float:
    """Mean of value(row) over the rows where it is finite (NaN when none is)."""
    v = np.array([value(r) for r in rows], dtype=np.float64)
    return float(np.nanmean(v)) if np.isfinite(v).any() else math.nan


def sst2_bag_of_words(reference: dict | None) -> float | None:
    """The bag-of-words row's SST-2 dev accuracy (a fraction), or None without reference rows."""
    row = next((r for r in reference["rows"] if r["task"] == "sst2"), None) if reference else None
    return row["bag_of_words"]["accuracy"] if row else None


def site_table(grouped: dict, regime: str, T: int) -> list[str]:
    """Per (model, layer, site): means over runs; the variance pooled over runs by saturated neurons."""
    lines = ["| model | layer | site | transform | rate | before rotation | after rotation | predicted after | "
             "var(saturated inputs) |", "|---|---|---|---|---|---|---|---|---|"]
    for model in MODELS:
        g = grouped.get((regime, model, T), [])
        if not g:
            continue
        for i, site in enumerate(g[0]["sites"]):
            rows = [r["sites"][i] for r in g]
            var = saturated_input_variance_over_sites(rows)
            lines.append(f"| {model} | {site['layer']} | {site['site']} | {site['transform'] or '–'} | "
                         f"{_mean(rows, lambda s: s['saturation_rate']):.4f} | "
                         f"{_mean(rows, rate_before_rotation):.4f} | {_mean(rows, rate_after_rotation):.4f} | "
                         f"{_mean(rows, lambda s: s['predicted_after_rotation']):.4f} | "
                         f"{var:.3g} |")
    return lines


def glue_table(scores: dict, reference: dict | None, flagship: dict, energy: dict) -> list[str]:
    lines = ["| model | " + " | ".join(f"{t} ({TASK_METRIC[t]})" for t in GLUE5) + " | fused energy (mJ / seq) |",
             "|" + "---|" * (len(GLUE5) + 2)]
    for model in GLUE_MODELS:
        cells = []
        for t in GLUE5:
            v = scores.get((model, t), [])
            cells.append(f"{np.mean(v):.1f} ± {np.std(v, ddof=1):.1f}" if len(v) > 1 else "–")
        e = f"{energy[model]:.3g}" if model in energy else "–"
        lines.append(f"| {model} | " + " | ".join(cells) + f" | {e} |")
    if reference:
        rows = {r["task"]: r for r in reference["rows"]}
        for key, name in (("majority", "majority class"), ("bag_of_words", "bag of words")):
            lines.append(f"| {name} | " + " | ".join(
                "/".join(f"{100 * rows[t][key][m]:.1f}" for m in rows[t]["metrics"]) for t in GLUE5) + " | – |")
    for model, r in sorted(flagship.items()):
        lines.append(f"| flagship {model} | – | {100 * r['dev_accuracy']:.1f} | – | – | – | – |")
    return lines


def bow_sentences(scores: dict, reference: dict | None) -> list[str]:
    if not reference:
        return []
    rows = {r["task"]: r for r in reference["rows"]}
    out = []
    for t in GLUE5:
        bow = 100 * float(np.mean(list(rows[t]["bag_of_words"][m] for m in rows[t]["metrics"])))
        means = {m: float(np.mean(scores[(m, t)])) for m in GLUE_MODELS if (m, t) in scores}
        if not means:
            continue
        best = max(means, key=means.get)
        out.append(f"- {t}: {sum(v < bow for v in means.values())} of the {len(means)} Table 2 models are below the "
                   f"bag-of-words row ({bow:.1f}); the best, `{best}`, scores {means[best]:.1f}.")
    return out


def flagship_sentences(flagship: dict, reference: dict | None) -> list[str]:
    """Each flagship run against the target (and what limits it), each ablation against the run it varies, and
    SmoothSpike against the baseline (``experiments/flagship_page.py`` words them)."""
    if not flagship:
        return ["- The flagship recipe has no result file yet."]
    out = []
    for name, r in sorted(flagship.items()):
        out.append(flagship_page.limit_sentence(f"flagship `{name}`", r))
        if name != r["model"]:
            out.append(flagship_page.ablation_sentence(f"flagship `{name}`", r, flagship))
    if reference:
        bow = sst2_bag_of_words(reference)
        best = max(flagship, key=lambda k: flagship[k]["dev_accuracy"])
        acc = flagship[best]["dev_accuracy"]
        se = flagship_page.standard_error(acc, flagship[best]["dev_examples"])
        out.append(f"- The best flagship run, `{best}`, is {'above' if acc > bow else 'below'} the bag-of-words row: "
                   f"{flagship_page.pct(acc)} against {flagship_page.pct(bow)}, a difference "
                   f"{'within' if abs(acc - bow) <= se else 'beyond'} one standard error of the dev set "
                   f"({flagship_page.points(se)} points).")
    for a, b in (("baseline", "smoothspike"), ("baseline-poolingmean", "smoothspike-poolingmean")):
        if a in flagship and b in flagship:
            out.append("- " + flagship_page.comparison_sentence(a, b, flagship))
    return out


def unit_times(results: list[dict], flagship: dict, reference: dict | None) -> tuple[list[str], dict]:
    kinds: dict[str, list[dict]] = {}
    for r in results:
        kinds.setdefault(r["kind"], []).append(r)
    lines = ["| part | units | wall seconds | CPU seconds |", "|---|---|---|---|"]
    cpu_total = 0.0
    for kind in ("tokenizer", "pretrain", "measure", "finetune"):
        rs = kinds.get(kind, [])
        cpu = sum(r.get("cpu_seconds", r["seconds"]) for r in rs)
        cpu_total += cpu
        lines.append(f"| study: {kind} | {len(rs)} | {sum(r['seconds'] for r in rs):.0f} | {cpu:.0f} |")
    for model, r in sorted(flagship.items()):
        cpu_total += r["cpu_seconds"]
        lines.append(f"| flagship: {model} | 1 | {r['seconds']:.0f} | {r['cpu_seconds']:.0f} |")
    if reference and "seconds" in reference:
        cpu_total += reference["seconds"]
        lines.append(f"| reference rows | 1 | {reference['seconds']:.0f} | {reference['seconds']:.0f} |")
    hours = cpu_total / 3600 / TWO_CORES
    lines += ["", "<details><summary>Every unit's time</summary>\n", "| unit | wall seconds | CPU seconds |",
              "|---|---|---|"]
    lines += [f"| {r['unit']} | {r['seconds']:.1f} | {r.get('cpu_seconds', r['seconds']):.1f} |"
              for r in sorted(results, key=lambda r: r["unit"])]
    lines += ["", "</details>"]
    lines += ["", f"In all {cpu_total / 3600:.2f} CPU hours: **{hours:.2f} hours of 2-core time**, "
                  f"{'within' if hours <= BUDGET_HOURS else 'over'} the {BUDGET_HOURS:.0f}-hour budget. Every unit "
                  "ran on one thread; the study's per-unit times are in each result file (`seconds`, `cpu_seconds`)."]
    return lines, {"cpu_hours": cpu_total / 3600, "two_core_hours": hours}


def summary(results, grouped, claims, scores, reference, flagship, times) -> dict:
    sat = {regime: {model: {str(T): list(t_values(grouped, regime, model, "saturation_rate")[T][:3])
                            for T in TIME_STEPS} for model in MODELS} for regime in REGIMES}
    errors = [r["metrics"]["prediction_abs_error"] for g in grouped.values() for r in g]
    return {
        "sst2_flagship_dev_acc": max((r["dev_accuracy"] for r in flagship.values()), default=None),
        "sst2_flagship_by_model": {m: r["dev_accuracy"] for m, r in sorted(flagship.items())},
        "bow_sst2_dev_acc": sst2_bag_of_words(reference),
        "saturation": sat,
        "prediction_abs_error": float(np.nanmean(errors)) if errors else None,
        "prediction_abs_error_by_regime": {g: prediction_error(grouped, g).mean for g in REGIMES},
        "claims": [{"key": c.key, "statement": c.statement, "regime": c.regime, "T": c.T, "difference": list(c.ci[:3]),
                    "runs": c.ci.n, "verdict": c.verdict} for c in claims],
        "glue": {f"{m}/{t}": v for (m, t), v in sorted(scores.items())},
        "runs_per_model_and_T": {f"{g}/{m}/T{T}": len(v) for (g, m, T), v in sorted(grouped.items())},
        "unit_times": times,
    }


def _demote(text: str) -> str:
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", text, flags=re.M)


def render_page(results, figures: pathlib.Path, link: str, intro: str, reference, flagship: dict,
                appendix: list[tuple[str, list[dict], pathlib.Path, str]]) -> tuple[str, dict]:
    """The page and the summary. ``appendix``: (title, results, figure folder, its link from the page) each."""
    results = [study_fields(r) for r in results]
    grouped = runs(results)
    claims = saturation_claims(grouped)
    scores = glue_scores(results)
    claims += glue_claims(scores, GLUE5)
    times_lines, times = unit_times(results, flagship, reference)
    figures.mkdir(parents=True, exist_ok=True)
    drawn = study_figures.draw(grouped, figures)
    parts = [intro.rstrip() + "\n", "## What the numbers say\n",
             "Every sentence and table below is computed from the result files by `experiments/study_report.py`. "
             "A verdict is *agree* when the whole 95% interval of the difference lies on the side the claim "
             "states, *disagree* when it lies wholly on the other side, and *within noise* when it contains 0.\n",
             *claim_sentences([c for c in claims if c.regime], grouped), expectation_sentence(claims),
             *bow_sentences(scores, reference), *flagship_sentences(flagship, reference), "",
             "## Every claim, with its interval\n", *claims_table(claims), "",
             "## How much each source of randomness moves the saturation rate\n",
             "For the models that draw random signs: the standard deviation of the rate over the 3 sign seeds of "
             "one pretraining seed (averaged over pretraining seeds), and over the 3 pretraining seeds of the rate "
             "averaged over sign seeds, each relative to the mean rate.\n", *spread_table(grouped), ""]
    for regime in REGIMES:
        parts += [f"## The {regime} regime: saturation over 9 runs per model and T\n",
                  "Mean [95% CI] over the runs. *Before* / *after rotation*: each site's rate without and with a "
                  "rotation (its own transform, or the single-site counterfactual), *predicted after*: the "
                  "Gaussian-tail prediction from the unrotated inputs.\n", *rate_table(grouped, regime), ""]
        for T in sorted(TIME_STEPS, reverse=True):
            block = site_table(grouped, regime, T)
            if T == max(TIME_STEPS):
                parts += [f"### Per site at T = {T} (means over the runs)\n", *block, ""]
            else:
                parts += [f"<details><summary>Per site at T = {T}</summary>\n", *block, "", "</details>\n"]
    for name, caption in drawn:
        parts += [f"![{caption}]({link}/{name})", ""]
    parts += ["## GLUE: the Table 2 ablation (dev, × 100)\n",
              "Mean ± standard deviation over 3 fine-tuning seeds, each from pretraining seed 0 (sign seed 0) of "
              "the default regime at T = 4, with that pretrained model's fused energy per SST-2 dev sequence; the "
              "reference rows and the flagship recipe on the same dev sets.\n",
              *glue_table(scores, reference, flagship, glue_energy(results)), "",
              "## Time each part took\n", *times_lines, ""]
    parts += ["## Appendix: measured before the fixes\n",
              "The studies below were measured before three fixes (the random signs' side in the randomized "
              "Hadamard matrix, the energy of the fused model, the MLP hidden site's initialisation) and each on "
              "one pretraining seed and one sign draw. They are kept for the record; the claims above replace them.\n"]
    for title, old, old_figures, old_link in appendix:
        parts += [f"### {title}\n", _demote(render(old, old_figures, old_link, "", reference)).strip(), ""]
    return "\n".join(parts), summary(results, grouped, claims, scores, reference, flagship, times)


def load_flagship(folder) -> dict:
    folder = pathlib.Path(folder) if folder else None
    if not folder or not folder.is_dir():
        return {}
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.study_report", description=__doc__.splitlines()[0])
    p.add_argument("results", help="the seeded study's result folder (experiments.run study)")
    p.add_argument("--out", required=True, help="the page to write (docs/results.md)")
    p.add_argument("--summary", required=True, help="the machine-readable summary to write (results/summary.json)")
    p.add_argument("--figures", required=True, help="folder for the figures (docs/figures/study)")
    p.add_argument("--intro", required=True, help="the hand-written introduction (no numbers)")
    p.add_argument("--reference", help="the reference rows (results/reference-rows.json)")
    p.add_argument("--flagship", help="the flagship recipe's result folder (results/flagship)")
    p.add_argument("--appendix", nargs="*", default=[], help="result folders measured before the fixes")
    args = p.parse_args(argv)
    results = load_results(args.results)
    if not results:
        return no_results("study_report", args.results)
    out, figures = pathlib.Path(args.out), pathlib.Path(args.figures)
    reference = read_json(args.reference)
    appendix = []
    for folder in map(pathlib.Path, args.appendix):
        old_figures = figures.parent / f"before-fixes-{folder.name}"
        appendix.append((APPENDIX_TITLES.get(folder.name, folder.name), load_results(folder), old_figures,
                         relative_link(old_figures, out)))
    intro = pathlib.Path(args.intro).read_text(encoding="utf-8")
    text, data = render_page(results, figures, relative_link(figures, out), intro, reference,
                             load_flagship(args.flagship), appendix)
    out.write_text(text, encoding="utf-8")
    pathlib.Path(args.summary).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} and {args.summary} from {len(results)} result files")
    return 0


APPENDIX_TITLES = {"cpu": "The cpu plan (490 pretraining steps per model)",
                   "cpu-slice": "The cpu-slice plan (50 pretraining steps per model)"}

if __name__ == "__main__":
    sys.exit(main())
