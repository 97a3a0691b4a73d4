"""A diverging run (a real exploding learning rate): stopped at the first non-finite weight, its last
checkpoint entirely finite, and recoverable by resuming with a lower --lr, which the log records."""
import numpy as np

from tinyspike.training.checkpoint import load_checkpoint
from tinyspike.training.metrics_log import read_metrics

from .conftest import finetune_args


def _all_finite(path):
    ck = load_checkpoint(path)
    return all(np.isfinite(v).all() for v in [*ck.params.values(), *ck.optimizer.values()])


def test_an_exploding_learning_rate_stops_at_the_first_non_finite_weight_and_keeps_a_finite_checkpoint(
        tmp_path, tinyspike, toy_tokenizer):
    out, ckpt = tmp_path / "r1", tmp_path / "r1" / "checkpoint.safetensors"
    args = finetune_args(toy_tokenizer, out, "--epochs", "3", "--lr", "1e6", "--checkpoint-every", "2")
    rc, _, err = tinyspike(*args)
    assert rc == 1 and len(err.strip().splitlines()) == 1, err
    assert "non-finite weights after the update" in err and "encoder." in err
    stopped = read_metrics(out / "metrics.jsonl")[-1]
    saved = load_checkpoint(ckpt).extra["step"]
    assert f"at step {stopped['step']}:" in err and f"at step {saved}, is kept unchanged" in err
    assert saved < stopped["step"] and _all_finite(ckpt)
    kept = ckpt.read_bytes()

    # the same learning rate (given again, or taken from the run when not given) diverges again ...
    for again in (args + ["--resume"], [a for a in args if a not in ("--lr", "1e6")] + ["--resume"]):
        rc, _, err = tinyspike(*again)
        assert rc == 1 and f"at step {stopped['step']}:" in err
        assert ckpt.read_bytes() == kept

    # ... and an explicit lower one recovers the run, said on stderr and recorded in the log
    rc, out_text, err = tinyspike(*[a if a != "1e6" else "1e-3" for a in args], "--resume")
    assert rc == 0, err
    assert f"with --lr 0.001 instead of the run's 1000000.0" in err
    records = read_metrics(out / "metrics.jsonl")
    assert {"step": saved, "lr_changed": [1e6, 1e-3]} in records
    assert not any("stopped" in r for r in records)
    assert load_checkpoint(ckpt).extra["step"] == load_checkpoint(ckpt).extra["total_steps"] and _all_finite(ckpt)
    assert load_checkpoint(ckpt).extra["loop"]["lr"] == 1e-3


def test_an_infinite_learning_rate_is_refused_when_parsed(tmp_path, tinyspike, toy_tokenizer):
    rc, _, err = tinyspike(*finetune_args(toy_tokenizer, tmp_path / "r", "--lr", "inf"))
    assert rc == 2 and "argument --lr: expected a finite number, got 'inf'" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "r").exists()
