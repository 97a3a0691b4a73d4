"""msign (Eq. 12), Newton-Schulz forward/backward, Theorem 4.2, Eq. 5, and OrthogonalTransform."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy.linalg import expm

from tinyspike.layers.rmsnorm import rmsnorm_forward
from tinyspike.testing.gradcheck import check_gradients
from tinyspike.testing.strategies import seeds
from tinyspike.transforms import (OrthogonalTransform, msign, newton_schulz, newton_schulz_backward,
                                  orthogonality_error, randomized_hadamard)


def _random_orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def _well_conditioned(rng, shape):
    """Matrices U diag(sigma) V^T with sigma in [0.5, 1.5] (condition number <= 3)."""
    n = shape[-1]
    mats = [_random_orthogonal(rng, n) * rng.uniform(0.5, 1.5, n) @ _random_orthogonal(rng, n)
            for _ in range(int(np.prod(shape[:-2], dtype=int)))]
    return np.stack(mats).reshape(shape)


@given(n=st.sampled_from([4, 8, 12]), seed=seeds())
def test_msign_by_svd_is_orthogonal(n, seed):
    g = np.random.default_rng(seed).standard_normal((2, n, n))
    assert np.all(orthogonality_error(msign(g)) < 1e-10)


@given(n=st.sampled_from([4, 8, 16]), seed=seeds())
def test_theorem_4_2_msign_is_nearest_orthogonal_matrix(n, seed):
    """||msign(H) - H||_F <= ||Q - H||_F for random orthogonal Q and small rotations of msign(H)."""
    rng = np.random.default_rng(seed)
    h = randomized_hadamard(n, seed % 2**31) + 0.3 * rng.standard_normal((n, n))
    r = msign(h)
    best = np.linalg.norm(r - h)
    for _ in range(20):
        assert best <= np.linalg.norm(_random_orthogonal(rng, n) - h) + 1e-12
        k = rng.standard_normal((n, n)) * 1e-2
        rotated = r @ expm(k - k.T)                    # orthogonal, close to msign(H)
        assert best <= np.linalg.norm(rotated - h) + 1e-12


@given(n=st.sampled_from([8, 12, 24]), seed=seeds())
def test_eq_5_scale_free_rmsnorm_is_orthogonally_equivariant(n, seed):
    """Q RN0(z) = RN0(Q z) for orthogonal Q (here a randomized Hadamard)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((3, n)) * rng.uniform(0.1, 10)
    q = randomized_hadamard(n, seed % 2**31)
    left = rmsnorm_forward(z, None, 1e-6)[0] @ q.T
    right = rmsnorm_forward(z @ q.T, None, 1e-6)[0]
    np.testing.assert_allclose(left, right, atol=1e-12)


@given(n=st.sampled_from([4, 8, 16]), seed=seeds())
def test_cubic_newton_schulz_converges_to_svd_msign(n, seed):
    g = _well_conditioned(np.random.default_rng(seed), (2, n, n))
    r, _ = newton_schulz(g, "cubic", steps=30)
    np.testing.assert_allclose(r, msign(g), atol=1e-9)


@pytest.mark.parametrize("n,scale", [(64, 0.69), (128, 0.72), (256, 1.07), (384, 0.77), (768, 1.08)])
def test_quintic_from_hadamard_lands_at_size_dependent_scale(n, scale):
    """The official quintic (5 steps) is not orthogonal: every singular value ends at ~scale(n)."""
    r, _ = newton_schulz(randomized_hadamard(n, 0, dtype=np.float32), "quintic", 5)
    s = np.linalg.svd(r, compute_uv=False)
    np.testing.assert_allclose(s, scale, atol=0.01)
    r2, _ = newton_schulz(randomized_hadamard(n, 0, dtype=np.float32), "quintic+cubic", 5)
    assert orthogonality_error(r2) < 1e-3 * np.sqrt(n)


@pytest.mark.parametrize("scheme", ["quintic", "cubic", "quintic+cubic"])
@given(seed=seeds(), shape=st.sampled_from([(5, 5), (2, 4, 4), (3, 6)]))
def test_newton_schulz_backward_matches_central_differences(scheme, seed, shape):
    """Random (non-Hadamard) G, random upstream gradient, float64; includes the Frobenius step."""
    g = np.random.default_rng(seed).standard_normal(shape)
    saved = {}

    def forward():
        r, saved["cache"] = newton_schulz(g, scheme, steps=3, polish=2)
        return r

    check_gradients(forward, lambda dr: {"G": newton_schulz_backward(dr, saved["cache"])}, {"G": g},
                    seed=seed, directions=2, max_entries=24)


@pytest.mark.parametrize("blocks", [1, 2])
def test_orthogonal_transform_learnable_backward_matches_central_differences(blocks):
    t = OrthogonalTransform(16, mode="learnable", blocks=blocks, scheme="quintic+cubic", steps=2,
                            seed=1, dtype=np.float64)
    t.H_tilde.value += 0.1 * np.random.default_rng(0).standard_normal(t.H_tilde.shape)

    def backward(dr):
        t.zero_grad()
        t.backward(dr)
        return {"H_tilde": t.H_tilde.grad.copy()}

    check_gradients(t.forward, backward, {"H_tilde": t.H_tilde.value}, seed=3, max_entries=24)


def test_orthogonal_transform_fixed_and_svd_are_orthogonal_with_block_shape():
    t = OrthogonalTransform(24, mode="fixed", blocks=2)
    r = t.forward()
    assert r.shape == (2, 12, 12) and r.dtype == np.float32
    assert np.all(orthogonality_error(r) < 1e-5)
    assert t.backward(np.ones_like(r)) is None and t.parameters() == []
    s = OrthogonalTransform(12, mode="learnable", scheme="svd", dtype=np.float64)
    assert orthogonality_error(s.forward()) < 1e-12
    with pytest.raises(NotImplementedError, match="Newton-Schulz"):
        s.backward(np.ones((12, 12)))


def test_orthogonal_transform_errors():
    with pytest.raises(ValueError, match="mode"):
        OrthogonalTransform(8, mode="frozen")
    with pytest.raises(ValueError, match="scheme"):
        OrthogonalTransform(8, mode="learnable", scheme="septic")
    t = OrthogonalTransform(8, mode="learnable")
    with pytest.raises(RuntimeError, match="without a matching forward"):
        t.backward(np.ones((8, 8), np.float32))


def _paper_eq44_step_backward(gy, y, a, b, c):
    """SmoothSpike Eq. 44 as printed (Y' = aY + bY B + cY B^2, B = Y^T Y)."""
    bm = y.T @ y
    sym = gy.T @ y + y.T @ gy
    return a * gy + b * (gy @ bm + y @ sym) + c * (gy @ bm @ bm + 2 * y @ bm @ sym)


def test_paper_eq_44_is_wrong_for_generic_matrices_but_right_at_orthogonal_start():
    from tinyspike.transforms.newton_schulz import QUINTIC, ns_step_backward
    rng = np.random.default_rng(0)
    gy = rng.standard_normal((8, 8))
    generic = rng.standard_normal((8, 8)) * 0.3
    assert not np.allclose(_paper_eq44_step_backward(gy, generic, *QUINTIC),
                           ns_step_backward(gy, generic, *QUINTIC), atol=1e-6)
    scaled_orthogonal = 0.4 * randomized_hadamard(8, 1)          # B = 0.16 I commutes with everything
    np.testing.assert_allclose(_paper_eq44_step_backward(gy, scaled_orthogonal, *QUINTIC),
                               ns_step_backward(gy, scaled_orthogonal, *QUINTIC), atol=1e-12)
