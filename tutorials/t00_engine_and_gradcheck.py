# %% [markdown]
# # Tutorial 0 — the engine: a layer, its backward, the gradient check, and a network trained by hand
#
# tinyspike has no autograd. A layer is an object with two methods:
#
#     forward(x)   computes y and stores what the backward will need (its *cache*)
#     backward(dy) takes dy = dL/dy, returns dx = dL/dx and adds dL/dW into W.grad
#
# and a network's backward calls its layers' backwards in reverse order. Every backward in the
# library is written by hand, so every one is checked against central differences:
#
#     dL/dx_i  ~  (L(x + h e_i) - L(x - h e_i)) / 2h,      L = sum(forward(x) * dy)
#
# in float64 with a *random* upstream gradient dy (all ones would hide a transposed gradient).
# This tutorial writes a Linear layer, checks it, shows the check catching a wrong backward, then
# trains a small MLP with the plain loop every training in tinyspike runs: forward, loss, backward,
# optimizer step. Set TINYSPIKE_FAST=1 for a quick run.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.layers import GELU, LayerNorm, Linear, Residual, Sequential, cross_entropy_backward, cross_entropy_forward
from tinyspike.layers.base import Layer, Parameter
from tinyspike.testing import GradcheckError, check_layer
from tinyspike.training import AdamW

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")
rng = np.random.default_rng(0)

# %% [markdown]
# ## A layer: y = x W^T + b
# For x of shape (N, d_in) and W of shape (d_out, d_in), with y_nj = sum_i x_ni W_ji + b_j:
#
#     dx = dy W          (dL/dx_ni = sum_j dy_nj W_ji)
#     dW = dy^T x        (dL/dW_ji = sum_n dy_nj x_ni)
#     db = sum_n dy_n
#
# The forward stores x (the only thing the backward needs); the backward *adds* into `W.grad`, so a
# weight used twice (tied embeddings) gets the sum of both gradients.

# %%
class MyLinear(Layer):
    """y = x W^T + b, x: (N, d_in)."""

    def __init__(self, d_in, d_out, rng, transposed_dW=False):
        self.W = Parameter(rng.standard_normal((d_out, d_in)) / np.sqrt(d_in))
        self.b = Parameter(np.zeros(d_out))
        self.transposed_dW = transposed_dW               # a deliberate mistake, to see the check catch it

    def forward(self, x):
        self._save(x)                                   # the cache: exactly what backward reads
        return x @ self.W.value.T + self.b.value

    def backward(self, dy):
        x = self._pop()
        self.W.grad += (x.T @ dy) if self.transposed_dW else (dy.T @ x)
        self.b.grad += dy.sum(0)
        return dy @ self.W.value


layer = MyLinear(5, 3, rng)
x = rng.standard_normal((4, 5))
report = check_layer(layer, x, seed=0)
print("worst error / tolerance per tensor:", {k: round(v, 4) for k, v in report.items()})

# %% [markdown]
# The report is, for each tensor, the worst |analytic - numeric| / (atol + rtol |numeric|): below 1
# passes. A backward with a mistake fails loudly, naming the tensor and the entry. The classic one:
# dW = x^T dy instead of dy^T x. For a square W the shapes still match, so only the values can tell.

# %%
try:
    check_layer(MyLinear(5, 5, rng, transposed_dW=True), x, seed=0)
    caught = None
except GradcheckError as err:
    caught = str(err)
print("the check caught it:", caught.splitlines()[0] if caught else None)

# %% [markdown]
# ## A network: layers in a row, backwards in reverse
# `Sequential` calls its layers' forwards in order and their backwards in reverse; `Residual(f)`
# computes x + f(x), so its backward is dy + f.backward(dy). The task: 8 signed inputs, the label is
# whether an odd number of the first three are positive — a 3-bit parity, which no linear model can
# learn, plus 5 distractor inputs.

# %%
def parity_data(n, rng):
    x = rng.standard_normal((n, 8))
    return x, ((x[:, :3] > 0).sum(1) % 2).astype(np.int64)


def mlp(d, rng):
    def block():
        return Residual(Sequential(LayerNorm(d, dtype=np.float64), Linear(d, 4 * d, rng=rng, dtype=np.float64),
                                   GELU(), Linear(4 * d, d, rng=rng, dtype=np.float64)))
    return Sequential(Linear(8, d, rng=rng, dtype=np.float64), block(), block(), LayerNorm(d, dtype=np.float64),
                      Linear(d, 2, rng=rng, dtype=np.float64))


net = mlp(16, rng)
report = check_layer(net, rng.standard_normal((3, 8)), seed=1, max_entries=8)
print(f"the whole network passes the same check: {len(report)} tensors, worst ratio {max(report.values()):.3f}")

# %% [markdown]
# ## Training by hand
# One step is four lines: forward, loss, backward (the loss's backward gives dL/dlogits, the network's
# backward fills every `.grad`), and the optimizer's update (AdamW, `tinyspike/training/adamw.py`).
# `zero_grad` comes first because backwards *add* into `.grad`.

# %%
steps = 300 if FAST else 1500
x_train, y_train = parity_data(4096, rng)
x_test, y_test = parity_data(1024, rng)
net = mlp(32, rng)
opt = AdamW(net.parameters(), lr=3e-3, weight_decay=0.01)
losses = []
for step in range(steps):
    idx = rng.integers(0, len(x_train), 64)
    loss, cache = cross_entropy_forward(net.forward(x_train[idx]), y_train[idx])
    opt.zero_grad()
    net.backward(cross_entropy_backward(cache))
    opt.step()
    losses.append(loss)

accuracy = float((net.forward(x_test).argmax(1) == y_test).mean())
print(f"after {steps} steps: loss {np.mean(losses[-20:]):.3f}, test accuracy {accuracy:.3f} (chance 0.5)")

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(losses, lw=0.6, alpha=0.5, label="loss per step")
ax.plot(np.convolve(losses, np.ones(20) / 20, mode="valid"), label="mean of 20")
ax.axhline(np.log(2), color="k", ls="--", lw=0.8, label="chance: log 2")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy")
ax.set_title(f"3-bit parity, MLP trained by hand: test accuracy {accuracy:.2f}")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t00_training_loss.png"), dpi=100)

# %% [markdown]
# Every other layer, neuron and transform in tinyspike follows the same pattern, and every one has
# a test calling `check_layer` or `check_gradients`. The spiking neurons add one twist (the step
# function has no derivative; tutorial 1), and the whole model is checked in a smooth *surrogate
# mode* (`tinyspike/testing/surrogate_mode.py`).

# %%
assert max(check_layer(MyLinear(5, 3, rng), x, seed=2).values()) < 1.0
assert caught is not None and "W" in caught
assert max(report.values()) < 1.0
assert np.mean(losses[-20:]) < np.mean(losses[:20])
assert accuracy > 0.75
