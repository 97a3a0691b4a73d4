"""The study's claims, the regimes' expectation and the unit-time budget on hand-made cases worked out here."""
import pytest

from experiments.study_claims import Claim, runs, saturation_claims, theory_check
from experiments.study_plan import TIME_STEPS
from experiments.study_report import expectation_sentence, unit_times
from experiments.study_stats import Interval


def _claim(key, regime, T, mean, low, high):
    return Claim(key, key, regime, T, Interval(mean, low, high, 9), "lower")


def test_the_expectation_for_the_regimes_on_a_hand_made_case():
    """Outlier: the counterfactual lowers the rate at every T; default: unchanged within noise at T = 4 only,
    higher elsewhere. Expected everywhere; the prediction agrees with the counterfactual only where both match."""
    claims = []
    for T in TIME_STEPS:
        claims += [_claim("counterfactual-rotation-lowers-rate", "outlier", T, -0.02, -0.03, -0.01),
                   _claim("prediction-says-rotation-lowers-rate", "outlier", T, -0.02, -0.03, -0.01),
                   _claim("counterfactual-rotation-lowers-rate", "default", T,
                          *((0.001, -0.001, 0.003) if T == 4 else (0.01, 0.005, 0.015))),
                   _claim("prediction-says-rotation-lowers-rate", "default", T, 0.01, 0.005, 0.015)]
    assert theory_check(claims, "outlier", 1) == ("lower", "lower", True)
    assert theory_check(claims, "default", 4) == ("higher", "unchanged within noise", False)
    assert theory_check(claims, "default", 2) == ("higher", "higher", True)
    sentence = expectation_sentence(claims)
    assert sentence.count("(as expected)") == 3 and "not as expected" not in sentence
    flipped = [c if c.regime == "default" else _claim(c.key, c.regime, c.T, 0.0, -0.01, 0.01) for c in claims]
    assert expectation_sentence(flipped).count("(not as expected)") == 3


def test_saturation_claims_on_hand_made_runs():
    """Baseline runs at rate 0.02 +- small, SmoothSpike at 0.01 +- small: SmoothSpike lower (agree); its rotated
    sites at 0.01 against 0.03 rotated back in every run: the within-model claim agrees too."""
    def run(model, rate, k):
        site = {"site": "attn_in", "layer": 0, "neurons": 100, "saturation_rate": rate, "transform":
                "R1" if model == "smoothspike" else None, "saturation_rate_untransformed": 0.03}
        metrics = {"saturation_rate": rate + 1e-4 * k, "saturated_input_variance": 1.0, "rate_after_rotation": rate,
                   "rate_before_rotation": rate, "predicted_after_rotation": rate}
        return {"kind": "measure", "unit": f"measure/default/{model}/seed{k}", "config": model, "seed": k,
                "model": {"T": 4}, "metrics": metrics, "sites": [site]}
    results = [run("baseline", 0.02, k) for k in range(9)] + [run("smoothspike", 0.01, k) for k in range(9)]
    claims = {(c.key, c.regime, c.T): c for c in saturation_claims(runs(results))}
    assert claims[("smoothspike-lowers-rate", "default", 4)].verdict == "agree"
    assert claims[("smoothspike-lowers-rate", "default", 4)].ci.mean == pytest.approx(-0.01)
    within = claims[("rotation-lowers-rate-within-smoothspike", "default", 4)]
    assert within.verdict == "agree" and within.ci.mean == pytest.approx(-0.02)
    assert claims[("smoothspike-lowers-rate", "outlier", 4)].verdict == "not measured"


def test_unit_times_add_up_and_are_judged_against_the_budget():
    results = [{"unit": "pretrain/a", "kind": "pretrain", "seconds": 100.0, "cpu_seconds": 3600.0 * 7},
               {"unit": "finetune/a", "kind": "finetune", "seconds": 10.0, "cpu_seconds": 3600.0 * 5}]
    lines, times = unit_times(results, {"m": {"seconds": 1.0, "cpu_seconds": 3600.0 * 4}}, None)
    assert times["cpu_hours"] == pytest.approx(16) and times["two_core_hours"] == pytest.approx(8)
    assert "within the 8-hour budget" in lines[-1]
    lines, _ = unit_times(results + [{"unit": "measure/a", "kind": "measure", "seconds": 1.0, "cpu_seconds": 36.0}],
                          {}, None)
    assert "| measure/a | 1.0 | 36.0 |" in lines
    assert "within" in lines[-1]
    lines, _ = unit_times(results, {"m": {"seconds": 1.0, "cpu_seconds": 3600.0 * 5}}, None)
    assert "over the 8-hour budget" in lines[-1]


def test_seed_spread_separates_the_sign_draw_from_the_pretraining_seed():
    """Rates 1, 2, 3 (+ 10 per pretraining seed): sign sd 1 in every seed; seed means 2, 12, 22 (sd 10); mean 12."""
    from experiments.study_report import seed_spread

    group = [{"seed": p, "metrics": {"saturation_rate": 10.0 * p + s}} for p in range(3) for s in (1, 2, 3)]
    within, across = seed_spread(group)
    assert within == pytest.approx(1 / 12) and across == pytest.approx(10 / 12)


def test_glue_energy_and_claims_read_the_right_units():
    from experiments.study_claims import glue_claims, glue_energy

    results = [{"unit": "measure/default/baseline/seed0", "metrics": {"energy_mj": 1.0}},
               {"unit": "measure/default/baseline/seed1", "metrics": {"energy_mj": 9.0}},
               {"unit": "measure/default/learnable-h1/seed0/sign0", "metrics": {"energy_mj": 2.0}},
               {"unit": "measure/outlier/smoothspike/seed0/sign0", "metrics": {"energy_mj": 7.0}}]
    assert glue_energy(results) == {"baseline": 1.0, "learnable-h1": 2.0}
    scores = {("baseline", "rte"): [50.0, 51.0, 52.0], ("smoothspike", "rte"): [60.0, 61.0, 62.0]}
    claims = {c.key: c for c in glue_claims(scores, ["rte"])}
    assert claims["smoothspike-beats-baseline-on-glue"].verdict == "agree"
    assert claims["smoothspike-beats-baseline-on-glue"].ci.mean == pytest.approx(10.0)
    assert claims["fixed-h1-beats-baseline-on-glue"].verdict == "not measured"
