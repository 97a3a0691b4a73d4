"""Freezing: a model whose parameters under some name prefixes are held fixed while the rest train.

``Frozen(model, ("encoder.embeddings.word",))`` runs ``model``'s forward and backward unchanged but
lists only the trainable parameters in ``named_parameters``, so AdamW, gradient clipping and the
checkpoint see only those; the frozen ones keep their values bit for bit (their gradients are
discarded after each backward). Freezing pretrained word vectors keeps the words absent from a small
training set where the pretrained model put them, next to the words that were trained.
"""
from __future__ import annotations

from ..layers.base import Layer


class Frozen(Layer):
    """theta_frozen fixed; only the other parameters appear in ``named_parameters`` (and so get updated)."""

    def __init__(self, model: Layer, prefixes: tuple[str, ...]):
        names = [name for name, _ in model.named_parameters()]
        unmatched = [p for p in prefixes if not any(_under(name, p) for name in names)]
        if unmatched:
            raise ValueError(f"Frozen: no parameter of {type(model).__name__} is named {unmatched} or lies under it; "
                             f"parameter names look like {names[:3]}")
        self.model = model
        self.prefixes = tuple(prefixes)
        self.config = getattr(model, "config", None)

    def is_frozen(self, name: str) -> bool:
        """Whether the parameter ``name`` (as the wrapped model names it) is held fixed."""
        return any(_under(name, p) for p in self.prefixes)

    def frozen_parameters(self):
        return [p for name, p in self.model.named_parameters() if self.is_frozen(name)]

    def named_parameters(self, prefix: str = ""):
        for name, p in self.model.named_parameters():
            if not self.is_frozen(name):
                yield prefix + name, p

    def children(self):
        return self.model.children()

    def forward(self, *args):
        return self.model.forward(*args)

    def backward(self, dout):
        dx = self.model.backward(dout)
        for p in self.frozen_parameters():
            p.zero_grad()
        return dx


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")
