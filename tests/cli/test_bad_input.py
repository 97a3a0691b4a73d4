"""Every bad input of the issue, through the CLI: one clear message, exit code 1, nothing lost."""
import math

import tinyspike.training.finetune as finetune_module
from tinyspike.training.checkpoint import load_checkpoint
from tinyspike.training.metrics_log import read_metrics

from .conftest import TINY

SST2_HEADER = "sentence\tlabel\n"


def _glue(tmp_path, train: str, dev: str = SST2_HEADER + "a fine film\t1\na dull film\t0\n"):
    (tmp_path / "glue" / "SST-2").mkdir(parents=True)
    (tmp_path / "glue" / "SST-2" / "train.tsv").write_text(train, encoding="utf-8")
    (tmp_path / "glue" / "SST-2" / "dev.tsv").write_text(dev, encoding="utf-8")
    return tmp_path / "glue"


def _finetune_sst2(glue, out, *extra):
    return ["finetune", "--task", "sst2", "--glue-dir", glue, "--vocab-size", "64", "--epochs", "1",
            "--batch", "2", "--out", out, *TINY, *extra]


def test_malformed_tsv_row_names_file_and_line(tmp_path, tinyspike):
    glue = _glue(tmp_path, SST2_HEADER + "good\t1\nno label column here\nbad\t0\n")
    rc, _, err = tinyspike(*_finetune_sst2(glue, tmp_path / "run"))
    assert rc == 1
    assert f"{glue / 'SST-2' / 'train.tsv'}:3" in err and "expected 2 tab-separated columns" in err
    assert "Traceback" not in err and not (tmp_path / "run").exists()


def test_empty_training_file_and_empty_corpus_are_refused(tmp_path, tinyspike):
    glue = _glue(tmp_path, "")
    rc, _, err = tinyspike(*_finetune_sst2(glue, tmp_path / "run"))
    assert rc == 1 and "train.tsv: the file has no data rows" in err
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n  \n")
    rc, _, err = tinyspike("pretrain", "--corpus", corpus, "--out", tmp_path / "pre", *TINY)
    assert rc == 1 and f"{corpus}: the corpus file is empty" in err


def test_unknown_task_lists_the_known_ones(tmp_path, tinyspike):
    rc, _, err = tinyspike("finetune", "--task", "sst3", "--out", tmp_path / "run", *TINY)
    assert rc == 1 and "unknown task 'sst3'" in err and "sst2" in err and "toy-order" in err
    rc, _, err = tinyspike("demo", "--tasks", "toy-negation,toy-nope")
    assert rc != 0 and "toy-nope" in err


def test_overlong_sequences_are_truncated_counted_and_warned_once(tmp_path, tinyspike):
    long = " ".join(["very"] * 40) + " good"
    rows = ["fine\t1", "dull\t0", f"{long}\t1", "bad\t0", f"{long} indeed\t1", "nice\t1"]
    glue = _glue(tmp_path, SST2_HEADER + "\n".join(rows) + "\n")
    rc, out, err = tinyspike(*_finetune_sst2(glue, tmp_path / "run"))
    assert rc == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: 2 of 6 training sequences were longer than --max-len 24 tokens and were truncated"]
    assert '"dev"' in out


def test_nan_loss_stops_names_the_step_and_keeps_the_last_good_checkpoint(tmp_path, tinyspike, monkeypatch,
                                                                           toy_tokenizer):
    real = finetune_module.cross_entropy_forward
    calls = []

    def nan_at_step_5(logits, labels):
        calls.append(None)
        loss, cache = real(logits, labels)
        return (math.nan if len(calls) == 6 else loss), cache

    monkeypatch.setattr(finetune_module, "cross_entropy_forward", nan_at_step_5)
    out = tmp_path / "run"
    rc, _, err = tinyspike("finetune", "--task", "toy-negation", "--toy-size", "160", "--tokenizer", toy_tokenizer,
                           "--epochs", "1", "--batch", "16", "--checkpoint-every", "2", "--out", out, *TINY)
    assert rc == 1
    assert "non-finite loss nan at step 5" in err and f"{out / 'checkpoint.safetensors'} at step 4" in err
    assert load_checkpoint(out / "checkpoint.safetensors").extra["step"] == 4
    records = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in records if "loss" in r] == [0, 1, 2, 3, 4]
    monkeypatch.setattr(finetune_module, "cross_entropy_forward", real)
    rc, _, err = tinyspike("finetune", "--task", "toy-negation", "--toy-size", "160", "--tokenizer", toy_tokenizer,
                           "--epochs", "1", "--batch", "16", "--checkpoint-every", "2", "--out", out, "--resume", *TINY)
    assert rc == 0, err                      # the kept checkpoint resumes
    assert load_checkpoint(out / "checkpoint.safetensors").extra["step"] == 10


def test_glue_task_without_glue_dir_or_hub_names_both_ways(tmp_path, tinyspike, monkeypatch):
    import tinyspike.data.glue as glue

    def offline(key, spec, split):
        raise RuntimeError(f"could not load GLUE task '{key}' ({split}): no --glue-dir was given and the hub copy "
                           "could not be loaded (offline). Either pass --glue-dir DIR ... or connect to the network")

    monkeypatch.setattr(glue, "_load_from_hub", offline)
    rc, _, err = tinyspike("finetune", "--task", "rte", "--out", tmp_path / "run", *TINY)
    assert rc == 1 and "Traceback" not in err and "--glue-dir" in err and "network" in err
