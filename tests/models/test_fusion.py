"""Inference fusion (SmoothSpike Algorithm 1): the fused model computes what the unfused one does.

float64: logits agree to a relative 1e-9. float32: the spike trains agree at every neuron site,
except where a membrane lands within rounding of the threshold (counted, bounded, and the first
such site's disagreements shown to sit on the threshold). Inside the blocks the fused model has
exactly the baseline Spikingformer's parameters and operations (printed with ``pytest -s``).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.analysis import block_parameters, operations_per_token, record_sites
from tinyspike.layers.base import Layer
from tinyspike.models.config import ModelConfig
from tinyspike.models.fusion import FusedEncoder, fuse, orthogonal_scale
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier
from tinyspike.neurons.lif import LIF, membrane
from tinyspike.testing.surrogate_mode import check_model_gradients
from tinyspike.transforms.orthogonal import OrthogonalTransform

ALL = ("h1", "h2", "h3")
VARIANTS = {"fixed": dict.fromkeys(ALL, "fixed"), "learnable": dict.fromkeys(ALL, "learnable"),
            "spikelm_learnable": dict(neuron="elastic", **dict.fromkeys(ALL, "learnable")),
            "h2_h3_only": dict(h2="learnable", h3="fixed")}
S = 10


def _cfg(dtype, seed=0, **kw):
    return ModelConfig(vocab_size=40, d_model=16, n_layers=2, n_heads=2, d_ff=64, max_len=S, T=4, dtype=dtype,
                       seed=seed, **kw)


def _inputs(seed, b=3):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 40, (b, S))
    mask = np.ones_like(ids)
    mask[0, rng.integers(3, S):] = 0
    positions = rng.random((b, S)) < 0.4
    positions[:, 1] = True
    return ids, rng.integers(0, 2, (b, S)), mask, positions


def _perturb(model, seed, scale, transforms):
    """Move weights (and, if asked, the learnable transforms' H_tilde) off their initialisation."""
    rng = np.random.default_rng(seed)
    for name, p in model.named_parameters():
        if transforms or "H_tilde" not in name:
            p.value[...] += (scale * rng.standard_normal(p.shape)).astype(p.value.dtype)


def _build(kind, cfg):
    return MaskedLM(cfg) if kind == "mlm" else SequenceClassifier(cfg, 3)


def _run(model, kind, inputs):
    ids, types, mask, positions = inputs
    return model.forward(ids, types, mask, positions) if kind == "mlm" else model.forward(ids, types, mask)


def _transform_layers(layer: Layer):
    if isinstance(layer, OrthogonalTransform):
        yield layer
    for _, child in layer.children():
        yield from _transform_layers(child)


@pytest.mark.parametrize("kind", ["mlm", "classifier"])
@pytest.mark.parametrize("name", list(VARIANTS))
@given(seed=st.integers(0, 2**16), move_transforms=st.booleans())
def test_fused_logits_equal_unfused_in_float64(name, kind, seed, move_transforms):
    model = _build(kind, _cfg("float64", seed % 7, **VARIANTS[name]))
    _perturb(model, seed, 0.2, move_transforms)
    inputs = _inputs(seed)
    before = _run(model, kind, inputs)
    fused = fuse(model)
    after = _run(fused, kind, inputs)
    assert type(fused) is type(model) and isinstance(fused.encoder, FusedEncoder)
    assert not list(_transform_layers(fused)), "a transform module is left in the fused model"
    rel = np.abs(after - before).max() / np.abs(before).max()
    assert rel <= 1e-9, f"{name}/{kind}: relative difference of logits {rel:.3e}"
    np.testing.assert_array_equal(_run(model, kind, inputs), before)   # fusing left the original model alone
    t1 = model.encoder.t1
    if t1 is not None:
        # the final R1^T is folded exactly when R1 is orthogonal up to scale (fixed; learnable untouched)
        orthogonal = t1.mode == "fixed" or not move_transforms
        assert orthogonal == (orthogonal_scale(t1.forward())[1] <= 1e3 * np.finfo(np.float64).eps)
        assert (fused.encoder.r_final is None) == orthogonal
        assert fused.encoder.r_embed is not None       # LayerNorm between tables and R1: always kept


def _threshold_margin(neuron, t, idx):
    """Distance of the unfused membrane at step t from the firing boundary, at neurons idx."""
    cache = neuron._cache
    if isinstance(neuron, LIF):
        return np.abs(membrane(cache, neuron.cfg)[t][idx] - neuron.thr)
    alpha = cache.alpha[t]                               # elastic: round(u / alpha) flips at |u| = alpha / 2
    return np.abs(np.abs(cache.u[t][idx]) - alpha / 2)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_fused_spike_trains_equal_in_float32_except_at_the_threshold(name):
    """Site by site on the same upstream spikes (the fused run is teacher-forced with the unfused spikes),
    so a flip at one site cannot move the inputs of later ones: every flip must sit on the threshold."""
    total = flips = free_flips = 0
    worst_margin = 0.0
    for seed in range(4):
        model = MaskedLM(_cfg("float32", seed, **VARIANTS[name]))
        _perturb(model, seed, 0.2, transforms=seed % 2 == 1)
        ids, types, mask, _ = _inputs(seed, b=4)
        unfused = record_sites(model, (ids, types, mask))
        fused_model = fuse(model)
        fused = record_sites(fused_model, (ids, types, mask), force=unfused)
        for a, b in zip(unfused, fused):
            scale = np.abs(a.inputs).max()
            np.testing.assert_allclose(b.inputs, a.inputs, rtol=0, atol=1e-5 * scale)   # rounding only
            differ = a.spikes != b.spikes                                    # (T, B, S, n)
            total += differ[0].size
            flips += int(differ.any(0).sum())
            for t in range(differ.shape[0]):
                first_at_t = differ[t] & ~differ[:t].any(0)                   # the step at which a neuron first flips
                if first_at_t.any():
                    worst_margin = max(worst_margin, float(_threshold_margin(a.neuron, t, first_at_t).max()))
        free = record_sites(fused_model, (ids, types, mask))                # free-running: flips propagate
        free_flips += sum(int((a.spikes != b.spikes).any(0).sum()) for a, b in zip(unfused, free))
    print(f"\n[{name}] float32, site by site: {flips} of {total} neurons changed their spike train, "
          f"largest membrane distance from the threshold at a flip {worst_margin:.2e}; "
          f"free-running (flips propagate): {free_flips}")
    assert worst_margin <= 1e-4, f"a spike flipped with its membrane {worst_margin} from the threshold"
    assert flips <= 1e-3 * total


@pytest.mark.parametrize("name", list(VARIANTS))
def test_fused_blocks_have_the_baseline_parameter_and_operation_counts(name):
    smooth = MaskedLM(_cfg("float32", **VARIANTS[name]))
    baseline = MaskedLM(_cfg("float32", **({"neuron": "elastic"} if "spikelm" in name else {})))
    fused = fuse(smooth)
    params = {m: block_parameters(x) for m, x in [("baseline", baseline), ("smoothspike", smooth), ("fused", fused)]}
    ops = {m: operations_per_token(x, S) for m, x in [("baseline", baseline), ("smoothspike", smooth),
                                                      ("fused", fused)]}
    print(f"\n[{name}] inside the blocks: parameters {params}; MACs per token per step {ops}")
    assert params["fused"] == params["baseline"]
    assert ops["fused"] == ops["baseline"]
    d, d_ff, layers = 16, 64, 2
    assert ops["baseline"] == layers * (4 * d * d + 2 * d * d_ff + 2 * S * d)        # linears + Q K^T + A V
    assert ops["smoothspike"] > ops["baseline"]
    learnable = VARIANTS[name].get("h2") == "learnable"
    assert (params["smoothspike"] > params["baseline"]) == learnable


def test_fuse_rejects_a_fused_model():
    model = SequenceClassifier(_cfg("float64", h1="fixed"), 2)
    with pytest.raises(TypeError, match="unfused"):
        fuse(fuse(model))


@pytest.mark.parametrize("move_transforms", [False, True], ids=["final_rotation_folded", "final_rotation_kept"])
def test_fused_model_backward_matches_central_differences(move_transforms):
    """FusedEncoder.backward through the constant rotations (fine-tuning a fused model is possible)."""
    cfg = _cfg("float64", 3, **VARIANTS["learnable"])
    model = SequenceClassifier(cfg, 3)
    _perturb(model, 1, 0.1, move_transforms)
    ids, types, mask, _ = _inputs(0, b=2)
    model.forward(ids, types, mask)
    fused = fuse(model)
    assert (fused.encoder.r_final is None) != move_transforms
    params = dict(fused.named_parameters())
    report, _ = check_model_gradients(fused, lambda: fused.forward(ids, types, mask), seed=1, max_entries=3,
                                      directions=1, rtol=1e-4, atol=1e-6)
    assert set(report) == set(params)


def test_negative_fold_tol_keeps_the_final_rotation_and_the_outputs():
    model = SequenceClassifier(_cfg("float64", 1, **VARIANTS["fixed"]), 2)
    ids, types, mask, _ = _inputs(1)
    folded, kept = fuse(model), fuse(model, fold_tol=-1)
    assert folded.encoder.r_final is None and kept.encoder.r_final is not None
    assert kept.encoder.final_norm.gamma is not None and folded.encoder.final_norm.gamma is None
    before = model.forward(ids, types, mask)
    for fused in (folded, kept):
        after = fused.forward(ids, types, mask)
        assert np.abs(after - before).max() <= 1e-9 * np.abs(before).max()
