"""The over-sites aggregates of saturation statistics, checked on hand-made cases."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.analysis.aggregate import (prediction_abs_error, rate_after_rotation, rate_before_rotation,
                                         saturated_input_variance_over_sites, saturation_rate_over_sites,
                                         weighted_rate)
from tinyspike.testing.strategies import seeds


def _site(name, neurons, values):
    """A row whose saturated neurons' inputs are ``values`` (one value per saturated neuron)."""
    values = np.asarray(values, float)
    return {"site": name, "neurons": neurons, "saturation_rate": values.size / neurons,
            "saturated_input_variance": float(values.var()) if values.size else float("nan")}


def test_variance_over_sites_is_weighted_by_saturated_neurons_not_by_site_size():
    """A huge site with 4 saturated neurons must not outweigh a small site with 500 of them."""
    rng = np.random.default_rng(0)
    big = 3.0 + 10.0 * np.array([-1.5, -0.5, 0.5, 1.5])           # 4 values, mean 3, variance 125
    small = 3.0 + rng.standard_normal(500)
    small = 3.0 + (small - small.mean())                            # mean exactly 3
    rows = [_site("mlp_hidden", 2_000_000, big), _site("attn_in", 1_000, small)]
    pooled = float(np.concatenate([big, small]).var())              # the inputs pooled themselves
    assert saturated_input_variance_over_sites(rows) == pytest.approx(pooled, rel=1e-12)
    old_rule = (125.0 * 2_000_000 + small.var() * 1_000) / 2_001_000  # weighted by neuron count
    assert old_rule > 100 and pooled < 3


def test_variance_over_sites_skips_sites_without_saturation_and_can_exclude_a_site():
    rows = [_site("q", 100, []), _site("k", 100, [1.0, 3.0]), _site("mlp_hidden", 100, [0.0, 10.0])]
    assert saturated_input_variance_over_sites(rows) == pytest.approx((1.0 * 2 + 25.0 * 2) / 4)
    assert saturated_input_variance_over_sites(rows, exclude=("mlp_hidden",)) == pytest.approx(1.0)
    assert math.isnan(saturated_input_variance_over_sites(rows[:1]))


@given(seed=seeds(), sites=st.integers(1, 6))
def test_variance_over_sites_equals_pooled_variance_when_site_means_agree(seed, sites):
    rng = np.random.default_rng(seed)
    rows, values = [], []
    for i in range(sites):
        n_sat = int(rng.integers(2, 50))
        v = rng.standard_normal(n_sat) * rng.uniform(0.1, 5)
        v = v - v.mean() + 1.5                                       # every site's mean is 1.5
        rows.append(_site(f"s{i}", int(rng.integers(n_sat, 10_000)), v))
        values.append(v)
    assert saturated_input_variance_over_sites(rows) == pytest.approx(float(np.concatenate(values).var()), rel=1e-9)


def test_rate_over_sites_is_saturated_over_counted_neurons():
    rows = [_site("attn_in", 1000, np.ones(10)), _site("mlp_hidden", 3000, np.ones(300))]
    assert saturation_rate_over_sites(rows) == pytest.approx(310 / 4000)
    assert saturation_rate_over_sites(rows, exclude=("mlp_hidden",)) == pytest.approx(10 / 1000)


def _rotation_site(transform, rate, untransformed, rotated, predicted, neurons):
    return {"site": "x", "transform": transform, "saturation_rate": rate, "saturation_rate_untransformed": untransformed,
            "saturation_rate_rotated": rotated, "predicted_after_rotation": predicted, "neurons": neurons}


def test_before_and_after_rotation_take_each_site_from_the_right_column():
    """A rotated site (rate 0.01, 0.05 rotated back) and a plain one (rate 0.02, 0.04 rotated): by hand."""
    nan = float("nan")
    rows = [_rotation_site("R1", 0.01, 0.05, nan, 0.02, 100), _rotation_site(None, 0.02, nan, 0.04, 0.01, 300)]
    assert weighted_rate(rows, rate_before_rotation) == pytest.approx((0.05 * 100 + 0.02 * 300) / 400)
    assert weighted_rate(rows, rate_after_rotation) == pytest.approx((0.01 * 100 + 0.04 * 300) / 400)
    assert prediction_abs_error(rows) == pytest.approx((0.01 + 0.03) / 2)       # unweighted over sites
    rows.append(_rotation_site(None, 0.5, nan, nan, nan, 10**6))                             # no counterfactual: skipped
    assert prediction_abs_error(rows) == pytest.approx(0.02)
    assert weighted_rate(rows, rate_after_rotation) == pytest.approx((0.01 * 100 + 0.04 * 300) / 400)
