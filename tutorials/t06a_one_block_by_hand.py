# %% [markdown]
# # Tutorial 6a — one SmoothSpike block, by hand
#
# The block of SmoothSpike's Fig. 3, one line at a time, from the pieces the earlier tutorials built:
# RMSNorm (tutorial 5), the LIF neuron (tutorial 1), randomized Hadamard transforms (tutorial 3) and
# softmax-free spiking attention. Row vectors throughout, a transform applied as `x @ R`:
#
#     attention:  h = RMSNorm(X);  u = LIF(h) @ R1^T
#                 Q = LIF(RMSNorm_q(u Wq^T));  K = LIF(RMSNorm_k(u Wk^T));  V = LIF(RMSNorm_v((u Wv^T) @ R2))
#                 ctx = (Q K^T * mask) V * scale, per head, no softmax
#                 X1 = X + ((LIF_0.5(ctx) @ R2^T) Wo^T) @ R1
#     MLP:        s = LIF(RMSNorm(X1));  z = (s @ R1^T) W1^T, split in g blocks, block i @ R3_i
#                 Y = X1 + ((LIF(z @ R3) @ R3^T) W2^T) @ R1
#
# Then we check the result against the library's readable block (`SmoothSpikeBlock`,
# `tinyspike/models/smoothspike_block.py`, the same lines with a hand-written backward) and its fast
# version (`SpikingBlock`, `tinyspike/models/block.py`, every R folded into the Linear beside it:
# W' = R_out^T W R_in), and look at the spikes. Set TINYSPIKE_FAST=1 for a quick run.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.analysis.plots import membrane_traces, spike_raster
from tinyspike.models.block import SpikingBlock
from tinyspike.models.config import ModelConfig
from tinyspike.models.smoothspike_block import SmoothSpikeBlock
from tinyspike.models.spiking_lm import neuron_factory
from tinyspike.neurons.lif import lif_forward_reference
from tinyspike.transforms.randomized import randomized_hadamard

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
T, B, S = 4, 2, (8 if FAST else 16)
D, HEADS, D_FF, G = (32, 4, 128, 4) if FAST else (64, 4, 256, 4)
rng = np.random.default_rng(0)

# %% [markdown]
# ## The pieces
# A block's parameters (six Linears, five RMSNorm gains) come from the library's constructor, so the
# hand-built block and the library's blocks share them. The neuron is Spikingformer's LIF (tau = 2,
# hard reset, threshold 1; 0.5 for the attention output). R1 and R2 are randomized Hadamard matrices
# R = S H_bar (D x D); R3 is block-diagonal, G blocks of (D_FF/G x D_FF/G).

# %%
cfg = ModelConfig(d_model=D, n_heads=HEADS, d_ff=D_FF, dtype="float64")
block = SpikingBlock(D, HEADS, D_FF, neuron_factory(cfg), rng=rng, dtype=np.float64)
for p in block.parameters():                     # weights and norm gains off their initial values,
    p.value[...] += 0.2 * rng.standard_normal(p.shape)    # as after some training
for norm in (block.norm_attn, block.norm_q, block.norm_k, block.norm_v, block.norm_mlp):
    norm.gamma.value *= 2.5                                   # larger gains: more spikes to look at
r1 = randomized_hadamard(D, seed=1)                           # (D, D)
r2 = randomized_hadamard(D, seed=2)                           # (D, D)
r3 = randomized_hadamard(D_FF, seed=3, blocks=G)              # (G, D_FF/G, D_FF/G)

e = rng.standard_normal((B, S, D))
e[..., 3] += 8.0                                              # an outlier channel, as real embeddings have
x = np.repeat((e @ r1)[None], T, axis=0)                      # (T, B, S, D): the residual lives in the R1 basis
mask = np.ones((B, S), dtype=np.int64)
mask[1, S - 3:] = 0                                           # the second sentence has 3 padding tokens


def rmsnorm(z, norm):
    """z / sqrt(mean(z^2) + eps) * gamma  (SmoothSpike Eq. 4)."""
    return z / np.sqrt((z * z).mean(-1, keepdims=True) + norm.eps) * norm.gamma.value


def lif(z, neuron):
    """Charge, fire, reset over the T axis (the NumPy reference loop of tutorial 1)."""
    return lif_forward_reference(z, None, neuron.thr, neuron.cfg)[0]


def linear(z, layer):
    """z W^T + b."""
    return z @ layer.W.value.T + layer.b.value


def attention(q, k, v, mask, heads, scale):
    """Per head: (Q K^T * mask) V * scale, the S x S scores formed explicitly (no softmax)."""
    def split(t):                                             # (T, B, S, D) -> (T, B, H, S, D/H)
        return t.reshape(*t.shape[:-1], heads, -1).swapaxes(-2, -3)
    scores = split(q) @ split(k).swapaxes(-1, -2)             # (T, B, H, S, S)
    scores = scores * mask[:, None, None, :]                  # padded keys do not count
    ctx = scores @ split(v) * scale                           # (T, B, H, S, D/H)
    return ctx.swapaxes(-2, -3).reshape(q.shape)


