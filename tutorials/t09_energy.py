# %% [markdown]
# # Tutorial 9 — energy estimation from firing rates
#
# Spiking networks save energy because a binary spike turns a multiply-accumulate (MAC) into a plain
# accumulate (AC), and a silent neuron costs nothing. The convention of the SmoothSpike paper's
# Table 1 (45 nm CMOS, Horowitz 2014; also Spikingformer's) prices them at
#
#     E_MAC = 4.6 pJ,    E_AC = 0.9 pJ.
#
# A product whose input is spikes costs `MACs x firing rate x T` accumulates (each spike adds one
# weight per output, at each of the T steps); a product whose input is real-valued costs its MACs.
# `tinyspike.analysis.energy_report` applies this to every product of a model with the firing rates
# *measured* on the inputs you give it (`docs/analysis.md`).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.analysis import E_AC_PJ, E_MAC_PJ, ann_equivalent_mj, energy_report
from tinyspike.models.config import ModelConfig
from tinyspike.models.fusion import fuse
from tinyspike.models.spiking_lm import MaskedLM

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
rng = np.random.default_rng(0)

# %% [markdown]
# ## One layer, counted by hand
#
# A linear layer d_in -> d_out reads spikes over T steps. Count the accumulates literally: every
# nonzero input entry adds its weight column to d_out outputs.

# %%
T, tokens, d_in, d_out = 4, 50, 64, 32
spikes = (rng.random((T, tokens, d_in)) < 0.15).astype(np.float32)     # (T, N, d_in)
counted = int(np.count_nonzero(spikes)) * d_out                         # one AC per spike per output
rate = np.count_nonzero(spikes) / spikes.size
formula = d_in * d_out * tokens * rate * T                              # MACs x firing rate x T
print(f"firing rate {rate:.4f}: counted {counted} accumulates, formula {formula:.1f}")
real_pj = d_in * d_out * tokens * T * E_MAC_PJ
print(f"spiking: {counted * E_AC_PJ:.0f} pJ;  the same layer on real inputs: {real_pj:.0f} pJ")

# %% [markdown]
# ## A model: baseline, SmoothSpike, SmoothSpike fused
#
# SmoothSpike multiplies the spikes by R1^T before Wq, Wk, Wv, W1: those products now read real
# values and cost MACs, and the rotations themselves cost more. Fusion (`docs/fusion.md`) folds every R
# into the weights, so the fused model's blocks read spikes again.

# %%
d, layers, batch, seq = (64, 2, 4, 32) if FAST else (256, 4, 8, 64)


def build(**switches):
    cfg = ModelConfig(vocab_size=500, d_model=d, n_layers=layers, n_heads=4, d_ff=4 * d, max_len=seq, T=4,
                      **switches)
    return MaskedLM(cfg)


ids = rng.integers(1, 500, (batch, seq))
inputs = (ids, np.zeros_like(ids), np.ones_like(ids))
models = {"Spikingformer": build(), "+SmoothSpike": build(h1="learnable", h2="learnable", h3="learnable")}
models["+SmoothSpike fused"] = fuse(models["+SmoothSpike"])
# fused=False prices each model as it is; the default prices the deployed (fused) model, the paper's convention
reports = {name: energy_report(m, inputs, fused=False) for name, m in models.items()}
for name, rep in reports.items():
    print(f"\n{name}\n{rep.table()}")

# %% [markdown]
# The masked-LM head (a real-valued d x vocab decoder at every token) dominates the spiking models'
# totals here; a GLUE classifier reads one token and its head is negligible.
#
# The same network as a real-valued transformer (an ANN: every product a MAC, once per token, no T):

# %%
ann_mj = ann_equivalent_mj(models["Spikingformer"], seq)             # every product a MAC, once per token
print(f"ANN equivalent: {ann_mj:.4f} mJ per sequence")

fig, ax = plt.subplots(figsize=(8, 4))
names = list(reports)
layer_names = [r.layer for r in reports["Spikingformer"].layers]
width = 0.8 / len(names)
for k, name in enumerate(names):
    by_layer = {r.layer: r.total_mj for r in reports[name].layers}
    ax.bar(np.arange(len(layer_names)) + k * width, [by_layer.get(n, 0.0) for n in layer_names], width, label=name)
ax.set_xticks(np.arange(len(layer_names)) + 0.4 - width / 2, layer_names)
ax.set_ylabel("mJ per sequence")
ax.set_yscale("log")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t09_energy_per_layer.png"), dpi=100)

# %% [markdown]
# ## Energy follows the firing rate
#
# Raise every threshold and fewer neurons fire: the accumulates fall with the measured rate, the
# MACs of the real-valued products (embedding, head) stay.

# %%
sweep = []
for thr in (0.25, 0.5, 1.0, 2.0):
    model = MaskedLM(ModelConfig(vocab_size=500, d_model=d, n_layers=layers, n_heads=4, d_ff=4 * d, max_len=seq,
                                     T=4, v_threshold=thr))
    rep = energy_report(model, inputs)
    ac_mj = sum(r.ac_mj for r in rep.layers)
    mean_rate = np.mean(list(rep.firing_rates.values()))
    sweep.append((thr, mean_rate, ac_mj, rep.total_mj))
    print(f"threshold {thr}: mean firing rate {mean_rate:.4f}, accumulates {ac_mj:.5f} mJ, total {rep.total_mj:.5f} mJ")
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot([s[1] for s in sweep], [s[2] for s in sweep], "o-")
ax.set_xlabel("mean measured firing rate")
ax.set_ylabel("accumulate energy (mJ / sequence)")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t09_energy_vs_rate.png"), dpi=100)

# %% [markdown]
# ## What we showed

# %%
assert counted == round(formula)                                          # the formula counts what happens
smooth, fused, base = (reports[n].total_mj for n in ("+SmoothSpike", "+SmoothSpike fused", "Spikingformer"))
assert fused < smooth                                                      # fusion turns MACs back into ACs
assert np.isclose(energy_report(models["+SmoothSpike"], inputs).total_mj, fused, rtol=1e-9)  # default: fused
assert all(r.mac_ops == 0 for r in reports["+SmoothSpike fused"].layers if r.layer.startswith("block"))
assert base < ann_mj and fused < ann_mj                                   # spiking is cheaper than the ANN
rates, acs = [s[1] for s in sweep], [s[2] for s in sweep]
assert all(a > b for a, b in zip(rates, rates[1:])) and all(a > b for a, b in zip(acs, acs[1:]))
