"""``--resume`` never deletes a record: a stop or a checkpoint exactly at an epoch boundary, a finished
run, or a refused checkpoint leave a log that reads like the uninterrupted run's."""
import shutil

import pytest

import tinyspike.training.finetune as finetune_module
from tinyspike.training.checkpoint import load_checkpoint, save_checkpoint
from tinyspike.training.metrics_log import read_metrics

from .conftest import finetune_args


def _log(folder):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in read_metrics(folder / "metrics.jsonl")]


@pytest.fixture(scope="module")
def straight(tmp_path_factory, toy_tokenizer):
    """The uninterrupted run: toy-order, 96 examples, 2 epochs of 6 steps, evaluated after each epoch."""
    from tinyspike.cli import main

    out = tmp_path_factory.mktemp("straight")
    assert main([str(a) for a in finetune_args(toy_tokenizer, out, task="toy-order", toy_size=96, epochs=2)]) == 0
    assert [r["step"] for r in _log(out) if r.get("split") == "dev"] == [6, 12]
    return out


def test_a_stop_at_the_epoch_boundary_then_resume_keeps_that_epochs_dev_record(tmp_path, tinyspike, toy_tokenizer,
                                                                                straight):
    args = finetune_args(toy_tokenizer, tmp_path, task="toy-order", toy_size=96, epochs=2)
    assert tinyspike(*args, "--stop-at", "6")[0] == 0
    assert tinyspike(*args, "--resume")[0] == 0
    assert _log(tmp_path) == _log(straight)


def test_a_run_killed_after_an_epoch_boundary_checkpoint_resumes_with_every_record(tmp_path, tinyspike, toy_tokenizer,
                                                                                   straight, monkeypatch):
    args = finetune_args(toy_tokenizer, tmp_path, "--checkpoint-every", "6", task="toy-order", toy_size=96, epochs=2)
    real, calls = finetune_module.cross_entropy_forward, []

    def killed_at_step_8(logits, labels):
        calls.append(None)
        if len(calls) == 9:
            raise KeyboardInterrupt
        return real(logits, labels)

    monkeypatch.setattr(finetune_module, "cross_entropy_forward", killed_at_step_8)
    assert tinyspike(*args)[0] == 130
    assert load_checkpoint(tmp_path / "checkpoint.safetensors").extra["step"] == 6
    monkeypatch.setattr(finetune_module, "cross_entropy_forward", real)
    rc, _, err = tinyspike(*args, "--resume")
    assert rc == 0, err
    assert _log(tmp_path) == _log(straight)


def test_resuming_a_finished_run_changes_nothing(tmp_path, tinyspike, toy_tokenizer, straight):
    shutil.copytree(straight, tmp_path, dirs_exist_ok=True)
    args = finetune_args(toy_tokenizer, tmp_path, task="toy-order", toy_size=96, epochs=2)
    before = {name: (tmp_path / name).read_bytes() for name in ("checkpoint.safetensors", "metrics.jsonl")}
    rc, out, err = tinyspike(*args, "--resume")
    assert rc == 0 and '"step": 12' in out, err
    assert {name: (tmp_path / name).read_bytes() for name in before} == before


def test_a_refused_checkpoint_leaves_the_log_untouched(tmp_path, tinyspike, toy_tokenizer):
    args = finetune_args(toy_tokenizer, tmp_path, task="toy-order", toy_size=96, epochs=2)
    assert tinyspike(*args, "--stop-at", "4")[0] == 0
    path = tmp_path / "checkpoint.safetensors"
    ck = load_checkpoint(path)
    save_checkpoint(path, ck.params, ck.optimizer, ck.config, ck.rng_states, {**ck.extra, "step": -5})
    log = (tmp_path / "metrics.jsonl").read_bytes()
    rc, _, err = tinyspike(*args, "--resume")
    assert rc == 1 and f"{path}: metadata field 'step' must be in [0, 12], got -5" in err
    assert (tmp_path / "metrics.jsonl").read_bytes() == log
