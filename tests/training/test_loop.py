"""The shared training loop: bit-identical resume, atomic periodic checkpoints, non-finite stops."""
import functools
import json
import math
import os

import numpy as np
import pytest

from tinyspike.data.tokenizer import train_wordpiece
from tinyspike.data.toy import make_toy_task
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier
from tinyspike.training.checkpoint import CheckpointError, load_checkpoint
from tinyspike.training.finetune import classification_step, encode_split
from tinyspike.training.loop import LoopConfig, NonFiniteLossError, train_loop
from tinyspike.training.metrics_log import read_metrics
from tinyspike.training.pretrain import mlm_step, special_ids

SMOOTH = {"h1": "learnable", "h2": "learnable", "h3": "learnable"}


@functools.lru_cache
def _toy(task="toy-order", n=48):
    # one tokenizer for every run: `tokenizers`' WordPiece training is not reproducible from run to run
    split = make_toy_task(task, "train", n, seed=1)
    tok = train_wordpiece(split.text_a + (split.text_b or []), vocab_size=96)
    (x, _) = encode_split(tok, split, 20)
    cfg = ModelConfig(vocab_size=tok.get_vocab_size(), d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=20, T=2,
                      h3_blocks=2, **SMOOTH)
    return split, tok, x, cfg


def _mlm_run(out, resume=False, stop_at=None, checkpoint_every=3):
    split, tok, x, cfg = _toy()
    model = MaskedLM(cfg)
    step = mlm_step(model, x, tok.token_to_id("[MASK]"), tok.get_vocab_size(), special_ids(tok))
    loop = LoopConfig(epochs=2, batch=8, lr=3e-3, seed=4, checkpoint_every=checkpoint_every, stop_at=stop_at)
    result = train_loop(model, step, len(split), loop, out_dir=out, resume=resume, config=cfg.to_dict(),
                        progress=False)
    return model, result


def _params(model):
    return {k: p.value.copy() for k, p in model.named_parameters()}


def _losses(out):
    return [r["loss"] for r in read_metrics(out / "metrics.jsonl") if "loss" in r]


def test_resume_after_a_stop_is_bit_identical_to_an_uninterrupted_mlm_run(tmp_path):
    # MLM draws its masks from the loop's generator: resume must restore it, not just the weights
    straight, _ = _mlm_run(tmp_path / "a")
    _mlm_run(tmp_path / "b", stop_at=5)            # a stop between checkpoints (every 3) writes one at 5
    resumed, result = _mlm_run(tmp_path / "b", resume=True)
    assert result.step == result.total_steps == 12
    a, b = _params(straight), _params(resumed)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert _losses(tmp_path / "a") == _losses(tmp_path / "b")
    assert [r["step"] for r in read_metrics(tmp_path / "b" / "metrics.jsonl")] == list(range(12))


def test_resume_restores_the_optimizer_and_generator_not_only_the_weights(tmp_path):
    _mlm_run(tmp_path / "b", stop_at=5)
    ck = load_checkpoint(tmp_path / "b" / "checkpoint.safetensors")
    assert ck.extra["step"] == 5 and ck.optimizer["t"].item() == 5 and "loop" in ck.rng_states
    straight, _ = _mlm_run(tmp_path / "a", stop_at=5)
    assert all(np.array_equal(v, _params(straight)[k]) for k, v in ck.params.items())


def test_an_existing_run_is_never_overwritten_without_resume(tmp_path):
    _mlm_run(tmp_path, stop_at=2)
    before = (tmp_path / "checkpoint.safetensors").read_bytes()
    with pytest.raises(FileExistsError, match="--resume"):
        _mlm_run(tmp_path)
    assert (tmp_path / "checkpoint.safetensors").read_bytes() == before


def test_resume_with_other_training_settings_is_refused(tmp_path):
    split, tok, x, cfg = _toy()
    model = SequenceClassifier(cfg, 2)
    step = classification_step(model, x, split.labels)
    train_loop(model, step, len(split), LoopConfig(batch=8, stop_at=2), out_dir=tmp_path, progress=False)
    with pytest.raises(CheckpointError, match="other training settings"):
        train_loop(model, step, len(split), LoopConfig(batch=16), out_dir=tmp_path, resume=True, progress=False)


