"""The encoder block's backward (every parameter, the input and R1, R2, R3) against central differences.

The neuron is any layer obeying the neuron protocol; here a smooth stand-in (a threshold-shifted
sigmoid, the kind of primitive the spiking=False gradient checks use) so every path is differentiable.
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.layers.base import Layer
from tinyspike.models.block import SpikingBlock
from tinyspike.testing import check_gradients
from tinyspike.testing.strategies import seeds


class SmoothNeuron(Layer):
    """s = sigmoid(4 (x - threshold)): a differentiable stand-in for a spiking neuron over (T, ...)."""

    def __init__(self, threshold):
        self.threshold = threshold

    def forward(self, x):
        s = 1.0 / (1.0 + np.exp(-4.0 * (x - self.threshold)))
        self._save(s)
        return s

    def backward(self, ds):
        s = self._pop()
        return ds * 4.0 * s * (1.0 - s)


@given(seed=seeds(), h1=st.booleans(), h2=st.booleans(), h3=st.booleans())
def test_block_backward_with_every_transform_combination(seed, h1, h2, h3):
    rng = np.random.default_rng(seed)
    T, B, S, D, H, F, G = 2, 2, 3, 4, 2, 8, 2
    block = SpikingBlock(D, H, F, SmoothNeuron, rng=rng, dtype=np.float64)
    for p in block.parameters():       # move norm gains off 1 so their gradients are exercised
        p.value[...] += 0.3 * rng.standard_normal(p.shape)
    x = rng.standard_normal((T, B, S, D))
    mask = np.array([[1, 1, 0], [1, 1, 1]])
    rs = {"r1": rng.standard_normal((D, D)) if h1 else None, "r2": rng.standard_normal((D, D)) if h2 else None,
          "r3": rng.standard_normal((G, D, D)) if h3 else None}
    params = dict(block.named_parameters())

    def backward(dy):
        block.zero_grad()
        dx, *drs = block.backward(dy)
        out = {"x": dx, **{k: p.grad.copy() for k, p in params.items()}}
        out.update({k: g for (k, r), g in zip(rs.items(), drs) if r is not None})
        return out

    tensors = {"x": x, **{k: p.value for k, p in params.items()}, **{k: r for k, r in rs.items() if r is not None}}
    check_gradients(lambda: block.forward(x, mask, **rs), backward, tensors, seed=seed, max_entries=12)
