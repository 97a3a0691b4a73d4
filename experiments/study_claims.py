"""The seeded study's claims, each computed from the result files: a difference, its 95% interval, a verdict.

``claims(results)`` returns one ``Claim`` per (statement, regime, T) and per GLUE task; ``runs(results)``
groups the measurements by (regime, model, T). Every run is one (pretraining seed, sign seed) combination;
the intervals are over runs (``study_stats``). ``tests/experiments/test_study_page.py`` recomputes them.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict

from tinyspike.analysis.aggregate import weighted_rate

from .study_plan import MODELS, REGIMES, TIME_STEPS
from .study_stats import Interval, difference_ci, mean_ci, paired_ci, verdict

GLUE_MODELS = ("baseline", "fixed-h1", "learnable-h1", "learnable-h12", "smoothspike")


@dataclasses.dataclass(frozen=True)
class Claim:
    key: str                 # a stable name: "smoothspike-lowers-rate", ...
    statement: str           # what the paper (or the theory) says, as a sentence
    regime: str | None
    T: int | None
    ci: Interval             # the difference (first - second), or the paired difference
    claimed: str             # "lower" | "higher": the sign the statement gives the difference
    fmt: str = ".4f"

    @property
    def verdict(self) -> str:
        return verdict(self.ci, self.claimed)


def model_of(config: str) -> str:
    """'smoothspike-T2' -> 'smoothspike'."""
    return config.rsplit("-T", 1)[0] if config.rsplit("-T", 1)[-1] in ("1", "2") else config


def study_fields(record: dict) -> dict:
    """The record with its regime and sign seed, read from its unit id where the record does not hold them
    ('measure/outlier/fixed-h1-T1/seed0/sign1')."""
    parts = record["unit"].split("/")
    if "regime" in record or len(parts) < 2 or parts[1] not in REGIMES:
        return record
    sign = [int(p[4:]) for p in parts if p.startswith("sign")]
    return {**record, "regime": parts[1], "sign": sign[0] if sign else None}


def runs(results: list[dict]) -> dict[tuple[str, str, int], list[dict]]:
    """(regime, model, T) -> the measure records of its runs, ordered by (pretraining seed, sign seed)."""
    out: dict[tuple, list] = defaultdict(list)
    for r in map(study_fields, results):
        if r["kind"] == "measure" and r.get("regime") and model_of(r["config"]) in MODELS:
            out[r["regime"], model_of(r["config"]), r["model"]["T"]].append(r)
    return {k: sorted(v, key=lambda r: (r["seed"], r.get("sign") or 0)) for k, v in out.items()}


def rotated_sites(run: dict, after: bool) -> float:
    """Rate over the sites with a transform: what the neurons saw (after) or on the inputs rotated back (before)."""
    rows = [s for s in run["sites"] if s["transform"]]
    key = "saturation_rate" if after else "saturation_rate_untransformed"
    return weighted_rate(rows, lambda s: s[key])


def metric(group: list[dict], name: str) -> list[float]:
    return [r["metrics"][name] for r in group]


def saturation_claims(grouped: dict) -> list[Claim]:
    out = []
    for regime in REGIMES:
        for T in TIME_STEPS:
            base, fixed, smooth = (grouped.get((regime, m, T), []) for m in MODELS)
            out += [
                Claim("smoothspike-lowers-rate", "SmoothSpike's saturation rate is lower than the baseline's",
                      regime, T, difference_ci(metric(smooth, "saturation_rate"), metric(base, "saturation_rate")),
                      "lower"),
                Claim("fixed-h1-lowers-rate", "fixed H1's saturation rate is lower than the baseline's", regime, T,
                      difference_ci(metric(fixed, "saturation_rate"), metric(base, "saturation_rate")), "lower"),
                Claim("rotation-lowers-rate-within-smoothspike",
                      "within SmoothSpike, its rotations lower the rate at the sites they feed (Fig. 5)", regime, T,
                      paired_ci([rotated_sites(r, True) for r in smooth], [rotated_sites(r, False) for r in smooth]),
                      "lower"),
                Claim("smoothspike-lowers-variance",
                      "SmoothSpike's variance of saturated inputs is lower than the baseline's", regime, T,
                      difference_ci(metric(smooth, "saturated_input_variance"),
                                    metric(base, "saturated_input_variance")), "lower", ".3g"),
                Claim("counterfactual-rotation-lowers-rate",
                      "rotating each of the baseline's sites alone (the counterfactual) lowers its rate", regime, T,
                      paired_ci(metric(base, "rate_after_rotation"), metric(base, "rate_before_rotation")), "lower"),
                Claim("prediction-says-rotation-lowers-rate",
                      "the Gaussian-tail prediction says rotating the baseline's sites lowers its rate", regime, T,
                      paired_ci(metric(base, "predicted_after_rotation"), metric(base, "rate_before_rotation")),
                      "lower"),
            ]
    return out


def glue_energy(results: list[dict]) -> dict[str, float]:
    """model -> the fused energy per sequence (mJ) of the pretraining its GLUE rows start from."""
    wanted = {f"measure/default/{m}/seed0" + ("" if m == "baseline" else "/sign0"): m for m in GLUE_MODELS}
    return {wanted[r["unit"]]: r["metrics"]["energy_mj"] for r in results if r["unit"] in wanted}


def glue_scores(results: list[dict]) -> dict[tuple[str, str], list[float]]:
    """(model, task) -> the fine-tuning seeds' scores (× 100)."""
    out: dict[tuple, list] = defaultdict(list)
    for r in sorted((r for r in results if r["kind"] == "finetune"), key=lambda r: r["seed"]):
        out[r["config"], r["task"]].append(r["metrics"]["score"])
    return dict(out)


def glue_claims(scores: dict, tasks) -> list[Claim]:
    """Each Table 2 row against the baseline, per task, over the fine-tuning seeds (Welch)."""
    return [Claim(f"{model}-beats-baseline-on-glue", f"`{model}` scores higher than the baseline on {task}",
                  None, None, difference_ci(scores.get((model, task), []), scores.get(("baseline", task), [])),
                  "higher", ".1f") for model in GLUE_MODELS[1:] for task in tasks]


def prediction_error(grouped: dict, regime: str) -> Interval:
    """Mean |measured - predicted| rate after rotation over sites, one value per run, every model and T."""
    return mean_ci([r["metrics"]["prediction_abs_error"] for (g, _, _), rs in grouped.items() if g == regime
                    for r in rs])


DIRECTION = {"agree": "lower", "disagree": "higher", "within noise": "unchanged within noise",
             "not measured": "not measured"}


def theory_check(claims: list[Claim], regime: str, T: int) -> tuple[str, str, bool | None]:
    """(what the prediction says a rotation does to the baseline's rate, what the single-site counterfactuals
    measured, whether the two agree; None when either is not measured) for one regime and T. Each direction is
    "lower" / "higher" (the 95% interval of the change is wholly below / above 0) or "unchanged within noise"."""
    said = {c.key: c for c in claims if c.regime == regime and c.T == T}
    predicted = DIRECTION[said["prediction-says-rotation-lowers-rate"].verdict]
    measured = DIRECTION[said["counterfactual-rotation-lowers-rate"].verdict]
    if "not measured" in (predicted, measured):
        return predicted, measured, None
    return predicted, measured, predicted == measured


def t_values(grouped: dict, regime: str, model: str, name: str) -> dict[int, Interval]:
    return {T: mean_ci(metric(grouped.get((regime, model, T), []), name)) for T in TIME_STEPS}
