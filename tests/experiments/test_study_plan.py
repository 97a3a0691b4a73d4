"""The seeded study's plan: nine seeded runs per (regime, model, T), each measured, in an order that runs."""
import collections
import dataclasses

import numpy as np
import pytest

from experiments.plan import PRESETS, TABLE2, Unit, has_signs, select
from experiments.study_plan import MODELS, REGIMES, TIME_STEPS, Regime, config_at, study_units
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM

UNITS = study_units(PRESETS["study"])


def test_nine_distinct_seed_combinations_per_regime_model_and_T():
    runs = collections.defaultdict(set)
    for u in UNITS:
        if u.kind == "measure":
            runs[u.regime, u.config].add((u.seed, u.sign))
    glue_only = {("default", c) for c in TABLE2 if c not in MODELS}            # measured once, for their energy
    assert all(runs.pop(key) == {(0, 0)} for key in glue_only)
    assert set(runs) == {(r, config_at(m, t)) for r in REGIMES for m in MODELS for t in TIME_STEPS}
    for (regime, config), seeds in runs.items():
        assert len(seeds) == 9
        signs = {s for _, s in seeds}
        assert signs == ({0, 1, 2} if has_signs(config) else {None})      # signs drawn only where used
        assert len({p for p, _ in seeds}) == (3 if has_signs(config) else 9)


def test_every_unit_comes_after_what_it_needs_and_ids_are_unique():
    seen = set()
    for u in UNITS:
        assert all(n in seen for n in u.needs), u.id
        seen.add(u)
    assert len({u.id for u in UNITS}) == len(UNITS)


def test_glue_fine_tunes_the_default_regimes_first_seed_of_each_table2_model():
    ft = [u for u in UNITS if u.kind == "finetune"]
    assert len(ft) == len(TABLE2) * 5 * 3
    assert {u.pretrained.id for u in ft} == {
        "pretrain/default/baseline/seed0", *(f"pretrain/default/{c}/seed0/sign0" for c in TABLE2[1:])}
    assert select(PRESETS["study"], ["finetune/default/smoothspike/sst2/seed2"])[-2].id == \
        "pretrain/default/smoothspike/seed0/sign0"


def test_the_measure_unit_reads_its_own_pretraining():
    u = Unit("measure", "fixed-h1-T2", seed=2, regime="outlier", sign=1)
    assert u.pretrained == dataclasses.replace(u, kind="pretrain") and u.id == "measure/outlier/fixed-h1-T2/seed2/sign1"


def test_the_outlier_regime_sets_the_gains_of_its_channels_and_nothing_else():
    model = MaskedLM(ModelConfig(vocab_size=20, d_model=32, n_layers=1, n_heads=2, d_ff=64, max_len=8))
    before = {id(p): p.value.copy() for p in model.parameters()}
    channels = REGIMES["outlier"].apply(model, seed=3)
    gamma = model.encoder.embeddings.norm.gamma.value
    assert len(channels) == REGIMES["outlier"].outlier_channels
    assert np.all(gamma[channels] == REGIMES["outlier"].outlier_gain)
    assert np.all(np.delete(gamma, channels) == 1.0)
    changed = [p for p in model.parameters() if not np.array_equal(p.value, before[id(p)])]
    assert changed == [model.encoder.embeddings.norm.gamma]
    assert REGIMES["outlier"].apply(MaskedLM(model.config), seed=4) != channels      # the seed draws them
    assert Regime().apply(model, 0) == []


def test_a_study_unit_runs_end_to_end_with_its_seeds_regime_and_counterfactuals(tiny_glue, tmp_path, monkeypatch):
    import json

    from experiments import plan
    from experiments.run import main as run_main

    monkeypatch.setitem(plan.PRESETS, "study", dataclasses.replace(PRESETS["smoke"], study=True))
    unit = "measure/outlier/fixed-h1-T1/seed1/sign2"
    assert run_main(["study", "--glue-dir", str(tiny_glue), "--work", str(tmp_path), "--only", unit]) == 0
    measured = json.loads((tmp_path / "results" / (unit.replace("/", "__") + ".json")).read_text())
    pretrained = json.loads((tmp_path / "results/pretrain__outlier__fixed-h1-T1__seed1__sign2.json").read_text())
    assert (measured["model"]["seed"], measured["model"]["sign_seed"], measured["model"]["T"]) == (1, 2, 1)
    assert len(pretrained["outlier_channels"]) == REGIMES["outlier"].outlier_channels
    assert measured["metrics"]["embedding_gain_max_over_median"] > 5            # the outliers survive training
    assert 6 / 16 < measured["metrics"]["embedding_top6_energy_share"] <= 1     # six of d = 16 channels dominate
    for site in measured["sites"]:
        assert 0 <= site["rate_after_rotation"] <= 1 and "predicted_after_rotation" in site
    assert measured["metrics"]["prediction_abs_error"] >= 0


def test_top_energy_share_on_a_hand_made_token():
    """Embeddings (3, 4, 0, 0) and (1, 1, 1, 1): the largest channel holds 16/25 and 1/4 of the energy."""
    from types import SimpleNamespace

    from experiments.units import top_energy_share

    rows = np.array([[[3.0, 4.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [9.0, 9.0, 9.0, 9.0]]])
    model = SimpleNamespace(encoder=SimpleNamespace(embeddings=SimpleNamespace(forward=lambda ids, types: rows)))
    mask = np.array([[1, 1, 0]])                                  # the padding token is left out
    assert top_energy_share(model, (None, None, mask), 1) == pytest.approx((16 / 25 + 1 / 4) / 2)
