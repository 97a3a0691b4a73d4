"""Multi-step leaky integrate-and-fire neuron: charge -> fire -> reset over time, with hand-written BPTT.

Input ``x`` is ``(T, ...)`` (time first). For every step t (``docs/neurons.md`` derives the backward):

    charge  decay_input (spikingjelly):  h_t = v_{t-1} + (x_t - (v_{t-1} - v_reset)) / tau
            leak:                        h_t = lam v_{t-1} + x_t
    fire    s_t = Heaviside(h_t - thr)       (spiking=False: s_t = surrogate.primitive(h_t - thr))
    reset   hard:  v_t = (1 - s_t) h_t + s_t v_reset
            soft:  v_t = h_t - s_t thr

``thr`` is a scalar or one value per channel (broadcast on the last axis). The membrane is passed in
(``v0``, zeros if omitted) and the final one is returned: nothing is hidden on a module.

Two implementations of the same loop: ``lif_forward_reference`` / ``lif_backward_reference`` (plain
NumPy, the specification, supports every option) and the numba kernels ``_lif_forward_kernel`` /
``_lif_backward_kernel`` (spiking mode only, parallel over neurons). ``tests/neurons`` checks they agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from .base import SpikingNeuron, heaviside_fire
from .surrogate import (ARCTAN, ONE, SIGMOID, Sigmoid, Surrogate, arctan_grad, rectangular_grad,
                        sigmoid_grad)

CHUNK = 65536  # neurons per parallel work item of the kernels (rounded up to whole channel rows)


@dataclass(frozen=True)
class LIFConfig:
    """Neuron constants. Defaults are spikingjelly's LIFNode (SmoothSpike adds detach_reset=True)."""
    tau: float = 2.0
    charge: str = "decay_input"       # "decay_input" or "leak"
    leak: float = 0.5                 # lam, used by charge="leak"
    v_reset: float = 0.0              # used by hard reset and by the decay_input charge
    reset: str = "hard"               # "hard" or "soft"
    detach_reset: bool = False        # treat the reset's s_t as a constant in backward
    surrogate: Surrogate = field(default_factory=Sigmoid)

    def __post_init__(self):
        if self.charge not in ("decay_input", "leak"):
            raise ValueError(f"LIFConfig: charge must be 'decay_input' or 'leak', got {self.charge!r}")
        if self.reset not in ("hard", "soft"):
            raise ValueError(f"LIFConfig: reset must be 'hard' or 'soft', got {self.reset!r}")
        if self.charge == "decay_input" and self.tau <= 0:
            raise ValueError(f"LIFConfig: tau must be positive, got {self.tau}")

    def charge_grads(self) -> tuple[float, float]:
        """(dh/dx, dh/dv): (1/tau, 1 - 1/tau) for decay_input, (1, lam) for leak."""
        if self.charge == "decay_input":
            return 1.0 / self.tau, 1.0 - 1.0 / self.tau
        return 1.0, self.leak


# ---- the three steps, written once: NumPy calls them on arrays, the kernels on scalars -----------
# Constants are ONE (exact in every float dtype) or arguments already in the input's dtype, so a float32
# input is computed in float32 throughout, by NumPy and by the kernels alike.
@register_jitable
def charge(v, x, decay_input, tau, leak, v_reset):
    """h = v + (x - (v - v_reset)) / tau  (decay_input)  or  h = lam v + x  (leak)."""
    if decay_input:
        return v + (x - (v - v_reset)) / tau
    return leak * v + x


@register_jitable
def reset(h, s, hard, thr, v_reset):
    """hard: v = (1 - s) h + s v_reset;  soft: v = h - s thr."""
    if hard:
        return (ONE - s) * h + s * v_reset
    return h - s * thr


@register_jitable
def reset_grad(h, s, sg, hard, detach, thr, v_reset):
    """dv/dh of the reset, with ds/dh = sg:  hard 1 - s - (h - v_reset) sg;  soft 1 - thr sg.

    With ``detach`` the reset's s is a constant: hard 1 - s, soft 1.
    """
    if hard:
        if detach:
            return ONE - s
        return ONE - s - (h - v_reset) * sg
    if detach:
        return ONE
    return ONE - thr * sg


class LIFCache(NamedTuple):
    """What backward needs: the input itself (kept by reference, as a Linear layer keeps its input: do not
    modify it in place before backward) and the initial membrane; backward recomputes the membrane h
    from them instead of storing it (``membrane``), which saves writing and reading one (T, ...) array."""
    x: np.ndarray                      # (T, ...) the input
    v0: np.ndarray | None              # (...) the initial membrane (a copy), None for zeros
    thr: np.ndarray | float
    reset_spikes: np.ndarray | None    # frozen reset spikes given to forward, else None
    spiking: bool


