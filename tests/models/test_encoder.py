"""The whole encoder's backward (embeddings, blocks, shared R1, per-block R2/R3) against central differences."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyspike.layers import Parameter, RMSNorm
from tinyspike.layers.base import Layer
from tinyspike.models.block import SpikingBlock
from tinyspike.models.embeddings import BertEmbeddings
from tinyspike.models.encoder import SpikingEncoder
from tinyspike.testing import check_gradients
from tinyspike.testing.strategies import seeds

from .test_block import SmoothNeuron


class FreeMatrix(Layer):
    """A transform stand-in: R is the parameter itself (its backward is the identity map on dR)."""

    def __init__(self, r):
        self.R = Parameter(r)

    def forward(self):
        return self.R.value

    def backward(self, dr):
        self.R.grad += dr


@settings(max_examples=6)
@given(seed=seeds(), transforms=st.booleans())
def test_encoder_backward_with_shared_r1(seed, transforms):
    rng = np.random.default_rng(seed)
    V, D, H, F, L, T, B, S = 7, 4, 2, 8, 2, 2, 2, 3
    emb = BertEmbeddings(V, D, S, 2, 0, rng=rng, dtype=np.float64)
    blocks = [SpikingBlock(D, H, F, SmoothNeuron, rng=rng, dtype=np.float64) for _ in range(L)]
    t1 = FreeMatrix(rng.standard_normal((D, D))) if transforms else None
    t2 = [FreeMatrix(rng.standard_normal((D, D))) for _ in range(L)] if transforms else None
    t3 = [FreeMatrix(rng.standard_normal((2, D, D))) for _ in range(L)] if transforms else None
    enc = SpikingEncoder(emb, blocks, RMSNorm(D, dtype=np.float64), T, t1, t2, t3)
    ids, types = rng.integers(1, V, (B, S)), rng.integers(0, 2, (B, S))
    mask = np.array([[1, 1, 0], [1, 1, 1]])
    params = dict(enc.named_parameters())
    if transforms:
        assert "t1.R" in params and "t2.1.R" in params and "t3.0.R" in params

    def backward(dy):
        enc.zero_grad()
        enc.backward(dy)
        return {k: p.grad.copy() for k, p in params.items()}

    check_gradients(lambda: enc.forward(ids, types, mask), backward, {k: p.value for k, p in params.items()},
                    seed=seed, max_entries=6)
