"""Export to PyTorch (optional extra ``tinyspike[torch]``; tinyspike itself never imports torch).

``to_torch(model)`` builds an equivalent ``torch.nn.Module`` from a ``MaskedLM`` or
``SequenceClassifier`` (its config and its weights), ``from_torch(module, model)`` copies the
trained weights back; ``ddp_train`` trains the exported model with DistributedDataParallel. torch is
imported only when one of these names is first used (``docs/scaling.md``). The tools that measure
the export (FLOP and byte counts, bf16 spike changes, the timed PyTorch peer step) are benchmarks,
in ``benchmarks/torch_tools/``.
"""
from __future__ import annotations

import importlib

_EXPORTS = {"to_torch": "torch_weights", "from_torch": "torch_weights"}
INSTALL_HINT = "pip install 'tinyspike[torch]'  (torch==2.13.0; the CPU wheel is enough for the parity tests)"


def require_torch():
    """Import and return torch, or raise an ImportError that names the optional extra."""
    try:
        import torch
    except ImportError as err:
        raise ImportError(f"tinyspike.export needs PyTorch, an optional extra: {INSTALL_HINT}") from err
    return torch


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tinyspike.export' has no attribute {name!r}")
    require_torch()
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


__all__ = ["to_torch", "from_torch", "require_torch"]
