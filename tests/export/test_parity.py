"""The exported PyTorch model equals the tinyspike model: logits, every spike train, every gradient.

float64 runs are property tests (Hypothesis draws the seed and the batch shape): there the two
models' membranes agree to ~1e-15, so the spike trains must be identical. float32 runs use a few
fixed seeds: a membrane within float32 rounding of its threshold could legitimately fire in one
model and not the other (BLAS sums in a different order), so drawing thousands of models would
eventually find such a tie; the seeds below have none, and the tolerances stay float32's.
The tinyspike gradient is its hand-written backward; the PyTorch one is autograd's (only the spike
functions' surrogate derivatives are written by hand on that side).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch", reason="the PyTorch export is an optional extra: pip install 'tinyspike[torch]'")

from tinyspike.export import to_torch  # noqa: E402
from tinyspike.export.model import NEURONS  # noqa: E402
from tinyspike.testing.strategies import seeds  # noqa: E402

from ._models import VARIANTS, batch, build  # noqa: E402

# (logits rtol, logits atol, gradient error relative to the parameter's largest gradient entry)
TOL = {"float64": (1e-12, 1e-13, 1e-11), "float32": (1.3e-6, 1e-5, 5e-5)}
FLOAT32_SEEDS = (0, 1, 2)


def _record(module):
    for m in module.modules():
        if hasattr(m, "record"):
            m.record = True


def _run_both(variant, dtype, seed, b, s, classifier=False):
    """Forward both models on one batch, backward a random upstream gradient through both."""
    model = build(variant, dtype, seed, classifier)
    rng = np.random.default_rng(seed + 1)
    ids, type_ids, mask, positions = batch(rng, b, s)
    args = (ids, type_ids, mask) if classifier else (ids, type_ids, mask, positions)
    logits = model.forward(*args)
    module = to_torch(model)                     # after the forward: SpikeLM's alphas are set
    _record(module)
    out = module(*(torch.from_numpy(a) for a in args))
    upstream = rng.standard_normal(logits.shape).astype(logits.dtype)
    model.zero_grad()
    model.backward(upstream)
    (out * torch.from_numpy(upstream)).sum().backward()
    return model, module, logits, out.detach().numpy()


def _assert_parity(variant, dtype, seed, b, s, classifier=False):
    model, module, logits, out = _run_both(variant, dtype, seed, b, s, classifier)
    rtol, atol, gtol = TOL[dtype]
    assert out.dtype == logits.dtype
    np.testing.assert_allclose(out, logits, rtol=rtol, atol=atol)
    for i, (block, tblock) in enumerate(zip(model.encoder.blocks, module.encoder.blocks)):
        for name in NEURONS:
            mine, theirs = getattr(block, name).last_spikes, getattr(tblock, name).last_spikes.numpy()
            np.testing.assert_array_equal(theirs, mine, err_msg=f"spike train of blocks.{i}.{name}")
    grads = {n: p.grad for n, p in module.named_parameters()}
    for name, p in model.named_parameters():
        err = np.abs(grads[name].numpy() - p.grad).max() / max(np.abs(p.grad).max(), 1e-30)
        assert err <= gtol, f"{name}: gradient differs by {err:.2e} of its largest entry"
    return model


@pytest.mark.parametrize("variant", list(VARIANTS))
@given(seed=seeds(), b=st.integers(1, 3), s=st.integers(2, 16))
def test_float64_masked_lm_logits_spikes_and_gradients_equal(variant, seed, b, s):
    _assert_parity(variant, "float64", seed, b, s)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("seed", FLOAT32_SEEDS)
def test_float32_masked_lm_logits_spikes_and_gradients_equal(variant, seed):
    _assert_parity(variant, "float32", seed, 3, 16)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sequence_classifier_logits_spikes_and_gradients_equal(variant, dtype):
    _assert_parity(variant, dtype, 3, 3, 12, classifier=True)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_neuron_fires_so_the_parity_covers_every_path(variant):
    model, *_ = _run_both(variant, "float64", 0, 3, 16)
    for i, block in enumerate(model.encoder.blocks):
        for name in NEURONS:
            assert np.any(getattr(block, name).last_spikes), f"blocks.{i}.{name} is silent"
    assert all(np.any(p.grad) for _, p in model.named_parameters())
