"""Errors a user can act on: they name the layer, the expected and the given shape or dtype."""
import numpy as np
import pytest

from tinyspike.layers import Embedding, LayerNorm, Linear, RMSNorm, Softmax


def test_shape_mismatch_names_layer_and_shapes():
    layer = Linear(4, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"Linear\(4 -> 3\).*last dimension 4.*\(2, 5\)"):
        layer.forward(np.zeros((2, 5), np.float32))


def test_dtype_mismatch_says_how_to_fix():
    layer = RMSNorm(4)
    with pytest.raises(TypeError, match=r"RMSNorm\(4\).*float64.*float32"):
        layer.forward(np.zeros((2, 4)))


@pytest.mark.parametrize("layer,x", [(LayerNorm(3), np.ones((2, 3), np.float32)),
                                     (Softmax(), np.ones((2, 3), np.float32))])
def test_backward_before_forward_and_twice(layer, x):
    with pytest.raises(RuntimeError, match="backward.*without a matching forward"):
        layer.backward(np.ones_like(x))
    layer.forward(x)
    layer.backward(np.ones_like(x))
    with pytest.raises(RuntimeError, match="already called once"):
        layer.backward(np.ones_like(x))


def test_embedding_rejects_out_of_range_ids():
    emb = Embedding(5, 2, rng=np.random.default_rng(0))
    with pytest.raises(IndexError, match=r"\[0, 5\)"):
        emb.forward(np.array([[1, 7]]))
