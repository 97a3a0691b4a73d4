"""Energy estimate: hand-checked where the firing rates are known (all fire / none fire), and its rates
recounted from the neurons otherwise."""
import json

import numpy as np
import pytest

from tinyspike.analysis import E_AC_PJ, E_MAC_PJ, ann_equivalent_mj, energy_report, operations
from tinyspike.analysis.recording import NEURON_ATTR
from tinyspike.models.config import ModelConfig
from tinyspike.models.fusion import fuse
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier

D, DFF, L, T, V, B, S = 16, 64, 2, 4, 30, 3, 8


def _cfg(thr, **kw):
    return ModelConfig(vocab_size=V, d_model=D, n_layers=L, n_heads=2, d_ff=DFF, max_len=S, T=T, v_threshold=thr,
                       attn_threshold=thr, **kw)


def _inputs():
    rng = np.random.default_rng(0)
    ids = rng.integers(1, V, (B, S))
    return ids, np.zeros_like(ids), np.ones_like(ids)


@pytest.mark.parametrize("thr,rate", [(-1e9, 1.0), (1e9, 0.0)])
def test_baseline_energy_by_hand_when_every_or_no_neuron_fires(thr, rate):
    report = energy_report(MaskedLM(_cfg(thr)), _inputs())
    assert set(report.firing_rates.values()) == {rate}
    block_synops = T * S * (4 * D * D + 2 * D * DFF + 2 * S * D)        # per sequence, per block; all spike-driven
    head_macs = S * (D * D + D * V)                                      # dense + tied decoder, every token
    expected_mj = (L * block_synops * rate * E_AC_PJ + head_macs * E_MAC_PJ) * 1e-9
    assert report.total_mj == pytest.approx(expected_mj, rel=1e-12)
    rows = {r.layer: r for r in report.layers}
    assert rows["block 0"].ac_ops == pytest.approx(block_synops * rate) and rows["block 0"].mac_ops == 0
    assert rows["head"].mac_ops == head_macs


def test_smoothspike_energy_by_hand_with_every_neuron_firing():
    """Rotations after a spiking neuron are spike-driven; the layers they feed, and the rotations
    after a linear layer, take real inputs and cost MACs. Fusion turns them all back into accumulates."""
    model = SequenceClassifier(_cfg(-1e9, h1="fixed", h2="fixed", h3="fixed", h3_blocks=4), 2)
    report = energy_report(model, _inputs(), fused=False)
    assert not report.fused
    g = DFF // 4
    spike = T * S * (D * D + 2 * S * D + D * D + D * D + DFF * g)       # R1^T in, QK^T, AV, R2^T out, R1^T mlp, R3^T
    real = T * S * (3 * D * D + D * D + D * D + D * D + D * DFF + DFF * g + DFF * D + D * D)
    outer = S * D * D * 2                                               # embedding R1 and final R1^T
    head = D * D + D * 2                                                # pooler + classifier on one token
    expected = (L * spike * E_AC_PJ + (L * real + outer + head) * E_MAC_PJ) * 1e-9
    assert report.total_mj == pytest.approx(expected, rel=1e-12)
    fused = energy_report(fuse(model), _inputs())
    blocks = L * T * S * (4 * D * D + 2 * D * DFF + 2 * S * D)
    expected_fused = (blocks * E_AC_PJ + (S * D * D + head) * E_MAC_PJ) * 1e-9
    assert fused.total_mj == pytest.approx(expected_fused, rel=1e-12)      # final R1^T folded, embedding R1 kept
    deployed = energy_report(model, _inputs())                              # the default prices the fused model
    assert deployed.fused and deployed.total_mj == pytest.approx(expected_fused, rel=1e-12)
    assert "deployed (fused)" in deployed.table() and "unfused" in report.table()


def test_default_energy_prices_every_block_product_of_a_learnable_smoothspike_model_as_spike_driven():
    """Fused, a SmoothSpike model prices like a Spikingformer with the same firing rates: every block product
    is spike-driven (only the embedding-side R1 stays a real-valued product)."""
    model = SequenceClassifier(_cfg(1.0, h1="learnable", h2="learnable", h3="learnable", h3_blocks=4), 2)
    deployed, trained = energy_report(model, _inputs()), energy_report(model, _inputs(), fused=False)
    assert {r.layer: r.mac_ops for r in deployed.layers if r.layer.startswith("block")} == {
        f"block {i}": 0.0 for i in range(L)}
    assert all(r.mac_ops > 0 for r in trained.layers if r.layer.startswith("block"))
    assert deployed.total_mj < trained.total_mj


@pytest.mark.parametrize("kw", [{}, dict(neuron="elastic", h1="learnable", h2="learnable")])
def test_measured_rates_are_the_neurons_firing_rates(kw):
    model = MaskedLM(_cfg(1.0, **kw))
    report = energy_report(model, _inputs(), fused=False)
    for key, rate in report.firing_rates.items():
        layer, site = key.split("/")
        s = getattr(model.encoder.blocks[int(layer.split()[1])], NEURON_ATTR[site]).last_spikes
        assert rate == np.count_nonzero(s) / s.size
    assert 0 < min(r for r in report.firing_rates.values() if r > 0) and max(report.firing_rates.values()) < 1
    assert report.total_mj == pytest.approx(sum(r.total_mj for r in report.layers), rel=1e-12)
    assert report.total_mj == pytest.approx(sum(e for _, _, e in report.operations), rel=1e-12)
    assert len(report.operations) == len(operations(model, S))
    assert json.loads(json.dumps(report.to_dict()))["total_mj"] == report.total_mj


def test_ann_equivalent_of_bert_base_is_the_papers_table_1_figure():
    """The operation count's convention reproduces the paper's BERT-base energy, 51.41 mJ (seq 128)."""
    bert_base = SequenceClassifier(ModelConfig(vocab_size=100, d_model=768, n_layers=12, n_heads=12, d_ff=3072,
                                               max_len=128), 2)
    assert ann_equivalent_mj(bert_base, 128) == pytest.approx(51.41, abs=0.01)
