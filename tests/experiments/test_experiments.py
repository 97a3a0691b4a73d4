"""The experiment driver end to end on a generated tiny GLUE folder: units, resume, skip, summary."""
import json

import numpy as np
import pytest

from experiments.plan import CONFIGS, FINETUNED, PLAN_CONFIGS, PRESETS, T_STUDY, TABLE2, all_units, select
from experiments.run import main as run_main
from experiments.summarise import main as summarise_main
from experiments.units import transform_errors
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM

# one unit of every kind, three seeds of one task (a mean ± std), two models: under a minute on the smoke preset
SMOKE_ONLY = ["finetune/baseline/sst2/*", "finetune/smoothspike/sst2/seed0", "measure/baseline",
              "measure/smoothspike"]


def test_every_unit_comes_after_the_units_it_needs():
    units = all_units(PRESETS["cpu"])
    seen = set()
    for unit in units:
        assert all(need in seen for need in unit.needs), unit.id
        seen.add(unit)
    assert len(units) == len(set(units))
    assert sum(u.kind == "pretrain" for u in units) == len(PLAN_CONFIGS)
    assert sum(u.kind == "finetune" for u in units) == len(FINETUNED) * 5 * len(PRESETS["cpu"].seeds)


def test_the_plan_holds_the_table2_rows_and_the_T_study():
    assert [CONFIGS[c].get("h1", "off") for c in TABLE2] == ["off", "fixed", "learnable", "learnable", "learnable"]
    assert sorted(CONFIGS[c].get("T", PRESETS["cpu"].T) for c in T_STUDY) == [1, 1, 2, 2, 4, 4]
    assert len(PRESETS["cpu"].seeds) >= 3


def test_only_adds_what_a_unit_needs_and_refuses_a_pattern_that_matches_nothing():
    chosen = [u.id for u in select(PRESETS["smoke"], ["finetune/spikelm/rte/seed1"])]
    assert chosen == ["tokenizer", "pretrain/spikelm", "finetune/spikelm/rte/seed1"]
    with pytest.raises(ValueError, match="matches no unit"):
        select(PRESETS["smoke"], ["finetune/baselin/*"])


def test_orthogonality_error_is_zero_for_a_fixed_hadamard_and_seen_for_a_rescaled_one():
    model = MaskedLM(ModelConfig(vocab_size=32, d_model=16, n_layers=1, n_heads=2, d_ff=64, max_len=8, T=1,
                                 h1="fixed", h3="learnable"))
    errors = transform_errors(model)
    assert set(errors) == {"R1", "R3/layer 0"}
    assert errors["R1"]["frobenius"] < 1e-5 and abs(errors["R1"]["scale"] - 1) < 1e-6
    scale = 1.5
    model.encoder.t1.R = model.encoder.t1.R * scale                   # c R: orthogonal up to the scale c
    errors = transform_errors(model)
    assert abs(errors["R1"]["scale"] - scale) < 1e-5 and errors["R1"]["scaled_max"] < 1e-5
    n = 16
    assert abs(errors["R1"]["frobenius"] - np.sqrt(n) * (scale ** 2 - 1)) < 1e-4


def _run(tiny_glue, work, *extra):
    return run_main(["smoke", "--glue-dir", str(tiny_glue), "--work", str(work), *extra])


