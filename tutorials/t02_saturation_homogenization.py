# %% [markdown]
# # Tutorial 2 — spike saturation and information homogenization
#
# A LIF neuron (tau = 2, threshold 1, hard reset) driven by a constant input x for T steps charges to
# h_1 = x / 2 and fires when h_1 >= 1. After a spike the membrane resets to 0, so if x >= 2 it fires
# again at every step: **every input x >= 2 gives the same spike train 1 1 ... 1**. The neuron is
# *saturated*; what distinguished x = 2 from x = 200 is gone. SmoothSpike calls this *information
# homogenization*, and measures it by the **saturation rate** (the fraction of neurons that fire at
# all T steps) and by the **variance of the inputs of the saturated neurons** (large: very different
# inputs were flattened into one spike train).
#
# Trained transformers have *outlier channels*: a few coordinates of the residual stream far larger
# than the rest. After RMSNorm those channels take most of the norm, their neurons saturate, and the
# other channels are squeezed below threshold. SmoothSpike's H1 rotates the residual stream with a
# randomized Hadamard matrix, which spreads each outlier over every coordinate (Theorem 4.1, Tutorial 3).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.analysis import saturation_report
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM
from tinyspike.neurons.lif import LIF

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
T = 4

# %% [markdown]
# ## Distinct inputs, identical spike trains
#
# One neuron per input value, all driven for T = 4 steps by a constant input (direct encoding).

# %%
xs = np.linspace(0.0, 10.0, 1001)
neuron = LIF(1.0, tau=2.0, detach_reset=True)
spikes = neuron.forward(np.repeat(xs[None], T, axis=0))          # (T, n)
counts = spikes.sum(0)
for x in (1.9, 2.0, 3.0, 10.0):
    i = int(np.argmin(np.abs(xs - x)))
    print(f"x = {xs[i]:5.2f}: spike train {spikes[:, i].astype(int)}, count {int(counts[i])}")
saturated = counts == T
print(f"inputs from {xs[saturated].min():.2f} to {xs[saturated].max():.2f} all give the same train")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xs, counts, drawstyle="steps-post")
ax.axvspan(xs[saturated].min(), xs.max(), color="tab:red", alpha=0.15, label="saturated: one spike train")
ax.set_xlabel("constant input x")
ax.set_ylabel(f"spikes in T = {T} steps")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t02_spike_count_staircase.png"), dpi=100)

# %% [markdown]
# ## Outlier channels in a small model
#
# Two models with identical weights: a Spikingformer baseline and the same model with SmoothSpike's
# fixed transforms (H1, H2, H3 randomized Hadamard). We give the embedding LayerNorm three outlier
# channels (gain 12 instead of 1), as trained language models have, and measure every neuron site.

# %%
d = 64                                   # 3 outlier channels out of 64
layers = 2 if FAST else 4
batch = 4 if FAST else 32


def build(**switches):
    cfg = ModelConfig(vocab_size=200, d_model=d, n_layers=layers, n_heads=4, d_ff=4 * d, max_len=32, T=T, **switches)
    model = MaskedLM(cfg)
    model.encoder.embeddings.norm.gamma.value[[3, 17, 40]] = 12.0   # outlier channels
    return model


rng = np.random.default_rng(0)
ids = rng.integers(1, 200, (batch, 32))
inputs = (ids, np.zeros_like(ids), np.ones_like(ids))
baseline = saturation_report(build(), inputs)
smooth = saturation_report(build(h1="fixed", h2="fixed", h3="fixed"), inputs)
print("Spikingformer baseline\n" + baseline.table())
print("\n+ SmoothSpike (fixed H1, H2, H3)\n" + smooth.table())

# %% [markdown]
# In the baseline the attention and MLP input neurons (the sites that read the residual stream)
# saturate, and the variance of their saturated inputs is large: inputs from 2 to 8 all became
# "1 1 1 1". With H1 the same vectors, rotated, have no outliers: fewer saturated neurons, a variance
# of saturated inputs two orders of magnitude smaller, and more neurons firing at all (the
# information is spread rather than squeezed).
#
# The "before" column of the SmoothSpike table runs each neuron on its input taken back to the
# untransformed basis. The symbols, for one neuron site:
#
# - **p** (a row vector of n entries, one per channel): the *pre-activation*, what the site's
#   neurons actually receive in the SmoothSpike model, e.g. RMSNorm(X) at `attn_in`. It lives in the
#   basis of the site's transform (architecture.md's glossary lists which: R1, R2 or R3).
# - **R** (n x n, or block-diagonal): that transform, applied as `x @ R`; **R^{-1}** its inverse, so
#   p R^{-1} is the same vector written in the original, untransformed channels.
# - **c**: a scale, c^2 = the mean squared singular value of R. A randomized Hadamard or Newton–Schulz
#   matrix is R = c Q with Q orthogonal (c = 1 for an exact rotation), and then c p R^{-1} = p Q^T:
#   the untransformed vector at the same size the neuron saw, so only the basis changes.
#
# So the "before" rate is the saturation the same neuron would have on c p R^{-1}
# (`tinyspike.analysis.saturation.untransform`). At the first site, which reads the same vectors in
# both models, it reproduces the baseline's rate (later sites differ because the two models' spikes
# already differ). The figure shows the same thing as histograms (the paper's Fig. 1, 4, 5).

# %%
smooth.plot(os.path.join(OUT, "saturation_before_after.png"))
sites = ("attn_in", "mlp_in")
rows = {(m, r.layer, r.site): r for m, rep in (("base", baseline), ("smooth", smooth)) for r in rep.sites}
for layer in range(layers):
    for site in sites:
        b, s = rows[("base", layer, site)], rows[("smooth", layer, site)]
        print(f"layer {layer} {site:>7}: saturation {b.saturation_rate:.4f} -> {s.saturation_rate:.4f}; "
              f"variance of saturated inputs {b.saturated_input_variance:.3f} -> {s.saturated_input_variance:.4f}")

# %% [markdown]
# ## What we showed

# %%
assert saturated.sum() > 1 and np.all(spikes[:, saturated] == 1)           # distinct inputs, one train
assert xs[saturated].min() == 2.0                                           # x/tau >= threshold
for layer in range(layers):
    for site in sites:
        b, s = rows[("base", layer, site)], rows[("smooth", layer, site)]
        assert s.saturation_rate < b.saturation_rate
        assert s.saturated_input_variance < 0.1 * b.saturated_input_variance
        assert s.firing_rate > b.firing_rate
        if (layer, site) == (0, "attn_in"):   # the first site reads the same vectors in both models:
            # the same rate, up to one rounding flip
            assert abs(s.saturation_rate_untransformed - b.saturation_rate) <= 1 / b.neurons
assert smooth.overall_rate < baseline.overall_rate
