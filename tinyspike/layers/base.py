"""Parameters and the Layer protocol: forward stores an explicit cache, backward consumes it."""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np


class Parameter:
    """A trainable array and its gradient. ``decay=False`` puts it in AdamW's no-decay group."""

    __slots__ = ("value", "grad", "decay")

    def __init__(self, value: np.ndarray, decay: bool = True):
        self.value = value
        self.grad = np.zeros_like(value)
        self.decay = decay

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def zero_grad(self) -> None:
        self.grad[...] = 0

    def __repr__(self) -> str:
        return f"Parameter(shape={self.value.shape}, dtype={self.value.dtype}, decay={self.decay})"


class Layer:
    """Base class: ``forward`` returns the output and saves what ``backward`` needs with ``_save``.

    ``backward(dout)`` pops that cache, accumulates parameter gradients into ``Parameter.grad``
    (so shared parameters, e.g. tied embeddings, sum their gradients) and returns the input gradient.
    """

    training: bool = True
    _cache: Any = None

    # ---- cache bookkeeping -------------------------------------------------------------------
    def _save(self, cache: Any) -> None:
        self._cache = cache

    def _pop(self) -> Any:
        cache = self._cache
        if cache is None:
            raise RuntimeError(
                f"{self._label()}: backward() called without a matching forward(): either forward "
                "was never run, or backward was already called once for the last forward. "
                "Run forward again before each backward."
            )
        self._cache = None
        return cache

    def _label(self) -> str:
        return type(self).__name__

    # ---- input validation --------------------------------------------------------------------
    def _check_last_dim(self, x: np.ndarray, expected: int, what: str = "input") -> None:
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{self._label()}: {what} must be a numpy array, got {type(x).__name__}")
        if x.ndim == 0 or x.shape[-1] != expected:
            raise ValueError(
                f"{self._label()}: {what} must have last dimension {expected} (shape (..., {expected})), "
                f"got shape {x.shape}"
            )

    def _check_dtype(self, x: np.ndarray, dtype: np.dtype, what: str = "input") -> None:
        if x.dtype != dtype:
            raise TypeError(
                f"{self._label()}: {what} has dtype {x.dtype} but the layer's parameters are {dtype}; "
                f"cast with x.astype(np.{np.dtype(dtype).name}) or build the layer with dtype={x.dtype}"
            )

    # ---- traversal ---------------------------------------------------------------------------
    def children(self) -> Iterator[tuple[str, "Layer"]]:
        for name, value in vars(self).items():
            if isinstance(value, Layer):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Layer):
                        yield f"{name}.{i}", item

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter once, in a stable order, named by its attribute path (``blocks.0.fc1.W``)."""
        seen: set[int] = set()
        for name, p in self._named_parameters_all(prefix):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def _named_parameters_all(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.children():
            yield from child._named_parameters_all(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> "Layer":
        self.training = mode
        for _, child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Layer":
        return self.train(False)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)
