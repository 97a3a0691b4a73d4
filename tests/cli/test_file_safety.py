"""No command overwrites a file it did not create in this run unless --force; a run folder is locked
while a run writes to it; the temporary file of a killed save is removed at the next start."""
import os
import shutil
import subprocess
import sys

import pytest

from tinyspike.io import RunFolderLock
from tinyspike.training.checkpoint import load_checkpoint
from tinyspike.training.metrics_log import read_metrics

from .conftest import finetune_args


@pytest.fixture(scope="module")
def trained(tmp_path_factory, toy_tokenizer):
    from tinyspike.cli import main

    out = tmp_path_factory.mktemp("trained")
    assert main([str(a) for a in finetune_args(toy_tokenizer, out)]) == 0
    return out


def _copy(run, to):
    shutil.copytree(run, to)
    return to, (to / "checkpoint.safetensors").read_bytes()


def test_fuse_never_writes_over_its_own_input_not_even_with_force(tmp_path, tinyspike, trained):
    run, before = _copy(trained, tmp_path / "r3")
    for force in ([], ["--force"]):
        rc, _, err = tinyspike("fuse", "--checkpoint", run, "--out", run / "checkpoint.safetensors", *force)
        assert rc == 1 and "is the input file itself" in err
    assert (run / "checkpoint.safetensors").read_bytes() == before


def test_fuse_and_tokenizer_refuse_an_existing_file_unless_forced(tmp_path, tinyspike, trained):
    other, before = _copy(trained, tmp_path / "other")
    target = other / "checkpoint.safetensors"
    rc, _, err = tinyspike("fuse", "--checkpoint", trained, "--out", target, "--n", "4")
    assert rc == 1 and f"{target} already exists" in err and "--force" in err
    rc, _, err = tinyspike("tokenizer", "--corpus", "toy", "--vocab-size", "64", "--out", target)
    assert rc == 1 and f"{target} already exists" in err
    assert target.read_bytes() == before
    rc, _, err = tinyspike("fuse", "--checkpoint", trained, "--out", target, "--n", "4", "--force")
    assert rc == 0, err
    assert load_checkpoint(target).extra["kind"] == "fused"


def test_report_refuses_to_replace_an_earlier_report_unless_forced(tmp_path, tinyspike, trained):
    (tmp_path / "report.json").write_text("{}")
    rc, _, err = tinyspike("report", "--checkpoint", trained, "--out", tmp_path, "--n", "4")
    assert rc == 1 and "report.json" in err and (tmp_path / "report.json").read_text() == "{}"


def test_a_new_run_never_appends_to_the_log_of_a_run_that_died_before_its_first_checkpoint(tmp_path, tinyspike,
                                                                                           toy_tokenizer):
    (tmp_path / "metrics.jsonl").write_text('{"step": 0, "loss": 9.0}\n{"step": 1, "loss": 8.0}\n')
    args = finetune_args(toy_tokenizer, tmp_path)
    rc, _, err = tinyspike(*args)
    assert rc == 1 and "already holds a run (metrics.jsonl)" in err and "--force" in err
    assert len(read_metrics(tmp_path / "metrics.jsonl")) == 2
    rc, _, err = tinyspike(*args, "--force")
    assert rc == 0 and "--force: deleted metrics.jsonl" in err
    losses = [r for r in read_metrics(tmp_path / "metrics.jsonl") if "loss" in r]
    steps = load_checkpoint(tmp_path / "checkpoint.safetensors").extra["step"]
    assert [r["step"] for r in losses] == list(range(steps))


def test_a_run_folder_in_use_by_a_live_run_is_refused(tmp_path, tinyspike, toy_tokenizer):
    with RunFolderLock(tmp_path):                     # a run of this very process holds the folder
        rc, _, err = tinyspike(*finetune_args(toy_tokenizer, tmp_path))
        assert rc == 1 and f"is in use by another run (process {os.getpid()}" in err
    assert not (tmp_path / "metrics.jsonl").exists() and not (tmp_path / ".tinyspike.lock").exists()


def test_a_lock_held_by_another_process_refuses_and_once_it_is_killed_is_taken_over(tmp_path, tinyspike,
                                                                                    toy_tokenizer):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from tinyspike.io import RunFolderLock; "
                               "RunFolderLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(60)",
         str(tmp_path)], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert holder.stdout.readline().strip() == "held"
        rc, _, err = tinyspike(*finetune_args(toy_tokenizer, tmp_path))
        assert rc == 1 and f"is in use by another run (process {holder.pid} holds" in err
    finally:
        holder.kill()                                 # killed: its lock file stays behind, stale
        holder.wait()
    assert (tmp_path / ".tinyspike.lock").read_text().strip() == str(holder.pid)
    rc, _, err = tinyspike(*finetune_args(toy_tokenizer, tmp_path))
    assert rc == 0 and f"taking over {tmp_path / '.tinyspike.lock'}: the process that held it ({holder.pid})" in err
    assert not (tmp_path / ".tinyspike.lock").exists()


def test_the_temporary_file_of_a_killed_save_is_removed_at_the_next_start(tmp_path, tinyspike, toy_tokenizer,
                                                                          monkeypatch):
    args = finetune_args(toy_tokenizer, tmp_path, "--checkpoint-every", "2")
    real_replace, replaced = os.replace, []

    def killed_in_the_second_save(src, dst):
        replaced.append(dst)
        if len(replaced) == 2:
            raise KeyboardInterrupt                   # the process dies between writing and renaming
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed_in_the_second_save)
    assert tinyspike(*args)[0] == 130
    monkeypatch.setattr(os, "replace", real_replace)
    tmp = tmp_path / "checkpoint.safetensors.tmp"
    assert tmp.is_file() and load_checkpoint(tmp_path / "checkpoint.safetensors").extra["step"] == 2
    rc, _, err = tinyspike(*args, "--resume")
    assert rc == 0 and f"removed {tmp}, left behind by a save that was interrupted" in err
    assert not tmp.exists() and not list(tmp_path.glob("*.tmp"))


def test_fuse_removes_the_temporary_file_of_its_own_killed_save(tmp_path, tinyspike, trained):
    (tmp_path / "fused.safetensors.tmp").write_bytes(b"\0" * 1024)
    rc, _, err = tinyspike("fuse", "--checkpoint", trained, "--out", tmp_path / "fused.safetensors", "--n", "4")
    assert rc == 0 and "removed" in err and not (tmp_path / "fused.safetensors.tmp").exists()
