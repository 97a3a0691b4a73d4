"""The FLOP count behind docs/scaling.md's GPU estimates equals PyTorch's own count of the step."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the PyTorch export is an optional extra: pip install 'tinyspike[torch]'")

import torch.nn.functional as F  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from tinyspike.export import to_torch  # noqa: E402
from tinyspike.export.batches import synthetic_mlm_batch  # noqa: E402
from tinyspike.export.flops import matmul_flops  # noqa: E402
from tinyspike.models.spiking_lm import MaskedLM  # noqa: E402

from ._models import VARIANTS, config  # noqa: E402


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("scheme", ["quintic", "cubic"])
def test_matmul_flops_equal_torch_flop_counter_forward_and_backward(variant, scheme):
    cfg = config(variant, "float32", ns_scheme=scheme, ns_steps=3)
    module = to_torch(MaskedLM(cfg))
    *inputs, targets = (torch.from_numpy(a) for a in synthetic_mlm_batch(np.random.default_rng(1), 50, 3, 14))
    with torch.no_grad():
        module(*inputs)                                   # SpikeLM's alphas, outside the count
    forward, backward = FlopCounterMode(display=False), FlopCounterMode(display=False)
    with forward:
        loss = F.cross_entropy(module(*inputs), targets)
    with backward:
        loss.backward()
    expected = matmul_flops(cfg, 3, 14, int(inputs[3].sum()))
    assert (forward.get_total_flops(), backward.get_total_flops()) == (expected["forward"], expected["backward"])
