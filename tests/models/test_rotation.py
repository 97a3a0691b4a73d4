"""x @ R for full and block-diagonal R: forward equals the dense product, backward equals central differences."""
import numpy as np
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from tinyspike.models.rotation import rotate_backward, rotate_forward
from tinyspike.testing import check_gradients
from tinyspike.testing.strategies import leading_shapes, seeds


@given(lead=leading_shapes(), g=st.sampled_from([1, 2, 4]), b=st.integers(1, 3), blocks=st.booleans(),
       transpose=st.booleans(), seed=seeds())
def test_rotation_backward_and_block_diagonal_equals_dense(lead, g, b, blocks, transpose, seed):
    rng = np.random.default_rng(seed)
    d = g * b
    x = rng.standard_normal((*lead, d))
    r = rng.standard_normal((g, b, b)) if blocks else rng.standard_normal((d, d))
    dense = scipy.linalg.block_diag(*r) if blocks else r
    np.testing.assert_allclose(rotate_forward(x, r, transpose), x @ (dense.T if transpose else dense), atol=1e-12)
    check_gradients(lambda: rotate_forward(x, r, transpose),
                    lambda dy: dict(zip(("x", "r"), rotate_backward(dy, x, r, transpose))),
                    {"x": x, "r": r}, seed=seed)
