"""Checkpoints: atomic writes, refusal of corrupt/truncated/mismatched files, bit-identical resume."""
import os

import numpy as np
import pytest

from tests.toy_mlp import build_mlp, make_parity_data
from tinyspike.layers import cross_entropy_backward, cross_entropy_forward
from tinyspike.training import AdamW
from tinyspike.training.checkpoint import CheckpointError, load_checkpoint, load_parameters, save_checkpoint


class Run:
    """A tiny training run whose whole state (weights, moments, data and dropout RNGs) is checkpointable."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        self.x, self.y = make_parity_data(512, self.rng)
        self.net = build_mlp(8, self.rng, dropout=0.2, seed=seed)
        self.dropouts = [l for b in self.net.layers[1:3] for l in b.inner.layers if hasattr(l, "seed")]
        self.opt = AdamW(self.net.parameters(), lr=1e-2)

    def step(self):
        idx = self.rng.integers(0, len(self.x), 32)
        loss, cache = cross_entropy_forward(self.net.forward(self.x[idx]), self.y[idx])
        self.opt.zero_grad()
        self.net.backward(cross_entropy_backward(cache))
        self.opt.step()
        return loss

    def save(self, path):
        rngs = {"data": self.rng.bit_generator.state,
                **{f"dropout{i}": d.rng.bit_generator.state for i, d in enumerate(self.dropouts)}}
        save_checkpoint(path, {k: p.value for k, p in self.net.named_parameters()}, self.opt.state_dict(),
                        {"d": 8}, rngs)

    def load(self, path):
        ck = load_checkpoint(path)
        load_parameters(self.net, ck.params)
        self.opt.load_state_dict(ck.optimizer)
        self.rng.bit_generator.state = ck.rng_states["data"]
        for i, d in enumerate(self.dropouts):
            d.rng.bit_generator.state = ck.rng_states[f"dropout{i}"]


def test_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path):
    straight = Run(seed=5)
    losses = [straight.step() for _ in range(20)]
    first = Run(seed=5)
    resumed_losses = [first.step() for _ in range(10)]
    first.save(tmp_path / "ck.safetensors")
    second = Run(seed=5)
    for _ in range(3):                          # move it away from the saved state: load must restore all
        second.step()
    second.load(tmp_path / "ck.safetensors")
    resumed_losses += [second.step() for _ in range(10)]
    assert resumed_losses == losses
    for (_, p), (_, q) in zip(straight.net.named_parameters(), second.net.named_parameters()):
        assert np.array_equal(p.value, q.value)


def test_interrupted_save_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    run = Run()
    path = tmp_path / "ck.safetensors"
    run.save(path)
    good = path.read_bytes()
    run.step()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        run.save(path)
    assert path.read_bytes() == good
    load_checkpoint(path)


def test_truncated_corrupt_and_mismatched_checkpoints_are_refused(tmp_path):
    run = Run()
    path = tmp_path / "ck.safetensors"
    run.save(path)
    data = path.read_bytes()
    (tmp_path / "trunc.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(tmp_path / "trunc.safetensors")
    flipped = bytearray(data)
    flipped[-3] ^= 0xFF
    (tmp_path / "flip.safetensors").write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(tmp_path / "flip.safetensors")
    other = build_mlp(16, np.random.default_rng(0))
    with pytest.raises(CheckpointError, match="does not fit the model"):
        load_parameters(other, load_checkpoint(path).params)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "absent.safetensors")