# ---- NumPy reference (the specification) ---------------------------------------------------------
def lif_forward_reference(x, v0, thr, cfg: LIFConfig, *, spiking=True, reset_spikes=None):
    """Explicit time loop. Returns (s (T, ...), v_T (...), cache).

    reset_spikes: optional (T, ...) values used in the reset instead of s_t (frozen: a constant), so
    finite differences of ``spiking=False`` can reproduce ``detach_reset=True``.
    """
    s, v, _ = _time_loop_reference(x, v0, thr, cfg, spiking, reset_spikes)
    return s, v, _make_cache(x, v0, thr, reset_spikes, spiking)


def _make_cache(x, v0, thr, reset_spikes, spiking):
    return LIFCache(x, None if v0 is None else np.array(v0, dtype=x.dtype), thr, reset_spikes, spiking)


def membrane(cache: LIFCache, cfg: LIFConfig) -> np.ndarray:
    """h (T, ...): the membrane after charge, before reset, of the forward that made ``cache`` (rerun)."""
    return _time_loop_reference(cache.x, cache.v0, cache.thr, cfg, cache.spiking, cache.reset_spikes)[2]


def _time_loop_reference(x, v0, thr, cfg, spiking, reset_spikes):
    """The loop itself: (s, v_T, h)."""
    decay_input, hard = cfg.charge == "decay_input", cfg.reset == "hard"
    dt = x.dtype.type
    thr = np.asarray(thr, x.dtype)                   # scalar or (C,), in the input's dtype
    tau, leak, v_reset = dt(cfg.tau), dt(cfg.leak), dt(cfg.v_reset)
    v = np.zeros(x.shape[1:], x.dtype) if v0 is None else v0.astype(x.dtype, copy=True)
    s = np.empty_like(x)
    h = np.empty_like(x)
    for t in range(x.shape[0]):
        h[t] = charge(v, x[t], decay_input, tau, leak, v_reset)
        s[t] = cfg.surrogate.spike(h[t] - thr) if spiking else cfg.surrogate.primitive(h[t] - thr)
        sr = s[t] if reset_spikes is None else reset_spikes[t]
        v = reset(h[t], sr, hard, thr, v_reset)
    return s, v, h


def lif_backward_reference(ds, dv_last, cache: LIFCache, cfg: LIFConfig):
    """BPTT through the membrane recurrence. Returns (dx (T, ...), dv0 (...)).

    The membrane h is recomputed from the cached input (``membrane``). Going back from t = T-1, with dv
    the gradient reaching v_t from the future:
        sg  = surrogate.grad(h_t - thr)                     (= ds_t/dh_t)
        dh  = ds_t sg + dv * reset_grad(h_t, s_t, sg)        (the two paths out of h_t)
        dx_t = dh * dh/dx;   dv <- dh * dh/dv               (charge derivatives)
    """
    h = membrane(cache, cfg)
    thr, reset_spikes, spiking = cache.thr, cache.reset_spikes, cache.spiking
    hard, detach = cfg.reset == "hard", cfg.detach_reset or reset_spikes is not None
    dt = h.dtype.type
    thr = np.asarray(thr, h.dtype)
    dhdx, dhdv = (dt(g) for g in cfg.charge_grads())
    dv = np.zeros(h.shape[1:], h.dtype) if dv_last is None else dv_last.astype(h.dtype, copy=True)
    dx = np.empty_like(h)
    for t in range(h.shape[0] - 1, -1, -1):
        sg = cfg.surrogate.grad(h[t] - thr)
        if reset_spikes is not None:
            sr = reset_spikes[t]
        else:
            sr = cfg.surrogate.spike(h[t] - thr) if spiking else cfg.surrogate.primitive(h[t] - thr)
        dh = ds[t] * sg + dv * reset_grad(h[t], sr, sg, hard, detach, thr, dt(cfg.v_reset))
        dx[t] = dh * dhdx
        dv = dh * dhdv
    return dx, dv


