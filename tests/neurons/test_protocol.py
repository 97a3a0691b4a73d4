"""The neuron protocol (``SpikingNeuron``) and the registry: every registered neuron is charge -> fire -> reset,
reaches the model through ``ModelConfig(neuron=...)`` with its site's threshold, and works with the tools
that read the protocol (surrogate mode, saturation, checkpoints)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.analysis.saturation import saturation_report
from tinyspike.layers.losses import cross_entropy_backward, cross_entropy_forward
from tinyspike.models.config import ModelConfig
from tinyspike.models.sites import NEURON_SITES
from tinyspike.models.spiking_lm import SequenceClassifier, neuron_factory
from tinyspike.neurons.base import SpikingNeuron
from tinyspike.neurons.lif import LIF
from tinyspike.neurons.registry import NEURONS
from tinyspike.testing.strategies import seeds, shapes
from tinyspike.testing.surrogate_mode import check_model_gradients, spiking_neurons
from tinyspike.training.adamw import AdamW
from tinyspike.training.neuron_state import neuron_alphas, set_neuron_alphas

THRESHOLDED = [name for name, spec in NEURONS.items() if "v_threshold" in spec.reads]


def _tiny(neuron, dtype="float64", **kw):
    return ModelConfig(vocab_size=20, d_model=8, n_layers=2, n_heads=2, d_ff=32, max_len=5, T=2, dtype=dtype,
                       seed=3, neuron=neuron, **kw)


def _batch(seed=0, b=2):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 20, (b, 5))
    mask = np.ones_like(ids)
    mask[0, -1] = 0
    return ids, np.zeros_like(ids), mask


@pytest.mark.parametrize("name", list(NEURONS))
@pytest.mark.parametrize("spiking", [True, False])
@given(seed=seeds(), shape=shapes(1, 3, max_side=4), T=st.integers(1, 5), dtype=st.sampled_from(["float32", "float64"]))
def test_forward_is_the_charge_fire_reset_loop_step_by_step(name, spiking, seed, shape, T, dtype):
    """forward(x) equals charge -> fire -> reset run one step at a time, bit for bit (also in surrogate mode,
    where the reset uses the frozen spikes of a base run)."""
    neuron = NEURONS[name].build(_tiny(name, dtype), 0.7)
    x = (np.random.default_rng(seed).standard_normal((T, *shape)) * 1.5).astype(dtype)
    base = neuron.forward(x)                          # sets the elastic neuron's alpha
    if not spiking:
        neuron.spiking, neuron.frozen_reset = False, base.copy()
    np.testing.assert_array_equal(neuron.forward(x), neuron.step_by_step(x))
    np.testing.assert_array_equal(neuron.last_spikes, neuron.step_by_step(x))


@pytest.mark.parametrize("name", list(NEURONS))
def test_every_registered_neuron_is_a_spiking_neuron_and_surrogate_mode_finds_all_of_them(name):
    model = SequenceClassifier(_tiny(name), 3)
    neurons = list(spiking_neurons(model))
    assert len(neurons) == 7 * 2 and all(isinstance(n, SpikingNeuron) for n in neurons)


@pytest.mark.parametrize("name", THRESHOLDED)
def test_the_sites_threshold_reaches_every_thresholded_neuron(name):
    """v_threshold at six sites, attn_threshold at the attention output, for every neuron that has a threshold."""
    model = SequenceClassifier(_tiny(name, v_threshold=0.9, attn_threshold=0.3), 3)
    expected = {"v_threshold": 0.9, "attn_threshold": 0.3}
    for block in model.encoder.blocks:
        for site in NEURON_SITES:
            assert getattr(block, site.neuron).firing_threshold() == expected[site.threshold], site.name


@pytest.mark.parametrize("name", THRESHOLDED)
def test_a_higher_attn_threshold_lowers_the_attention_output_firing_rate(name):
    batch = _batch(b=8)
    rates = []
    for thr in (0.05, 0.5):
        model = SequenceClassifier(_tiny(name, v_threshold=0.3, attn_threshold=thr), 3)
        model.forward(*batch)
        rates.append(np.mean([b.spike_attn_out.last_spikes.mean() for b in model.encoder.blocks]))
    assert rates[0] > rates[1]


def test_the_elastic_neuron_reads_no_threshold_and_the_config_says_so():
    """Its firing level is alpha_t / 2 with alpha_t = k mean|u_t| (set from the data): a threshold would be ignored."""
    with pytest.warns(UserWarning, match="attn_threshold=0.3 has no effect with neuron='elastic'"):
        cfg = _tiny("elastic", attn_threshold=0.3)
    model = SequenceClassifier(cfg, 3)
    report = saturation_report(model, _batch())                    # its histograms mark block 0's firing level
    n = model.encoder.blocks[0].spike_attn_out
    np.testing.assert_array_equal(n.firing_threshold(), n.alpha / 2)
    assert report.histograms["attn_out"][2] == pytest.approx(float(np.mean(n.alpha)) / 2, rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _tiny("elastic")                                  # defaults: no warning
        _tiny("lif", attn_threshold=0.3, tau=3.0)         # fields the LIF reads: no warning
    with pytest.warns(UserWarning, match="tau=3.0 has no effect with neuron='if'"):
        _tiny("if", tau=3.0)


def test_an_unknown_neuron_name_is_refused_naming_the_registered_ones():
    with pytest.raises(ValueError, match=r"ModelConfig: neuron must be one of \['elastic', 'if', 'lif', 'plif'\]"):
        ModelConfig(neuron="izhikevich")


def test_neuron_factory_builds_the_lif_spikingformer_uses():
    lif = neuron_factory(_tiny("lif", tau=3.0, surrogate_alpha=2.0))(0.4)
    assert isinstance(lif, LIF) and lif.thr == 0.4 and lif.cfg.tau == 3.0 and lif.cfg.detach_reset
    assert lif.cfg.surrogate.alpha == 2.0


@pytest.mark.parametrize("name", ["if", "plif"])
def test_whole_model_backward_matches_central_differences_with_new_neurons(name):
    model = SequenceClassifier(_tiny(name), 3)
    rng = np.random.default_rng(0)
    for p in model.parameters():
        p.value[...] += 0.1 * rng.standard_normal(p.shape)
    ids, types, mask = _batch()
    report, neurons = check_model_gradients(model, lambda: model.forward(ids, types, mask), seed=1,
                                            max_entries=4, directions=1, rtol=1e-4, atol=1e-6)
    assert len(neurons) == 14 and set(report) == {k for k, _ in model.named_parameters()}
    assert name != "plif" or sum(k.endswith(".w") for k in report) == 14      # every PLIF's w is checked


@pytest.mark.parametrize("name", ["if", "plif"])
def test_a_tiny_model_with_the_neuron_trains(name):
    """ModelConfig(neuron=name) builds, and a few AdamW steps on one batch lower its loss."""
    model = SequenceClassifier(_tiny(name, dtype="float32", attn_threshold=0.1), 2)
    ids, types, mask = _batch(b=8)
    labels = np.arange(8) % 2
    opt = AdamW(model.parameters(), lr=1e-2)
    w0 = [p.value.copy() for k, p in model.named_parameters() if k.endswith(".w")]
    losses = []
    for _ in range(8):
        loss, cache = cross_entropy_forward(model.forward(ids, types, mask), labels)
        opt.zero_grad()
        model.backward(cross_entropy_backward(cache).astype(np.float32))
        opt.step()
        losses.append(loss)
    assert np.isfinite(losses).all() and losses[-1] < 0.9 * losses[0]
    w1 = [p.value for k, p in model.named_parameters() if k.endswith(".w")]
    assert len(w1) == (14 if name == "plif" else 0)
    assert name != "plif" or any(not np.array_equal(a, b) for a, b in zip(w0, w1))   # tau is learned


def test_frozen_state_round_trips_through_the_checkpoint_helpers():
    model = SequenceClassifier(_tiny("elastic"), 3)
    model.forward(*_batch())
    saved = neuron_alphas(model)
    assert len(saved) == 14
    fresh = SequenceClassifier(_tiny("elastic"), 3)
    set_neuron_alphas(fresh, saved, np.float64)
    assert neuron_alphas(fresh) == saved
    with pytest.raises(ValueError, match="holds an elastic-neuron alpha for 'encoder.blocks.0.spike_q'"):
        set_neuron_alphas(SequenceClassifier(_tiny("lif"), 3), {"encoder.blocks.0.spike_q": [1.0, 1.0]}, np.float64)
    with pytest.raises(ValueError, match=r"LIF: has no frozen state \['alpha'\]"):
        LIF(1.0).load_frozen_state({"alpha": np.ones(2)})
