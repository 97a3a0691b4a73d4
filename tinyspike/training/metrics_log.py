"""Training metrics as JSON lines (one record per line, appended as training goes), and their curves
as PNG figures drawn with matplotlib's file-only ``Agg`` backend.

A record is a flat dict with a ``step``; training records carry ``loss`` and ``lr``, evaluation
records carry ``split`` and the task's metrics. On ``--resume`` the log is cut back to the
checkpoint's step ``S``: the training records of steps ``< S`` stay, and so does a dev record at ``S``
itself (an epoch that ended exactly at the checkpoint was evaluated before the checkpoint was written,
and the resumed run does not evaluate it again), so a resumed run's log reads exactly like an
uninterrupted one.
"""
from __future__ import annotations

import json
import math
import pathlib


class MetricsLog:
    """Appends JSON records to ``path`` (created with its folder), flushing each line."""

    def __init__(self, path: str | pathlib.Path):
        self.path = pathlib.Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def truncate_after(self, step: int) -> None:
        """Keep the records a checkpoint at ``step`` covers: steps < ``step``, and the dev records at ``step``."""
        kept = [r for r in read_metrics(self.path)
                if r.get("step", 0) < step or (r.get("step") == step and "split" in r)]
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
        tmp.replace(self.path)


def read_metrics(path: str | pathlib.Path) -> list[dict]:
    """Every record of a JSON-lines log (an absent file is an empty log)."""
    path = pathlib.Path(path)
    if not path.is_file():
        return []
    records = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{lineno}: not a JSON record ({err})") from None
    return records


def plot_curves(records: list[dict], path: str | pathlib.Path, title: str = "") -> pathlib.Path:
    """One PNG: the training loss against the step (left) and every evaluation metric (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [r for r in records if "loss" in r and math.isfinite(r["loss"])]
    evals = [r for r in records if r.get("split")]
    fig, (ax_loss, ax_metric) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax_loss.plot([r["step"] for r in train], [r["loss"] for r in train], lw=1)
    ax_loss.set(xlabel="step", ylabel="training loss", title="loss")
    names = sorted({k for r in evals for k in r if k not in ("step", "split", "epoch")})
    for name in names:
        pts = [(r["step"], r[name]) for r in evals if name in r]
        ax_metric.plot(*zip(*pts), marker="o", label=f"{evals[0]['split']} {name}")
    ax_metric.set(xlabel="step", title="evaluation")
    if names:
        ax_metric.legend()
    fig.suptitle(title)
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