# ---- numba kernels: the same loop over a chunk of neurons, chunks in parallel ---------------------
# Each parallel work item owns CHUNK neurons and runs the whole time loop on them, so the membrane v of
# the chunk stays in L2 between steps; inside a step, one contiguous row of neurons vectorises (SIMD).
# Traffic per element: forward reads x and writes s; backward reads x and ds and writes dx, rerunning
# the chunk's forward into a small buffer (T x CHUNK, in L2) to get h back (``docs/neurons.md``
# compares this with a copy). A scalar threshold stays in a register (th of length 1); per-channel
# thresholds are one tiled row of the chunk's length. The row loops sit in their own functions: numba
# vectorises a loop over 1-D contiguous slices, not the same loop written inline in a prange body.
@register_jitable(inline="always")
def _fire(h, th, dt):
    """s = Heaviside(h - thr), branch-free (spikes are unpredictable)."""
    return dt(h - th >= 0)


@register_jitable
def _forward_step(x, v, th, want_h, decay_input, tau, leak, v_reset, hard, dt):
    """One neuron, one step: (s or h, the new v)."""
    h = charge(v, x, decay_input, tau, leak, v_reset)
    s = _fire(h, th, dt)
    return (h if want_h else s), reset(h, s, hard, th, v_reset)


@njit(cache=True, error_model="numpy")
def _forward_row(x, th, v, out, want_h, decay_input, tau, leak, v_reset, hard):
    """One time step for a run of neurons, all (n,): charge, fire, reset; v is updated in place.
    ``out`` receives the spikes s, or with ``want_h`` the membrane h before reset. th: (1,) or (n,)."""
    dt = x.dtype.type
    if th.shape[0] == 1:
        th0 = th[0]
        for j in range(x.shape[0]):
            out[j], v[j] = _forward_step(x[j], v[j], th0, want_h, decay_input, tau, leak, v_reset, hard, dt)
    else:
        for j in range(x.shape[0]):
            out[j], v[j] = _forward_step(x[j], v[j], th[j], want_h, decay_input, tau, leak, v_reset, hard, dt)


@register_jitable(inline="always")
def _backward_step(ds, h, th, dv, sg, dhdx, dhdv, v_reset, hard, detach, dt):
    """One neuron, one step back: (dx_t, dv_{t-1}) from dv_t, ds_t, h_t and sg = ds_t/dh_t."""
    s = _fire(h, th, dt)                                # s_t, recomputed (spiking mode)
    dh = ds * sg + dv * reset_grad(h, s, sg, hard, detach, th, v_reset)
    return dh * dhdx, dh * dhdv


@njit(cache=True, error_model="numpy")
def _backward_row(kind, ds, h, th, dv, dx, alpha, dhdx, dhdv, v_reset, hard, detach):
    """One time step back for a run of neurons, all (n,) (th too): dx_t, and dv_{t-1} in place of dv_t.

    One loop per surrogate (``kind``): with the choice outside, each loop vectorises (numba does not
    unswitch it from inside the loop: the loop then runs scalar, 20x slower).
    """
    dt = h.dtype.type
    n = h.shape[0]
    if kind == SIGMOID:
        for j in range(n):
            sg = sigmoid_grad(h[j] - th[j], alpha, dt)
            dx[j], dv[j] = _backward_step(ds[j], h[j], th[j], dv[j], sg, dhdx, dhdv, v_reset, hard, detach, dt)
    elif kind == ARCTAN:
        for j in range(n):
            sg = arctan_grad(h[j] - th[j], alpha, dt)
            dx[j], dv[j] = _backward_step(ds[j], h[j], th[j], dv[j], sg, dhdx, dhdv, v_reset, hard, detach, dt)
    else:
        for j in range(n):
            sg = rectangular_grad(h[j] - th[j], alpha, dt)
            dx[j], dv[j] = _backward_step(ds[j], h[j], th[j], dv[j], sg, dhdx, dhdv, v_reset, hard, detach, dt)


@register_jitable
def _chunk_thresholds(thr_row, n):
    """The thresholds of a chunk of n neurons: the scalar (1,) row as is, else the first n of the tiled row."""
    return thr_row if thr_row.shape[0] == 1 else thr_row[:n]