# %% [markdown]
# ## Attention, line by line

# %%
a = lif(rmsnorm(x, block.norm_attn), block.spike_attn_in)    # spikes of the residual: attn_in site
u = a @ r1.T                                                  # back to the basis the projections expect
q = lif(rmsnorm(linear(u, block.wq), block.norm_q), block.spike_q)
k = lif(rmsnorm(linear(u, block.wk), block.norm_k), block.spike_k)
v = lif(rmsnorm(linear(u, block.wv) @ r2, block.norm_v), block.spike_v)   # V smoothed by H2
ctx = attention(q, k, v, mask, HEADS, block.attn_scale)
o = lif(ctx, block.spike_attn_out)                           # threshold 0.5
x1 = x + (linear(o @ r2.T, block.wo)) @ r1                    # residual add in the R1 basis
print("attention: spike rates  attn_in %.3f  q %.3f  k %.3f  v %.3f  attn_out %.3f"
      % tuple(t.mean() for t in (a, q, k, v, o)))

# %% [markdown]
# ## MLP, line by line
# R3 acts block by block: the D_FF hidden channels are split in G groups, group i multiplied by R3_i.

# %%
s = lif(rmsnorm(x1, block.norm_mlp), block.spike_mlp_in)
z = linear(s @ r1.T, block.w1)                                # (T, B, S, D_FF)
w = D_FF // G
zr = np.concatenate([z[..., i * w:(i + 1) * w] @ r3[i] for i in range(G)], axis=-1)
m = lif(zr, block.spike_mlp_hidden)                           # mlp_hidden site
mr = np.concatenate([m[..., i * w:(i + 1) * w] @ r3[i].T for i in range(G)], axis=-1)
y_hand = x1 + linear(mr, block.w2) @ r1
print("MLP: spike rates  mlp_in %.3f  mlp_hidden %.3f" % (s.mean(), m.mean()))

# %% [markdown]
# ## Against the library: the readable block and the folded block
# `SmoothSpikeBlock.sharing(block)` runs the same layers in the order above; `block.forward` runs
# them with W' = R_out^T W R_in. Both should give our Y, and their backwards (hand-written in each
# file) the same gradients, up to float64 rounding.

# %%
readable = SmoothSpikeBlock.sharing(block)
y_readable = readable.forward(x, mask, r1, r2, r3)
dy = rng.standard_normal(y_readable.shape)
block.zero_grad()
dx_readable, *dr_readable = readable.backward(dy)
dw1_readable = block.w1.W.grad.copy()
y_folded = block.forward(x, mask, r1, r2, r3)
block.zero_grad()
dx_folded, *dr_folded = block.backward(dy)
dw1_folded = block.w1.W.grad.copy()

forward_gap = max(np.abs(y_hand - y_readable).max(), np.abs(y_hand - y_folded).max())
backward_gap = max([np.abs(dx_readable - dx_folded).max(), np.abs(dw1_readable - dw1_folded).max()]
                   + [np.abs(p - q).max() for p, q in zip(dr_readable, dr_folded)])
print(f"largest |difference|: forward {forward_gap:.2e}, backward (dx, dW1, dR1, dR2, dR3) {backward_gap:.2e}")

# %% [markdown]
# ## What the spikes look like
# A raster per site (`tinyspike.analysis.plots.spike_raster`): one row per channel, and for each
# token a group of T columns. The membrane is not stored by the model; `membrane_traces` recomputes
# it from the neuron's input with the LIF reference loop and marks where it crossed the threshold.

# %%
fig, axes = plt.subplots(3, 1, figsize=(11, 8))
spike_raster(axes[0], a[:, 0], title="attn_in (sentence 0)")
spike_raster(axes[1], m[:, 0], title="mlp_hidden (sentence 0)", max_channels=64)
h_in = rmsnorm(x, block.norm_attn)[:, 0, 0]                  # (T, D): the attn_in input of token 0
membrane_traces(axes[2], block.spike_attn_in, h_in, [0, 1, 2, 3], title="attn_in membrane, token 0")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t06a_spikes.png"), dpi=90)

# %%
assert forward_gap < 1e-10
assert backward_gap < 1e-8
assert 0.0 < a.mean() < 1.0 and 0.0 < m.mean() < 1.0        # the neurons fire, and not everywhere
assert o.mean() > 0.0 and np.isfinite(y_hand).all()
assert np.abs(dr_readable[0]).max() > 0 and dr_readable[2].shape == r3.shape
