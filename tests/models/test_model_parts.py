"""Model parts: softmax-free attention, embeddings, heads — backward against central differences."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.layers import Embedding
from tinyspike.models import (BertEmbeddings, MLMHead, ModelConfig, SequenceClassificationHead,
                              spiking_attention_backward, spiking_attention_forward)
from tinyspike.testing import check_gradients, check_layer
from tinyspike.testing.strategies import seeds


@given(t=st.integers(1, 3), b=st.integers(1, 2), s=st.integers(1, 5), h=st.sampled_from([1, 2]),
       dh=st.integers(1, 3), seed=seeds())
def test_softmax_free_attention_backward(t, b, s, h, dh, seed):
    rng = np.random.default_rng(seed)
    q, k, v = (rng.standard_normal((t, b, s, h * dh)) for _ in range(3))
    mask = (rng.random((b, s)) < 0.7).astype(np.int64)
    out = {}

    def forward():
        y, out["cache"] = spiking_attention_forward(q, k, v, mask, h, 0.125)
        return y

    def backward(dy):
        dq, dk, dv = spiking_attention_backward(dy, out["cache"])
        return {"q": dq, "k": dk, "v": dv}

    check_gradients(forward, backward, {"q": q, "k": k, "v": v}, seed=seed)


@given(seed=seeds())
def test_attention_equals_per_head_definition_and_ignores_masked_keys(seed):
    rng = np.random.default_rng(seed)
    T, B, S, H, Dh = 2, 2, 4, 2, 3
    q, k, v = (rng.integers(0, 2, (T, B, S, H * Dh)).astype(np.float64) for _ in range(3))
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]])
    y, _ = spiking_attention_forward(q, k, v, mask, H, 0.125)
    for t in range(T):
        for bi in range(B):
            for hi in range(H):
                sl = slice(hi * Dh, (hi + 1) * Dh)
                a = q[t, bi, :, sl] @ k[t, bi, :, sl].T * mask[bi][None, :] * 0.125
                np.testing.assert_allclose(y[t, bi, :, sl], a @ v[t, bi, :, sl], rtol=1e-12)
    v2 = v.copy()
    v2[:, 1, 2:] = 7.0           # values at masked keys cannot change the output
    np.testing.assert_array_equal(spiking_attention_forward(q, k, v2, mask, H, 0.125)[0][:, 1], y[:, 1])


@given(seed=seeds(), s=st.integers(1, 64), dh=st.sampled_from([8, 16, 64]))
def test_reassociated_attention_is_bit_identical_for_spikes_in_float32(seed, s, dh):
    """(Q K^T * m) V computed as Q (K^T diag(m) V): integer partial sums, so exactly equal."""
    rng = np.random.default_rng(seed)
    T, B, H = 2, 2, 2
    q, k, v = ((rng.random((T, B, s, H * dh)) < 0.3).astype(np.float32) for _ in range(3))
    mask = (rng.random((B, s)) < 0.8).astype(np.int64)
    y, _ = spiking_attention_forward(q, k, v, mask, H, 0.125)
    for hi in range(H):
        sl = slice(hi * dh, (hi + 1) * dh)
        scores = q[..., sl] @ k[..., sl].swapaxes(-1, -2) * mask[None, :, None, :].astype(np.float32)
        np.testing.assert_array_equal(y[..., sl], (scores * np.float32(0.125)) @ v[..., sl])


@given(seed=seeds(), s=st.integers(1, 5))
def test_bert_embeddings_backward(seed, s):
    rng = np.random.default_rng(seed)
    emb = BertEmbeddings(11, 4, 8, 2, 0, rng=rng, dtype=np.float64)
    emb.norm.gamma.value[:] = rng.standard_normal(4)
    ids, types = rng.integers(1, 11, (2, s)), rng.integers(0, 2, (2, s))
    check_layer(emb, ids, types, seed=seed)


def test_embeddings_refuse_too_long_sequences():
    emb = BertEmbeddings(11, 4, 3, 2, 0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="length 5 exceeds max_len 3"):
        emb.forward(np.ones((1, 5), np.int64))


@given(seed=seeds(), n=st.integers(1, 4))
def test_mlm_head_backward_including_tied_embeddings(seed, n):
    rng = np.random.default_rng(seed)
    word = Embedding(9, 4, rng=rng, dtype=np.float64)
    head = MLMHead(4, word, rng=rng, dtype=np.float64)
    assert not any(p is word.E for p in head.parameters())
    h = rng.standard_normal((n, 4))
    out = {}

    def forward():
        return head.forward(h)

    def backward(dy):
        head.zero_grad()
        word.zero_grad()
        dh = head.backward(dy)
        return {"h": dh, "E": word.E.grad.copy(), **{k: p.grad.copy() for k, p in head.named_parameters()}}

    tensors = {"h": h, "E": word.E.value, **{k: p.value for k, p in head.named_parameters()}}
    check_gradients(forward, backward, tensors, seed=seed)


@given(seed=seeds(), labels=st.sampled_from([1, 2, 3]))
def test_classification_head_backward(seed, labels):
    rng = np.random.default_rng(seed)
    check_layer(SequenceClassificationHead(4, labels, rng=rng, dtype=np.float64), rng.standard_normal((2, 3, 4)),
                seed=seed)


@given(seed=seeds(), labels=st.sampled_from([1, 2]))
def test_mean_pooling_head_backward_with_padding(seed, labels):
    rng = np.random.default_rng(seed)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]])          # an int array: passed through
    check_layer(SequenceClassificationHead(4, labels, rng=rng, dtype=np.float64, pooling="mean"),
                rng.standard_normal((3, 4, 4)), mask, seed=seed)


def test_mean_pooling_is_the_mean_over_real_tokens_and_padding_gets_no_gradient():
    rng = np.random.default_rng(0)
    head = SequenceClassificationHead(4, 2, rng=rng, dtype=np.float64, pooling="mean")
    cls = SequenceClassificationHead(4, 2, rng=np.random.default_rng(0), dtype=np.float64)
    h, mask = rng.standard_normal((2, 3, 4)), np.array([[1, 1, 0], [1, 1, 1]])
    expected = np.stack([h[0, :2].mean(0), h[1].mean(0)])
    assert np.allclose(head.forward(h, mask), cls.forward(expected[:, None, :]))
    dh = head.backward(np.ones((2, 2)))
    assert np.all(dh[0, 2] == 0) and np.allclose(dh[0, 0], dh[0, 1])
    with pytest.raises(ValueError, match="pooling must be"):
        SequenceClassificationHead(4, 2, rng=rng, pooling="max")
    with pytest.raises(ValueError, match="pooling must be"):
        ModelConfig(pooling="max")


def test_config_rejects_bad_values_and_roundtrips():
    with pytest.raises(ValueError, match="not divisible"):
        ModelConfig(d_model=10, n_heads=4)
    with pytest.raises(ValueError, match="h2 must be"):
        ModelConfig(h2="on")
    c = ModelConfig(h1="learnable", T=2)
    assert ModelConfig.from_dict(c.to_dict()) == c
