"""The MiniLM rotation study: its pieces recomputed by hand, and docs/analysis.md's section regenerated from its JSON."""
import json
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments.rotation_minilm import (BEGIN, END, LEVEL, SITES, TARGETS, lif_saturated, pooled_variance,
                                         render_section, replace_section, rotation_rows, scale_for_rate,
                                         site_activations)
from ..pretrained.fixtures import needs_teacher, random_ids, tiny_bert
from tinyspike.analysis import predicted_saturation_after_rotation
from tinyspike.testing.strategies import seeds
from tinyspike.transforms import randomized_hadamard

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESULT = ROOT / "results" / "rotation-minilm.json"
PAGE = ROOT / "docs" / "analysis.md"


def test_every_number_and_direction_in_the_section_is_generated_from_the_stored_result():
    result = json.loads(RESULT.read_text())
    page = PAGE.read_text()
    assert page.count(BEGIN) == 1 and page.count(END) == 1
    assert render_section(result) in page, "docs/analysis.md is stale: rerun experiments/rotation_minilm.py --docs"
    assert "figures/rotation-minilm.png" in page and (ROOT / "docs" / "figures" / "rotation-minilm.png").is_file()


def test_stored_result_covers_every_site_layer_and_target_on_enough_sentences():
    result = json.loads(RESULT.read_text())
    assert result["sentences"] >= 300 and result["level"] == LEVEL
    keys = {(r["site"], r["layer"], r["target"]) for r in result["rows"]}
    assert keys == {(s, layer, t) for s in SITES for layer in range(6) for t in TARGETS}
    for r in result["rows"]:
        assert abs(r["before"] - r["target"]) <= 1e-3, r        # scaled to the target (ties aside)
        assert r["width"] == (1536 if r["site"] == "ffn_preactivation" else 384)


@given(seed=seeds(), target=st.sampled_from(TARGETS), outliers=st.integers(0, 6))
def test_rotation_rows_recount_each_rate_and_variance_directly(seed, target, outliers):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((40, 128)).astype(np.float32)
    x[:, :outliers] *= 6.0
    row = rotation_rows(x, seed, targets=(target,), draws=2)[0]
    c = scale_for_rate(x, target)
    xs, ys = c * x, c * (x @ randomized_hadamard(128, seed).astype(np.float32))
    assert row["before"] == pytest.approx(np.mean(xs >= LEVEL)) and abs(row["before"] - target) <= 1 / x.size
    assert row["after"] == pytest.approx(np.mean(ys >= LEVEL))             # saturated <=> x >= tau thr
    assert row["after_draws"][0] == row["after"] and len(row["after_draws"]) == 2
    assert row["predicted"] == predicted_saturation_after_rotation(xs, LEVEL)
    sat = ys[ys >= LEVEL].astype(np.float64)
    assert row["saturated_after"]["count"] == sat.size
    if sat.size:
        assert row["saturated_after"]["var"] == pytest.approx(sat.var(), rel=1e-6)
    else:                                                                   # no neuron saturated after the rotation
        assert np.isnan(row["saturated_after"]["var"])


def test_lif_saturated_is_a_real_lif_run_in_chunks():
    x = np.linspace(0, 4, 5001, dtype=np.float32).reshape(-1, 1)
    assert np.array_equal(lif_saturated(x, chunk=7)[:, 0], x[:, 0] >= LEVEL)


def test_pooled_variance_is_the_variance_of_the_union_on_a_hand_made_case():
    """Groups {1, 3} and {10}: the union's variance is 134/9, not a mean of the groups' variances (1 and 0)."""
    groups = [np.array([1.0, 3.0]), np.array([10.0]), np.array([])]
    parts = [{"count": g.size, "mean": g.mean() if g.size else np.nan, "var": g.var() if g.size else np.nan}
             for g in groups]
    assert pooled_variance(parts) == pytest.approx(np.var([1.0, 3.0, 10.0])) == pytest.approx(134 / 9)
    assert np.isnan(pooled_variance(parts[2:]))


def test_replace_section_swaps_only_the_generated_block_and_names_the_markers_when_missing():
    page = f"intro\n{BEGIN}\nold\n{END}\nafter\n"
    assert replace_section(page, f"{BEGIN}\nnew\n{END}") == f"intro\n{BEGIN}\nnew\n{END}\nafter\n"
    with pytest.raises(ValueError, match="no generated block"):
        replace_section("intro only", "x")


@given(seed=seeds())
def test_bert_intermediates_are_the_values_of_the_forward_pass(seed):
    model = tiny_bert(seed % 7)
    ids, types, mask = random_ids(np.random.default_rng(seed), 2, 6)
    inter = model.intermediates(ids, types, mask)
    states = model.hidden_states(ids, types, mask)
    assert len(inter) == len(model.layers)
    for i, (layer, it) in enumerate(zip(model.layers, inter)):
        np.testing.assert_array_equal(it.output, states[i + 1])
        np.testing.assert_array_equal(it.ffn_input, layer.attention_norm.forward(it.residual))
        np.testing.assert_allclose(it.ffn_preactivation, it.ffn_input @ layer.ffn_in.W.value.T + layer.ffn_in.b.value,
                                   rtol=1e-12, atol=1e-12)
        h = layer.ffn_out.forward(layer.activation.forward(it.ffn_preactivation))
        np.testing.assert_allclose(it.output, layer.output_norm.forward(it.ffn_input + h), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(model.forward(ids, types, mask), states[-1])


@needs_teacher
def test_minilm_sites_have_the_model_widths_and_one_row_per_real_token():
    from tinyspike.pretrained import load_minilm

    encoder = load_minilm()
    sentences = ["a charming and often affecting journey .", "unflinchingly bleak and desperate"]
    acts = site_activations(encoder, sentences)
    tokens = sum(len(t) for t in encoder.tokenize(sentences))
    for site in SITES:
        assert len(acts[site]) == 6
        assert all(a.shape == (tokens, 1536 if site == "ffn_preactivation" else 384) for a in acts[site])
    row = rotation_rows(acts["ffn_input"][0], 0, targets=(0.03,), draws=1)[0]
    assert 0 <= row["after"] <= 1 and row["before"] == pytest.approx(0.03, abs=1 / acts["ffn_input"][0].size)


def test_a_missing_or_short_glue_file_is_one_clear_error(tmp_path):
    from experiments.rotation_minilm import main

    with pytest.raises(FileNotFoundError, match="--glue-dir must hold SST-2/dev.tsv"):
        main(["--glue-dir", str(tmp_path), "--out", str(tmp_path / "r.json")])
    (tmp_path / "SST-2").mkdir()
    (tmp_path / "SST-2" / "dev.tsv").write_text("sentence\tlabel\na fine film .\t1\n")
    with pytest.raises(ValueError, match="--sentences 400: SST-2 dev in --glue-dir has only 1 sentences"):
        main(["--glue-dir", str(tmp_path), "--out", str(tmp_path / "r.json")])
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path / "r.json")])                    # neither --glue-dir nor --from-json