def test_smoke_plan_end_to_end_resumes_skips_and_summarises(tiny_glue, tmp_path, capsys):
    work = tmp_path / "work"
    assert _run(tiny_glue, work, "--only", *SMOKE_ONLY) == 0
    results = work / "results"
    ids = {json.loads(p.read_text())["unit"] for p in results.glob("*.json")}
    assert ids == {u.id for u in select(PRESETS["smoke"], SMOKE_ONLY)}
    ft = json.loads((results / "finetune__baseline__sst2__seed1.json").read_text())
    assert ft["seconds"] > 0 and 0 <= ft["metrics"]["accuracy"] <= 1
    assert ft["metrics"]["score"] == pytest.approx(100 * ft["metrics"]["accuracy"])
    measured = json.loads((results / "measure__smoothspike.json").read_text())
    r1_sites = [s for s in measured["sites"] if s["transform"] == "R1"]
    assert r1_sites and all(s["orthogonality"]["frobenius"] >= 0 for s in r1_sites)
    assert all(s["orthogonality"] is None for s in measured["sites"] if s["transform"] is None)

    # a second call skips every finished unit; a lost result is recomputed from its finished run folder,
    # through the loop's resume, to the same numbers
    lost = results / "finetune__baseline__sst2__seed1.json"
    lost.unlink()
    capsys.readouterr()
    assert _run(tiny_glue, work, "--only", *SMOKE_ONLY) == 0
    out = capsys.readouterr().out
    assert out.count("skip ") == len(ids) - 1 and "start finetune/baseline/sst2/seed1" in out
    assert json.loads(lost.read_text())["metrics"] == ft["metrics"]

    page, figures = tmp_path / "docs" / "results.md", tmp_path / "docs" / "figures" / "results"
    page.parent.mkdir()
    assert summarise_main([str(results), "--out", str(page), "--figures", str(figures)]) == 0
    text = page.read_text()
    scores = [json.loads((results / f"finetune__baseline__sst2__seed{s}.json").read_text())["metrics"]["score"]
              for s in range(3)]
    assert f"{np.mean(scores):.1f} ± {np.std(scores, ddof=1):.1f} (n=3)" in text
    assert "SmoothSpike lowers the saturation rate at every T" in text and "not yet measured" in text
    assert (figures / "saturation_per_layer.png").is_file()
    assert "](figures/results/saturation_per_layer.png)" in text


def test_a_unit_killed_before_its_first_checkpoint_starts_over(tiny_glue, tmp_path):
    work = tmp_path / "work"
    stale = work / "runs" / "pretrain__baseline"
    stale.mkdir(parents=True)
    (stale / "metrics.jsonl").write_text('{"step": 0, "loss": 99.0}\n')
    assert _run(tiny_glue, work, "--only", "pretrain/baseline") == 0
    first = json.loads((stale / "metrics.jsonl").read_text().splitlines()[0])
    assert first["loss"] != 99.0


def test_a_bad_pattern_is_one_clear_error(tiny_glue, tmp_path, capsys):
    assert _run(tiny_glue, tmp_path / "work", "--only", "pretrain/nope") == 1
    assert "matches no unit" in capsys.readouterr().err and not (tmp_path / "work").exists()


def test_a_unit_held_by_a_live_driver_is_passed_over_and_its_dependents_wait(tiny_glue, tmp_path, capsys):
    import os

    work = tmp_path / "work"
    assert _run(tiny_glue, work, "--only", "tokenizer") == 0
    lock = work / "runs" / "pretrain__baseline.lock"
    lock.write_text(str(os.getppid()))                              # a live process holds it
    capsys.readouterr()
    assert _run(tiny_glue, work, "--only", "measure/baseline") == 0
    out = capsys.readouterr().out
    assert "busy  pretrain/baseline" in out and "wait  measure/baseline" in out
    assert not (work / "results" / "pretrain__baseline.json").exists()
    lock.write_text("999999999")                                    # no such process: a killed driver's lock
    assert _run(tiny_glue, work, "--only", "measure/baseline") == 0
    assert (work / "results" / "measure__baseline.json").is_file() and not lock.exists()


def _measured(config, T, rate):
    return {"kind": "measure", "config": config, "model": {"T": T}, "metrics": {"saturation_rate": rate}}


def _finetuned(config, task, seed, score):
    return {"kind": "finetune", "config": config, "task": task, "seed": seed, "metrics": {"score": score}}


def test_claims_say_agree_only_when_every_measured_direction_agrees():
    from experiments.summarise import claims

    lower = [_measured("baseline-T1", 1, 0.3), _measured("smoothspike-T1", 1, 0.1),
             _measured("baseline", 4, 0.2), _measured("smoothspike", 4, 0.1)]
    text = claims(lower)
    assert "| agree where measured; T=2 not yet measured |" in text
    text = claims(lower + [_measured("baseline-T2", 2, 0.1), _measured("smoothspike-T2", 2, 0.2)])
    assert "disagree (not lower at T=2)" in text
    scores = [_finetuned("baseline", "sst2", s, 70.0 + s) for s in range(3)] + [_finetuned("smoothspike", "sst2", 0, 81.0)]
    text = claims(scores)
    assert "| agree | best: smoothspike 81.0% |" in text
    assert "agree on sst2 only" in text and "baseline 71.0, smoothspike 81.0 over 1 task(s)" in text
