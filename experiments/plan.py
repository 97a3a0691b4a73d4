"""What the experiments run: model configurations, presets, and the units of work with their order.

A unit is the smallest piece that writes one result file: the shared tokenizer, one MLM pretraining
per model configuration (shared by every fine-tuning seed), the measurements of that pretrained
model (saturation per layer and site beside each transform's orthogonality error, variance of the
saturated neurons' inputs, MLM perplexity, energy), and one fine-tuning per (configuration, task,
seed). ``units(plan)`` lists them so that every unit comes after the units it needs.
"""
from __future__ import annotations

import dataclasses
import fnmatch

from tinyspike.models.variants import variant

# the model variants studied (tinyspike/models/variants.py): Table 2 rows first, then the other studies
STUDIED = ("spikingformer", "fixed-h1", "learnable-h1", "learnable-h12", "smoothspike", "spikelm",
           "spikelm-smoothspike", "smoothspike-ns-quintic+cubic", "spikingformer-T1", "spikingformer-T2",
           "smoothspike-T1", "smoothspike-T2")
SEEDED_STUDY_ONLY = ("fixed-h1-T1", "fixed-h1-T2")           # experiments/study_plan.py
# configuration name -> ModelConfig overrides; the experiments call the Spikingformer "baseline"
# (their unit ids and result files carry that name)
CONFIGS: dict[str, dict] = {name.replace("spikingformer", "baseline"): variant(name)
                            for name in STUDIED + SEEDED_STUDY_ONLY}
PLAN_CONFIGS = tuple(c for c in CONFIGS if c not in SEEDED_STUDY_ONLY)    # the smoke / cpu plans' models
TABLE2 = ("baseline", "fixed-h1", "learnable-h1", "learnable-h12", "smoothspike")
SPIKELM = ("spikelm", "spikelm-smoothspike")
NEWTON_SCHULZ = ("smoothspike", "smoothspike-ns-quintic+cubic")
T_STUDY = ("baseline-T1", "baseline-T2", "baseline", "smoothspike-T1", "smoothspike-T2", "smoothspike")
FINETUNED = TABLE2 + SPIKELM + NEWTON_SCHULZ[1:]       # the T study only pretrains and measures
GLUE5 = ("cola", "sst2", "mrpc", "stsb", "rte")


@dataclasses.dataclass(frozen=True)
class Preset:
    """Sizes of one plan. ``*_limit``: a seeded sample of that many sentences/examples (None: all)."""
    d_model: int
    layers: int
    heads: int
    T: int
    max_len: int
    vocab_size: int
    pretrain_limit: int | None
    pretrain_epochs: int
    finetune_limit: int | None
    finetune_epochs: int
    batch: int
    lr: float
    seeds: tuple[int, ...]
    tasks: tuple[str, ...]
    measure_n: int                      # dev sentences fed to the saturation and energy measurements
    checkpoint_every: int
    study: bool = False                 # the seeded saturation study's units (experiments/study_plan.py)


PRESETS: dict[str, Preset] = {
    # seconds, end to end: a 1-layer d=16 model on a few hundred sentences (the test suite runs it)
    "smoke": Preset(d_model=16, layers=1, heads=2, T=2, max_len=24, vocab_size=128, pretrain_limit=300,
                    pretrain_epochs=1, finetune_limit=64, finetune_epochs=1, batch=16, lr=1e-3, seeds=(0, 1, 2),
                    tasks=GLUE5, measure_n=16, checkpoint_every=0),
    # the reduced real plan (docs/results.md gives its measured seconds per step and total time)
    "cpu": Preset(d_model=128, layers=2, heads=4, T=4, max_len=64, vocab_size=4096, pretrain_limit=16000,
                  pretrain_epochs=1, finetune_limit=2000, finetune_epochs=2, batch=32, lr=1e-3, seeds=(0, 1, 2),
                  tasks=GLUE5, measure_n=128, checkpoint_every=25),
    # the part of ``cpu`` that fits in under an hour of a 2-core machine shared with a dozen other processes:
    # the same model, 50 pretraining steps, up to 250 fine-tuning steps (run with --only on a few
    # configurations and SST-2; docs/results.md)
    # the seeded saturation study (experiments/study_plan.py): the cpu preset's model, each pretrained for
    # about 100 steps, 9 pretraining x sign seeds per model and T in two regimes; the Table 2 ablation on GLUE
    # fine-tunes 2,000 examples once (docs/results.md lists every unit's time)
    "study": Preset(d_model=128, layers=2, heads=4, T=4, max_len=64, vocab_size=4096, pretrain_limit=3300,
                    pretrain_epochs=1, finetune_limit=2000, finetune_epochs=1, batch=32, lr=1e-3, seeds=(0, 1, 2),
                    tasks=GLUE5, measure_n=64, checkpoint_every=50, study=True),
    "cpu-slice": Preset(d_model=128, layers=2, heads=4, T=4, max_len=64, vocab_size=4096, pretrain_limit=1632,
                        pretrain_epochs=1, finetune_limit=8000, finetune_epochs=1, batch=32, lr=1e-3, seeds=(0, 1, 2),
                        tasks=GLUE5, measure_n=64, checkpoint_every=10),
}


