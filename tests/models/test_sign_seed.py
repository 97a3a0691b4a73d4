"""``ModelConfig.sign_seed`` draws the transforms' random signs and nothing else; ``seed`` the weights."""
import numpy as np
import pytest

from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM


def _model(**kw):
    return MaskedLM(ModelConfig(vocab_size=20, d_model=16, n_layers=2, n_heads=2, d_ff=32, max_len=8,
                                h1="fixed", h2="learnable", h3="fixed", h3_blocks=2, **kw))


def _transforms(m):
    enc = m.encoder
    return [t.forward() for t in [enc.t1, *enc.t2, *enc.t3]]


def test_sign_seed_changes_the_transforms_and_not_the_weights():
    a, b = _model(seed=3, sign_seed=0), _model(seed=3, sign_seed=1)
    assert all(not np.array_equal(x, y) for x, y in zip(_transforms(a), _transforms(b)))
    w_a = [p.value for p in a.encoder.blocks[0].parameters()]
    w_b = [p.value for p in b.encoder.blocks[0].parameters()]
    assert all(np.array_equal(x, y) for x, y in zip(w_a, w_b))


def test_seed_changes_the_weights_and_not_the_transforms_once_sign_seed_is_set():
    a, b = _model(seed=0, sign_seed=5), _model(seed=1, sign_seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(_transforms(a), _transforms(b)))
    w_a = [p.value for p in a.encoder.blocks[0].parameters()]
    w_b = [p.value for p in b.encoder.blocks[0].parameters()]
    assert any(not np.array_equal(x, y) for x, y in zip(w_a, w_b))


def test_no_sign_seed_draws_the_signs_from_seed_as_before():
    a, b = _model(seed=4), _model(seed=7, sign_seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(_transforms(a), _transforms(b)))


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_bad_sign_seed_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="sign_seed"):
        _model(sign_seed=bad)
