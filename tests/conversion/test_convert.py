"""convert(): every selected operator replaced, the original untouched, the per-layer report honest, errors clear.

A tiny random BERT (tests/pretrained/fixtures.py) stands in for a trained model: no teacher needed.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.conversion import OPERATOR_KINDS, SpikingSite, convert
from tinyspike.layers import GELU, LayerNorm, Linear, RMSNorm, Sequential, SiLU, Softmax
from tinyspike.operators import SpikingGELU, SpikingLayerNorm, SpikingRMSNorm, SpikingSiLU, SpikingSoftmax
from tinyspike.testing.strategies import seeds

from ..pretrained.fixtures import TINY, random_ids, tiny_bert

BERT_OPS = {"softmax": SpikingSoftmax, "gelu": SpikingGELU, "layernorm": SpikingLayerNorm}
# per encoder layer: one Softmax, one GELU, two LayerNorms; plus the embeddings' LayerNorm
EXPECTED = {"softmax": TINY.num_hidden_layers, "gelu": TINY.num_hidden_layers,
            "layernorm": 2 * TINY.num_hidden_layers + 1}


def _float_layers(model, cls):
    found = []

    def walk(layer):
        for _, child in layer.children():
            if isinstance(child, cls):
                found.append(child)
            walk(child)
    walk(model)
    return found


@given(kinds=st.sets(st.sampled_from(sorted(BERT_OPS)), min_size=1))
def test_convert_replaces_every_selected_operator_and_nothing_else(kinds):
    model = tiny_bert(0)
    conv = convert(model, {k: BERT_OPS[k]() for k in kinds})
    assert conv.counts() == {k: EXPECTED[k] for k in kinds}
    for kind in BERT_OPS:
        float_cls = OPERATOR_KINDS[kind][0]
        left = len(_float_layers(conv.model, float_cls))
        assert left == (0 if kind in kinds else EXPECTED[kind])
    for path, site in conv.site_layers():
        assert isinstance(site, SpikingSite) and isinstance(site.op, BERT_OPS[dict(conv.sites)[path]])


def test_conversion_does_not_mutate_the_original():
    model = tiny_bert(3)
    before = {name: p.value.copy() for name, p in model.named_parameters()}
    layers_before = [type(layer) for layer in _float_layers(model, object)]
    ids, types, mask = random_ids(np.random.default_rng(0), 2, 6)
    out_before = model.forward(ids, types, mask)
    conv = convert(model, {k: cls() for k, cls in BERT_OPS.items()})
    conv.report(ids, types, mask)
    assert conv.float_model is model and conv.model is not model
    assert [type(layer) for layer in _float_layers(model, object)] == layers_before
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.value, before[name])
    np.testing.assert_array_equal(model.forward(ids, types, mask), out_before)
    original = {id(p.value) for p in model.parameters()}
    assert not original & {id(p.value) for p in conv.model.parameters()}, "the copy shares weight arrays"


@given(seed=seeds())
def test_each_site_error_is_within_its_operator_bound(seed):
    """The report's own error of a site is the operator's error on that input, so it obeys error_bound."""
    model = tiny_bert(seed % 1000, dtype=np.float64)
    conv = convert(model, {"softmax": SpikingSoftmax(), "gelu": SpikingGELU(K=64), "layernorm": SpikingLayerNorm()})
    ids, types, mask = random_ids(np.random.default_rng(seed), 2, 7)
    inputs = {}

    def recording(site, path):
        def spiking(x):
            inputs[path] = x
            return type(site).spiking(site, x)
        return spiking

    for path, site in conv.site_layers():                  # capture each site's input
        site.spiking = recording(site, path)
    report = conv.report(ids, types, mask)
    assert len(report.sites) == len(conv.sites)
    for (path, site), (rpath, kind, err) in zip(conv.site_layers(), report.sites):
        x = inputs[path]
        diff = np.abs(type(site).spiking(site, x) - site.reference(x))
        assert rpath == path and err == pytest.approx(diff.max(), rel=1e-12)
        if kind == "layernorm":
            bound = site.op.error_bound(x, site.gamma.value, site.eps)
        else:
            with np.errstate(invalid="ignore"):            # the bound is nan on -inf (masked) scores
                bound = site.op.error_bound(x)
        finite = np.isfinite(x)                            # softmax: -inf on padded keys gives exactly 0
        assert np.all(diff[finite] <= bound[finite]), (path, diff.max())
        assert np.all(diff[~finite] == 0)


@given(seed=seeds())
def test_all_three_replaced_stays_close_to_float_layer_by_layer(seed):
    model = tiny_bert(seed % 1000, dtype=np.float32)
    conv = convert(model, {k: cls() for k, cls in BERT_OPS.items()})
    ids, types, mask = random_ids(np.random.default_rng(seed), 3, 8)
    report = conv.report(ids, types, mask, positions=mask.astype(bool))
    assert [e.name for e in report.layers] == ["embeddings", "layer 1", "layer 2"]
    # the operators are ~1e-4 accurate at their defaults (docs/operators.md); 1e-2 leaves room for the
    # unit-variance LayerNorm outputs to amplify by the depth, and would catch a wrong site (O(1) errors)
    assert all(e.rel_l2 < 1e-2 and e.cos > 0.9999 for e in report.layers), report.table()
    assert "layer 2" in report.table() and "own max abs err" in report.table()


def test_coarse_knobs_give_larger_errors_than_defaults():
    model = tiny_bert(5, dtype=np.float32)
    ids, types, mask = random_ids(np.random.default_rng(5), 3, 8)
    fine = convert(model, {"gelu": SpikingGELU()}).report(ids, types, mask).layers[-1].rel_l2
    coarse = convert(model, {"gelu": SpikingGELU(K=8, levels=2**8)}).report(ids, types, mask).layers[-1].rel_l2
    assert coarse > 10 * fine


def test_silu_and_rmsnorm_in_a_plain_sequential():
    rng = np.random.default_rng(0)
    norm = RMSNorm(8, dtype=np.float64)
    norm.gamma.value[...] = 1 + 0.3 * rng.standard_normal(8)
    model = Sequential(Linear(8, 8, rng=rng, dtype=np.float64), SiLU(), norm, Linear(8, 4, rng=rng, dtype=np.float64),
                       Sequential(RMSNorm(4, learnable=False, dtype=np.float64)))
    conv = convert(model, {"silu": SpikingSiLU(), "rmsnorm": SpikingRMSNorm()})
    assert conv.sites == [("layers.1", "silu"), ("layers.2", "rmsnorm"), ("layers.4.layers.0", "rmsnorm")]
    x = 3 * rng.standard_normal((5, 8))
    report = conv.report(x)
    assert [e.name for e in report.layers] == ["output"] and report.layers[0].rel_l2 < 1e-3
    assert isinstance(model.layers[1], SiLU) and isinstance(model.layers[4].layers[0], RMSNorm)


def test_bad_ops_are_clear_errors():
    model = tiny_bert(0)
    with pytest.raises(ValueError, match="unknown operator kind 'relu'"):
        convert(model, {"relu": SpikingGELU()})
    with pytest.raises(TypeError, match=r"ops\['gelu'\] must be a SpikingGELU"):
        convert(model, {"gelu": SpikingSoftmax()})
    with pytest.raises(TypeError, match="non-empty dict"):
        convert(model, {})
    with pytest.raises(ValueError, match="no SiLU layer"):
        convert(model, {"silu": SpikingSiLU()})
    with pytest.raises(TypeError, match="tinyspike Layer"):
        convert(lambda x: x, {"gelu": SpikingGELU()})


def test_converted_model_is_inference_only():
    conv = convert(Sequential(GELU(), Softmax(), LayerNorm(4, dtype=np.float64)),
                   {"gelu": SpikingGELU(), "softmax": SpikingSoftmax(), "layernorm": SpikingLayerNorm()})
    y = conv.model.forward(np.random.default_rng(0).standard_normal((2, 4)))
    assert y.shape == (2, 4)
    with pytest.raises(NotImplementedError, match="inference-only"):
        conv.model.backward(np.ones((2, 4)))
