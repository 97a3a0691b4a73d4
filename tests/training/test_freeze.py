"""Freezing: the frozen parameters keep their values bit for bit, the others train as they would alone."""
import numpy as np
import pytest
from hypothesis import given, settings

from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.training.checkpoint import load_checkpoint
from tinyspike.training.finetune import classification_step
from tinyspike.training.freeze import Frozen
from tinyspike.training.loop import LoopConfig, train_loop
from tinyspike.testing.strategies import seeds

WORD = "encoder.embeddings.word"


def _model(seed=0):
    cfg = ModelConfig(vocab_size=30, d_model=8, n_layers=1, n_heads=2, d_ff=16, max_len=8, T=2, seed=seed)
    return SequenceClassifier(cfg, 2)


def _data(seed, n=12, s=6):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 30, (n, s))
    mask = np.ones_like(ids)
    return (ids, np.zeros_like(ids), mask), rng.integers(0, 2, n)


@settings(max_examples=4)
@given(seed=seeds())
def test_frozen_parameters_are_unchanged_and_the_others_trained(seed):
    net = _model(seed % 1000)
    model = Frozen(net, (WORD,))
    before = {k: p.value.copy() for k, p in net.named_parameters()}
    x, y = _data(seed)
    train_loop(model, classification_step(model, x, y), len(y), LoopConfig(batch=4, lr=1e-2), progress=False)
    after = dict(net.named_parameters())
    np.testing.assert_array_equal(after[f"{WORD}.E"].value, before[f"{WORD}.E"])
    assert not after[f"{WORD}.E"].grad.any()             # gradients of frozen tables are discarded
    moved = [k for k in before if not np.array_equal(after[k].value, before[k])]
    assert "encoder.embeddings.position.E" in moved and "head.out.W" in moved


def test_named_parameters_lists_exactly_the_unfrozen_ones():
    net = _model()
    model = Frozen(net, ("encoder.embeddings",))
    names = [k for k, _ in model.named_parameters()]
    assert names == [k for k, _ in net.named_parameters() if not k.startswith("encoder.embeddings.")]
    assert {id(p) for p in model.frozen_parameters()} == {id(p) for k, p in net.named_parameters()
                                                          if k.startswith("encoder.embeddings.")}


@given(seed=seeds())
def test_forward_and_backward_are_the_wrapped_models(seed):
    a, b = _model(), _model()
    x, _ = _data(seed, n=3)
    model = Frozen(b, (WORD,))
    np.testing.assert_array_equal(model.forward(*x), a.forward(*x))
    dout = np.random.default_rng(seed).standard_normal((3, 2)).astype(np.float32)
    a.backward(dout)
    model.backward(dout)
    for (k, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        if not k.startswith(WORD):
            np.testing.assert_array_equal(pb.grad, pa.grad)


def test_checkpoint_holds_only_the_trainable_parameters(tmp_path):
    net = _model()
    model = Frozen(net, (WORD,))
    x, y = _data(0)
    train_loop(model, classification_step(model, x, y), len(y), LoopConfig(batch=4), out_dir=tmp_path, progress=False)
    saved = load_checkpoint(tmp_path / "checkpoint.safetensors").params
    assert set(saved) == {k for k, _ in model.named_parameters()} and f"{WORD}.E" not in saved


def test_a_prefix_naming_no_parameter_is_refused():
    with pytest.raises(ValueError, match=r"no parameter of SequenceClassifier is named \['encoder.embedding.word'\]"):
        Frozen(_model(), ("encoder.embedding.word",))
    with pytest.raises(ValueError, match="named"):                 # a prefix must end at a dot, not mid-name
        Frozen(_model(), ("encoder.embeddings.wo",))
