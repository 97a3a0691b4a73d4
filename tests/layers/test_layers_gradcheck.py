"""Every engine layer's backward against float64 central differences (random upstream gradient)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.layers import (GELU, Dropout, Embedding, LayerNorm, Linear, Residual, RMSNorm, Sequential, SiLU,
                              Softmax, Tanh, cross_entropy_backward, cross_entropy_forward, mse_backward,
                              mse_forward)
from tinyspike.testing import GradcheckError, check_gradients, check_layer
from tinyspike.testing.strategies import leading_shapes, seeds

F64 = np.float64


def _x(rng, lead, d):
    return rng.standard_normal((*lead, d))


@given(lead=leading_shapes(), d_in=st.integers(1, 6), d_out=st.integers(1, 6), bias=st.booleans(), seed=seeds())
def test_linear_backward(lead, d_in, d_out, bias, seed):
    rng = np.random.default_rng(seed)
    layer = Linear(d_in, d_out, bias, rng=rng, dtype=F64)
    check_layer(layer, _x(rng, lead, d_in), seed=seed)


@given(lead=leading_shapes(), d=st.integers(2, 7), seed=seeds())
def test_layernorm_backward(lead, d, seed):
    rng = np.random.default_rng(seed)
    layer = LayerNorm(d, dtype=F64)
    layer.gamma.value[:] = rng.standard_normal(d)
    layer.beta.value[:] = rng.standard_normal(d)
    check_layer(layer, _x(rng, lead, d), seed=seed)


@given(lead=leading_shapes(), d=st.integers(1, 7), learnable=st.booleans(), seed=seeds())
def test_rmsnorm_backward(lead, d, learnable, seed):
    rng = np.random.default_rng(seed)
    layer = RMSNorm(d, learnable=learnable, dtype=F64)
    if learnable:
        layer.gamma.value[:] = rng.standard_normal(d)
    check_layer(layer, _x(rng, lead, d), seed=seed)


@pytest.mark.parametrize("cls", [GELU, SiLU, Tanh, Softmax])
@given(lead=leading_shapes(), d=st.integers(1, 6), seed=seeds())
def test_elementwise_and_softmax_backward(cls, lead, d, seed):
    rng = np.random.default_rng(seed)
    check_layer(cls(), 3 * _x(rng, lead, d), seed=seed)


@given(lead=leading_shapes(), d=st.integers(1, 6), p=st.floats(0.0, 0.9), seed=seeds())
def test_dropout_backward_with_fixed_mask(lead, d, p, seed):
    rng = np.random.default_rng(seed)
    layer = Dropout(p, seed=seed)
    check_layer(layer, _x(rng, lead, d), seed=seed, before_forward=lambda: layer.seed(seed))


@given(n=st.integers(1, 6), num=st.integers(2, 9), d=st.integers(1, 4), seed=seeds())
def test_embedding_backward_skips_padding(n, num, d, seed):
    rng = np.random.default_rng(seed)
    layer = Embedding(num, d, padding_idx=0, rng=rng, dtype=F64)
    check_layer(layer, rng.integers(1, num, (2, n)), seed=seed)  # the padding row is frozen by design
    ids = rng.integers(0, num, (2, n))
    ids[0, 0] = 0
    layer.zero_grad()
    layer.forward(ids)
    layer.backward(rng.standard_normal((2, n, d)))
    assert np.all(layer.E.grad[0] == 0)


@given(n=st.integers(1, 8), c=st.integers(2, 6), seed=seeds())
def test_cross_entropy_backward_with_ignore_index(n, c, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c)) * 3
    targets = rng.integers(0, c, n)
    targets[rng.random(n) < 0.3] = -100
    check_gradients(lambda: np.array(cross_entropy_forward(logits, targets)[0]),
                    lambda dy: {"logits": cross_entropy_backward(cross_entropy_forward(logits, targets)[1],
                                                                 float(dy))},
                    {"logits": logits}, seed=seed)


def test_cross_entropy_matches_log_softmax_by_hand():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    targets = np.array([1, -100])
    loss, _ = cross_entropy_forward(logits, targets)
    assert loss == pytest.approx(-(2.0 - np.log(np.exp(1.0) + np.exp(2.0) + np.exp(0.5))))


@given(shape=leading_shapes(max_dims=3), seed=seeds())
def test_mse_backward(shape, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.standard_normal((*shape, 2)), rng.standard_normal((*shape, 2))
    check_gradients(lambda: np.array(mse_forward(pred, target)[0]),
                    lambda dy: {"pred": mse_backward(mse_forward(pred, target)[1], float(dy))},
                    {"pred": pred}, seed=seed)


@given(lead=leading_shapes(), d=st.integers(2, 5), seed=seeds())
def test_residual_block_backward(lead, d, seed):
    rng = np.random.default_rng(seed)
    block = Residual(Sequential(LayerNorm(d, dtype=F64), Linear(d, 3 * d, rng=rng, dtype=F64), GELU(),
                                Linear(3 * d, d, rng=rng, dtype=F64)))
    net = Sequential(block, RMSNorm(d, dtype=F64), Linear(d, 2, rng=rng, dtype=F64))
    report = check_layer(net, _x(rng, lead, d), seed=seed)
    assert set(report) >= {"x0", "layers.0.inner.layers.1.W", "layers.2.b"}


def test_checker_catches_a_wrong_backward():
    """The checker must fail on a subtly wrong gradient (a transposed weight gradient)."""
    rng = np.random.default_rng(0)
    layer = Linear(3, 3, rng=rng, dtype=F64)
    x = rng.standard_normal((4, 3))

    def backward(dy):
        layer.zero_grad()
        layer.backward(dy)
        return {"W": layer.W.grad.T.copy()}

    with pytest.raises(GradcheckError, match="'W'"):
        check_gradients(lambda: layer.forward(x), backward, {"W": layer.W.value})
