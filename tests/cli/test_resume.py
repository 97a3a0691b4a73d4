"""``--resume`` through the CLI: a run stopped and resumed ends bit-identical to an uninterrupted one."""
import numpy as np

from tinyspike.training.checkpoint import load_checkpoint
from tinyspike.training.metrics_log import read_metrics

from .conftest import TINY


def _same_run(a, b):
    ca, cb = load_checkpoint(a / "checkpoint.safetensors"), load_checkpoint(b / "checkpoint.safetensors")
    assert ca.extra["step"] == cb.extra["step"] == ca.extra["total_steps"]
    assert ca.params.keys() == cb.params.keys()
    assert all(np.array_equal(ca.params[k], cb.params[k]) for k in ca.params)
    assert all(np.array_equal(ca.optimizer[k], cb.optimizer[k]) for k in ca.optimizer)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in read_metrics(a / "metrics.jsonl")]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in read_metrics(b / "metrics.jsonl")]


def test_pretrain_resume_is_bit_identical(tmp_path, tinyspike, toy_tokenizer):
    args = ["pretrain", "--corpus", "toy", "--limit", "300", "--tokenizer", toy_tokenizer, "--epochs", "2",
            "--batch", "32", "--checkpoint-every", "4", *TINY]
    assert tinyspike(*args, "--out", tmp_path / "a")[0] == 0
    rc, out, _ = tinyspike(*args, "--out", tmp_path / "b", "--stop-at", "7")
    assert rc == 0 and '"step": 7' in out
    assert tinyspike(*args, "--out", tmp_path / "b", "--resume")[0] == 0
    _same_run(tmp_path / "a", tmp_path / "b")


def test_finetune_resume_is_bit_identical(tmp_path, tinyspike, toy_tokenizer):
    args = ["finetune", "--task", "toy-order", "--toy-size", "96", "--tokenizer", toy_tokenizer, "--epochs", "2",
            "--batch", "16", "--checkpoint-every", "5", *TINY]
    assert tinyspike(*args, "--out", tmp_path / "a")[0] == 0
    assert tinyspike(*args, "--out", tmp_path / "b", "--stop-at", "8")[0] == 0
    rc, out, _ = tinyspike(*args, "--out", tmp_path / "b", "--resume")
    assert rc == 0
    _same_run(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a" / "dev_metrics.json").read_text() == (tmp_path / "b" / "dev_metrics.json").read_text()


def test_resume_refuses_a_corrupt_checkpoint_and_keeps_it(tmp_path, tinyspike, toy_tokenizer):
    args = ["finetune", "--task", "toy-negation", "--toy-size", "64", "--tokenizer", toy_tokenizer, "--epochs", "1",
            "--out", tmp_path, *TINY]
    assert tinyspike(*args, "--stop-at", "2")[0] == 0
    path = tmp_path / "checkpoint.safetensors"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    rc, _, err = tinyspike(*args, "--resume")
    assert rc == 1 and "corrupt" in err and str(path) in err
    assert path.read_bytes() == bytes(data)


def test_a_finished_run_is_not_overwritten_without_resume(tmp_path, tinyspike, toy_tokenizer):
    args = ["finetune", "--task", "toy-negation", "--toy-size", "64", "--tokenizer", toy_tokenizer, "--epochs", "1",
            "--out", tmp_path, *TINY]
    assert tinyspike(*args)[0] == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    rc, _, err = tinyspike(*args)
    assert rc == 1 and "--resume" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
