"""docs/flagship.md's generated block and figure, from the flagship recipe's result files.

``PYTHONPATH=. python -m experiments.flagship_page --results results/flagship --docs docs/flagship.md
--figure docs/figures/flagship-curve.png`` rewrites the part of the page between the markers: the
dev accuracy of each model against the target and the bag-of-words reference, the time it took, the
learning curve, a sentence per model on what limits it, and the recipe's settings.
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys

from experiments.flagship import MODELS, RECIPE

BEGIN, END = "<!-- flagship: generated from results/flagship/*.json -->", "<!-- flagship: end -->"
OVERFIT = 0.03             # training sentences fit this much better than dev ones: the gap is generalisation
RECIPE_ROWS = {            # recipe field -> what it means, in the table's words
    "tokenizer": "tokenizer", "embedding_init": "embedding tables copied from",
    "embedding_parts": "tables copied", "frozen": "frozen parameters", "mlm_pretraining": "MLM pretraining",
    "trim_padding": "padding trimmed per batch",
    "d_model": "d_model", "n_layers": "blocks", "n_heads": "heads", "d_ff": "d_ff", "T": "time steps T",
    "max_len": "max_len", "pooling": "the head reads", "epochs": "epochs", "batch": "batch", "lr": "peak learning rate",
    "warmup": "warm-up (fraction of steps)", "weight_decay": "weight decay", "clip": "gradient-norm clip",
    "seed": "seed", "evals": "dev evaluations"}


def load_results(folder) -> dict[str, dict]:
    """{run name: its result} for every ``*.json`` in ``folder``: the recipe's models first, then the ablations."""
    folder = pathlib.Path(folder)
    files = sorted(folder.glob("*.json"), key=lambda f: (f.stem not in MODELS, list(MODELS).index(f.stem)
                                                         if f.stem in MODELS else 0, f.stem))
    found = {f.stem: json.loads(f.read_text()) for f in files}
    if not any(m in found for m in MODELS):
        raise FileNotFoundError(f"{folder} holds no flagship result ({', '.join(f'{m}.json' for m in MODELS)}); run "
                                "experiments.flagship first")
    return found


def bag_of_words_accuracy(reference_rows) -> float:
    """SST-2 dev accuracy of the bag-of-words logistic regression in results/reference-rows.json."""
    rows = json.loads(pathlib.Path(reference_rows).read_text())["rows"]
    return next(r["bag_of_words"]["accuracy"] for r in rows if r["task"] == "sst2")


def standard_error(acc: float, n: int) -> float:
    """sqrt(p (1 - p) / n): the sampling error of an accuracy p measured on n sentences."""
    return math.sqrt(acc * (1 - acc) / n)


def limit_sentence(model: str, r: dict) -> str:
    """Whether ``model`` met the target and, if not, by how much, whether the curve's second half still
    rose by more than the dev set's standard error, and how much better training sentences fit."""
    acc, target = r["dev_accuracy"], r["target"]
    if acc >= target:
        return f"- {model} reaches the target: {pct(acc)} against {pct(target)}."
    half = min(r["curve"], key=lambda p: abs(p[0] - r["steps"] / 2))
    gain, fit, se = acc - half[1], r["train_sample_accuracy"] - acc, standard_error(acc, r["dev_examples"])
    trend = (f"more than one standard error of the dev set ({points(se)} points): the curve is still rising, and "
             "more steps are the first thing to try" if gain > se else f"within one standard error of the dev set "
             f"({points(se)} points): the curve has flattened, so a longer run alone is unlikely to close the gap")
    why = (f"training sentences fit {points(fit)} points better than dev ones, so generalisation, not only "
           "fitting, limits it" if fit > OVERFIT else
           f"training sentences fit no better than dev ones ({points(fit, sign=True)} points), so the model "
           "underfits: its capacity (blocks, T) or the training time limits it")
    return (f"- {model} misses the target by {points(target - acc)} points ({pct(acc)} against {pct(target)}); from "
            f"step {half[0]} to the end it changed by {points(gain, sign=True)} points, {trend}; on as many training "
            f"sentences as dev ones it reaches "
            f"{pct(r['train_sample_accuracy'])}: {why}.")


def comparison_sentence(a: str, b: str, results: dict[str, dict]) -> str:
    """Run ``b`` against run ``a``: the dev accuracy difference and its standard error sqrt(se_a^2 + se_b^2)."""
    ra, rb = results[a], results[b]
    diff = rb["dev_accuracy"] - ra["dev_accuracy"]
    se = math.hypot(standard_error(ra["dev_accuracy"], ra["dev_examples"]),
                    standard_error(rb["dev_accuracy"], rb["dev_examples"]))
    verdict = "more than" if abs(diff) > se else "within"
    return (f"{b} against {a}: {points(diff, sign=True)} points of dev accuracy, {verdict} one standard error of "
            f"the difference ({points(se)} points; each run is one seed, so the spread from seed to seed is not "
            "included).")


