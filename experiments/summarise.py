"""Turn the result files into docs/results.md's tables and figures.

``python -m experiments.summarise RESULTS --out docs/results.md --figures docs/figures/results [--intro FILE]
[--reference results/reference-rows.json]``

Every number comes from a result file; a cell with no result reads "not yet measured". Fine-tuning
cells are mean ± standard deviation over the seeds that finished (n given); the GLUE average is the
mean of the per-task means, given only over the tasks measured for that row (and marked so).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import sys

import numpy as np

from tinyspike.analysis.aggregate import saturated_input_variance_over_sites, saturation_rate_over_sites

from .findings import findings, fix_notice, predates_fixes
from .plan import PLAN_CONFIGS as CONFIGS, FINETUNED, GLUE5, PRESETS, T_STUDY, all_units
from .units import weighted_mean

MISSING = "not yet measured"
TASK_METRIC = {"cola": "MCC", "sst2": "acc", "mrpc": "F1/acc", "stsb": "Pearson/Spearman", "rte": "acc"}


def load_results(folder) -> list[dict]:
    results = [json.loads(p.read_text(encoding="utf-8")) for p in pathlib.Path(folder).glob("*.json")]
    return sorted(results, key=lambda r: (r.get("finished", ""), r["unit"]))


def by_kind(results: list[dict], kind: str) -> dict:
    return {r["config"]: r for r in results if r["kind"] == kind}


def task_scores(results: list[dict]) -> dict[tuple[str, str], list[float]]:
    """(config, task) -> the scores of the seeds that finished."""
    out: dict[tuple[str, str], list[float]] = {}
    for r in results:
        if r["kind"] == "finetune":
            out.setdefault((r["config"], r["task"]), []).append(r["metrics"]["score"])
    return out


def mean_std(values: list[float]) -> str:
    if not values:
        return "–"
    std = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
    return f"{np.mean(values):.1f} ± {std:.1f} (n={len(values)})" if len(values) > 1 else f"{values[0]:.1f} (n=1)"


def glue_average(scores: dict, config: str) -> tuple[float | None, int]:
    means = [np.mean(scores[(config, t)]) for t in GLUE5 if (config, t) in scores]
    return (float(np.mean(means)) if means else None), len(means)


def ablation_table(results: list[dict], configs=FINETUNED) -> str:
    scores = task_scores(results)
    head = "| model | " + " | ".join(f"{t} ({TASK_METRIC[t]})" for t in GLUE5) + " | GLUE avg |"
    lines = [head, "|" + "---|" * (len(GLUE5) + 2)]
    for config in configs:
        avg, n = glue_average(scores, config)
        avg_cell = "–" if avg is None else (f"{avg:.1f}" if n == len(GLUE5) else f"{avg:.1f} (over {n} of 5 tasks)")
        cells = [mean_std(scores.get((config, t), [])) for t in GLUE5]
        lines.append(f"| {config} | " + " | ".join(cells) + f" | {avg_cell} |")
    return "\n".join(lines)


def _fmt(x, spec=".4f") -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def saturation_table(results: list[dict], configs=tuple(CONFIGS)) -> str:
    """One row per pretrained model; the over-sites aggregates are recomputed from the per-site rows."""
    measure, pretrain = by_kind(results, "measure"), by_kind(results, "pretrain")
    energy = "energy, unfused (mJ / sequence)" if predates_fixes(results) else "energy, fused (mJ / sequence)"
    lines = ["| model | T | saturation rate (all sites) | without mlp_hidden | sites with a transform: after | before | "
             f"var(saturated inputs) | without mlp_hidden | MLM perplexity | {energy} |", "|---" * 10 + "|"]
    hidden = ("mlp_hidden",)
    for config in configs:
        if config not in measure:
            continue
        m, p, sites = measure[config]["metrics"], pretrain.get(config, {}).get("metrics", {}), measure[config]["sites"]
        after = weighted_mean([r for r in sites if r["transform"]], "saturation_rate")
        lines.append(f"| {config} | {measure[config]['model']['T']} | {_fmt(saturation_rate_over_sites(sites))} | "
                     f"{_fmt(saturation_rate_over_sites(sites, hidden))} | {_fmt(after)} | "
                     f"{_fmt(m['saturation_rate_untransformed'])} | "
                     f"{_fmt(saturated_input_variance_over_sites(sites), '.4g')} | "
                     f"{_fmt(saturated_input_variance_over_sites(sites, hidden), '.4g')} | "
                     f"{_fmt(p.get('mlm_perplexity'), '.1f')} | {_fmt(m['energy_mj'], '.4g')} |")
    return "\n".join(lines)


def site_table(result: dict) -> str:
    """Per layer and site: saturation after/before the transform, beside that transform's orthogonality error."""
    lines = ["| layer | site | transform | saturation | before | saturated neurons | var(saturated inputs) | "
             "‖RRᵀ−I‖_F | max\\|RRᵀ/c²−I\\| | c |", "|---|---|---|---|---|---|---|---|---|---|"]
    for s in result["sites"]:
        o = s.get("orthogonality") or {}
        lines.append(f"| {s['layer']} | {s['site']} | {s['transform'] or '–'} | {_fmt(s['saturation_rate'])} | "
                     f"{_fmt(s['saturation_rate_untransformed'])} | {round(s['saturation_rate'] * s['neurons'])} | "
                     f"{_fmt(s['saturated_input_variance'], '.4g')} | {_fmt(o.get('frobenius'), '.3g')} | {_fmt(o.get('scaled_max'), '.3g')} | "
                     f"{_fmt(o.get('scale'), '.4f')} |")
    return "\n".join(lines)


