# %% [markdown]
# # Tutorial 3 — the randomized Hadamard transform and Theorem 4.1
#
# SmoothSpike rotates a vector x before it reaches a spiking neuron so that no coordinate is an
# outlier: an outlier would saturate its neuron (Tutorial 1). The rotation is the *randomized*
# Hadamard transform (paper Eq. 7)
#
#     H_R = H_bar S,    H_bar = H / sqrt(n) (orthonormal Hadamard),   S = diag(s), s_i = +-1 at random.
#
# **Theorem 4.1.** For any fixed x and eps in (0, 1), over the draw of the signs,
#
#     P( max_i |(H_R x)_i| >= ||x|| sqrt(2/n log(2n/eps)) ) <= eps.
#
# (Each (H_R x)_i = sum_j H_bar_ij s_j x_j is a Rademacher sum with variance ||x||^2 / n; Hoeffding
# bounds each tail by 2 exp(-t^2 n / (2||x||^2)), and a union bound over the n coordinates gives eps.)
#
# The random signs matter: the plain H_bar maps a Hadamard row onto a single coordinate, the worst
# possible outlier. Below we measure, for such adversarial inputs, how often the bound is crossed.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.transforms import fwht, hadamard_matrix, rademacher

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
n = 256 if FAST else 768                 # 768 = 12 * 64: a non-power-of-two Hadamard order
draws = 2000 if FAST else 20000
eps = 0.1
rng = np.random.default_rng(0)

# %% [markdown]
# ## Inputs that defeat a transform without random signs

# %%
H = hadamard_matrix(n)
inputs = {
    "one-hot": np.eye(n)[0],
    "few outliers": np.where(np.arange(n) < 3, 50.0, 0.01),
    "all-ones": np.ones(n),
    "Hadamard row": H[5] * np.sqrt(n),
    "Gaussian": rng.standard_normal(n),
}
for name, x in inputs.items():
    plain = fwht(x[None])[0]               # H_bar x, no signs
    print(f"{name:>13}: max|H_bar x| / ||x|| = {np.abs(plain).max() / np.linalg.norm(x):.3f}")

# %% [markdown]
# "all-ones" and "Hadamard row" come out of H_bar as a single coordinate holding the whole norm.
# Now draw the signs many times: one batched FWHT transforms every draw at once.

# %%
bound_factor = np.sqrt(2.0 / n * np.log(2 * n / eps))      # bound / ||x||
signs = np.stack([rademacher(n, seed) for seed in range(draws)])   # (draws, n)
maxima, freqs = {}, {}
for name, x in inputs.items():
    y = fwht(signs * x)                                     # each row: H_bar S x
    m = np.abs(y).max(axis=1) / np.linalg.norm(x)
    maxima[name], freqs[name] = m, float(np.mean(m >= bound_factor))
    print(f"{name:>13}: empirical max / ||x|| median {np.median(m):.3f}, worst {m.max():.3f};"
          f" bound {bound_factor:.3f}; P(max >= bound) = {freqs[name]:.4f} (eps = {eps})")

fig, ax = plt.subplots(figsize=(7, 3.2))
for name, m in maxima.items():
    ax.hist(m, bins=60, histtype="step", label=name)
ax.axvline(bound_factor, color="k", ls="--", label=f"Theorem 4.1 bound, eps={eps}")
ax.set_xlabel("max_i |(H_R x)_i| / ||x||")
ax.set_ylabel("draws of S")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t03_theorem41.png"), dpi=100)

# %% [markdown]
# The bound is loose (a union bound): the observed frequency is far below eps. Still, every input
# is spread: the largest coordinate is a few times ||x|| / sqrt(n) rather than ||x||.

# %%
tolerance = 4 * np.sqrt(eps * (1 - eps) / draws)            # four binomial standard deviations
for name in inputs:
    assert freqs[name] <= eps + tolerance, (name, freqs[name])
assert np.isclose(np.abs(fwht(inputs["Hadamard row"][None])).max(), np.linalg.norm(inputs["Hadamard row"]))
assert np.median(maxima["Hadamard row"]) < 0.5                 # the random signs spread the worst case
assert np.allclose(np.linalg.norm(fwht(signs[:10] * inputs["Gaussian"]), axis=1),
                   np.linalg.norm(inputs["Gaussian"]))           # an orthogonal transform keeps norms
