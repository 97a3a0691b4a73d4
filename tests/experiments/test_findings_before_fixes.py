"""The findings the appendix of docs/results.md states (the studies measured before the fixes), on hand-made cases."""
import copy

from experiments.findings import findings, fix_notice, saturation_findings


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
