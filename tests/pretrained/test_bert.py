"""The float BERT encoder: equals an independent NumPy BERT written from the equations on Hugging Face-named
tensors, ignores padding, and loads checkpoints with clear errors. No teacher needed."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import erf

from tinyspike.pretrained import BertConfig, BertEncoder, hf_parameter_map, load_hf_state, mean_pool
from tinyspike.testing.strategies import seeds

from .fixtures import TINY, random_ids, tiny_bert


def _ln(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps) * g + b


def reference_bert(t, c, ids, types, mask):
    """BERT's encoder written out loop by loop over heads, from HF tensor names, float64."""
    p = "encoder.layer.{}."
    s = ids.shape[1]
    x = (t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:s]
         + t["embeddings.token_type_embeddings.weight"][types])
    x = _ln(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], c.layer_norm_eps)
    dh = c.hidden_size // c.num_attention_heads

    def lin(v, name):
        return v @ t[name + ".weight"].T + t[name + ".bias"]

    for i in range(c.num_hidden_layers):
        q, k, v = (lin(x, p.format(i) + f"attention.self.{n}") for n in ("query", "key", "value"))
        heads = []
        for h in range(c.num_attention_heads):
            sl = slice(h * dh, (h + 1) * dh)
            scores = q[..., sl] @ k[..., sl].transpose(0, 2, 1) / np.sqrt(dh) - 1e30 * (1 - mask[:, None, :])
            e = np.exp(scores - scores.max(-1, keepdims=True))
            heads.append((e / e.sum(-1, keepdims=True)) @ v[..., sl])
        a = lin(np.concatenate(heads, -1), p.format(i) + "attention.output.dense")
        x = _ln(x + a, t[p.format(i) + "attention.output.LayerNorm.weight"],
                t[p.format(i) + "attention.output.LayerNorm.bias"], c.layer_norm_eps)
        u = lin(x, p.format(i) + "intermediate.dense")
        f = lin(u * 0.5 * (1 + erf(u / np.sqrt(2))), p.format(i) + "output.dense")
        x = _ln(x + f, t[p.format(i) + "output.LayerNorm.weight"], t[p.format(i) + "output.LayerNorm.bias"],
                c.layer_norm_eps)
    return x


def _random_tensors(rng, model):
    return {name: rng.standard_normal(p.value.shape) * (1.0 if p.value.ndim == 1 else 0.3)
            for name, p in hf_parameter_map(model).items()}


@given(seed=seeds())
def test_bert_forward_equals_independent_reference_on_loaded_tensors(seed):
    rng = np.random.default_rng(seed)
    model = BertEncoder(TINY, rng=rng, dtype=np.float64)
    tensors = _random_tensors(rng, model)
    tensors["pooler.dense.weight"] = rng.standard_normal((16, 16))        # ignored, as in a real checkpoint
    load_hf_state(model, tensors)
    ids, types, mask = random_ids(rng, 3, 7)
    got = model.forward(ids, types, mask)
    want = reference_bert(tensors, TINY, ids, types, mask)
    real = mask.astype(bool)
    np.testing.assert_allclose(got[real], want[real], rtol=1e-9, atol=1e-9)


@given(seed=seeds(), extra=st.integers(1, 4))
def test_padding_does_not_change_real_tokens(seed, extra):
    rng = np.random.default_rng(seed)
    model = tiny_bert(seed)
    ids, types, mask = random_ids(rng, 2, 6)
    pad = lambda a: np.concatenate([a, np.zeros((2, extra), a.dtype)], 1)  # noqa: E731
    short = model.hidden_states(ids, types, mask)
    long = model.hidden_states(pad(ids), pad(types), pad(mask))
    real = mask.astype(bool)
    for a, b in zip(short, long):
        np.testing.assert_allclose(b[:, :6][real], a[real], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mean_pool(long[-1], pad(mask)), mean_pool(short[-1], mask), rtol=1e-10)


def test_hidden_states_are_embeddings_then_each_layer():
    model = tiny_bert(0)
    ids, types, mask = random_ids(np.random.default_rng(0), 2, 5)
    states = model.hidden_states(ids, types, mask)
    assert len(states) == TINY.num_hidden_layers + 1
    assert all(s.shape == (2, 5, TINY.hidden_size) for s in states)
    np.testing.assert_array_equal(states[-1], model.forward(ids, types, mask))


def test_parameter_map_covers_every_parameter_once():
    model = tiny_bert(0)
    mapped = [id(p) for p in hf_parameter_map(model).values()]
    assert len(mapped) == len(set(mapped))
    assert set(mapped) == {id(p) for p in model.parameters()}


def test_load_errors_name_the_tensor():
    model = tiny_bert(0)
    tensors = _random_tensors(np.random.default_rng(0), model)
    missing = dict(tensors)
    del missing["encoder.layer.1.output.dense.bias"]
    with pytest.raises(ValueError, match="missing.*encoder.layer.1.output.dense.bias"):
        load_hf_state(model, missing)
    with pytest.raises(ValueError, match="unexpected.*encoder.layer.7.foo"):
        load_hf_state(model, {**tensors, "encoder.layer.7.foo": np.zeros(3)})
    bad = {**tensors, "embeddings.LayerNorm.bias": np.zeros(5)}
    with pytest.raises(ValueError, match=r"embeddings.LayerNorm.bias has shape \(5,\)"):
        load_hf_state(model, bad)


def test_config_from_hf_dict_and_its_errors():
    d = {"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
         "max_position_embeddings": 4, "type_vocab_size": 2, "pad_token_id": 0, "layer_norm_eps": 1e-12,
         "hidden_act": "gelu", "model_type": "bert"}
    assert BertConfig.from_hf_dict(d).hidden_size == 8
    with pytest.raises(ValueError, match="hidden_act 'relu'"):
        BertConfig.from_hf_dict({**d, "hidden_act": "relu"})
    with pytest.raises(ValueError, match="lacks.*num_attention_heads"):
        BertConfig.from_hf_dict({k: v for k, v in d.items() if k != "num_attention_heads"})
    with pytest.raises(ValueError, match="not divisible"):
        BertConfig.from_hf_dict({**d, "num_attention_heads": 3})


def test_bad_inputs_are_clear():
    model = tiny_bert(0)
    with pytest.raises(ValueError, match=r"\(batch, seq\)"):
        model.forward(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="attention_mask shape"):
        model.forward(np.ones((2, 3), np.int64), None, np.ones((2, 4), np.int64))
    with pytest.raises(ValueError, match="at least one real token"):
        model.forward(np.ones((2, 3), np.int64), None, np.array([[1, 1, 0], [0, 0, 0]]))
    with pytest.raises(NotImplementedError, match="inference-only"):
        model.backward(np.zeros((2, 3, 16)))
