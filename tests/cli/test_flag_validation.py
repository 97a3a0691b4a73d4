"""Flags and config values are validated where they enter: argparse types at parse time (exit code 2,
one line), ``ModelConfig`` in its constructor, and a memory estimate before anything is encoded."""
import pytest

from tinyspike.models.config import ModelConfig

from .conftest import TINY, finetune_args

BAD_FLAGS = [("--clip", "-1"), ("--clip", "0"), ("--batch", "-4"), ("--epochs", "-1"), ("--layers", "-2"),
             ("--T", "0"), ("--max-len", "0"), ("--max-len", "1"), ("--max-len", "-3"), ("--heads", "0"),
             ("--d-model", "0"), ("--d-model", "-16"), ("--limit", "-10"), ("--checkpoint-every", "-1"),
             ("--stop-at", "-1"), ("--lr", "nan"), ("--lr", "-0.001"), ("--warmup", "1.5"), ("--seed", "-1"),
             ("--weight-decay", "inf"), ("--toy-size", "0"), ("--batch", "four")]


@pytest.mark.parametrize("flag, value", BAD_FLAGS)
def test_a_bad_finetune_flag_is_one_line_at_parse_time(tmp_path, tinyspike, toy_tokenizer, flag, value):
    rc, out, err = tinyspike(*finetune_args(toy_tokenizer, tmp_path / "run"), flag, value)
    assert rc == 2 and err.startswith(f"tinyspike finetune: error: argument {flag}: expected ")
    assert f"got '{value}'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv", [["tokenizer", "--corpus", "toy", "--vocab-size", "-5", "--out", "t.json"],
                                  ["fuse", "--checkpoint", "x", "--out", "y", "--n", "0"],
                                  ["report", "--checkpoint", "x", "--out", "y", "--n", "-5"],
                                  ["demo", "--epochs", "0"], ["demo", "--train-size", "-1"],
                                  ["pretrain", "--corpus", "toy", "--out", "p", "--limit", "-10"]])
def test_a_bad_flag_of_every_other_command_is_one_line(tinyspike, argv):
    rc, _, err = tinyspike(*argv)
    assert rc == 2 and err.startswith(f"tinyspike {argv[0]}: error: argument ") and len(err.strip().splitlines()) == 1


def test_demo_refuses_an_empty_task_list_before_training(tinyspike, tmp_path):
    for tasks in ("", " , "):
        rc, _, err = tinyspike("demo", "--tasks", tasks, "--out", tmp_path)
        assert rc == 1 and "--tasks names no task" in err
    assert not any(tmp_path.iterdir())


def test_heads_that_do_not_divide_the_width_are_refused(tmp_path, tinyspike, toy_tokenizer):
    rc, _, err = tinyspike(*finetune_args(toy_tokenizer, tmp_path / "run"), "--heads", "3")
    assert rc == 1 and "d_model=16 is not divisible by n_heads=3" in err


def test_a_max_len_that_cannot_fit_in_memory_is_refused_before_encoding(tmp_path, tinyspike, toy_tokenizer):
    rc, _, err = tinyspike(*finetune_args(toy_tokenizer, tmp_path / "run"), "--max-len", "100000000")
    assert rc == 1 and "GiB" in err and "memory available" in err and "--max-len" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fields, message", [({"d_model": -8}, "d_model must be a positive integer, got -8"),
                                             ({"T": 0}, "T must be a positive integer, got 0"),
                                             ({"vocab_size": 0}, "vocab_size must be a positive integer"),
                                             ({"max_len": 2}, "max_len must be at least 3"),
                                             ({"tau": float("nan")}, "tau must be a finite number > 0"),
                                             ({"n_layers": 2.0}, "n_layers must be an integer, got 2.0"),
                                             ({"h3": "on"}, "h3 must be 'off', 'fixed' or 'learnable'")])
def test_model_config_refuses_invalid_fields(fields, message):
    with pytest.raises(ValueError, match=f"ModelConfig: {message}"):
        ModelConfig(**fields)


def test_model_config_refuses_a_model_too_large_for_the_memory():
    with pytest.raises(MemoryError, match=r"ModelConfig: this model needs about \d+\.\d GiB .* more than the"):
        ModelConfig(vocab_size=10 ** 9, d_model=1024)   # 10^12 embedding entries: no machine holds that


def test_the_tiny_flags_still_train(tmp_path, tinyspike, toy_tokenizer):
    assert TINY[TINY.index("--max-len") + 1] == "24"
    rc, _, err = tinyspike(*finetune_args(toy_tokenizer, tmp_path / "run", "--stop-at", "1"))
    assert rc == 0, err
