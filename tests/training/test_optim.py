"""AdamW against a plain transcription of the published update rule; schedule; clipping; repeatability."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.layers import Parameter
from tinyspike.testing.strategies import seeds
from tinyspike.training import AdamW, clip_grad_norm, global_grad_norm, linear_warmup_decay


def adamw_reference(p, grads, lr, b1, b2, eps, wd, decay):
    """Algorithm 2 of Loshchilov & Hutter (2019), with eta_t = 1 and the decay scaled by lr."""
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        mhat = m / (1 - b1 ** t)
        vhat = v / (1 - b2 ** t)
        p = p - lr * (mhat / (np.sqrt(vhat) + eps) + (wd * p if decay else 0.0))
    return p


@given(seed=seeds(), steps=st.integers(1, 6), decay=st.booleans(), wd=st.floats(0.0, 0.5))
def test_adamw_matches_published_update(seed, steps, decay, wd):
    rng = np.random.default_rng(seed)
    p0 = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(steps)]
    param = Parameter(p0.copy(), decay=decay)
    opt = AdamW([param], lr=0.01, betas=(0.9, 0.98), eps=1e-8, weight_decay=wd)
    for g in grads:
        param.grad[...] = g
        opt.step()
    expected = adamw_reference(p0, grads, 0.01, 0.9, 0.98, 1e-8, wd, decay)
    np.testing.assert_allclose(param.value, expected, rtol=1e-12, atol=1e-14)


def test_schedule_warms_up_then_decays_to_zero():
    lrs = [linear_warmup_decay(s, 1.0, 4, 10) for s in range(11)]
    assert lrs[:4] == [0.25, 0.5, 0.75, 1.0]
    assert lrs[4] == 1.0 and lrs[10] == 0.0
    assert all(a >= b for a, b in zip(lrs[3:], lrs[4:]))
    with pytest.raises(ValueError):
        linear_warmup_decay(0, 1.0, 11, 10)


@given(seed=seeds(), max_norm=st.floats(0.01, 10.0))
def test_clip_grad_norm_bounds_the_global_norm(seed, max_norm):
    rng = np.random.default_rng(seed)
    params = [Parameter(np.zeros(s)) for s in [(3,), (2, 2)]]
    for p in params:
        p.grad[...] = rng.standard_normal(p.shape) * 5
    before = [p.grad.copy() for p in params]
    norm = clip_grad_norm(params, max_norm)
    assert norm == pytest.approx(np.sqrt(sum((g ** 2).sum() for g in before)))
    assert global_grad_norm(params) <= max_norm * (1 + 1e-9) or norm <= max_norm
    if norm > max_norm:  # direction preserved
        np.testing.assert_allclose(params[0].grad * norm / max_norm, before[0], rtol=1e-6)


def test_zero_grad_zeroes():
    p = Parameter(np.ones(3))
    p.grad[...] = 2.0
    AdamW([p]).zero_grad()
    assert np.all(p.grad == 0)
