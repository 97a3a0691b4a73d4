# %% [markdown]
# # Tutorial 7 — SpikeLM's elastic bi-spiking neuron and firing-rate control
#
# SpikeLM replaces the binary {0, 1} spike by a *ternary* one, {-alpha, 0, +alpha}:
#
#     s_t = alpha_t clip(round(u_t / alpha_t), -1, 1)        (fires when |u_t| >= alpha_t / 2)
#
# so a neuron can say "negative" too, and the spike amplitude alpha_t (one per layer and time step)
# is set from the data on the first batch, alpha_t = k mean|u_t| (k = 2 in SpikeLM: the threshold
# alpha/2 is then mean|u|), and then frozen (or learned). Training uses a straight-through estimator:
# ds/du = 1 where |u / alpha| <= 1, else 0.
#
# The constant k is a firing-rate knob: a larger k means a larger alpha, a higher threshold, and
# fewer spikes. We measure that, compare the two membrane updates tinyspike offers (the released
# code's asymmetric leak and a clean LIF-style ternary neuron), and check the straight-through rule.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.neurons.elastic import ElasticBiSpike, ElasticConfig, elastic_backward, elastic_forward
from tinyspike.neurons.direct_encoding import direct_encode_forward
from tinyspike.neurons.stats import firing_rate

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
rng = np.random.default_rng(0)
T, N = 4, (2_000 if FAST else 200_000)
x = direct_encode_forward(rng.standard_normal(N).astype(np.float32), T)      # (T, N): the input repeated

# %% [markdown]
# ## Ternary spikes

# %%
neuron = ElasticBiSpike(membrane="spikelm", k=2.0)
s = neuron.forward(x)
alpha = neuron.alpha_value()
levels = np.unique(s[0])
print("alpha per step:", np.round(alpha, 3))
print("values at t=0:", levels, "= {-alpha_0, 0, +alpha_0}")

# %% [markdown]
# ## The firing-rate knob k
# For a standard normal input at t = 0, the rate is P(|u| >= alpha/2) = P(|u| >= k mean|u| / 2)
# = 2 (1 - Phi(k sqrt(2/pi) / 2)) — a closed form to compare the measurement with.

# %%
from scipy.stats import norm

ks = [1.0, 2.0, 3.0, 4.0, 6.0]
rates = {}
for membrane in ("spikelm", "lif"):
    rates[membrane] = []
    for k in ks:
        s_k, alpha_k, _ = elastic_forward(x, None, ElasticConfig(membrane=membrane, k=k))
        rates[membrane].append(firing_rate(s_k))
predicted_t0 = [2 * (1 - norm.cdf(k * np.sqrt(2 / np.pi) / 2)) for k in ks]
measured_t0 = [firing_rate(elastic_forward(x[:1], None, ElasticConfig(k=k))[0]) for k in ks]
print(f"{'k':>4} {'rate spikelm':>13} {'rate lif':>9} {'t=0 measured':>13} {'t=0 closed form':>16}")
for i, k in enumerate(ks):
    print(f"{k:4.1f} {rates['spikelm'][i]:13.3f} {rates['lif'][i]:9.3f} {measured_t0[i]:13.3f} {predicted_t0[i]:16.3f}")

fig, ax = plt.subplots(figsize=(5, 3))
for membrane in rates:
    ax.plot(ks, rates[membrane], marker="o", label=f"membrane={membrane}")
ax.plot(ks, predicted_t0, "k--", label="closed form, first step")
ax.set_xlabel("k  (alpha = k mean|u|)")
ax.set_ylabel("firing rate")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t07_firing_rate.png"), dpi=100)

# %% [markdown]
# ## The straight-through gradient
# Inside |u/alpha| <= 1 the gradient passes unchanged; outside it is cut.

# %%
s1, a1, cache = elastic_forward(x[:1], None, ElasticConfig(k=2.0))
g = rng.standard_normal(s1.shape).astype(np.float32)
dx, _ = elastic_backward(g, cache, ElasticConfig(k=2.0))
inside = np.abs(x[:1] / a1[0]) <= 1
print(f"fraction of inputs inside the pass-through band: {inside.mean():.3f}")

# %%
assert set(np.round(levels / alpha[0], 6)) <= {-1.0, 0.0, 1.0} and len(levels) == 3
assert all(np.diff(rates["spikelm"]) < 0) and all(np.diff(rates["lif"]) < 0)   # larger k, fewer spikes
assert np.allclose(measured_t0, predicted_t0, atol=0.03)                      # closed form at t = 0
assert np.array_equal(dx, np.where(inside, g, 0))                            # straight-through rule