@njit(parallel=True, cache=True, error_model="numpy")
def _lif_forward_kernel(x, v0, thr_row, chunk, decay_input, tau, leak, v_reset, hard, s, v):
    """x, s: (T, N); v0, v: (N,) or (0,) (zeros / not wanted: neither read nor written, 1/T of the
    traffic each); thr_row: (1,) or the channel thresholds tiled to ``chunk``."""
    T, N = x.shape
    for b in prange((N + chunk - 1) // chunk):
        lo, hi = b * chunk, min(N, b * chunk + chunk)
        th = _chunk_thresholds(thr_row, hi - lo)
        vb = _state(v0, v, lo, hi)
        for t in range(T):
            _forward_row(x[t, lo:hi], th, vb, s[t, lo:hi], False, decay_input, tau, leak, v_reset, hard)


@njit(parallel=True, cache=True, error_model="numpy")
def _lif_backward_kernel(kind, ds, dv_last, x, v0, thr_row, chunk, decay_input, tau, leak, alpha, dhdx, dhdv,
                         v_reset, hard, detach, dx, dv):
    """ds, x, dx: (T, N); v0, dv_last, dv: (N,) or (0,) as in the forward; kind: the surrogate;
    thr_row: the thresholds tiled to ``chunk`` (also a scalar one: the backward row wants a row)."""
    T, N = x.shape
    for b in prange((N + chunk - 1) // chunk):
        lo, hi = b * chunk, min(N, b * chunk + chunk)
        th = _chunk_thresholds(thr_row, hi - lo)
        h = np.empty((T, hi - lo), x.dtype)                # this chunk's membrane, rerun from x
        v = _state(v0, v0[:0], lo, hi)
        for t in range(T):
            _forward_row(x[t, lo:hi], th, v, h[t], True, decay_input, tau, leak, v_reset, hard)
        dvb = _state(dv_last, dv, lo, hi)
        for t in range(T - 1, -1, -1):
            _backward_row(kind, ds[t, lo:hi], h[t], th, dvb, dx[t, lo:hi], alpha, dhdx, dhdv, v_reset, hard, detach)


@register_jitable
def _state(start, out, lo, hi):
    """The state of neurons lo..hi for a time loop: ``out[lo:hi]`` (or a fresh buffer when ``out`` is
    empty: not wanted), holding ``start[lo:hi]`` (or zeros when ``start`` is empty)."""
    buf = np.empty(hi - lo, out.dtype) if out.shape[0] == 0 else out[lo:hi]
    if start.shape[0] == 0:
        buf[:] = 0
    else:
        buf[:] = start[lo:hi]
    return buf


def _threshold_row(thr, dtype, tiled=False):
    """(thresholds, chunk): a scalar as a (1,) array with chunk = CHUNK (unless ``tiled``), or the (C,)
    channel values tiled to chunk = CHUNK rounded up to whole rows of C (chunks then start at channel 0)."""
    t = np.ascontiguousarray(np.asarray(thr, dtype=dtype).reshape(-1))    # (1,) or (C,)
    if np.ndim(thr) == 0 and not tiled:
        return t, CHUNK
    row = np.ascontiguousarray(np.tile(t, -(-CHUNK // t.shape[0])))
    return row, row.shape[0]


def lif_forward(x, v0=None, thr=1.0, cfg: LIFConfig = LIFConfig(), *, spiking=True, reset_spikes=None,
                backend="numba", out=None, return_state=True):
    """Multi-step LIF forward. Returns (spikes (T, ...), final membrane (...), cache).

    backend="numba" runs the kernel (spiking mode without frozen reset spikes); every other case,
    and backend="numpy", runs the reference loop. ``out=(s, v)``: optional preallocated C-contiguous
    kernel outputs of shapes (T, N), (N,) (fresh pages cost more than the kernel itself). The cache
    keeps ``x`` by reference: leave it unchanged until backward. ``return_state=False``: the final
    membrane is not wanted (None is returned in its place; the kernel then neither stores it nor, with
    v0=None, reads an initial one).
    """
    _check_lif_inputs(x, v0, thr)
    if backend == "numpy" or not spiking or reset_spikes is not None:
        s, v, cache = lif_forward_reference(x, v0, thr, cfg, spiking=spiking, reset_spikes=reset_spikes)
        return s, v if return_state else None, cache
    if backend != "numba":
        raise ValueError(f"lif_forward: backend must be 'numba' or 'numpy', got {backend!r}")
    T, shape = x.shape[0], x.shape[1:]
    x2 = np.ascontiguousarray(x).reshape(T, -1)                   # (T, N)
    n = x2.shape[1]
    v0f = np.empty(0, x.dtype) if v0 is None else np.ascontiguousarray(v0, dtype=x.dtype).reshape(-1)
    s, v = (np.empty_like(x2), np.empty(n if return_state else 0, x.dtype)) if out is None else out
    dt = x.dtype.type
    _lif_forward_kernel(x2, v0f, *_threshold_row(thr, x.dtype), cfg.charge == "decay_input", dt(cfg.tau),
                        dt(cfg.leak), dt(cfg.v_reset), cfg.reset == "hard", s, v)
    return s.reshape(x.shape), v.reshape(shape) if v.size == n else None, _make_cache(x, v0, thr, None, True)


def lif_backward(ds, dv_last, cache: LIFCache, cfg: LIFConfig = LIFConfig(), *, backend="numba", out=None,
                 return_state=True):
    """BPTT backward of ``lif_forward``. Returns (dx (T, ...), dv0 (...)).

    ``out=(dx, dv)``: optional preallocated kernel outputs of shapes (T, N), (N,).
    ``return_state=False``: dv0 is not wanted (None in its place), as in ``lif_forward``.
    """
    if backend == "numpy" or not cache.spiking or cache.reset_spikes is not None:
        dx, dv0 = lif_backward_reference(ds, dv_last, cache, cfg)
        return dx, dv0 if return_state else None
    x = cache.x
    T, shape = x.shape[0], x.shape[1:]
    x2 = np.ascontiguousarray(x).reshape(T, -1)
    n = x2.shape[1]
    v0 = np.empty(0, x.dtype) if cache.v0 is None else cache.v0.reshape(-1)
    ds2 = np.ascontiguousarray(ds, dtype=x.dtype).reshape(T, -1)
    dvl = np.empty(0, x.dtype) if dv_last is None else np.ascontiguousarray(dv_last, dtype=x.dtype).reshape(-1)
    dx, dv = (np.empty_like(x2), np.empty(n if return_state else 0, x.dtype)) if out is None else out
    dt = x.dtype.type
    dhdx, dhdv = cfg.charge_grads()
    _lif_backward_kernel(cfg.surrogate.kind, ds2, dvl, x2, v0, *_threshold_row(cache.thr, x.dtype, tiled=True),
                         cfg.charge == "decay_input", dt(cfg.tau), dt(cfg.leak), dt(cfg.surrogate.alpha), dt(dhdx),
                         dt(dhdv), dt(cfg.v_reset), cfg.reset == "hard", cfg.detach_reset, dx, dv)
    return dx.reshape(x.shape), dv.reshape(shape) if dv.size == n else None


def _check_lif_inputs(x, v0, thr):
    if not isinstance(x, np.ndarray) or x.ndim < 1 or not np.issubdtype(x.dtype, np.floating):
        raise TypeError("LIF: input must be a float numpy array of shape (T, ...), time first; got "
                        f"{type(x).__name__} {getattr(x, 'shape', '')}")
    if v0 is not None and v0.shape != x.shape[1:]:
        raise ValueError(f"LIF: v0 must have the per-step shape {x.shape[1:]}, got {v0.shape}")
    t = np.asarray(thr)
    if t.ndim > 1 or (t.ndim == 1 and (x.ndim < 2 or t.shape[0] != x.shape[-1])):
        raise ValueError(f"LIF: threshold must be a scalar or shape (C,) with C = input's last axis "
                         f"({x.shape[-1] if x.ndim > 1 else 'none'}), got shape {t.shape}")


class LIF(SpikingNeuron):
    """LIF layer: ``forward(x (T, ...)) -> spikes``, ``backward(ds) -> dx``. The membrane starts at
    zero on every forward (SmoothSpike resets state per pass); use ``lif_forward`` to carry it.

    For whole-model gradient checks, ``spiking = False`` replaces the step by the surrogate's smooth
    primitive and ``frozen_reset`` (the spikes of a base run, ``last_spikes``) holds the reset fixed,
    as ``detach_reset`` does in the backward (see ``tinyspike.testing.surrogate_mode``).
    """

    def __init__(self, thr=1.0, cfg: LIFConfig | None = None, backend: str = "numba", **cfg_kwargs):
        self.thr = thr
        self.cfg = cfg if cfg is not None else LIFConfig(**cfg_kwargs)
        self.backend = backend
        self.spiking = True
        self.frozen_reset: np.ndarray | None = None
        self.last_spikes: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        s, _, cache = lif_forward(x, None, self.thr, self.cfg, spiking=self.spiking, reset_spikes=self.frozen_reset,
                                  backend=self.backend, return_state=False)
        self.last_spikes = s
        self._save(cache)
        return s

    def backward(self, ds: np.ndarray) -> np.ndarray:
        dx, _ = lif_backward(ds, None, self._pop(), self.cfg, backend=self.backend, return_state=False)
        return dx

    def charge(self, v, x):
        return charge(v, x, self.cfg.charge == "decay_input", self.cfg.tau, self.cfg.leak, self.cfg.v_reset)

    def fire(self, h, t):
        return heaviside_fire(h, np.asarray(self.thr, h.dtype), self.cfg.surrogate, self.spiking)

    def reset(self, h, s, t):
        return reset(h, s, self.cfg.reset == "hard", np.asarray(self.thr, h.dtype), self.cfg.v_reset)
