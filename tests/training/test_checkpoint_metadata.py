"""Checkpoint metadata: covered by the checksum, and every field validated (type, range, agreement with
the tensors' shapes) before anything is allocated; each refusal names the file and the field."""
import functools
import json
import tracemalloc

import numpy as np
import pytest

from tinyspike.cli import main
from tinyspike.data.tokenizer import train_wordpiece
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.training.checkpoint import (FORMAT, FORMAT_1, CheckpointError, _digest, _digest_format_1,
                                          load_checkpoint, save_checkpoint)
from tinyspike.training.loop import LoopConfig, train_loop
from tinyspike.training.trained import load_trained


@functools.lru_cache
def _tokenizer_json():
    return train_wordpiece(["the film was not good", "a dull story", "the cat sat"] * 5, vocab_size=40).to_str()


def _classifier(path):
    """A tiny classifier checkpoint as `tinyspike finetune` writes it (untrained: no steps are needed)."""
    from tokenizers import Tokenizer

    tok = _tokenizer_json()
    cfg = ModelConfig(vocab_size=Tokenizer.from_str(tok).get_vocab_size(), d_model=8, n_layers=1, n_heads=2,
                      d_ff=16, max_len=12, T=2)
    model = SequenceClassifier(cfg, 2)
    extra = {"kind": "classifier", "task": "toy-negation", "num_labels": 2, "max_len": 12, "tokenizer": tok}
    save_checkpoint(path, {k: p.value for k, p in model.named_parameters()}, {}, cfg.to_dict(), {}, extra)
    return path


def _rewrite(path, **meta_changes):
    """Rewrite the checkpoint's metadata fields (raw strings) with a correct checksum: a deliberate edit."""
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(str(path), framework="numpy") as f:
        meta = {**f.metadata(), **meta_changes}
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    meta["sha256"] = _digest(tensors, meta)
    save_file(tensors, str(path), metadata=meta)
    return path


def _edit(path, field, change):
    """Change one parsed metadata field (config, rng_states or extra) and rewrite it, checksum included."""
    value = getattr(load_checkpoint(path), field)
    change(value)
    return _rewrite(path, **{field: json.dumps(value)})


def test_an_edited_metadata_value_breaks_the_checksum(tmp_path):
    path = _classifier(tmp_path / "ck.safetensors")
    data = path.read_bytes()
    assert data.count(b'\\"T\\": 2') == 1
    path.write_bytes(data.replace(b'\\"T\\": 2', b'\\"T\\": 6'))
    with pytest.raises(CheckpointError, match="tensors or metadata do not match the checksum"):
        load_trained(path)


