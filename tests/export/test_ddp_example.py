"""The DDP example of docs/scaling.md runs (2 CPU processes, gloo) and keeps the ranks in sync."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("torch", reason="the PyTorch export is an optional extra: pip install 'tinyspike[torch]'")

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("variant", ["smoothspike", "spikelm-smoothspike-fixed"])
def test_two_process_ddp_run_trains_and_ranks_hold_equal_weights(variant, tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "tinyspike.export.ddp_train", "--preset", "tiny", "--variant", variant, "--T", "2",
           "--batch", "2", "--seq", "16", "--steps", "2", "--warmup", "1", "--threads", "1",
           "--backend", "gloo", "--save", str(tmp_path / "ddp.safetensors")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["world_size"] == 2 and result["backend"] == "gloo" and result["params_in_sync"] is True
    assert result["tokens_per_s"] > 0

    from tinyspike.models.config import ModelConfig
    from tinyspike.models.spiking_lm import MaskedLM
    from tinyspike.training.checkpoint import load_checkpoint
    ckpt = load_checkpoint(tmp_path / "ddp.safetensors")
    model = MaskedLM(ModelConfig.from_dict(ckpt.config))
    trained = dict(ckpt.params)
    assert set(trained) == {n for n, _ in model.named_parameters()}
    assert any((trained[n] != p.value).any() for n, p in model.named_parameters())   # it did train
