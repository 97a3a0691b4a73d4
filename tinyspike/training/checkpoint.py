"""Checkpoints in safetensors (never pickle), written atomically, verified on load.

One file holds the weights (``param/<name>``), the optimizer moments (``optim/<key>``) and, in the
header's metadata, the config, the RNG states and a SHA-256 over every tensor's bytes *and* the
metadata itself (so an edited ``"T": 2`` is refused like a flipped weight byte). A save refuses a
non-finite tensor, writes ``<path>.tmp`` in the same folder, flushes it to disk and renames it over
``<path>``: an interrupted save leaves the previous checkpoint untouched.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import sys

import numpy as np

from ..layers.base import Layer

FORMAT = "tinyspike-checkpoint-2"
FORMAT_1 = "tinyspike-checkpoint-1"    # older: the checksum covered the tensors only; still read, with a note
META_FIELDS = ("config", "rng_states", "extra")


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, corrupt, truncated, or does not fit the model."""


@dataclasses.dataclass
class Checkpoint:
    params: dict[str, np.ndarray]
    optimizer: dict[str, np.ndarray]
    config: dict
    rng_states: dict
    extra: dict


def _digest(tensors: dict[str, np.ndarray], meta: dict[str, str]) -> str:
    """SHA-256 over every tensor's name, dtype, shape and bytes, then every metadata field but itself."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = np.ascontiguousarray(tensors[name])
        h.update(f"{name}|{t.dtype.str}|{t.shape}".encode())
        h.update(t.tobytes())
    for key in sorted(k for k in meta if k != "sha256"):
        h.update(f"{key}={meta[key]}".encode())
    return h.hexdigest()


def _digest_format_1(tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        h.update(name.encode())
        h.update(np.ascontiguousarray(tensors[name]).tobytes())
    return h.hexdigest()


def non_finite_tensors(tensors: dict[str, np.ndarray]) -> list[str]:
    """Names of the floating-point tensors holding a NaN or an infinity."""
    return [k for k, v in tensors.items() if np.asarray(v).dtype.kind == "f" and not np.isfinite(v).all()]


def save_checkpoint(path: str | pathlib.Path, params: dict[str, np.ndarray], optimizer: dict[str, np.ndarray],
                    config: dict, rng_states: dict | None = None, extra: dict | None = None) -> None:
    from safetensors.numpy import save_file

    path = pathlib.Path(path)
    tensors = {f"param/{k}": np.ascontiguousarray(v) for k, v in params.items()}
    tensors.update({f"optim/{k}": np.ascontiguousarray(np.asarray(v)) for k, v in optimizer.items()})
    bad = non_finite_tensors(tensors)
    if bad:
        raise CheckpointError(f"refusing to save {path}: {len(bad)} of {len(tensors)} tensors are not finite "
                              f"({', '.join(bad[:4])}{', ...' if len(bad) > 4 else ''}); the last checkpoint is kept")
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "config": json.dumps(config), "rng_states": json.dumps(rng_states or {}),
            "extra": json.dumps(extra or {})}
    meta["sha256"] = _digest(tensors, meta)
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: str | pathlib.Path) -> Checkpoint:
    """Read and verify a checkpoint: the format, the checksum, and that each metadata field is a JSON
    object; the messages name the file and the field."""
    from safetensors import safe_open

    path = pathlib.Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder without a checkpoint.safetensors (not a run folder?)")
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        tensors = {}
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            for key in f.keys():
                tensors[key] = f.get_tensor(key)
    except OSError as err:
        if err.filename is not None:
            raise
        raise CheckpointError(f"{path} is not a readable checkpoint: {err.strerror or err}") from None
    except Exception as err:
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated or corrupt?): "
                              f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    if meta.get("format") == FORMAT_1:
        if _digest_format_1(tensors) != meta.get("sha256"):
            raise CheckpointError(f"{path} is corrupt: its tensors do not match the checksum written with them")
        print(f"note: {path} has the older format {FORMAT_1!r}, whose checksum does not cover the metadata; its "
              "fields are still validated (a new save writes the current format)", file=sys.stderr)
    elif meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a tinyspike checkpoint (format {meta.get('format')!r}, expected "
                              f"{FORMAT!r})")
    elif _digest(tensors, meta) != meta.get("sha256"):
        raise CheckpointError(f"{path} is corrupt: its tensors or metadata do not match the checksum written with "
                              "them (was the file edited?)")
    fields = {}
    for key in META_FIELDS:
        try:
            fields[key] = json.loads(meta[key])
        except (KeyError, TypeError, json.JSONDecodeError) as err:
            raise CheckpointError(f"{path}: metadata field '{key}' is missing or not valid JSON ({err})") from None
        if not isinstance(fields[key], dict):
            raise CheckpointError(f"{path}: metadata field '{key}' must be a JSON object, got "
                                  f"{type(fields[key]).__name__}")
    return Checkpoint(params={k[6:]: v for k, v in tensors.items() if k.startswith("param/")},
                      optimizer={k[6:]: v for k, v in tensors.items() if k.startswith("optim/")},
                      config=fields["config"], rng_states=fields["rng_states"], extra=fields["extra"])


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
