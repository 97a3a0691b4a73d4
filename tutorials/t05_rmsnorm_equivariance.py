# %% [markdown]
# # Tutorial 5 — RMSNorm's orthogonal equivariance, and folding gamma into thresholds
#
# Two small identities let SmoothSpike put rotations into a spiking transformer and then remove
# them again for inference at no cost.
#
# **Eq. 5 (equivariance).** The scale-free RMSNorm RN0(z) = z / rms(z), rms(z) = ||z|| / sqrt(n),
# commutes with every orthogonal Q: ||Q z|| = ||z||, so RN0(Q z) = Q z / rms(z) = Q RN0(z).
# Hence the residual stream can live in a rotated basis: rotating before or after the norm is the
# same thing.
#
# **App. C (threshold folding).** A LIF neuron is positively homogeneous: scaling its input by
# gamma > 0 and its threshold by gamma scales the membrane by gamma at every step and leaves the
# spike train unchanged (with v_reset = 0). So RMSNorm's learnable gain gamma (per channel) can be
# removed by dividing each channel's threshold by gamma: LIF(gamma * u, thr) = LIF(u, thr / gamma).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.layers import RMSNorm
from tinyspike.neurons.lif import LIFConfig, lif_forward
from tinyspike.transforms import randomized_hadamard

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
rng = np.random.default_rng(0)
n, tokens, T = (64, 256, 4) if FAST else (768, 4096, 4)

# %% [markdown]
# ## Eq. 5: rotate, then normalise == normalise, then rotate

# %%
rn0 = RMSNorm(n, learnable=False, dtype=np.float64)
z = rng.standard_normal((tokens, n)) * rng.uniform(0.1, 10, (tokens, 1))
Q = randomized_hadamard(n, seed=3)                      # any orthogonal matrix works
lhs = rn0.forward(z @ Q.T)                               # RN0(Q z), rows are vectors
rhs = rn0.forward(z) @ Q.T                               # Q RN0(z)
err_eq5 = np.abs(lhs - rhs).max()
print(f"max |RN0(Qz) - Q RN0(z)| = {err_eq5:.2e}")

# %% [markdown]
# ## Folding gamma into the thresholds
# u: normalised activations repeated over T (direct encoding); gamma: a per-channel gain. For a
# power-of-two gamma the two computations are bit-identical (multiplying by 2^k is exact). For a
# general gamma, float rounding can move a membrane that sits exactly at the threshold to the other
# side: we count such flips.

# %%
cfg = LIFConfig(tau=2.0, reset="hard")
u = np.repeat(rn0.forward(z)[None], T, axis=0)          # (T, tokens, n)
thr = 1.0


def flips(gamma):
    s_gain, _, _ = lif_forward(u * gamma, None, thr, cfg)            # RMSNorm with gain, then LIF
    s_fold, _, _ = lif_forward(u, None, thr / gamma, cfg)            # gain folded into thresholds
    return int(np.count_nonzero(s_gain != s_fold)), s_gain


pow2 = 2.0 ** rng.integers(-3, 4, n)
general = rng.uniform(0.2, 3.0, n)
flips_pow2, s_pow2 = flips(pow2)
flips_general, s_general = flips(general)
print(f"power-of-two gamma: {flips_pow2} spikes differ out of {s_pow2.size}")
print(f"general gamma:      {flips_general} spikes differ out of {s_general.size}")

# %% [markdown]
# Why this matters: in the fused inference model, RMSNorm(gamma) -> LIF(thr) becomes
# RN0 -> LIF(thr / gamma): one multiply fewer per activation, and the rotation H1 that SmoothSpike
# adds can be absorbed into the neighbouring Linear weights (docs/fusion.md).

# %%
fig, ax = plt.subplots(1, 2, figsize=(8, 3))
ax[0].hist(np.abs(lhs - rhs).ravel(), bins=40)
ax[0].set_title("|RN0(Qz) - Q RN0(z)|")
ax[1].bar(["power-of-two gamma", "general gamma"], [flips_pow2, flips_general])
ax[1].set_title("spikes that differ after folding")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t05_equivariance.png"), dpi=100)

# %%
assert err_eq5 < 1e-12                                  # Eq. 5
assert flips_pow2 == 0                                  # exact folding for power-of-two gains
assert flips_general <= 1e-3 * s_general.size           # only threshold-rounding flips otherwise
assert 0 < s_pow2.mean() < 1                            # the neurons did fire, and not always
