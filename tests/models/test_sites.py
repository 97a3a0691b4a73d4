"""The site table (models/sites.py) is the block: the forward visits its sites in its order, each
Linear reads the spikes of the site the table names, each neuron has the table's threshold, and the
analysis reads the same table."""
import numpy as np
import pytest

import tinyspike.models.block as block_module
from tinyspike.analysis import operations
from tinyspike.analysis.recording import NEURON_ATTR, SITE_TRANSFORM, SITES, record_sites
from tinyspike.models.config import ModelConfig
from tinyspike.models.fusion import fuse
from tinyspike.models.sites import ATTENTION_PRODUCTS, LINEARS, NEURON_SITES, SITE_NAMES, neuron_site
from tinyspike.models.spiking_lm import MaskedLM
from tinyspike.models.variants import FIXED_H123

S = 6


def _model(**kw):
    cfg = ModelConfig(vocab_size=30, d_model=16, n_layers=2, n_heads=2, d_ff=32, max_len=S, T=2, h3_blocks=2,
                      v_threshold=0.7, attn_threshold=0.3, **kw)
    return MaskedLM(cfg)


def _inputs():
    ids = np.random.default_rng(0).integers(1, 30, (2, S))
    return ids, np.zeros_like(ids), np.ones_like(ids)


def _trace_block(block, monkeypatch, x, mask, rs):
    """Run one block forward; return the neuron sites in the order they fired and, per matrix
    product of a Linear, (the site whose spikes were its input, the weight array it multiplied by)."""
    fired, products, outputs = [], [], {}
    for site in NEURON_SITES:
        neuron = getattr(block, site.neuron)

        def forward(inp, _orig=neuron.forward, _name=site.name):
            out = _orig(inp)
            fired.append(_name)
            outputs[_name] = out
            return out
        monkeypatch.setattr(neuron, "forward", forward)
    real_linear = block_module.linear_forward

    def linear_forward(inp, w, b):
        driver = [name for name, out in outputs.items() if out is inp]
        products.append((driver, w))
        return real_linear(inp, w, b)
    monkeypatch.setattr(block_module, "linear_forward", linear_forward)
    block.forward(x, mask, *rs)
    return fired, products


@pytest.mark.parametrize("transforms", [False, True])
def test_block_forward_visits_the_tables_sites_in_order_and_each_linear_reads_its_driving_site(monkeypatch,
                                                                                            transforms):
    model = _model(**(FIXED_H123 if transforms else {}))
    enc, rng = model.encoder, np.random.default_rng(1)
    x = rng.standard_normal((2, 2, S, 16)).astype(np.float32) * 3
    rs = (enc.t1.forward(), enc.t2[0].forward(), enc.t3[0].forward()) if transforms else (None, None, None)
    fired, products = _trace_block(enc.blocks[0], monkeypatch, x, np.ones((2, S)), rs)
    assert fired == list(SITE_NAMES)
    assert [driver for driver, _ in products] == [[lin.driven_by] for lin in LINEARS]
    if not transforms:                      # nothing folded: the Linears' own weights, in the table's order
        assert all(w is getattr(enc.blocks[0], lin.name).W.value for (_, w), lin in zip(products, LINEARS))


def test_each_neuron_has_the_threshold_of_its_config_field():
    model = _model()
    for block in model.encoder.blocks:
        for site in NEURON_SITES:
            assert getattr(block, site.neuron).thr == getattr(model.config, site.threshold)
    assert {site.threshold for site in NEURON_SITES} == {"v_threshold", "attn_threshold"}


def test_a_linears_input_lives_in_the_basis_of_the_site_that_drives_it():
    """y = ((s R_in^T) W^T) R_out: s are the driving site's spikes, so R_in is that site's basis."""
    for lin in LINEARS:
        assert lin.r_in == neuron_site(lin.driven_by).basis, lin
    assert {lin.driven_by for lin in LINEARS} | {site for _, site in ATTENTION_PRODUCTS} <= set(SITE_NAMES)
    with pytest.raises(KeyError, match="attn_in"):
        neuron_site("nope")


def test_recording_reads_the_table():
    model = _model(**FIXED_H123)
    records = record_sites(model, _inputs())
    assert [r.site for r in records] == list(SITES) * 2 and tuple(SITES) == SITE_NAMES
    for r in records:
        site = neuron_site(r.site)
        assert r.neuron is getattr(model.encoder.blocks[r.layer], site.neuron) is \
            getattr(model.encoder.blocks[r.layer], NEURON_ATTR[r.site])
        assert SITE_TRANSFORM[r.site] == site.basis
        assert (r.transform is None) == (site.basis is None)


@pytest.mark.parametrize("fused", [False, True])
def test_operation_count_lists_every_linear_of_the_table_driven_as_the_table_says(fused):
    """Without transforms (or once they are fused) every Linear and attention product is driven by its site."""
    model = fuse(_model(**FIXED_H123)) if fused else _model()
    ops = [op for op in operations(model, S) if op.layer == "block 1"]
    expected = {lin.name: lin.driven_by for lin in LINEARS} | dict(ATTENTION_PRODUCTS)
    assert {op.name: op.driven_by for op in ops} == expected
    assert [op.name for op in ops if op.name in dict(ATTENTION_PRODUCTS)] == ["attn_qk", "attn_av"]


def test_with_transforms_a_rotation_takes_each_sites_spikes_out_of_its_basis_once():
    model = _model(**FIXED_H123)
    ops = {op.name: op for op in operations(model, S) if op.layer == "block 0"}
    for site in NEURON_SITES:
        drives_linear = any(lin.driven_by == site.name for lin in LINEARS)
        rotation = f"rot_{site.basis.lower()}_{site.name}" if site.basis else None
        assert (rotation in ops) == (drives_linear and site.basis is not None)
    for lin in LINEARS:
        assert ops[lin.name].driven_by is None                   # every Linear reads rotated, real values
        if lin.r_out is not None:
            assert ops[f"rot_{lin.r_out.lower()}_{lin.name}"].driven_by is None
