"""The FLOP count behind docs/scaling.md's GPU estimates equals PyTorch's own count of the step."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the PyTorch export is an optional extra: pip install 'tinyspike[torch]'")

import torch.nn.functional as F  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from benchmarks.torch_tools.flops import matmul_flops  # noqa: E402
from tinyspike.export import to_torch  # noqa: E402
from tinyspike.export.batches import synthetic_mlm_batch  # noqa: E402
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


def test_byte_counter_counts_what_each_op_reads_and_writes():
    from benchmarks.torch_tools.roofline import ByteCounter
    a, b = torch.ones(3, 5), torch.ones(5, 7)
    counter = ByteCounter()
    with counter:
        c = a @ b
        c + 1.0
    assert counter.bytes == {"matmul": (15 + 35 + 21) * 4, "other": (21 + 21) * 4}


def test_roofline_counts_of_a_step_grow_with_the_batch():
    from benchmarks.torch_tools.roofline import count_step
    cfg = config("smoothspike", "float32")
    one, two = count_step(cfg, 1, 12), count_step(cfg, 2, 12)
    assert all(two[k] > one[k] > 0 for k in one)
