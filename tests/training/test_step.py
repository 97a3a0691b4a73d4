"""``train_step``: one step is forward, loss, backward, clip, AdamW; divergence is caught where it shows."""
import math

import numpy as np
import pytest
from hypothesis import given

from tinyspike.layers import Linear, mse_backward, mse_forward
from tinyspike.layers.base import Parameter
from tinyspike.testing.strategies import seeds
from tinyspike.training.adamw import AdamW
from tinyspike.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tinyspike.training.step import NonFiniteLossError, train_step


def _regression(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    layer = Linear(3, 1, rng=rng, dtype=np.float64)
    x, y = rng.standard_normal((8, 3)) * scale, rng.standard_normal(8)

    def step_fn(idx, _rng):
        loss, cache = mse_forward(layer.forward(x[idx])[:, 0], y[idx])
        return loss, lambda: layer.backward(mse_backward(cache)[:, None])
    return layer, step_fn


@given(seeds())
def test_train_step_equals_forward_backward_clip_and_the_adamw_update_written_out(seed):
    layer, step_fn = _regression(seed)
    ref_layer, ref_fn = _regression(seed)
    idx = np.arange(8)
    stats = train_step(step_fn, idx, None, AdamW(layer.parameters(), weight_decay=0.0), 0.1, 0.5)
    loss, backward = ref_fn(idx, None)
    backward()
    grads = [p.grad.copy() for p in ref_layer.parameters()]
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
    scale = min(1.0, 0.5 / (norm + 1e-12))
    assert stats.loss == pytest.approx(loss, rel=1e-12) and stats.grad_norm == pytest.approx(norm, rel=1e-12)
    for p, g, new in zip(ref_layer.parameters(), grads, layer.parameters()):
        g = g * scale      # first AdamW step: m_hat = g, v_hat = g^2, so the update is lr g / (|g| + eps)
        np.testing.assert_allclose(new.value, p.value - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=1e-15)


def test_weights_that_overflow_in_the_update_stop_the_step_and_are_named():
    # a finite loss and a finite gradient every step; the decoupled weight decay p <- p (1 - lr wd) with
    # lr 1e6 multiplies the weights by -1e4 each update, so float32 overflows within ten updates
    w, b = Parameter(np.ones(4, np.float32)), Parameter(np.ones(2, np.float32), decay=False)

    def step_fn(idx, rng):
        def backward():
            w.grad += 1.0
            b.grad += 1.0
        return 0.5, backward

    opt = AdamW([w, b], weight_decay=0.01)
    for step in range(10):
        try:
            train_step(step_fn, np.arange(2), None, opt, 1e6, 1.0, ["w", "b"])
        except NonFiniteLossError as err:
            assert "weights after the update (1 of 2 tensors: w;" in str(err) and err.updated
            break
    else:
        pytest.fail("the weights never overflowed")
    assert 5 <= step and not np.isfinite(w.value).all() and np.isfinite(b.value).all()


def test_a_non_finite_tensor_is_never_saved_and_the_previous_checkpoint_stays(tmp_path):
    path = tmp_path / "ck.safetensors"
    save_checkpoint(path, {"w": np.ones(3, np.float32)}, {}, {})
    good = path.read_bytes()
    with pytest.raises(CheckpointError, match=r"1 of 2 tensors are not finite \(optim/m.0\)"):
        save_checkpoint(path, {"w": np.ones(3, np.float32)}, {"m.0": np.array([1.0, np.nan])}, {})
    assert path.read_bytes() == good and load_checkpoint(path).params["w"].tolist() == [1, 1, 1]
