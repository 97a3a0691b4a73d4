"""float32 by default, float64 on request: every layer keeps its dtype through forward and backward."""
import numpy as np
import pytest

from tinyspike.layers import GELU, Dropout, LayerNorm, Linear, RMSNorm, SiLU, Softmax, Tanh


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [lambda dt, r: Linear(4, 4, rng=r, dtype=dt), lambda dt, r: LayerNorm(4, dtype=dt),
                                  lambda dt, r: RMSNorm(4, dtype=dt), lambda dt, r: GELU(), lambda dt, r: SiLU(),
                                  lambda dt, r: Tanh(), lambda dt, r: Softmax(), lambda dt, r: Dropout(0.5)])
def test_layer_preserves_dtype(make, dtype):
    rng = np.random.default_rng(0)
    layer = make(dtype, rng)
    x = rng.standard_normal((3, 4)).astype(dtype)
    y = layer.forward(x)
    dx = layer.backward(rng.standard_normal(y.shape).astype(dtype))
    assert y.dtype == dtype and dx.dtype == dtype
    assert all(p.grad.dtype == dtype for p in layer.parameters())
