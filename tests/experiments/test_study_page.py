"""docs/results.md and results/summary.json are exactly what the result files give, and their claims are right.

The page is regenerated and compared line by line; the headline claims are then recomputed here from the raw
result files with NumPy and SciPy directly (not through experiments.study_stats); the aggregates are checked on
hand-made cases
(tests/experiments/test_study_claims.py).
"""
import json
import math
import pathlib
import re

import numpy as np
import pytest
from scipy import stats

from experiments.plan import GLUE5
from experiments.study_claims import glue_scores, runs, study_fields
from experiments.study_plan import MODELS, REGIMES, TIME_STEPS
from experiments.study_report import load_flagship, render_page
from experiments.summarise import load_results

ROOT = pathlib.Path(__file__).resolve().parents[2]
STUDY, PAGE, SUMMARY = ROOT / "results/study", ROOT / "docs/results.md", ROOT / "results/summary.json"
INTRO = ROOT / "experiments/results_intro.md"
APPENDIX = (("The cpu plan (490 pretraining steps per model)", "cpu"),
            ("The cpu-slice plan (50 pretraining steps per model)", "cpu-slice"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    figures = tmp_path_factory.mktemp("figures")
    reference = json.loads((ROOT / "results/reference-rows.json").read_text(encoding="utf-8"))
    appendix = [(title, load_results(ROOT / "results" / name), figures / name, f"figures/before-fixes-{name}")
                for title, name in APPENDIX]
    return render_page(load_results(STUDY), figures / "study", "figures/study", INTRO.read_text(encoding="utf-8"),
                       reference, load_flagship(ROOT / "results/flagship"), appendix)


def test_the_page_is_regenerated_from_the_result_files(rendered):
    text, _ = rendered
    assert text == PAGE.read_text(encoding="utf-8"), (
        "docs/results.md differs from what results/ gives: rerun the study_report command in experiments/results_intro.md")


def test_the_summary_is_regenerated_and_has_the_keys_programs_read(rendered):
    _, summary = rendered
    stored = json.loads(SUMMARY.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(summary)) == stored
    for key in ("sst2_flagship_dev_acc", "bow_sst2_dev_acc", "saturation", "prediction_abs_error"):
        assert key in stored
    for regime in REGIMES:
        for model in MODELS:
            for T in TIME_STEPS:
                mean, low, high = stored["saturation"][regime][model][str(T)]
                assert low <= mean <= high


def test_every_model_and_T_rests_on_nine_seeded_runs():
    grouped = runs(load_results(STUDY))
    for regime in REGIMES:
        for model in MODELS:
            for T in TIME_STEPS:
                group = grouped[(regime, model, T)]
                assert len({(r["seed"], r["sign"]) for r in group}) >= 9, (regime, model, T)


def _welch(a, b):
    a, b = np.asarray(a), np.asarray(b)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    d = a.mean() - b.mean()
    return d, d - half, d + half


def test_the_headline_claims_recomputed_from_the_raw_files(rendered):
    """SmoothSpike against the baseline, per regime and T: the page's row has the interval and verdict recomputed
    here from each run's JSON file."""
    text, _ = rendered
    raw = {}
    for path in STUDY.glob("measure__*.json"):
        r = json.loads(path.read_text(encoding="utf-8"))
        regime, config = r["unit"].split("/")[1:3]
        raw.setdefault((regime, config.split("-T")[0], r["model"]["T"]), []).append(r["metrics"]["saturation_rate"])
    for regime in REGIMES:
        for T in TIME_STEPS:
            d, lo, hi = _welch(raw[(regime, "smoothspike", T)], raw[(regime, "baseline", T)])
            expected = "agree" if hi < 0 else "disagree" if lo > 0 else "within noise"
            row = (f"| SmoothSpike's saturation rate is lower than the baseline's | {regime} | {T} | "
                   f"{d:.4f} [{lo:.4f}, {hi:.4f}] | 18 | **{expected}** |")
            assert row in text.splitlines()


def test_glue_cells_are_the_fine_tuning_seeds_mean_and_std():
    scores = glue_scores([study_fields(r) for r in load_results(STUDY)])
    text = PAGE.read_text(encoding="utf-8")
    for model in ("baseline", "smoothspike"):
        line = next(l for l in text.splitlines() if l.startswith(f"| {model} | ") and "±" in l)
        for task, cell in zip(GLUE5, line.strip("| ").split(" | ")[1:]):
            v = scores[(model, task)]
            assert len(v) == 3 and cell == f"{np.mean(v):.1f} ± {np.std(v, ddof=1):.1f}"


def test_the_hand_written_introduction_states_no_measured_number():
    """Code blocks and the intervals' level (a choice, not a measurement) aside."""
    prose = re.sub(r"```.*?```", "", INTRO.read_text(encoding="utf-8"), flags=re.S)
    prose = prose.replace("95% Student-t interval", "")
    assert not re.findall(r"\d+\.\d+|\d+(?:\.\d+)?\s?%|\d+x\b|± ?\d", prose)
