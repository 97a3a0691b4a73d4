"""The results pages are exactly what the result files say: regenerated here and compared, line by line."""
import copy
import json
import pathlib
import re

import pytest

from experiments.findings import findings, fix_notice, saturation_findings
from experiments.summarise import load_results, render

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [("results/cpu-slice", "docs/results.md", "figures/results", "experiments/results_intro.md"),
         ("results/cpu", "docs/results-cpu.md", "figures/results-cpu", "experiments/results_cpu_intro.md")]


@pytest.mark.parametrize("folder,page,link,intro", PAGES, ids=[p[1] for p in PAGES])
def test_results_page_is_regenerated_from_its_result_files(folder, page, link, intro, tmp_path):
    results = load_results(ROOT / folder)
    reference = json.loads((ROOT / "results/reference-rows.json").read_text(encoding="utf-8"))
    text = render(results, tmp_path, link, (ROOT / intro).read_text(encoding="utf-8"), reference)
    assert text == (ROOT / page).read_text(encoding="utf-8"), (
        f"{page} differs from what {folder} gives: run python -m experiments.summarise {folder} --out {page} ...")
    assert "Measured before two fixes" in text          # these files predate the sign and energy fixes
    assert "| bag of words |" in text and "| majority class |" in text


@pytest.mark.parametrize("intro", [p[3] for p in PAGES])
def test_hand_written_introductions_state_no_measured_number(intro):
    """Numbers on a results page come from the result files: an introduction's prose (code aside) has none."""
    prose = re.sub(r"```.*?```", "", (ROOT / intro).read_text(encoding="utf-8"), flags=re.S)
    assert not re.findall(r"\d+\.\d+|\d+(?:\.\d+)?\s?%|\d+x\b|± ?\d", prose)


def _measure(config, t, sites):
    return {"kind": "measure", "config": config, "model": {"T": t, "neuron": "lif"},
            "metrics": {"energy_mj": 1.0, "energy_unfused_mj": 2.0}, "sites": sites}


def _site(layer, site, neurons, rate, var):
    return {"layer": layer, "site": site, "neurons": neurons, "saturation_rate": rate, "saturated_input_variance": var,
            "transform": None, "saturation_rate_untransformed": float("nan"), "firing_rate": rate}


def test_findings_state_the_direction_the_numbers_have_on_a_hand_made_case():
    """Baseline: a huge MLP hidden site with 4 saturated neurons of variance 100 and a small site with 500 of
    variance 1. SmoothSpike: variance 2 at the small site. Weighted by neurons, the baseline would look worse
    (about 99.9 against 2); pooled over saturated neurons it is 1.79 against 2: SmoothSpike's is higher."""
    base = _measure("baseline", 4, [_site(0, "attn_in", 1000, 0.5, 1.0), _site(0, "mlp_hidden", 2_000_000, 2e-6, 100.0)])
    smooth = _measure("smoothspike", 4, [_site(0, "attn_in", 1000, 0.5, 2.0), _site(0, "mlp_hidden", 2_000_000, 0.0,
                                                                                     float("nan"))])
    line, = saturation_findings({"baseline": base, "smoothspike": smooth})
    assert "variance of saturated inputs is higher (2 against 1.79" in line
    assert "lower at 0 of the 1 (layer, site) pairs" in line
    assert fix_notice([base, smooth]) == ""
    old = copy.deepcopy(base)
    del old["metrics"]["energy_unfused_mj"]
    assert "Measured before two fixes" in fix_notice([old, smooth])
    assert "fused" in findings([base, smooth])
