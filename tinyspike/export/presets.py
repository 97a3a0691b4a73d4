"""Model sizes and variants shared by the export's command-line scripts (``--preset``, ``--variant``, ``--T``).

``base`` is SmoothSpike's official size (12 x 768, 12 heads, d_ff 3072, BERT's vocabulary).
"""
from __future__ import annotations

import argparse

from ..models.config import ModelConfig
from ..models.variants import EXPORT, select

PRESETS = {
    "tiny": dict(vocab_size=2000, d_model=64, n_layers=2, n_heads=2, d_ff=256, max_len=128),
    "small": dict(vocab_size=8192, d_model=256, n_layers=4, n_heads=4, d_ff=1024, max_len=128),
    "base": dict(vocab_size=30522, d_model=768, n_layers=12, n_heads=12, d_ff=3072, max_len=128),
}
VARIANTS = select(EXPORT)          # tinyspike/models/variants.py


def add_model_args(p: argparse.ArgumentParser, preset: str = "tiny") -> None:
    p.add_argument("--preset", choices=list(PRESETS), default=preset)
    p.add_argument("--variant", choices=list(VARIANTS), default="smoothspike")
    p.add_argument("--T", type=int, default=4, help="time steps")


def model_config(args: argparse.Namespace) -> ModelConfig:
    return ModelConfig(**PRESETS[args.preset], **VARIANTS[args.variant], T=args.T)