def ablation_sentence(name: str, r: dict, results: dict[str, dict]) -> str:
    """What an ablation changed from the recipe, and its dev accuracy and time against the run it varies."""
    ref = results.get(r["model"])
    if ref is None:
        return f"- {name}: the {r['model']} run it varies is not in the results."
    was = {**RECIPE, **ref["recipe"]}              # a setting the reference run predates had the recipe's value
    changed = ", ".join(f"{k} {r['recipe'][k]} instead of {was[k]}" for k in r["recipe"] if r["recipe"][k] != was[k])
    return (f"- {name} ({changed}): {points(r['dev_accuracy'] - ref['dev_accuracy'], sign=True)} points of dev "
            f"accuracy against {r['model']}, in {r['seconds'] / ref['seconds']:.2f} times its wall time.")


def pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def points(x: float, sign: bool = False) -> str:
    return f"{100 * x:+.2f}" if sign else f"{100 * x:.2f}"


def render_section(results: dict[str, dict], bow: float) -> str:
    lines = [BEGIN, "", "| run | variant | SST-2 dev accuracy | target | vs target | vs bag of words | training sample | "
             "steps | wall time | CPU time | per step | trainable / frozen parameters |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for m, r in results.items():
        lines.append(f"| {m} | {r['variant']} | {pct(r['dev_accuracy'])} | {pct(r['target'])} | "
                     f"{points(r['dev_accuracy'] - r['target'], True)} | {points(r['dev_accuracy'] - bow, True)} | "
                     f"{pct(r['train_sample_accuracy'])} | "
                     f"{r['steps']} | {r['seconds'] / 60:.1f} min | {r['cpu_seconds'] / 60:.1f} min | "
                     f"{r['seconds_per_step']:.2f} s | {r['trainable_parameters']:,} / {r['frozen_parameters']:,} |")
    total = sum(r["seconds"] for r in results.values())
    lines += ["", f"The bag-of-words logistic regression (results/reference-rows.json) reaches {pct(bow)}. "
              f"The training sample is as many training sentences as dev ones, scored at the end. All the runs above took {total / 60:.1f} minutes of wall time on one core, dev evaluations included; "
              "points are percentage points.", "", "What limits each run:", ""]
    lines += [limit_sentence(m, r) for m, r in results.items()]
    if all(m in results for m in MODELS):
        lines += ["", comparison_sentence(*MODELS, results)]
    steps = sorted({s for r in results.values() for s, _ in r["curve"]})
    curves = {m: dict(r["curve"]) for m, r in results.items()}
    first = next(iter(results.values()))
    ablations = [ablation_sentence(m, r, results) for m, r in results.items() if m not in MODELS]
    lines += ["", "Each ablation is the recipe with only the settings in its name changed:", "", *ablations] \
        if ablations else []
    lines += ["", "The learning curve: SST-2 dev accuracy at each evaluation.", "",
              "| step | epoch | " + " | ".join(results) + " |", "|---|---|" + "---|" * len(results)]
    for s in steps:
        cells = [pct(curves[m][s]) if s in curves[m] else "" for m in results]
        lines.append(f"| {s} | {s / first['steps'] * first['recipe']['epochs']:.2f} | " + " | ".join(cells) + " |")
    lines += ["", "![SST-2 dev accuracy through the epoch](figures/flagship-curve.png)", "",
              "The recipe's settings, as the result files record them:", "", "| setting | " +
              " | ".join(results) + " |", "|---|" + "---|" * len(results)]
    for key, name in (("train_examples", "training sentences"), ("dev_examples", "dev sentences")):
        lines.append(f"| {name} | " + " | ".join(f"{r[key]:,}" for r in results.values()) + " |")
    for key, name in RECIPE_ROWS.items():
        lines.append(f"| {name} | " + " | ".join(_value({**RECIPE, **r["recipe"]}.get(key)) for r in results.values())
                     + " |")
    lines += ["", END]
    return "\n".join(lines)


def _value(v) -> str:
    return ", ".join(map(str, v)) if isinstance(v, list) else str(v)


def replace_section(page: str, block: str) -> str:
    """The page with its generated block (between the markers) replaced by ``block``."""
    if BEGIN not in page or END not in page:
        raise ValueError(f"the page has no generated block: add the lines {BEGIN!r} and {END!r} where it belongs")
    head, rest = page.split(BEGIN, 1)
    return head + block + rest.split(END, 1)[1]


def plot_curves(results: dict[str, dict], bow: float, path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    for m, r in results.items():
        steps, acc = zip(*r["curve"])
        ax.plot(steps, [100 * a for a in acc], marker="o", label=m)
    target = next(iter(results.values()))["target"]
    ax.axhline(100 * target, color="k", ls="--", lw=1, label="target")
    ax.axhline(100 * bow, color="gray", ls=":", lw=1, label="bag of words")
    ax.set_xlabel("training step")
    ax.set_ylabel("SST-2 dev accuracy (%)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m experiments.flagship_page", description=__doc__.splitlines()[0])
    p.add_argument("--results", default="results/flagship", help="folder holding <model>.json")
    p.add_argument("--reference", default="results/reference-rows.json", help="the bag-of-words reference rows")
    p.add_argument("--docs", default="docs/flagship.md", help="the page whose generated block to rewrite")
    p.add_argument("--figure", default="docs/figures/flagship-curve.png")
    a = p.parse_args(argv)
    results, bow = load_results(a.results), bag_of_words_accuracy(a.reference)
    page = pathlib.Path(a.docs)
    page.write_text(replace_section(page.read_text(), render_section(results, bow)))
    plot_curves(results, bow, a.figure)
    print(f"rewrote {page} and {a.figure} from {', '.join(results)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
