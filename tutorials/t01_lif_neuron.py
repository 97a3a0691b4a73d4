# %% [markdown]
# # Tutorial 1 — a LIF neuron: spikes over time, and surrogate gradients
#
# A leaky integrate-and-fire neuron charges its membrane with the input, fires a spike when the
# membrane crosses the threshold, and resets. SmoothSpike uses spikingjelly's convention
# (`decay_input`, tau = 2, hard reset to 0):
#
#     charge: h_t = v_{t-1} + (x_t - v_{t-1}) / tau
#     fire:   s_t = 1[h_t >= threshold]
#     reset:  v_t = (1 - s_t) h_t
#
# The step has no useful derivative, so training uses a *surrogate*: the backward pretends the
# step was the smooth sigmoid(alpha (h - threshold)). Set TINYSPIKE_FAST=1 for a quick run.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.neurons.lif import LIFConfig, lif_backward, lif_forward
from tinyspike.neurons.surrogate import Sigmoid

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
T = 8 if FAST else 32

# %% [markdown]
# ## Spikes over T steps for a few constant inputs
# A constant input x makes the membrane approach x; with tau = 2 and a hard reset the neuron fires
# at *every* step exactly when x / tau >= threshold, i.e. x >= 2 (docs/neurons.md derives this).
# That is spike saturation: inputs 2, 3 and 30 all give the same all-ones spike train.

# %%
cfg = LIFConfig(tau=2.0)
inputs = np.array([0.5, 1.2, 1.9, 2.0, 3.0, 30.0])
x = np.repeat(inputs[None], T, axis=0)                 # (T, N): time first
spikes, v_final, cache = lif_forward(x, None, 1.0, cfg)
counts = spikes.sum(0)
for xi, c in zip(inputs, counts):
    print(f"input {xi:5.1f}: {int(c):3d} spikes in {T} steps")

fig, ax = plt.subplots(figsize=(6, 2.5))
ax.imshow(spikes.T, aspect="auto", cmap="Greys", interpolation="nearest")
ax.set_yticks(range(len(inputs)), [f"x={v}" for v in inputs])
ax.set_xlabel("time step t")
ax.set_title("spike trains of a LIF neuron (black = spike)")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t01_spike_trains.png"), dpi=100)

# %% [markdown]
# ## The surrogate gradient
# The backward through time (BPTT) uses ds/dh = alpha sig(alpha (h - thr)) (1 - sig(...)).
# Below, the gradient of the total spike count with respect to each input: large near the
# threshold crossings, and it vanishes far beyond them: the input x = 30 saturates so deeply that
# the surrogate gives it (numerically) no gradient at all, one reason saturated neurons are hard
# to pull back by training — and why SmoothSpike spreads outliers out before they reach a neuron.

# %%
dx, _ = lif_backward(np.ones_like(spikes), None, cache, cfg)
grad = dx.sum(0)
for xi, g in zip(inputs, grad):
    print(f"input {xi:5.1f}: d(count)/dx = {g:.4f}")
surrogate = Sigmoid(4.0)
h = np.linspace(-2, 2, 9)
print("surrogate grad around the threshold:", np.round(surrogate.grad(h), 3))

# %%
assert counts[0] < counts[2] <= counts[3] == T                  # more input, more spikes; x=2 saturates
assert counts[3] == counts[4] == counts[5] == T                # saturation: distinct inputs, same train
assert np.all(np.diff(counts) >= 0)
assert np.all(np.isfinite(grad)) and grad[0] != 0
assert abs(grad[5]) < 1e-6 < grad[3]                          # deep saturation: no gradient left
assert surrogate.grad(np.array([0.0]))[0] == max(surrogate.grad(h))   # peak at the threshold