def times_table(results: list[dict]) -> str:
    lines = ["| unit | steps | seconds (wall) | s / step | CPU seconds | finished |", "|---|---|---|---|---|---|"]
    for r in results:
        steps = r["metrics"].get("steps")
        per = f"{r['seconds'] / steps:.2f}" if steps else "–"
        cpu = f"{r['cpu_seconds']:.0f}" if "cpu_seconds" in r else "–"
        lines.append(f"| {r['unit']} | {steps or '–'} | {r['seconds']:.0f} | {per} | {cpu} | {r.get('finished', '–')} |")
    lines.append(f"| **total** | | {sum(r['seconds'] for r in results):.0f} | | | |")
    return "\n".join(lines)


def plan_seconds(results: list[dict], plan: str = "cpu", field: str = "seconds"):
    """(total seconds, mean s per pretraining step, per fine-tuning step, per measurement) of the whole ``plan``
    at the ``field`` seconds measured here, each configuration's own rate where it was measured, else the mean
    over those measured (a unit's seconds include loading and its dev evaluation, so this errs long);
    None when some kind of unit has no measurement yet."""
    preset = PRESETS[plan]
    real = [r for r in results if r.get("plan") != "smoke" and field in r]
    rate = {"pretrain": {}, "finetune": {}}
    for r in real:
        if r["kind"] in rate and r["metrics"].get("steps"):
            rate[r["kind"]].setdefault(r["config"], []).append(r[field] / r["metrics"]["steps"])
    measured = [r[field] for r in real if r["kind"] == "measure"]
    if not (rate["pretrain"] and rate["finetune"] and measured):
        return None
    mean = {k: float(np.mean([np.mean(v) for v in rate[k].values()])) for k in rate}
    steps = {"pretrain": math.ceil(preset.pretrain_limit * 49 / 50 / preset.batch) * preset.pretrain_epochs,
             "finetune": math.ceil(preset.finetune_limit / preset.batch) * preset.finetune_epochs}
    units = all_units(preset)
    total = sum(steps[u.kind] * float(np.mean(rate[u.kind].get(u.config, [mean[u.kind]])))
                for u in units if u.kind in steps) + sum(u.kind == "measure" for u in units) * float(np.mean(measured))
    return total, mean["pretrain"], mean["finetune"], float(np.mean(measured))


