"""PLIF (learnable tau = 1 + exp(-w)): BPTT with dL/dw against central differences in surrogate mode, and
PLIF with w frozen = LIF with the same tau."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.neurons.lif import LIFConfig, lif_backward, lif_forward
from tinyspike.neurons.plif import PLIF, plif_backward, plif_forward, plif_tau
from tinyspike.neurons.surrogate import ArcTan, Sigmoid
from tinyspike.testing import check_gradients, check_layer
from tinyspike.testing.strategies import seeds, shapes
from tinyspike.training.finetune import classification_step
from tinyspike.training.loop import LoopConfig, train_loop

SURROGATES = [Sigmoid(), ArcTan()]


def _draw(seed, shape, T, per_channel):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, *shape)) * 1.5
    thr = rng.uniform(0.5, 1.5, shape[-1]) if per_channel else 1.0
    return x, thr, np.array([rng.uniform(-2.0, 2.0)])


def test_tau_is_one_over_sigmoid_w_and_the_layer_starts_at_the_given_tau():
    """1 + exp(-w) = 1 / sigmoid(w) (Fang et al.'s two forms agree); w = -log(tau - 1) gives tau back."""
    for w in (-3.0, 0.0, 0.7, 4.0):
        assert plif_tau(w) == pytest.approx(1.0 / (1.0 / (1.0 + math.exp(-w))), rel=1e-15)
    assert PLIF(tau=2.0).w.value[0] == 0.0 and PLIF(tau=3.5).tau == pytest.approx(3.5, rel=1e-15)
    with pytest.raises(ValueError, match="PLIF: the initial tau must be > 1"):
        PLIF(tau=1.0)


@pytest.mark.parametrize("sur", SURROGATES, ids=lambda s: type(s).__name__)
@given(seed=seeds(), shape=shapes(1, 2, max_side=4), T=st.integers(1, 5), per_channel=st.booleans(),
       v_reset=st.sampled_from([0.0, -0.3]))
def test_plif_bptt_dx_and_dw_equal_central_differences_of_the_smooth_plif(sur, seed, shape, T, per_channel, v_reset):
    """spiking=False, the reset's s_t not detached; dL/dw sums dL/dh_t (x_t - v_{t-1} + v_reset) sigmoid'(w)."""
    x, thr, w = _draw(seed, shape, T, per_channel)

    def forward():
        return plif_forward(x, w[0], thr, sur, v_reset=v_reset, spiking=False)[0]

    def backward(dy):
        _, cache = plif_forward(x, w[0], thr, sur, v_reset=v_reset, spiking=False)
        dx, dw = plif_backward(dy, x, cache, sur, v_reset=v_reset)
        return {"x": dx, "w": np.array([dw])}

    check_gradients(forward, backward, {"x": x, "w": w}, seed=seed, rtol=1e-5, atol=1e-7)


@given(seed=seeds(), shape=shapes(1, 2, max_side=4), T=st.integers(1, 5), per_channel=st.booleans())
def test_plif_layer_detach_reset_gradients_equal_central_differences_with_frozen_reset_spikes(seed, shape, T,
                                                                                               per_channel):
    """The layer in surrogate mode (``check_layer``: x and the Parameter w), reset spikes of a base run frozen."""
    x, thr, w = _draw(seed, shape, T, per_channel)
    layer = PLIF(thr, tau=plif_tau(w[0]), detach_reset=True, surrogate=Sigmoid())
    layer.spiking = False
    layer.frozen_reset = layer.forward(x).copy()
    report = check_layer(layer, x, seed=seed, rtol=1e-5, atol=1e-7)
    assert set(report) == {"x0", "w"}


@pytest.mark.parametrize("detach", [False, True])
@given(seed=seeds(), shape=shapes(1, 3, max_side=5), T=st.integers(1, 6), per_channel=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_plif_with_w_frozen_is_lif_with_the_same_tau(detach, seed, shape, T, per_channel, dtype):
    """Bit for bit: spikes and dx of PLIF(w) and of the decay_input LIF with tau = 1 + exp(-w)."""
    x, thr, w = _draw(seed, shape, T, per_channel)
    x = x.astype(dtype)
    ds = np.random.default_rng(seed + 1).standard_normal(x.shape).astype(dtype)
    cfg = LIFConfig(tau=plif_tau(w[0]), detach_reset=detach)
    s_lif, _, cache = lif_forward(x, None, thr, cfg, backend="numpy")
    s_plif, plif_cache = plif_forward(x, w[0], thr, cfg.surrogate)
    np.testing.assert_array_equal(s_plif, s_lif)
    dx, _ = plif_backward(ds, x, plif_cache, cfg.surrogate, detach_reset=detach)
    np.testing.assert_array_equal(dx, lif_backward(ds, None, cache, cfg, backend="numpy")[0])


def test_a_resumed_plif_run_keeps_its_learned_tau_bit_for_bit(tmp_path):
    """w is a Parameter: the checkpoint saves it and AdamW's moments, so stop + resume = one straight run."""
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 30, (24, 6))
    data, labels = (ids, np.zeros_like(ids), np.ones_like(ids)), (ids[:, 0] > 15).astype(np.int64)
    cfg = ModelConfig(vocab_size=30, d_model=8, n_layers=1, n_heads=2, d_ff=16, max_len=6, T=2, neuron="plif",
                      attn_threshold=0.1)

    def run(out, **kw):
        model = SequenceClassifier(cfg, 2)
        train_loop(model, classification_step(model, data, labels), len(labels),
                   LoopConfig(epochs=2, batch=8, lr=3e-2, **kw), out_dir=out, progress=False,
                   resume="stop_at" not in kw and (out / "checkpoint.safetensors").exists())
        return {k: p.value.copy() for k, p in model.named_parameters() if k.endswith(".w")}

    straight = run(tmp_path / "a")
    run(tmp_path / "b", stop_at=3)
    resumed = run(tmp_path / "b")
    assert len(straight) == 7 and any(v[0] != 0.0 for v in straight.values())      # tau moved off 2
    assert all(np.array_equal(straight[k], resumed[k]) for k in straight)
