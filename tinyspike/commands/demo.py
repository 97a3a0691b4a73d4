"""``tinyspike demo``: the main job (for now: the engine end to end on a generated toy task)."""
from __future__ import annotations

from ..cli import command
from ..examples.mlp_toy import train_mlp_toy


def _configure(p):
    p.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    p.add_argument("--seed", type=int, default=0, help="seed for data, init and dropout (default 0)")


@command("demo", "train a small network end to end on a generated toy task and report its accuracy", _configure)
def run(args) -> int:
    result = train_mlp_toy(steps=args.steps, seed=args.seed, log=print)
    print(f"demo: toy-parity test accuracy {result['test_acc']:.3f} after {args.steps} steps "
          f"(chance 0.5), final loss {result['final_loss']:.4f}")
    return 0
