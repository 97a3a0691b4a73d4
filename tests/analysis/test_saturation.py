"""The saturation report on a tiny model: every number is recounted directly from the neurons."""
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.analysis import SITES, saturation_report
from tinyspike.analysis.recording import NEURON_ATTR
from tinyspike.models.config import ModelConfig
from tinyspike.models.fusion import fuse, matrix_used
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier

VARIANTS = {"spikingformer": {}, "smoothspike": dict(h1="learnable", h2="learnable", h3="fixed"),
            "spikelm": dict(neuron="elastic", h1="fixed")}


def _model(name, seed=0, cls=MaskedLM):
    cfg = ModelConfig(vocab_size=30, d_model=16, n_layers=2, n_heads=2, d_ff=32, max_len=8, T=4, seed=seed,
                      h3_blocks=2, **VARIANTS[name])
    model = cls(cfg) if cls is MaskedLM else cls(cfg, 2)
    rng = np.random.default_rng(seed)
    for p in model.parameters():              # gains and weights spread, so some neurons saturate
        p.value[...] += (0.5 * rng.standard_normal(p.shape)).astype(p.value.dtype)
    return model


def _inputs(seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 30, (3, 8))
    mask = np.ones_like(ids)
    mask[1, 5:] = 0
    return ids, np.zeros_like(ids), mask


@pytest.mark.parametrize("name", list(VARIANTS))
@given(seed=st.integers(0, 1000))
def test_saturation_rate_equals_a_direct_count_of_always_firing_neurons(name, seed):
    model = _model(name, seed % 5)
    inputs = _inputs(seed)
    report = saturation_report(model, inputs)
    valid = inputs[2].astype(bool)
    assert [(r.layer, r.site) for r in report.sites] == [(i, s) for i in range(2) for s in SITES]
    saturated = counted = 0
    for row in report.sites:
        s = getattr(model.encoder.blocks[row.layer], NEURON_ATTR[row.site]).last_spikes[:, valid]   # (T, N, n)
        always = np.all(s != 0, axis=0)
        assert row.saturation_rate == always.mean()
        assert row.firing_rate == np.count_nonzero(s) / s.size
        assert row.neurons == always.size
        saturated += always.sum()
        counted += always.size
    assert report.overall_rate == pytest.approx(saturated / counted, rel=1e-12)


@pytest.mark.parametrize("name", ["spikingformer", "smoothspike"])
def test_variance_of_saturated_inputs_recomputed_from_the_embeddings(name):
    """Block 0's first neuron sees RMSNorm(LayerNorm(embeddings) R1) at every step: recompute it directly."""
    model = _model(name, 1)
    ids, types, mask = _inputs(1)
    report = saturation_report(model, (ids, types, mask))
    enc = model.encoder
    r1 = matrix_used(enc.t1)
    e = enc.embeddings.forward(ids, types)
    p = enc.blocks[0].norm_attn.forward(e if r1 is None else e @ r1)            # (B, S, D)
    s = enc.blocks[0].spike_attn_in.last_spikes                                 # (T, B, S, D)
    sat = np.all(s != 0, axis=0) & mask.astype(bool)[..., None]
    row = report.sites[0]
    assert sat.any(), "the test model should saturate some neurons"
    assert row.saturated_input_variance == pytest.approx(float(p[sat].var()), rel=1e-5)
    assert row.transform == ("R1" if r1 is not None else None)


def test_untransformed_rate_is_the_same_neurons_on_inputs_rotated_back():
    """With the transform folded away the fused model's neurons see exactly the same inputs: same rates."""
    model = _model("smoothspike", 2)
    inputs = _inputs(2)
    report = saturation_report(model, inputs)
    fused = saturation_report(fuse(model), inputs)
    for a, b in zip(report.sites, fused.sites):
        assert a.saturation_rate == b.saturation_rate
        assert b.transform is None and np.isnan(b.saturation_rate_untransformed)
        if a.site in ("q", "k"):
            assert a.transform is None
        else:
            assert a.transform in ("R1", "R2", "R3") and 0 <= a.saturation_rate_untransformed <= 1


def test_report_serialises_and_plots(tmp_path):
    model = _model("smoothspike", 3, SequenceClassifier)
    report = saturation_report(model, _inputs(3))
    d = json.loads(json.dumps(report.to_dict()))
    assert d["overall_rate"] == report.overall_rate and len(d["sites"]) == 2 * len(SITES)
    path = tmp_path / "sat.png"
    report.plot(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "overall saturation rate" in report.table()


def test_bad_inputs_are_rejected_with_a_clear_message():
    model = _model("spikingformer")
    ids, types, mask = _inputs(0)
    with pytest.raises(ValueError, match="attention_mask must be an integer array"):
        saturation_report(model, (ids, types, mask[:, :4]))
    with pytest.raises(TypeError, match="tuple"):
        saturation_report(model, ids)
