# %% [markdown]
# # Tutorial 4 — msign, Newton–Schulz, Theorem 4.2, and why the quintic is not orthogonal
#
# A *learnable* SmoothSpike transform keeps an unconstrained matrix H_tilde and uses, on every
# forward, the orthogonal matrix closest to it:
#
#     msign(G) = U V^T   for G = U Sigma V^T          (paper Eq. 12)
#
# **Theorem 4.2.** msign(G) minimises ||Q - G||_F over all orthogonal Q. (Expand
# ||Q - G||^2 = ||Q||^2 + ||G||^2 - 2 tr(Q^T G); with ||Q||^2 = n fixed one maximises
# tr(Q^T U Sigma V^T) = tr(V^T Q^T U Sigma) = sum_i Sigma_ii W_ii with W = V^T Q^T U orthogonal, so
# |W_ii| <= 1 and the maximum is at W = I, Q = U V^T.)
#
# An SVD per step is slow, so the paper approximates msign by Newton–Schulz iterations that only
# multiply matrices: after Frobenius normalisation X_0 = G / ||G||_F, each step maps every singular
# value sigma to p(sigma) = a sigma + b sigma^3 + c sigma^5 and leaves U, V alone.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.transforms import msign, newton_schulz, orthogonality_error, randomized_hadamard
from tinyspike.transforms.newton_schulz import CUBIC, QUINTIC

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
rng = np.random.default_rng(0)
n = 64 if FAST else 256

# %% [markdown]
# ## Theorem 4.2, numerically
# G: a randomized Hadamard matrix after some "training" noise. Compare msign(G) against random
# orthogonal matrices and against small rotations of msign(G) itself.

# %%
G = randomized_hadamard(n, seed=1) + 0.05 * rng.standard_normal((n, n))
M = msign(G)
best = np.linalg.norm(M - G)


def random_orthogonal(k, rng):
    q, r = np.linalg.qr(rng.standard_normal((k, k)))
    return q * np.sign(np.diag(r))


def small_rotation(k, angle, rng):
    a = rng.standard_normal((k, k))
    skew = angle * (a - a.T) / np.linalg.norm(a - a.T)
    w, v = np.linalg.eigh(1j * skew)                     # expm of a skew matrix, via its eigenbasis
    return np.real(v @ np.diag(np.exp(-1j * w)) @ v.conj().T)


others = [np.linalg.norm(random_orthogonal(n, rng) - G) for _ in range(20)]
nearby = [np.linalg.norm(M @ small_rotation(n, 1e-2, rng) - G) for _ in range(20)]
print(f"||msign(G) - G||_F = {best:.4f}; random orthogonal: min {min(others):.4f}; "
      f"small rotations of msign(G): min {min(nearby):.6f}")

# %% [markdown]
# ## The singular values through the iterations
# The cubic p(s) = 1.5 s - 0.5 s^3 has the fixed point 1 and converges for 0 < s < sqrt(3), but
# slowly for tiny s. The quintic (a, b, c) = (3.4445, -4.7750, 2.0315) of the official code grows
# tiny singular values fast, but its fixed points are not at 1: it oscillates in a band around 1.
# A Hadamard start is the worst case for Frobenius normalisation: all n singular values equal
# 1/sqrt(n), so the result after K steps is one number — the scale the neurons will see.

# %%
def trajectory(s0, coeffs):
    s, out = s0, [s0]
    for a, b, c in coeffs:
        s = a * s + b * s**3 + c * s**5
        out.append(s)
    return np.array(out)


sizes = [256, 384, 768]
scales = {}
for size in sizes:
    H = randomized_hadamard(size, seed=0)
    R, _ = newton_schulz(H, "quintic", 5)
    scales[size] = np.linalg.svd(R, compute_uv=False)
    print(f"n={size}: after 5 quintic steps the singular values lie in "
          f"[{scales[size].min():.4f}, {scales[size].max():.4f}] "
          f"(predicted from the scalar map: {trajectory(1 / np.sqrt(size), [QUINTIC] * 5)[-1]:.4f}); "
          f"||R R^T - I||_F = {orthogonality_error(R):.2f}")

fig, ax = plt.subplots(figsize=(7, 3.2))
for size in sizes:
    ax.plot(trajectory(1 / np.sqrt(size), [QUINTIC] * 5 + [CUBIC] * 4), marker="o", label=f"n={size}")
ax.axhline(1.0, color="k", lw=0.8)
ax.axvline(5, color="grey", ls=":", label="5 quintic steps, then cubic polishing")
ax.set_xlabel("Newton-Schulz step")
ax.set_ylabel("singular value (Hadamard start)")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t04_newton_schulz.png"), dpi=100)

# %% [markdown]
# "quintic+cubic" (the schedule tinyspike offers beside the published one) adds cubic polishing
# steps that pull every singular value to 1. For a well-conditioned input the cubic iteration alone
# converges to the SVD msign:

# %%
Rp, _ = newton_schulz(randomized_hadamard(384, seed=0), "quintic+cubic", 5, polish=4)
well = random_orthogonal(n, rng) @ np.diag(rng.uniform(0.5, 1.5, n)) @ random_orthogonal(n, rng)
Rc, _ = newton_schulz(well, "cubic", 30)
print(f"quintic+cubic at n=384: ||R R^T - I||_F = {orthogonality_error(Rp):.2e}")
print(f"cubic, 30 steps, well-conditioned input: ||R - msign||_F = {np.linalg.norm(Rc - msign(well)):.2e}")

# %%
assert best <= min(others) and best <= min(nearby)                    # Theorem 4.2
assert abs(scales[384].mean() - 1) > 0.1                               # the quintic rescales (n=384)
assert np.ptp(scales[384]) < 1e-6                                      # ... by one common factor
assert orthogonality_error(Rp) < 1e-2 * orthogonality_error(newton_schulz(randomized_hadamard(384, 0), "quintic", 5)[0])
assert np.linalg.norm(Rc - msign(well)) < 1e-6