@dataclasses.dataclass(frozen=True)
class Unit:
    """``seed``: the fine-tuning seed of a finetune unit, the pretraining seed (weights, example order, masks) of a
    study's pretrain and measure units. ``regime`` and ``sign`` (the transforms' sign draw): the study's only."""
    kind: str                           # "tokenizer" | "pretrain" | "measure" | "finetune"
    config: str | None = None
    task: str | None = None
    seed: int | None = None
    regime: str | None = None
    sign: int | None = None

    @property
    def id(self) -> str:
        parts = [self.kind, self.regime, self.config, self.task, None if self.seed is None else f"seed{self.seed}",
                 None if self.sign is None else f"sign{self.sign}"]
        return "/".join(p for p in parts if p is not None)

    @property
    def needs(self) -> tuple["Unit", ...]:
        if self.kind == "tokenizer":
            return ()
        if self.kind == "pretrain":
            return (Unit("tokenizer"),)
        return (self.pretrained,)

    @property
    def pretrained(self) -> "Unit":
        """The pretrain unit a measure or finetune unit reads: the study fine-tunes pretraining seed 0, sign 0."""
        if self.kind == "measure":
            return dataclasses.replace(self, kind="pretrain")
        if self.regime is None:
            return Unit("pretrain", self.config)
        return Unit("pretrain", self.config, seed=0, regime=self.regime, sign=0 if has_signs(self.config) else None)


def has_signs(config: str) -> bool:
    """Whether the configuration draws random signs (any transform on)."""
    return any(CONFIGS[config].get(h, "off") != "off" for h in ("h1", "h2", "h3"))


def model_overrides(preset: Preset, config: str) -> dict:
    """ModelConfig fields of ``config`` at the preset's size."""
    if config not in CONFIGS:
        raise ValueError(f"unknown model configuration {config!r}; known: {', '.join(CONFIGS)}")
    base = {"d_model": preset.d_model, "n_layers": preset.layers, "n_heads": preset.heads,
            "d_ff": 4 * preset.d_model, "max_len": preset.max_len, "T": preset.T}
    return {**base, **CONFIGS[config]}


def all_units(preset: Preset) -> list[Unit]:
    """Every unit of the full plan, each after the units it needs."""
    if preset.study:
        from .study_plan import study_units
        return study_units(preset)
    out = [Unit("tokenizer")]
    for config in PLAN_CONFIGS:
        out += [Unit("pretrain", config), Unit("measure", config)]
    for config in FINETUNED:
        out += [Unit("finetune", config, task, seed) for task in preset.tasks for seed in preset.seeds]
    return out


def select(preset: Preset, only: list[str] | None = None) -> list[Unit]:
    """The units whose id matches one of the ``only`` glob patterns (all when None), plus what they need,
    in plan order. An pattern that matches nothing is an error (a typo must not run nothing quietly)."""
    units = all_units(preset)
    if not only:
        return units
    chosen: set[Unit] = set()
    for pattern in only:
        hits = [u for u in units if fnmatch.fnmatchcase(u.id, pattern)]
        if not hits:
            raise ValueError(f"--only {pattern!r} matches no unit; unit ids look like 'pretrain/baseline', "
                             "'measure/smoothspike', 'finetune/baseline/sst2/seed0' (shell-style * and ?)")
        chosen.update(hits)
    todo = list(chosen)
    while todo:
        for need in todo.pop().needs:
            if need not in chosen:
                chosen.add(need)
                todo.append(need)
    return [u for u in units if u in chosen]
