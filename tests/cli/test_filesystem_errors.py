"""File-system errors: the output location is checked before any data is read or model built, and
every OSError becomes one line naming the path and the reason, the previous checkpoint intact."""
import errno
import os

import pytest

import tinyspike.commands.finetune as finetune_command
import tinyspike.commands.pretrain as pretrain_command
from tinyspike.training.checkpoint import load_checkpoint

from .conftest import TINY, finetune_args


def _one_line(err):
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.fixture
def no_data(monkeypatch):
    """Any attempt to read data or build a model fails the test: the output must be refused first."""
    def forbidden(*args, **kwargs):
        raise AssertionError("data was read before the output location was checked")

    monkeypatch.setattr(finetune_command, "load_split", forbidden)
    monkeypatch.setattr(pretrain_command, "corpus_texts", forbidden)


@pytest.mark.parametrize("command", ["finetune", "pretrain"])
def test_a_file_where_the_run_folder_belongs_is_refused_before_any_data(tmp_path, tinyspike, toy_tokenizer, no_data,
                                                                        command):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "run"):
        args = (finetune_args(toy_tokenizer, out) if command == "finetune" else
                ["pretrain", "--corpus", "toy", "--out", out, *TINY])
        rc, _, err = tinyspike(*args)
        assert rc == 1 and f"{blocker} is a file, not a folder: choose another --out" in err and _one_line(err)


@pytest.mark.parametrize("argv, message", [
    (["finetune", "--task", "toy-negation", "--out", "/proc/tinyspike-run"], "cannot create the folder /proc/"),
    (["pretrain", "--corpus", "toy", "--out", "/proc/self/tinyspike"], "cannot create the folder /proc/self/tinyspike"),
    (["tokenizer", "--corpus", "toy", "--out", "/proc/tinyspike/tok.json"], "cannot create the folder /proc/tinyspike"),
    (["report", "--checkpoint", "x", "--out", "/proc/tinyspike"], "cannot create the folder /proc/tinyspike"),
    (["tokenizer", "--corpus", "toy", "--out", "/dev/full", "--force"], "/dev/full is not a regular file"),
    (["evaluate", "--checkpoint", "/proc/self/status"], "/proc/self/status is not a readable checkpoint"),
])
def test_system_paths_are_refused_in_one_line(tinyspike, no_data, argv, message):
    rc, _, err = tinyspike(*argv)
    assert rc == 1 and message in err and _one_line(err), err


def test_fuse_into_an_existing_folder_is_refused(tmp_path, tinyspike):
    rc, _, err = tinyspike("fuse", "--checkpoint", tmp_path / "absent", "--out", tmp_path)
    assert rc == 1 and f"{tmp_path} is a folder: --out takes the file to write" in err and _one_line(err)


def test_a_folder_given_as_a_corpus_or_tokenizer_file_is_one_line(tmp_path, tinyspike, toy_tokenizer):
    rc, _, err = tinyspike("pretrain", "--corpus", tmp_path, "--out", tmp_path / "run", *TINY)
    assert rc == 1 and f"no corpus file at {tmp_path}" in err and _one_line(err)
    rc, _, err = tinyspike("finetune", "--task", "toy-negation", "--tokenizer", tmp_path, "--out", tmp_path / "r",
                           *TINY)
    assert rc == 1 and str(tmp_path) in err and _one_line(err)


@pytest.mark.parametrize("code, hint", [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "a read-only file system")])
def test_a_disk_that_refuses_a_save_is_one_line_and_the_previous_checkpoint_stays(tmp_path, tinyspike, toy_tokenizer,
                                                                                   monkeypatch, code, hint):
    import safetensors.numpy

    args = finetune_args(toy_tokenizer, tmp_path, "--checkpoint-every", "2")
    assert tinyspike(*args, "--stop-at", "2")[0] == 0
    good = (tmp_path / "checkpoint.safetensors").read_bytes()
    real = safetensors.numpy.save_file

    def refusing_disk(tensors, filename, metadata=None):
        real(tensors, filename, metadata)          # the temporary file is written, then the disk gives out
        raise OSError(code, os.strerror(code), filename)

    monkeypatch.setattr(safetensors.numpy, "save_file", refusing_disk)
    rc, _, err = tinyspike(*args, "--resume")
    tmp = tmp_path / "checkpoint.safetensors.tmp"
    assert rc == 1 and f"{tmp}: {os.strerror(code)} ({hint}" in err and _one_line(err)
    assert (tmp_path / "checkpoint.safetensors").read_bytes() == good
    assert load_checkpoint(tmp_path / "checkpoint.safetensors").extra["step"] == 2
    assert not (tmp_path / ".tinyspike.lock").exists()


def test_evaluate_accepts_only_the_tasks_split_names(tmp_path, tinyspike, toy_tokenizer):
    assert tinyspike(*finetune_args(toy_tokenizer, tmp_path, "--stop-at", "1"))[0] == 0
    rc, _, err = tinyspike("evaluate", "--checkpoint", tmp_path, "--split", "../../x/train")
    assert rc == 1 and "split must be 'train' or 'dev', got '../../x/train'" in err and _one_line(err)
