"""Compare a hand-written backward with float64 central differences under a random upstream gradient.

The scalar under test is ``L = sum(forward() * dy)`` with ``dy`` drawn from a standard normal (never
all ones: ones would hide transposed or mis-broadcast gradients). Its exact gradient with respect to
each tensor is what ``backward(dy)`` must return; the reference is the central difference
``(L(x + h e_i) - L(x - h e_i)) / 2h`` for every entry ``i`` (or a random subset of entries, or random
directions, for big tensors).
"""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from ..layers.base import Layer


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with central differences."""


def numerical_gradient(loss: Callable[[], float], x: np.ndarray, eps: float = 1e-6,
                       entries: np.ndarray | None = None) -> np.ndarray:
    """Central differences of ``loss()`` w.r.t. the float64 array ``x``, perturbed in place.

    ``entries`` (flat indices) restricts the probe; other entries of the result are NaN.
    """
    if x.dtype != np.float64:
        raise TypeError(f"numerical_gradient needs a float64 array, got {x.dtype}")
    flat = x.reshape(-1)  # a view: writes perturb x
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array it can perturb in place")
    grad = np.full(x.size, np.nan)
    for i in (range(x.size) if entries is None else entries):
        old = flat[i]
        flat[i] = old + eps
        plus = loss()
        flat[i] = old - eps
        minus = loss()
        flat[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(x.shape)


def check_gradients(forward: Callable[[], np.ndarray],
                    backward: Callable[[np.ndarray], Mapping[str, np.ndarray]],
                    tensors: Mapping[str, np.ndarray], *, seed: int = 0, eps: float = 1e-6,
                    rtol: float = 1e-5, atol: float = 1e-7, max_entries: int = 64,
                    directions: int = 0) -> dict[str, float]:
    """Check ``backward`` against central differences of ``forward`` for every named tensor.

    forward:   a closure computing the output from the arrays in ``tensors`` (read at call time).
    backward:  takes ``dy`` and returns ``{name: gradient}`` for the names in ``tensors``;
               it is called once, right after one forward.
    tensors:   float64 arrays the checker perturbs in place (inputs and parameter values).
    max_entries: tensors with more entries are probed at that many random entries.
    directions:  if > 0, also check that many random directional derivatives per tensor
               (``<g, v>`` against ``(L(x + h v) - L(x - h v)) / 2h``), which covers every entry.

    Returns the worst error ratio per tensor (|analytic - numeric| / (atol + rtol |numeric|));
    raises ``GradcheckError`` naming the tensor, the worst entry and both values when any exceeds 1.
    """
    for name, t in tensors.items():
        if t.dtype != np.float64:
            raise TypeError(f"check_gradients: tensor '{name}' is {t.dtype}; gradient checks run in "
                            "float64 (build the layer with dtype=np.float64)")
    rng = np.random.default_rng(seed)
    y = np.asarray(forward())
    dy = rng.standard_normal(y.shape)
    grads = backward(dy)

    def loss() -> float:
        return float(np.sum(np.asarray(forward(), dtype=np.float64) * dy))

    report: dict[str, float] = {}
    for name, t in tensors.items():
        if name not in grads:
            raise GradcheckError(f"backward returned no gradient for '{name}' (got {sorted(grads)})")
        g = np.asarray(grads[name], dtype=np.float64)
        if g.shape != t.shape:
            raise GradcheckError(f"gradient of '{name}' has shape {g.shape}, tensor has {t.shape}")
        entries = None if t.size <= max_entries else rng.choice(t.size, max_entries, replace=False)
        num = numerical_gradient(loss, t, eps, entries)
        probed = np.isfinite(num)
        err = np.abs(g - num) / (atol + rtol * np.abs(num))
        err[~probed] = 0.0
        worst = float(err.max()) if err.size else 0.0
        if worst > 1.0:
            i = np.unravel_index(int(err.argmax()), t.shape)
            raise GradcheckError(f"gradient of '{name}' wrong at index {i}: backward gives {g[i]:.10g}, "
                                 f"central differences give {num[i]:.10g} (rtol={rtol}, atol={atol})")
        for _ in range(directions):
            v = rng.standard_normal(t.shape)
            base = t.copy()
            np.copyto(t, base + eps * v)
            plus = loss()
            np.copyto(t, base - eps * v)
            minus = loss()
            np.copyto(t, base)
            num_d = (plus - minus) / (2 * eps)
            ana_d = float(np.sum(g * v))
            ratio = abs(ana_d - num_d) / (atol * np.sqrt(t.size) + rtol * abs(num_d))
            if ratio > 1.0:
                raise GradcheckError(f"directional derivative of '{name}' wrong: backward gives "
                                     f"{ana_d:.10g}, central differences give {num_d:.10g}")
            worst = max(worst, ratio)
        report[name] = worst
    return report


def check_layer(layer: Layer, *inputs: np.ndarray, seed: int = 0, before_forward: Callable[[], None] | None = None,
                input_names: tuple[str, ...] | None = None, **kwargs) -> dict[str, float]:
    """``check_gradients`` for a ``Layer`` whose ``backward(dy)`` returns the input gradient(s).

    Every float input and every parameter is checked. Integer inputs (token ids) are passed through.
    ``before_forward`` runs before each forward (e.g. to re-seed a Dropout so its mask is fixed).
    """
    names = input_names or tuple(f"x{i}" for i in range(len(inputs)))
    float_inputs = {n: x for n, x in zip(names, inputs) if np.issubdtype(x.dtype, np.floating)}
    params = dict(layer.named_parameters())
    overlap = set(float_inputs) & set(params)
    if overlap:
        raise ValueError(f"input names collide with parameter names: {sorted(overlap)}")

    def forward() -> np.ndarray:
        if before_forward is not None:
            before_forward()
        return layer.forward(*inputs)

    def backward(dy: np.ndarray) -> dict[str, np.ndarray]:
        layer.zero_grad()
        dx = layer.backward(dy)
        if not isinstance(dx, tuple):
            dx = (dx,)
        out = {n: p.grad.copy() for n, p in params.items()}
        float_names = [n for n in names if n in float_inputs]
        for n, g in zip(float_names, [g for g in dx if g is not None]):
            out[n] = g
        return out

    tensors = {**float_inputs, **{n: p.value for n, p in params.items()}}
    return check_gradients(forward, backward, tensors, seed=seed, **kwargs)