def test_an_interrupted_periodic_save_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    _mlm_run(tmp_path, stop_at=3)
    good = (tmp_path / "checkpoint.safetensors").read_bytes()
    real_replace = os.replace

    def crash(src, dst):
        raise KeyboardInterrupt          # the process dies between writing the temporary file and renaming it

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        _mlm_run(tmp_path, resume=True)   # its next checkpoint, at step 6, is interrupted
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "checkpoint.safetensors").read_bytes() == good
    assert load_checkpoint(tmp_path / "checkpoint.safetensors").extra["step"] == 3
    _, result = _mlm_run(tmp_path, resume=True)   # and the run still resumes from it
    assert result.step == 12


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_loss_stops_before_the_update_and_keeps_the_last_good_checkpoint(tmp_path, bad):
    split, tok, x, cfg = _toy()
    model = SequenceClassifier(cfg, 2)
    good_step = classification_step(model, x, split.labels)
    fail_at = 7

    def step(idx, rng):
        loss, backward = good_step(idx, rng)
        return (bad if calls.append(None) or len(calls) == fail_at + 1 else loss), backward

    calls = []
    loop = LoopConfig(epochs=2, batch=8, checkpoint_every=3)
    with pytest.raises(NonFiniteLossError, match=rf"at step {fail_at}\b.*checkpoint.safetensors at step 6"):
        train_loop(model, step, len(split), loop, out_dir=tmp_path, progress=False)
    ck = load_checkpoint(tmp_path / "checkpoint.safetensors")
    assert ck.extra["step"] == 6
    before_update = _params(model)
    assert all(np.isfinite(v).all() for v in before_update.values())
    records = read_metrics(tmp_path / "metrics.jsonl")
    assert records[-1]["step"] == fail_at and "non-finite loss" in records[-1]["stopped"]
    assert [r["step"] for r in records if "loss" in r] == list(range(fail_at))


def test_non_finite_gradient_norm_also_stops(tmp_path):
    split, tok, x, cfg = _toy()
    model = SequenceClassifier(cfg, 2)
    good_step = classification_step(model, x, split.labels)

    def step(idx, rng):
        loss, backward = good_step(idx, rng)

        def poisoned():
            backward()
            model.parameters()[0].grad[0] = np.inf
        return loss, poisoned

    with pytest.raises(NonFiniteLossError, match="gradient norm inf .*at step 0.*no checkpoint"):
        train_loop(model, step, len(split), LoopConfig(batch=8), out_dir=tmp_path, progress=False)
    assert not (tmp_path / "checkpoint.safetensors").exists()


def test_loop_writes_a_metrics_log_with_evaluations_and_a_curve_figure(tmp_path):
    split, tok, x, cfg = _toy()
    model = SequenceClassifier(cfg, 2)
    evals = iter(range(10))
    train_loop(model, classification_step(model, x, split.labels), len(split), LoopConfig(epochs=2, batch=16),
               out_dir=tmp_path, evaluate=lambda: {"accuracy": float(next(evals))}, progress=False)
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["accuracy"] for r in records if r.get("split") == "dev"] == [0.0, 1.0]
    assert [r["step"] for r in records if r.get("split") == "dev"] == [3, 6]
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_keeps_the_elastic_neurons_frozen_alpha(tmp_path):
    # SpikeLM's alpha is set on the first forward, not a parameter: it must travel in the checkpoint
    split, tok, x, base = _toy()
    cfg = ModelConfig(**{**base.to_dict(), "neuron": "elastic"})

    def run(out, **kw):
        model = SequenceClassifier(cfg, 2)
        train_loop(model, classification_step(model, x, split.labels), len(split),
                   LoopConfig(epochs=2, batch=8, lr=3e-3, **kw), out_dir=out, progress=False,
                   resume="stop_at" not in kw and (out / "checkpoint.safetensors").exists())
        return model

    straight = run(tmp_path / "a")
    run(tmp_path / "b", stop_at=4)
    assert load_checkpoint(tmp_path / "b" / "checkpoint.safetensors").extra["neuron_alpha"]
    resumed = run(tmp_path / "b")
    a, b = _params(straight), _params(resumed)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert _losses(tmp_path / "a") == _losses(tmp_path / "b")
