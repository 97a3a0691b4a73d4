"""Checkpoints in safetensors (never pickle), written atomically, verified on load.

One file holds the weights (``param/<name>``), the optimizer moments (``optim/<key>``) and, in the
header's metadata, the config, the RNG states and a SHA-256 of every tensor's bytes. A save writes
``<path>.tmp`` in the same folder, flushes it to disk and renames it over ``<path>``: an interrupted
save leaves the previous checkpoint untouched.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib

import numpy as np

from ..layers.base import Layer

FORMAT = "tinyspike-checkpoint-1"


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, corrupt, truncated, or does not fit the model."""


@dataclasses.dataclass
class Checkpoint:
    params: dict[str, np.ndarray]
    optimizer: dict[str, np.ndarray]
    config: dict
    rng_states: dict
    extra: dict


def _digest(tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        h.update(name.encode())
        h.update(np.ascontiguousarray(tensors[name]).tobytes())
    return h.hexdigest()


def save_checkpoint(path: str | pathlib.Path, params: dict[str, np.ndarray], optimizer: dict[str, np.ndarray],
                    config: dict, rng_states: dict | None = None, extra: dict | None = None) -> None:
    from safetensors.numpy import save_file

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {f"param/{k}": np.ascontiguousarray(v) for k, v in params.items()}
    tensors.update({f"optim/{k}": np.ascontiguousarray(np.asarray(v)) for k, v in optimizer.items()})
    meta = {"format": FORMAT, "config": json.dumps(config), "rng_states": json.dumps(rng_states or {}),
            "extra": json.dumps(extra or {}), "sha256": _digest(tensors)}
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: str | pathlib.Path) -> Checkpoint:
    from safetensors import safe_open

    path = pathlib.Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        tensors = {}
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            for key in f.keys():
                tensors[key] = f.get_tensor(key)
    except Exception as err:
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated or corrupt?): {err}") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a tinyspike checkpoint (format {meta.get('format')!r})")
    if _digest(tensors) != meta.get("sha256"):
        raise CheckpointError(f"{path} is corrupt: its tensors do not match the checksum written with them")
    return Checkpoint(params={k[6:]: v for k, v in tensors.items() if k.startswith("param/")},
                      optimizer={k[6:]: v for k, v in tensors.items() if k.startswith("optim/")},
                      config=json.loads(meta["config"]), rng_states=json.loads(meta["rng_states"]),
                      extra=json.loads(meta["extra"]))


def load_parameters(model: Layer, params: dict[str, np.ndarray], source: str = "checkpoint") -> None:
    """Copy ``params`` into ``model`` in place; every name, shape and dtype must match."""
    own = dict(model.named_parameters())
    missing = sorted(set(own) - set(params))
    unexpected = sorted(set(params) - set(own))
    wrong = [f"{k}: model {own[k].shape} {own[k].value.dtype}, {source} {params[k].shape} {params[k].dtype}"
             for k in own if k in params and (own[k].shape != params[k].shape or own[k].value.dtype != params[k].dtype)]
    if missing or unexpected or wrong:
        raise CheckpointError(f"{source} does not fit the model: missing {missing[:5]}, unexpected "
                              f"{unexpected[:5]}, mismatched {wrong[:5]} (was it saved from another config?)")
    for k, p in own.items():
        np.copyto(p.value, params[k])