def test_a_huge_vocab_size_is_refused_from_the_shapes_before_any_allocation(tmp_path):
    path = _edit(_classifier(tmp_path / "ck.safetensors"), "config", lambda c: c.update(vocab_size=20_000_000))
    tracemalloc.start()
    with pytest.raises(CheckpointError, match=r"ck.safetensors: metadata field 'config' does not match the tensors: "
                                              r"encoder.embeddings.word.E is \(\d+, 8\), the config implies "
                                              r"\(20000000, 8\)"):
        load_trained(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6          # the 20M x 8 embedding (640 MB in float32) was never allocated


@pytest.mark.parametrize("field, raw, message", [
    ("config", "{not json", "metadata field 'config' is missing or not valid JSON"),
    ("config", "[1, 2]", "metadata field 'config' must be a JSON object, got list"),
    ("extra", "7", "metadata field 'extra' must be a JSON object, got int"),
])
def test_malformed_metadata_json_is_refused_naming_file_and_field(tmp_path, field, raw, message):
    path = _rewrite(_classifier(tmp_path / "ck.safetensors"), **{field: raw})
    with pytest.raises(CheckpointError, match=rf"ck.safetensors: {message}"):
        load_trained(path)


@pytest.mark.parametrize("field, change, message", [
    ("config", lambda c: c.update(n_heads=0), "'config' is invalid: ModelConfig: n_heads must be a positive integer"),
    ("config", lambda c: c.update(d_model="8"), "'config' is invalid: ModelConfig: d_model must be an integer"),
    ("config", lambda c: c.update(n_layers=2), "'config.n_layers' is 2 but the tensors hold 1 blocks"),
    ("extra", lambda e: e.pop("num_labels"), "'num_labels' is missing"),
    ("extra", lambda e: e.update(num_labels=3), r"'num_labels' is 3 but the classifier head's output is \(2, 8\)"),
    ("extra", lambda e: e.update(num_labels="2"), "'num_labels' must be an integer"),
    ("extra", lambda e: e.update(kind="gpt"), "'kind' must be one of"),
    ("extra", lambda e: e.update(tokenizer="hello"), "'tokenizer' is not a tokenizer"),
    ("extra", lambda e: e.update(tokenizer=5), "'tokenizer' is missing or not a tokenizer JSON string"),
    ("extra", lambda e: e.update(neuron_alpha={"x": ["a"]}), "'neuron_alpha' must map neuron names"),
])
def test_every_metadata_field_is_validated_naming_file_and_field(tmp_path, field, change, message):
    path = _edit(_classifier(tmp_path / "ck.safetensors"), field, change)
    with pytest.raises(CheckpointError, match=rf"ck.safetensors: metadata field {message}"):
        load_trained(path)


def _stopped_run(out):
    from tokenizers import Tokenizer

    from tinyspike.training.finetune import classification_step

    tok = _tokenizer_json()
    cfg = ModelConfig(vocab_size=Tokenizer.from_str(tok).get_vocab_size(), d_model=8, n_layers=1, n_heads=2,
                      d_ff=16, max_len=12, T=2)
    ids = np.random.default_rng(0).integers(5, cfg.vocab_size, (16, 12))
    model = SequenceClassifier(cfg, 2)
    x, labels = (ids, np.zeros_like(ids), np.ones_like(ids)), np.arange(16) % 2
    run = functools.partial(train_loop, model, classification_step(model, x, labels), 16,
                            out_dir=out, config=cfg.to_dict(), progress=False)
    run(LoopConfig(batch=4, stop_at=2))
    return run


@pytest.mark.parametrize("field, change, message", [
    ("extra", lambda e: e.pop("step"), "'step' is missing"),
    ("extra", lambda e: e.update(step=-5), r"'step' must be in \[0, 4\], got -5"),
    ("extra", lambda e: e.update(step=2.5), "'step' must be an integer"),
    ("rng_states", lambda r: r.pop("loop"), "'rng_states.loop' is missing or not a generator state"),
    ("extra", lambda e: e.update(loop=[1]), "'loop' must hold the training settings"),
])
def test_resume_validates_the_loop_fields_before_touching_anything(tmp_path, field, change, message):
    run = _stopped_run(tmp_path)
    _edit(tmp_path / "checkpoint.safetensors", field, change)
    log = (tmp_path / "metrics.jsonl").read_bytes()
    with pytest.raises(CheckpointError, match=rf"checkpoint.safetensors: metadata field {message}"):
        run(LoopConfig(batch=4), resume=True)
    assert (tmp_path / "metrics.jsonl").read_bytes() == log


def test_evaluate_reports_a_bad_checkpoint_in_one_line(tmp_path, capsys):
    path = _rewrite(_classifier(tmp_path / "ck.safetensors"), config="[1]")
    assert main(["evaluate", "--checkpoint", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "'config'" in err and "Traceback" not in err


def test_an_unknown_format_is_refused_and_the_older_one_is_read_with_a_note(tmp_path, capsys):
    from safetensors import safe_open
    from safetensors.numpy import save_file

    path = _rewrite(_classifier(tmp_path / "ck.safetensors"), format="tinyspike-checkpoint-9")
    with pytest.raises(CheckpointError, match=f"not a tinyspike checkpoint .*expected '{FORMAT}'"):
        load_checkpoint(path)
    with safe_open(str(path), framework="numpy") as f:       # the older format: a checksum of the tensors only
        tensors, meta = {k: f.get_tensor(k) for k in f.keys()}, f.metadata()
    meta.update(format=FORMAT_1, sha256=_digest_format_1(tensors))
    save_file(tensors, str(path), metadata=meta)
    assert load_trained(path).extra["num_labels"] == 2
    assert "older format" in capsys.readouterr().err
    save_file(tensors, str(path), metadata={**meta, "config": meta["config"].replace('"T": 2', '"T": 0')})
    with pytest.raises(CheckpointError, match="'config' is invalid: ModelConfig: T must be a positive integer"):
        load_trained(path)
