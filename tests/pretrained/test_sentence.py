"""Mean pooling, cosine, and the length-sorted batching of SentenceEncoder (a tiny tokenizer; no teacher)."""
import numpy as np
from hypothesis import given

from tinyspike.data.tokenizer import train_wordpiece
from tinyspike.pretrained import BertConfig, SentenceEncoder, cosine_rows, mean_pool
from tinyspike.testing.strategies import seeds

from .fixtures import tiny_bert

TEXTS = ["a cat sat on the mat", "the dog ran", "a bird sang in the tall green tree today",
         "cats and dogs", "the mat"]


@given(seed=seeds())
def test_mean_pool_ignores_padding_values(seed):
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((3, 5, 4))
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]])
    poisoned = np.where(mask[..., None] == 1, h, 1e6)
    np.testing.assert_allclose(mean_pool(poisoned, mask), mean_pool(h, mask))
    np.testing.assert_allclose(mean_pool(h, mask)[0], h[0, :2].mean(0))


def test_cosine_rows_is_scale_invariant():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    np.testing.assert_allclose(cosine_rows(3.0 * a, 0.5 * b), cosine_rows(a, b))
    np.testing.assert_allclose(cosine_rows(a, a), 1.0)


def test_embedding_does_not_depend_on_batch_or_order():
    tok = train_wordpiece(TEXTS * 3, vocab_size=60)
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=32, max_position_embeddings=16)
    enc = SentenceEncoder(tiny_bert(1, config=config), tok, max_len=16)
    together = enc.embed(TEXTS, batch_size=2)            # sorted by length, padded per batch
    alone = np.stack([enc.embed([t])[0] for t in TEXTS])
    np.testing.assert_allclose(together, alone, rtol=1e-10, atol=1e-12)
    assert len({tuple(np.round(r, 8)) for r in together}) == len(TEXTS)
    np.testing.assert_allclose(enc.similarity(TEXTS[:2], TEXTS[2:4]), cosine_rows(together[:2], together[2:4]))