def full_plan_estimate(results: list[dict], plan: str = "cpu") -> str:
    preset = PRESETS[plan]
    units = all_units(preset)
    n = {k: sum(u.kind == k for u in units) for k in ("pretrain", "measure", "finetune")}
    pre_steps = math.ceil(preset.pretrain_limit * 49 / 50 / preset.batch) * preset.pretrain_epochs
    ft_steps = math.ceil(preset.finetune_limit / preset.batch) * preset.finetune_epochs
    text = (f"**Estimated time of the whole `{plan}` plan** ({n['pretrain']} pretrainings of {pre_steps} steps, "
            f"{n['measure']} measurements, {n['finetune']} fine-tunings of {ft_steps} steps), at the seconds per "
            "step measured above, each model's own where measured, else the mean:")
    wall = plan_seconds(results, plan, "seconds")
    if wall is None:
        return "Not yet estimable: needs at least one finished pretraining, measurement and fine-tuning unit."
    lines = [text, "",
             f"- wall-clock on this shared machine ({wall[1]:.2f} s per pretraining step, {wall[2]:.2f} s per "
             f"fine-tuning step, {wall[3]:.0f} s per measurement): about **{wall[0] / 3600:.1f} hours** of one "
             "process;"]
    both = [r for r in results if "cpu_seconds" in r and r.get("plan") != "smoke" and r["seconds"] > 0]
    if both:
        ratio = sum(r["cpu_seconds"] for r in both) / sum(r["seconds"] for r in both)
        lines.append(f"- the units that recorded their CPU time used {ratio:.2f} CPU seconds per wall-clock second "
                     f"(one thread each): on idle cores that is about **{wall[0] * ratio / 3600:.1f} hours** of one "
                     f"core, {wall[0] * ratio / 7200:.1f} hours with two drivers on two cores.")
    return "\n".join(lines)


def claims(results: list[dict]) -> str:
    """The paper's three target claims, each: agree / disagree / not yet measured, with the numbers."""
    measure, scores = by_kind(results, "measure"), task_scores(results)
    rows = []
    # 1. SmoothSpike lowers the saturation rate at every T
    pairs = {}
    for base, smooth in (("baseline-T1", "smoothspike-T1"), ("baseline-T2", "smoothspike-T2"),
                         ("baseline", "smoothspike")):
        if base in measure and smooth in measure:
            t = measure[base]["model"]["T"]
            pairs[t] = (measure[base]["metrics"]["saturation_rate"], measure[smooth]["metrics"]["saturation_rate"])
    detail = "; ".join(f"T={t}: {b:.4f} → {s:.4f}" for t, (b, s) in sorted(pairs.items()))
    missing = [t for t in (1, 2, 4) if t not in pairs]
    if not pairs:
        verdict = MISSING
    else:
        worse = [t for t, (b, s) in sorted(pairs.items()) if s >= b]
        verdict = (f"disagree (not lower at T={', '.join(map(str, worse))})" if worse
                   else "agree" if not missing else "agree where measured")
        if missing:
            verdict += f"; T={', '.join(map(str, missing))} {MISSING}"
    rows.append(("SmoothSpike lowers the saturation rate at every T", verdict, detail or "–"))
    # 2. the best model reaches >= 80% SST-2 dev accuracy
    sst2 = {c: float(np.mean(v)) for (c, t), v in scores.items() if t == "sst2"}
    if sst2:
        best = max(sst2, key=sst2.get)
        rows.append(("the best model reaches ≥ 80% SST-2 dev accuracy",
                     "agree" if sst2[best] >= 80 else "disagree (not reached at this scale)",
                     f"best: {best} {sst2[best]:.1f}%"))
    else:
        rows.append(("the best model reaches ≥ 80% SST-2 dev accuracy", MISSING, "–"))
    # 3. SmoothSpike's GLUE average is not below the baseline's
    shared = [t for t in GLUE5 if ("baseline", t) in scores and ("smoothspike", t) in scores]
    if shared:
        b = float(np.mean([np.mean(scores[("baseline", t)]) for t in shared]))
        s = float(np.mean([np.mean(scores[("smoothspike", t)]) for t in shared]))
        verdict = "agree" if s >= b else "disagree"
        spread = [float(np.std(scores[(c, t)], ddof=1)) for c in ("baseline", "smoothspike") for t in shared
                  if len(scores[(c, t)]) > 1]
        if spread and abs(s - b) < max(spread):
            verdict += f", but by less than the spread between seeds (std up to {max(spread):.1f})"
        if len(shared) < len(GLUE5):
            verdict += f" on {', '.join(shared)} only (the other tasks {MISSING})"
        rows.append(("SmoothSpike's GLUE average is not below the baseline's", verdict,
                     f"baseline {b:.1f}, smoothspike {s:.1f} over {len(shared)} task(s)"))
    else:
        rows.append(("SmoothSpike's GLUE average is not below the baseline's", MISSING, "–"))
    lines = ["| the paper's claim | tinyspike at CPU scale | numbers |", "|---|---|---|"]
    lines += [f"| {c} | {v} | {d} |" for c, v, d in rows]
    return "\n".join(lines)


