"""The seeded saturation study's units: three models at T = 1, 2, 4, nine seeds each, in two regimes.

Every saturation number carries every source of its randomness: for the models with transforms
(fixed H1; SmoothSpike with learnable H1 + H2 + H3) 3 pretraining seeds (weights, example order, masks)
x 3 sign seeds (the randomized Hadamard matrices' signs); the baseline draws no signs, so it gets 9
pretraining seeds. Each of the 9 runs is pretrained and measured on its own; the page reports the mean
over them with a 95% confidence interval.

The two regimes (``REGIMES``):

* ``default``: the cpu preset's model as built (the MLP hidden site alive, ``w1_init_rate``);
* ``outlier``: the same model whose embedding LayerNorm has a few large-gain channels, so that the
  residual stream carries outlier channels from the start, as long-trained language models do
  (the case Tutorial 2 builds by hand). The rotation-prediction theory (``analysis/prediction.py``)
  says a rotation lowers saturation where a few channels dominate a token and not where the channels
  are alike.

The Table 2 ablation on GLUE fine-tunes pretraining seed 0 (sign seed 0) of the default regime at T = 4.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .plan import TABLE2, Preset, Unit, has_signs

MODELS = ("baseline", "fixed-h1", "smoothspike")
TIME_STEPS = (1, 2, 4)
PRETRAIN_SEEDS = (0, 1, 2)
SIGN_SEEDS = (0, 1, 2)
BASELINE_SEEDS = tuple(range(9))          # no signs to draw: nine pretraining seeds


@dataclasses.dataclass(frozen=True)
class Regime:
    outlier_channels: int = 0             # channels of the embedding LayerNorm given gain ``outlier_gain``
    outlier_gain: float = 1.0

    def apply(self, model, seed: int) -> list[int]:
        """Set the gains of ``outlier_channels`` channels (a draw from ``seed``) of the embedding LayerNorm."""
        if not self.outlier_channels:
            return []
        gamma = model.encoder.embeddings.norm.gamma.value
        channels = sorted(np.random.default_rng([seed, 17]).choice(gamma.size, self.outlier_channels, replace=False))
        gamma[channels] = self.outlier_gain
        return [int(c) for c in channels]


# Tutorial 2's outliers (3 of 64 channels at gain 12), at the cpu preset's width
REGIMES = {"default": Regime(), "outlier": Regime(outlier_channels=6, outlier_gain=12.0)}


def config_at(model: str, T: int) -> str:
    """The configuration name of ``model`` at T time steps (plan.CONFIGS)."""
    return model if T == 4 else f"{model}-T{T}"


def seeds_of(config: str) -> list[tuple[int, int | None]]:
    """(pretraining seed, sign seed) pairs of a configuration: 3 x 3, or 9 x none for the baseline."""
    if has_signs(config):
        return [(p, s) for p in PRETRAIN_SEEDS for s in SIGN_SEEDS]
    return [(p, None) for p in BASELINE_SEEDS]


def study_units(preset: Preset) -> list[Unit]:
    """Tokenizer; the pretrainings the GLUE ablation needs; every (regime, model, T, seeds) pretrain + measure;
    the GLUE fine-tunings last."""
    out = [Unit("tokenizer")]
    glue = [Unit("finetune", c, task, seed, regime="default") for c in TABLE2 for task in preset.tasks
            for seed in preset.seeds]
    for c in TABLE2:
        out.append(Unit("finetune", c, regime="default").pretrained)
    for c in TABLE2:
        if c not in MODELS:                   # the GLUE rows' energy; the study measures the others itself
            out.append(dataclasses.replace(Unit("finetune", c, regime="default").pretrained, kind="measure"))
    for regime in REGIMES:
        for T in sorted(TIME_STEPS, reverse=True):
            for model in MODELS:
                config = config_at(model, T)
                for seed, sign in seeds_of(config):
                    pre = Unit("pretrain", config, seed=seed, regime=regime, sign=sign)
                    if pre not in out:
                        out.append(pre)
                    out.append(dataclasses.replace(pre, kind="measure"))
    return out + glue
