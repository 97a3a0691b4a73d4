"""Copying all-MiniLM-L6-v2's embedding tables into a spiking encoder: exact values, clear refusals."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.pretrained.minilm_embeddings import KEYS, PARTS, copy_minilm_embeddings, minilm_embedding_state
from tinyspike.testing.strategies import seeds

from .fixtures import needs_teacher


def _encoder(vocab=50, d=12, max_len=10, type_vocab=2):
    cfg = ModelConfig(vocab_size=vocab, d_model=d, n_layers=1, n_heads=2, d_ff=8, max_len=max_len, T=1,
                      type_vocab_size=type_vocab)
    return SequenceClassifier(cfg, 2).encoder


def _state(seed, vocab=50, d=12, positions=16, types=2):
    """A random stand-in for MiniLM's five embedding tensors, in its key names and layout."""
    rng = np.random.default_rng(seed)
    shapes = {KEYS["word", "E"]: (vocab, d), KEYS["position", "E"]: (positions, d),
              KEYS["token_type", "E"]: (types, d), KEYS["norm", "gamma"]: (d,), KEYS["norm", "beta"]: (d,)}
    return {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}


@given(seed=seeds(), parts=st.sets(st.sampled_from(PARTS), min_size=1))
def test_copy_sets_chosen_tables_to_source_values_and_leaves_the_rest(seed, parts):
    enc = _encoder()
    emb = enc.embeddings
    before = {k: p.value.copy() for k, p in enc.named_parameters()}
    state = _state(seed)
    copied = copy_minilm_embeddings(emb, sorted(parts), state)
    assert sorted(copied) == sorted(f"{part}.{name}" for (part, name) in KEYS if part in parts)
    for (part, name), key in KEYS.items():
        got = getattr(getattr(emb, part), name).value
        if part in parts:
            want = state[key][:emb.max_len] if part == "position" else state[key]
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_array_equal(got, before[f"embeddings.{part}.{name}"])
    for name, p in enc.named_parameters():          # nothing outside the embeddings moved
        if not name.startswith("embeddings."):
            np.testing.assert_array_equal(p.value, before[name])


def test_copied_embeddings_are_what_the_forward_adds_up():
    """BertEmbeddings = LayerNorm(E_word[id] + E_pos[s] + E_type[t]) with the copied tables (BERT's Eq.)."""
    emb = _encoder().embeddings
    state = _state(3)
    copy_minilm_embeddings(emb, PARTS, state)
    ids, types = np.array([[1, 7, 9, 0]]), np.array([[0, 0, 1, 1]])
    x = (state[KEYS["word", "E"]][ids] + state[KEYS["position", "E"]][:4][None] + state[KEYS["token_type", "E"]][types])
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    want = (x - mu) / np.sqrt(var + 1e-12) * state[KEYS["norm", "gamma"]] + state[KEYS["norm", "beta"]]
    np.testing.assert_allclose(emb.forward(ids, types), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("encoder, parts, fix", [
    (dict(d=8), PARTS, "d_model=12"),
    (dict(vocab=40), ("word",), "vocab_size=50"),
    (dict(max_len=20), ("position",), "max_len <= 16"),
    (dict(type_vocab=3), ("token_type",), "type_vocab_size=2"),
])
def test_a_table_that_does_not_fit_is_refused_naming_the_fix(encoder, parts, fix):
    emb = _encoder(**encoder).embeddings
    before = emb.word.E.value.copy()
    with pytest.raises(ValueError, match=fix) as err:
        copy_minilm_embeddings(emb, parts, _state(0))
    assert "\n" not in str(err.value)
    np.testing.assert_array_equal(emb.word.E.value, before)


def test_unknown_part_is_refused():
    with pytest.raises(ValueError, match="unknown parts \\['words'\\]"):
        copy_minilm_embeddings(_encoder().embeddings, ("words",), _state(0))


def test_vocab_mismatch_is_fine_when_the_word_table_is_not_copied():
    emb = _encoder(vocab=40).embeddings
    copy_minilm_embeddings(emb, ("position", "norm"), _state(1))
    np.testing.assert_array_equal(emb.norm.gamma.value, _state(1)[KEYS["norm", "gamma"]])


@needs_teacher
def test_minilm_tables_are_copied_exactly_into_a_384_wide_encoder():
    from safetensors.numpy import load_file

    from tinyspike.pretrained import minilm_files

    raw = load_file(str(minilm_files().weights))
    enc = _encoder(vocab=30522, d=384, max_len=64)
    copy_minilm_embeddings(enc.embeddings)
    np.testing.assert_array_equal(enc.embeddings.word.E.value, raw["embeddings.word_embeddings.weight"])
    np.testing.assert_array_equal(enc.embeddings.position.E.value, raw["embeddings.position_embeddings.weight"][:64])
    np.testing.assert_array_equal(enc.embeddings.token_type.E.value, raw["embeddings.token_type_embeddings.weight"])
    np.testing.assert_array_equal(enc.embeddings.norm.gamma.value, raw["embeddings.LayerNorm.weight"])
    np.testing.assert_array_equal(enc.embeddings.norm.beta.value, raw["embeddings.LayerNorm.bias"])
    assert set(minilm_embedding_state()) == set(KEYS.values())