def plot_saturation_per_layer(results: list[dict], path) -> bool:
    """Fig. 5 analogue: per layer, saturation of the sites with a transform, before and after it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measure = by_kind(results, "measure")
    configs = [c for c in CONFIGS if c in measure]
    if not configs:
        return False
    cols = min(4, len(configs))
    rows = math.ceil(len(configs) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False, sharey=True)
    for ax in axes.flat[len(configs):]:
        ax.axis("off")
    for ax, config in zip(axes.flat, configs):
        sites = measure[config]["sites"]
        layers = sorted({s["layer"] for s in sites})
        after = [np.mean([s["saturation_rate"] for s in sites if s["layer"] == i]) for i in layers]
        before = [np.nanmean([s["saturation_rate_untransformed"] if s["transform"] else s["saturation_rate"]
                              for s in sites if s["layer"] == i]) for i in layers]
        x = np.arange(len(layers))
        ax.bar(x - 0.2, before, 0.4, color="tab:red", label="before the transforms")
        ax.bar(x + 0.2, after, 0.4, color="tab:blue", label="after (what the neurons see)")
        ax.set_xticks(x, [f"layer {i}" for i in layers])
        ax.set_title(config, fontsize=9)
        ax.set_ylabel("saturation rate")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def plot_saturation_per_T(results: list[dict], path) -> bool:
    """Fig. 6 analogue: overall saturation rate against T, baseline and SmoothSpike."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measure = by_kind(results, "measure")
    fig, ax = plt.subplots(figsize=(4.5, 3))
    drawn = False
    for family, color in (("baseline", "tab:red"), ("smoothspike", "tab:blue")):
        pts = sorted((measure[c]["model"]["T"], measure[c]["metrics"]["saturation_rate"])
                     for c in T_STUDY if c.split("-T")[0] == family and c in measure)
        if pts:
            ax.plot(*zip(*pts), "o-", color=color, label=family)
            drawn = True
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xlabel("time steps T")
    ax.set_ylabel("saturation rate")
    ax.set_xticks([1, 2, 4])
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def pending(results: list[dict]) -> str:
    """What the plan the results came from still lacks, unit kind by unit kind."""
    plans = sorted({r.get("plan") for r in results if r.get("plan")})
    done = {r["unit"] for r in results}
    lines = []
    for plan in plans:
        todo = [u for u in all_units(PRESETS[plan]) if u.id not in done]
        for kind in ("pretrain", "measure", "finetune"):
            left = [u for u in todo if u.kind == kind]
            total = sum(u.kind == kind for u in all_units(PRESETS[plan]))
            if kind == "finetune":
                cells = sorted({(u.config, u.task) for u in left})
                lines.append(f"- `{plan}` fine-tuning: {len(left)} of {total} units not run ({len(cells)} "
                             "(model, task) cells lack some or all of their seeds).")
            else:
                names = ", ".join(f"`{u.config}`" for u in left) or "none"
                lines.append(f"- `{plan}` {kind}: {len(left)} of {total} not run: {names}.")
    if "cpu" not in plans:
        lines.append("- the `cpu` plan (the reduced real plan, 3 seeds, all 12 models and 5 tasks): not in these result "
                     "files (its own folder, e.g. `results/cpu/`, is rendered beside this one); its estimated time is under "
                     "*Time each part took*.")
    return "\n".join(lines)


def reference_section(reference: dict | None, results: list[dict]) -> list[str]:
    """The majority and bag-of-words rows on the same dev sets, and where the spiking models stand against them."""
    if not reference:
        return []
    lines = ["## Reference rows: majority class and bag of words (GLUE dev, × 100)\n",
             "Computed by `experiments/reference_rows.py` from each task's training set: the majority class, and "
             "an L2-regularised linear model on word unigrams and bigrams (its strength chosen on held-out "
             "training data).\n", "| row | " + " | ".join(f"{t} ({TASK_METRIC[t]})" for t in GLUE5) + " |",
             "|" + "---|" * (len(GLUE5) + 1)]
    rows = {r["task"]: r for r in reference["rows"]}
    for key, name in (("majority", "majority class"), ("bag_of_words", "bag of words")):
        cells = ["/".join(f"{100 * rows[t][key][m]:.1f}" for m in rows[t]["metrics"]) if t in rows else "–"
                 for t in GLUE5]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    sst2 = {c: float(np.mean(v)) for (c, t), v in task_scores(results).items() if t == "sst2"}
    if sst2 and "sst2" in rows:
        bow = 100 * rows["sst2"]["bag_of_words"]["accuracy"]
        best = max(sst2, key=sst2.get)
        below = sum(v < bow for v in sst2.values())
        lines += ["", f"On SST-2, {below} of the {len(sst2)} spiking models are below the bag-of-words row "
                      f"({bow:.1f}); the best, `{best}`, reaches {sst2[best]:.1f}."]
    return lines + [""]


