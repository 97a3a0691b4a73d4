"""The paper-order SmoothSpike block (``smoothspike_block.py``): equal to the folded fast block forward and
backward (W' = R_out^T W R_in), and its own backward against central differences in surrogate mode."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.models.block import SpikingBlock
from tinyspike.models.config import ModelConfig
from tinyspike.models.smoothspike_block import SmoothSpikeBlock
from tinyspike.models.spiking_lm import neuron_factory
from tinyspike.testing import check_gradients
from tinyspike.testing.strategies import seeds
from tinyspike.testing.surrogate_mode import surrogate_mode

T, B, S, D, H, F, G = 3, 2, 5, 8, 2, 16, 4


def _block(rng, neuron: str) -> SpikingBlock:
    make = neuron_factory(ModelConfig(neuron=neuron, dtype="float64"))
    block = SpikingBlock(D, H, F, make, rng=rng, dtype=np.float64)
    for p in block.parameters():       # norm gains off 1, so their gradients are exercised
        p.value[...] += 0.3 * rng.standard_normal(p.shape)
    return block


def _orthogonal(rng, *shape):
    return np.linalg.qr(rng.standard_normal(shape))[0]


def _transforms(rng, h1, h2, h3, make):
    return {"r1": make(rng, D, D) if h1 else None, "r2": make(rng, D, D) if h2 else None,
            "r3": make(rng, G, F // G, F // G) if h3 else None}


def _run(block, x, mask, rs, dy):
    """Forward, then backward of ``dy``: (y, dx, {parameter: grad}, (dR1, dR2, dR3))."""
    block.zero_grad()
    y = block.forward(x, mask, **rs)
    dx, *drs = block.backward(dy)
    return y, dx, {k: p.grad.copy() for k, p in block.named_parameters()}, drs


@given(seed=seeds(), neuron=st.sampled_from(["lif", "elastic"]), h1=st.booleans(), h2=st.booleans(),
       h3=st.booleans())
def test_paper_order_block_equals_folded_block_forward_and_backward(seed, neuron, h1, h2, h3):
    """((x R_in^T) W^T + b) R_out = x (R_out^T W R_in)^T + b R_out: same output, dx, dW, db, dR1, dR2, dR3."""
    rng = np.random.default_rng(seed)
    folded = _block(rng, neuron)
    paper = SmoothSpikeBlock.sharing(folded)
    x = 2.0 * rng.standard_normal((T, B, S, D))
    mask = (rng.random((B, S)) < 0.8).astype(np.int64)
    mask[:, 0] = 1
    rs = _transforms(rng, h1, h2, h3, _orthogonal)
    dy = rng.standard_normal(x.shape)
    y_f, dx_f, grads_f, drs_f = _run(folded, x, mask, rs, dy)
    y_p, dx_p, grads_p, drs_p = _run(paper, x, mask, rs, dy)
    assert y_p.mean() != 0.0                                  # the neurons fired: the output is not x
    np.testing.assert_allclose(y_p, y_f, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx_p, dx_f, rtol=1e-9, atol=1e-11)
    for name in grads_f:
        np.testing.assert_allclose(grads_p[name], grads_f[name], rtol=1e-9, atol=1e-11, err_msg=name)
    for name, r, g_p, g_f in zip(rs, rs.values(), drs_p, drs_f):
        assert (g_p is None) == (r is None) and (g_f is None) == (r is None), name
        if r is not None:
            assert g_p.shape == r.shape
            np.testing.assert_allclose(g_p, g_f, rtol=1e-9, atol=1e-11, err_msg=name)


def test_sharing_uses_the_same_parameters():
    folded = _block(np.random.default_rng(0), "lif")
    paper = SmoothSpikeBlock.sharing(folded)
    assert [id(p) for p in paper.parameters()] == [id(p) for p in folded.parameters()]


@given(seed=seeds(), neuron=st.sampled_from(["lif", "elastic"]))
def test_paper_order_block_backward_matches_central_differences_in_surrogate_mode(seed, neuron):
    """dx, every parameter, dR1, dR2, dR3 (general matrices, R3 block-diagonal) of the hand-written backward."""
    rng = np.random.default_rng(seed)
    block = SmoothSpikeBlock.sharing(_block(rng, neuron))
    x = 2.0 * rng.standard_normal((T, B, S, D))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    rs = _transforms(rng, True, True, True, lambda r, *shape: r.standard_normal(shape) / np.sqrt(shape[-1]))
    params = dict(block.named_parameters())

    def forward():
        return block.forward(x, mask, **rs)

    def backward(dy):
        block.zero_grad()
        dx, dr1, dr2, dr3 = block.backward(dy)
        return {"x": dx, "r1": dr1, "r2": dr2, "r3": dr3, **{k: p.grad.copy() for k, p in params.items()}}

    tensors = {"x": x, **rs, **{k: p.value for k, p in params.items()}}
    with surrogate_mode(block, forward) as neurons:
        assert len(neurons) == 7                 # attn_in, q, k, v, attn_out, mlp_in, mlp_hidden
        report = check_gradients(forward, backward, tensors, seed=seed, max_entries=8, directions=1,
                                 rtol=1e-4, atol=1e-6)
    assert set(report) == set(tensors)
