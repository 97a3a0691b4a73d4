"""The single-site counterfactual: a site's recorded input rotated by a randomized Hadamard matrix, everything
upstream kept. Recounted here from the embeddings and the LIF's saturation level, not from the report's code."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.analysis import saturation_report
from tinyspike.analysis.prediction import neuron_saturation_level
from tinyspike.models.fusion import fuse
from tinyspike.transforms.randomized import randomized_hadamard

from .test_saturation import _inputs, _model


@given(seed=st.integers(0, 1000))
def test_counterfactual_at_the_first_site_recounted_from_the_rotated_norm_output(seed):
    """Block 0's attention input is the same at every step, so a neuron saturates iff its input >= the level."""
    model = _model("spikingformer", seed % 5)
    ids, types, mask = _inputs(seed)
    report = saturation_report(model, (ids, types, mask), seed=seed)
    block = model.encoder.blocks[0]
    p = block.norm_attn.forward(model.encoder.embeddings.forward(ids, types)).astype(np.float64)   # (B, S, D)
    rotated = p @ randomized_hadamard(p.shape[-1], seed)                                          # site 0: seed + 0
    level = neuron_saturation_level(block.spike_attn_in)
    expected = float(np.mean((rotated >= level)[mask.astype(bool)]))
    row = report.sites[0]
    assert row.transform is None
    assert row.saturation_rate_rotated == pytest.approx(expected, abs=1e-12)
    assert row.rate_after_rotation == row.saturation_rate_rotated


def test_sites_with_their_own_transform_report_their_own_rate_after_rotation():
    model = _model("smoothspike", 2)
    report = saturation_report(model, _inputs(2))
    for row in report.sites:
        if row.transform is None:
            assert 0 <= row.saturation_rate_rotated <= 1
        else:
            assert np.isnan(row.saturation_rate_rotated) and row.rate_after_rotation == row.saturation_rate
    assert "rate_after_rotation" in report.to_dict()["sites"][0]


def test_the_fused_model_gets_a_counterfactual_at_every_site_and_it_depends_on_the_draw():
    model = fuse(_model("smoothspike", 3))
    inputs = _inputs(3)
    a, b = saturation_report(model, inputs, seed=0), saturation_report(model, inputs, seed=50)
    assert all(0 <= r.saturation_rate_rotated <= 1 for r in a.sites)
    assert [r.saturation_rate for r in a.sites] == [r.saturation_rate for r in b.sites]
    assert [r.saturation_rate_rotated for r in a.sites] != [r.saturation_rate_rotated for r in b.sites]