def render(results: list[dict], figures: pathlib.Path, link: str, intro: str = "", reference: dict | None = None) -> str:
    figures.mkdir(parents=True, exist_ok=True)
    measure = by_kind(results, "measure")
    parts = [intro.rstrip() + "\n" if intro else "", fix_notice(results),
             "## What the numbers say\n",
             "Every sentence in this list is computed from the result files by `experiments/findings.py`. The "
             "variance of saturated inputs over sites is the per-site variance weighted by each site's number of "
             "saturated neurons (`tinyspike.analysis.aggregate`).\n", findings(results), "",
             "## The paper's claims, direction only\n", claims(results), "",
             "## Time each part took\n", times_table(results), "", full_plan_estimate(results), "",
             "## Ablation in the shape of Table 2 (GLUE dev, × 100)\n",
             "Mean ± standard deviation over the seeds that finished; `–`: " + MISSING + ".\n",
             ablation_table(results), "", *reference_section(reference, results),
             "## Saturation, perplexity and energy of each pretrained model\n",
             "Measured on SST-2 dev sentences. Over the sites that have a transform (attention and MLP inputs, "
             "V, attention output, MLP hidden), *after* is what the neurons saw and *before* the same neurons "
             "on the inputs taken back to the untransformed basis (c p R⁻¹).\n",
             saturation_table(results), ""]
    if plot_saturation_per_layer(results, figures / "saturation_per_layer.png"):
        parts += ["Per layer, the mean over the seven neuron sites (for q and k, which have no transform, before = "
                  "after):\n", f"![saturation per layer, before and after the transforms]({link}/saturation_per_layer.png)",
                  ""]
    if plot_saturation_per_T(results, figures / "saturation_per_T.png"):
        parts += [f"![saturation rate against T]({link}/saturation_per_T.png)", ""]
    parts.append("## Per layer and site, with each transform's orthogonality error\n")
    for config in CONFIGS:
        if config in measure:
            parts += [f"### {config}\n", site_table(measure[config]), ""]
    parts += ["## What is pending\n", pending(results), ""]
    return "\n".join(parts)


def no_results(prog: str, folder) -> int:
    print(f"experiments.{prog}: error: no result JSON files in {folder}", file=sys.stderr)
    return 1


def relative_link(folder: pathlib.Path, page: pathlib.Path) -> str:
    """How ``page`` links to ``folder``."""
    return pathlib.Path(os.path.relpath(folder.resolve(), page.resolve().parent)).as_posix()


def read_json(path) -> dict | None:
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8")) if path else None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.summarise", description=__doc__.splitlines()[0])
    p.add_argument("results", help="the folder of result JSON files written by experiments.run")
    p.add_argument("--out", required=True, help="the markdown file to write (e.g. docs/results.md)")
    p.add_argument("--figures", required=True, help="folder for the figures (e.g. docs/figures/results)")
    p.add_argument("--intro", help="a markdown file put first (the commands, what ran, what is pending)")
    p.add_argument("--reference", help="the reference rows' JSON (experiments/reference_rows.py)")
    args = p.parse_args(argv)
    results = load_results(args.results)
    if not results:
        return no_results("summarise", args.results)
    out, figures = pathlib.Path(args.out), pathlib.Path(args.figures)
    link = relative_link(figures, out)
    intro = pathlib.Path(args.intro).read_text(encoding="utf-8") if args.intro else ""
    reference = read_json(args.reference)
    out.write_text(render(results, figures, link, intro, reference), encoding="utf-8")
    print(f"wrote {out} from {len(results)} result files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
