"""Each sub-command end to end on tiny runs: tokenizer, pretrain -> finetune -> evaluate, report, fuse."""
import json

import pytest

from tinyspike.cli import build_parser
from tinyspike.data.tokenizer import load_tokenizer

from .conftest import TINY


def _last_json(out):
    return json.loads(out.strip().splitlines()[-1])


def test_every_command_is_registered():
    choices = build_parser()._subparsers._group_actions[0].choices
    assert list(choices) == ["tokenizer", "pretrain", "finetune", "evaluate", "report", "fuse", "demo"]


def test_tokenizer_command_writes_a_loadable_wordpiece(tmp_path, tinyspike):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("The cat sat on the mat.\nA dog chased the cat!\n" * 20)
    rc, out, _ = tinyspike("tokenizer", "--corpus", corpus, "--vocab-size", "60", "--out", tmp_path / "tok.json",
                           "--show", "the cat chased")
    summary = _last_json(out)
    assert rc == 0 and summary["sentences"] == 40
    tok = load_tokenizer(tmp_path / "tok.json")
    assert tok.get_vocab_size() == summary["vocab_size"] <= 60
    assert summary["example"] == ["[CLS]", "the", "cat", "chased", "[SEP]"]


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory, toy_tokenizer):
    """pretrain on the toy text, then fine-tune toy-negation from it (both tiny)."""
    from tinyspike.cli import main

    root = tmp_path_factory.mktemp("runs")
    assert main(["pretrain", "--corpus", "toy", "--limit", "200", "--tokenizer", str(toy_tokenizer),
                 "--out", str(root / "pre"), *TINY]) == 0
    assert main(["finetune", "--task", "toy-negation", "--toy-size", "96", "--init", str(root / "pre"),
                 "--epochs", "1", "--out", str(root / "ft"), *TINY]) == 0
    return root


def test_finetune_from_pretrained_starts_from_its_encoder(finetuned):
    from tinyspike.training.checkpoint import load_checkpoint

    ck = load_checkpoint(finetuned / "ft" / "checkpoint.safetensors")
    assert ck.extra["init"] == str(finetuned / "pre" / "checkpoint.safetensors")
    assert ck.extra["tokenizer"] == load_checkpoint(finetuned / "pre" / "checkpoint.safetensors").extra["tokenizer"]
    for name in ("metrics.jsonl", "curves.png", "dev_metrics.json"):
        assert (finetuned / "ft" / name).is_file()


def test_evaluate_reproduces_the_dev_metrics_written_by_finetune(finetuned, tinyspike):
    rc, out, _ = tinyspike("evaluate", "--checkpoint", finetuned / "ft")
    result = _last_json(out)
    assert rc == 0 and result["examples"] == 500 and result["split"] == "dev"
    assert {k: result[k] for k in ("accuracy", "mcc")} == json.loads((finetuned / "ft" / "dev_metrics.json").read_text())


def test_evaluate_refuses_a_pretrained_lm_and_a_task_with_other_labels(finetuned, tinyspike):
    rc, _, err = tinyspike("evaluate", "--checkpoint", finetuned / "pre")
    assert rc == 1 and "pretrained masked LM" in err
    rc, _, err = tinyspike("evaluate", "--checkpoint", finetuned / "ft", "--task", "toy-overlap")
    assert rc == 1 and "predicts 2 label(s) but toy-overlap has 1" in err


def test_init_must_be_a_pretrained_masked_lm(finetuned, tinyspike, tmp_path):
    rc, _, err = tinyspike("finetune", "--task", "toy-negation", "--toy-size", "64", "--init", finetuned / "ft",
                           "--out", tmp_path / "x", *TINY)
    assert rc == 1 and "not a pretrained masked LM" in err


def test_report_writes_saturation_figure_and_energy(finetuned, tinyspike, tmp_path):
    pytest.importorskip("tinyspike.analysis")
    rc, out, _ = tinyspike("report", "--checkpoint", finetuned / "ft", "--n", "32", "--out", tmp_path)
    summary = _last_json(out)
    assert rc == 0 and 0.0 <= summary["saturation_rate"] <= 1.0 and summary["energy_mj"] > 0
    assert (tmp_path / "saturation.png").read_bytes()[:4] == b"\x89PNG"
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["saturation"]["overall_rate"] == summary["saturation_rate"]


def test_fuse_keeps_the_outputs(finetuned, tinyspike, tmp_path):
    pytest.importorskip("tinyspike.models.fusion")
    rc, out, _ = tinyspike("fuse", "--checkpoint", finetuned / "ft", "--out", tmp_path / "fused.safetensors")
    summary = _last_json(out)
    assert rc == 0 and summary["max_abs_logit_change"] < 1e-3
    assert (tmp_path / "fused.safetensors").is_file()


def test_help_of_the_cli_and_of_every_command_prints(capsys):
    from tinyspike.cli import main

    for argv in (["--help"], *([name, "--help"] for name in
                              ("tokenizer", "pretrain", "finetune", "evaluate", "report", "fuse", "demo"))):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 0 and "usage: tinyspike" in capsys.readouterr().out


def test_a_reloaded_elastic_neuron_model_keeps_its_trained_alpha(tmp_path, tinyspike, toy_tokenizer):
    from tinyspike.training.checkpoint import load_checkpoint
    from tinyspike.training.neuron_state import neuron_alphas
    from tinyspike.training.trained import load_trained

    rc, _, err = tinyspike("finetune", "--task", "toy-negation", "--toy-size", "64", "--epochs", "1", "--neuron",
                           "elastic", "--tokenizer", toy_tokenizer, "--out", tmp_path, *TINY)
    assert rc == 0, err
    saved = load_checkpoint(tmp_path / "checkpoint.safetensors").extra["neuron_alpha"]
    assert saved and neuron_alphas(load_trained(tmp_path).model) == saved
