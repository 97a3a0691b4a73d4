# %% [markdown]
# # Tutorial 6 — training a SmoothSpike model end to end, then fusing it for inference
#
# This tutorial trains two small spiking language models on a task that needs word order and
# negation (`toy-negation` of the generated toy-GLUE suite): the Spikingformer baseline and its
# SmoothSpike version (H1, H2, H3 learnable: Newton–Schulz projections of parameters initialised with
# randomized Hadamard matrices). Then it **fuses** the trained SmoothSpike model: every transform is
# folded into the weights around it (`tinyspike.models.fusion.fuse`, docs/fusion.md), and the fused
# model predicts exactly what the trained one predicts, at the baseline's cost.
#
# Everything here is what `tinyspike demo` and `tinyspike finetune`/`fuse` do, step by step:
# tokenizer -> encoded batches -> the training loop -> dev metrics -> fusion -> checks.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from tinyspike.analysis import block_parameters, energy_report
from tinyspike.data.tokenizer import train_wordpiece
from tinyspike.data.toy import TOY_METRICS, make_toy_task
from tinyspike.models.config import ModelConfig
from tinyspike.models.fusion import fuse
from tinyspike.models.spiking_lm import SequenceClassifier
from tinyspike.training.finetune import classification_step, encode_split, evaluate, predict
from tinyspike.training.loop import LoopConfig, train_loop

FAST = os.environ.get("TINYSPIKE_FAST") == "1"
OUT = os.environ.get("TINYSPIKE_OUT", ".")

# %% [markdown]
# ## Data and tokenizer
#
# `make_toy_task` generates the task deterministically from a seed (no files, no network). The
# tokenizer is a lower-cased WordPiece trained on the training sentences.

# %%
TASK = "toy-negation"
n_train, epochs = (600, 2) if FAST else (2000, 4)
train = make_toy_task(TASK, "train", n_train, seed=0)
dev = make_toy_task(TASK, "dev", 300, seed=0)
print(train.text_a[0], "->", train.labels[0])
tok = train_wordpiece(train.text_a, vocab_size=256)
(train_x, _), (dev_x, _) = encode_split(tok, train, 32), encode_split(tok, dev, 32)
print("encoded:", train_x[0].shape, "ids, type ids and padding mask")

# %% [markdown]
# ## Two models from one config
#
# The switches `h1`, `h2`, `h3` are `off`, `fixed` or `learnable`; everything else is shared.

# %%
base = dict(vocab_size=tok.get_vocab_size(), d_model=32 if FAST else 64, n_layers=2, n_heads=2,
            d_ff=128 if FAST else 256, max_len=32, T=4, seed=0)
configs = {"spikingformer": ModelConfig(**base),
           "smoothspike": ModelConfig(**base, h1="learnable", h2="learnable", h3="learnable")}

models, curves, scores, seconds = {}, {}, {}, {}
for name, cfg in configs.items():
    model = SequenceClassifier(cfg, num_labels=2)
    losses = []
    t0 = time.perf_counter()
    train_loop(model, classification_step(model, train_x, train.labels), len(train.labels),
               LoopConfig(epochs=epochs, batch=32, lr=2e-3, seed=0), progress=False,
               on_step=lambda step, loss: losses.append(loss))
    seconds[name] = time.perf_counter() - t0
    models[name], curves[name] = model, losses
    scores[name] = evaluate(model, dev_x, dev.labels, TOY_METRICS[TASK])
    print(f"{name:14s} dev {scores[name]}  ({seconds[name]:.1f} s)")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, losses in curves.items():
    smooth = np.convolve(losses, np.ones(10) / 10, mode="valid")
    ax.plot(smooth, label=name)
ax.set_xlabel("step")
ax.set_ylabel("training loss (10-step mean)")
ax.set_title(f"{TASK}: training curves")
ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t06_training_curves.png"), dpi=120)

# %% [markdown]
# ## Fusing the trained SmoothSpike model
#
# Each transform R sits next to a Linear layer with no nonlinearity in between, so
# `((x R_in^T) W^T + b) R_out = x (R_out^T W R_in)^T + b R_out`. The blocks of a tinyspike model
# already compute with these effective weights at every step (docs/models.md), so `fuse` only has
# to store them: no transform is left inside the blocks, and the fused blocks are bit-identical to
# the trained ones. The rotation after the embedding LayerNorm stays (LayerNorm does not commute
# with R1); the final R1^T is folded into the head only if R1 is still orthogonal up to scale,
# which training usually breaks (docs/fusion.md).

# %%
smooth = models["smoothspike"]
fused = fuse(smooth)
logits = predict(smooth, *dev_x)
logits_fused = predict(fused, *dev_x)
same_predictions = np.mean(logits.argmax(1) == logits_fused.argmax(1))
print(f"largest |logit difference| {np.abs(logits - logits_fused).max():.2e}; "
      f"same prediction on {same_predictions:.1%} of the dev set")
print("final rotation folded into the head:", fused.encoder.r_final is None)

params = {name: block_parameters(m) for name, m in [("spikingformer", models["spikingformer"]),
                                                     ("smoothspike", smooth), ("fused", fused)]}
print("parameters inside the blocks:", params)

# %% [markdown]
# ## What fusion buys: energy at the baseline's cost
#
# Unfused, the rotated products read real values (multiply-accumulates at 4.6 pJ); fused, every
# block product reads spikes again (accumulates at 0.9 pJ, only where a neuron fired).

# %%
inputs = tuple(a[:64] for a in dev_x)
energy = {name: energy_report(m, inputs, fused=False).total_mj for name, m in    # each model as it is
          [("spikingformer", models["spikingformer"]), ("smoothspike", smooth), ("fused", fused)]}
for name, mj in energy.items():
    print(f"{name:14s} {mj:.4f} mJ per sequence")

fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(energy), list(energy.values()), color=["tab:gray", "tab:orange", "tab:green"])
ax.set_ylabel("mJ per sequence")
ax.set_title("energy estimate, Table 1 convention")
fig.tight_layout()
fig.savefig(os.path.join(OUT, "t06_energy.png"), dpi=120)

# %% [markdown]
# ## What this showed
#
# Both models learn the task (in the full mode; the fast mode is a smoke run); the fused SmoothSpike model makes the same predictions as the trained
# one, with the baseline's parameter count inside the blocks and a lower energy estimate than the
# unfused model.

# %%
assert all(np.isfinite(c).all() for c in curves.values())
assert all(np.mean(c[-10:]) < np.mean(c[:10]) for c in curves.values()), "training lowers the loss"
if not FAST:                      # the fast mode (the test suite's) trains too briefly to learn the task
    assert min(s["accuracy"] for s in scores.values()) > 0.9, scores
assert same_predictions == 1.0
assert params["fused"] == params["spikingformer"] < params["smoothspike"]
assert energy["fused"] < energy["smoothspike"]
