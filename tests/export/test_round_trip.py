"""Weights travel both ways unchanged; SpikeLM's alphas initialise as tinyspike's; clear errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the PyTorch export is an optional extra: pip install 'tinyspike[torch]'")

from tinyspike.export import from_torch, to_torch  # noqa: E402
from tinyspike.export.model import NEURONS  # noqa: E402
from tinyspike.models.spiking_lm import MaskedLM, SequenceClassifier  # noqa: E402

from ._models import VARIANTS, batch, build, config  # noqa: E402


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_weights_round_trip_after_a_torch_training_step(variant):
    model = build(variant, "float32", 5)
    rng = np.random.default_rng(5)
    ids, type_ids, mask, positions = batch(rng, 2, 10)
    model.forward(ids, type_ids, mask, positions)                   # sets SpikeLM's alphas
    module = to_torch(model)
    names = {n for n, _ in model.named_parameters()}
    assert names == {n for n, _ in module.named_parameters()}
    args = [torch.from_numpy(a) for a in (ids, type_ids, mask, positions)]
    opt = torch.optim.SGD(module.parameters(), lr=0.5)
    module(*args).square().sum().backward()
    opt.step()                                                       # the torch weights now differ
    trained = {n: p.detach().numpy().copy() for n, p in module.named_parameters()}
    assert any(not np.array_equal(trained[n], p.value) for n, p in model.named_parameters())

    fresh = MaskedLM(model.config)                                   # other init, alphas unset
    from_torch(module, fresh)
    for n, p in fresh.named_parameters():
        np.testing.assert_array_equal(p.value, trained[n], err_msg=n)
    with torch.no_grad():
        expected = module(*args).numpy()
    again = to_torch(fresh)
    for (n, p), (_, q) in zip(module.state_dict().items(), again.state_dict().items()):
        assert torch.equal(p, q), n
    np.testing.assert_allclose(fresh.forward(ids, type_ids, mask, positions), expected, rtol=1.3e-6, atol=1e-5)


def test_torch_initialises_spikelm_alpha_like_tinyspike_on_its_first_forward():
    model = build("spikelm-smoothspike-fixed", "float64", 7)
    module = to_torch(model)                                         # exported before any forward
    assert all(torch.isnan(getattr(b, n).alpha).all() for b in module.encoder.blocks for n in NEURONS)
    args = batch(np.random.default_rng(7), 3, 12)
    with torch.no_grad():
        module(*(torch.from_numpy(a) for a in args))
    model.forward(*args)
    for block, tblock in zip(model.encoder.blocks, module.encoder.blocks):
        for name in NEURONS:
            np.testing.assert_allclose(getattr(tblock, name).alpha.numpy(), getattr(block, name).alpha,
                                       rtol=1e-12)


def test_errors_name_what_is_wrong():
    with pytest.raises(TypeError, match="MaskedLM or SequenceClassifier"):
        to_torch(object())
    module = to_torch(MaskedLM(config("spikingformer", "float32")))
    with pytest.raises(ValueError, match="only in the model .*H_tilde"):
        from_torch(module, MaskedLM(config("smoothspike", "float32")))
    with pytest.raises(ValueError, match="only in the module .*head.out.W"):
        from_torch(to_torch(SequenceClassifier(config("spikingformer", "float32"), 2)),
                   MaskedLM(config("spikingformer", "float32")))
    model = MaskedLM(config("spikingformer", "float32"))
    model.encoder.blocks[0].spike_q.cfg = type(model.encoder.blocks[0].spike_q.cfg)(tau=3.0, detach_reset=True)
    with pytest.raises(ValueError, match="blocks.0.spike_q"):
        to_torch(model)
