"""Multi-step leaky integrate-and-fire neuron: charge -> fire -> reset over time, with hand-written BPTT.

Input ``x`` is ``(T, ...)`` (time first). For every step t (``docs/neurons.md`` derives the backward):

    charge  decay_input (spikingjelly):  h_t = v_{t-1} + (x_t - (v_{t-1} - v_reset)) / tau
            leak:                        h_t = lam v_{t-1} + x_t
    fire    s_t = Heaviside(h_t - thr)       (spiking=False: s_t = surrogate.primitive(h_t - thr))
    reset   hard:  v_t = (1 - s_t) h_t + s_t v_reset
            soft:  v_t = h_t - s_t thr

``thr`` is a scalar or one value per channel (broadcast on the last axis). The membrane is passed in
(``v0``, zeros if omitted) and the final one is returned: nothing is hidden on a module.

This file is the reference: ``lif_forward_reference`` / ``lif_backward_reference`` are the loops above,
in plain NumPy, for every option. ``lif_forward`` / ``lif_backward`` check their arguments, then run the
compiled kernel registered for them (``tinyspike/kernels/lif.py``: spiking mode, float32/float64) or the
reference loop (``backend="reference"``, ``TINYSPIKE_BACKEND=reference``, and every case the kernel does
not cover).

NaN: a NaN input spikes NaN (``Surrogate.spike``), so it propagates visibly to the loss instead of
vanishing as silence; a NaN threshold is refused (ValueError).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import math

import numpy as np

from ..backends import FAST, kernel
from .base import SpikingNeuron, heaviside_fire
from .surrogate import ONE, Sigmoid, Surrogate

KERNEL_DTYPES = (np.float32, np.float64)


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


# ---- the three steps, written once: NumPy calls them on arrays, the kernels compile them for scalars ----
# Constants are ONE (exact in every float dtype) or arguments already in the input's dtype, so a float32
# input is computed in float32 throughout, by NumPy and by the kernels alike.
def charge(v, x, decay_input, tau, leak, v_reset):
    """h = v + (x - (v - v_reset)) / tau  (decay_input)  or  h = lam v + x  (leak)."""
    if decay_input:
        return v + (x - (v - v_reset)) / tau
    return leak * v + x


def reset(h, s, hard, thr, v_reset):
    """hard: v = (1 - s) h + s v_reset;  soft: v = h - s thr."""
    if hard:
        return (ONE - s) * h + s * v_reset
    return h - s * thr


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
    return s, v, make_cache(x, v0, thr, reset_spikes, spiking)


def make_cache(x, v0, thr, reset_spikes, spiking):
    """The LIFCache of a forward (v0 copied: the caller may reuse its array)."""
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


# ---- the public entry points: check every argument, then the kernel or the reference ---------------
def lif_forward(x, v0=None, thr=1.0, cfg: LIFConfig = LIFConfig(), *, spiking=True, reset_spikes=None,
                backend=FAST, out=None, return_state=True):
    """Multi-step LIF forward. Returns (spikes (T, ...), final membrane (...), cache).

    backend="fast" runs the registered kernel (spiking mode without frozen reset spikes, float32/float64);
    every other case, and backend="reference" (alias "numpy"), runs the reference loop. ``out=(s, v)``:
    optional preallocated C-contiguous outputs of shapes (T, N), (N,) (N = prod of the per-step shape; v
    may be (0,) when the state is not wanted), sharing no memory with x (fresh pages cost more than the
    kernel itself). The cache keeps ``x`` by reference: leave it unchanged until backward.
    ``return_state=False``: the final membrane is not wanted (None is returned in its place; the kernel
    then neither stores it nor, with v0=None, reads an initial one).
    """
    _check_lif_inputs(x, v0, thr, reset_spikes, cfg)
    n = math.prod(x.shape[1:])
    _check_out(out, x, n, "lif_forward", "s", "v", inputs=(x,), state_input=v0)
    impl = kernel("lif_forward", backend)
    if impl is not None and spiking and reset_spikes is None and x.dtype in KERNEL_DTYPES:
        return impl(x, v0, thr, cfg, out, return_state)
    s, v, cache = lif_forward_reference(x, None if v0 is None else np.asarray(v0), thr, cfg, spiking=spiking,
                                        reset_spikes=reset_spikes)
    if out is not None:
        s, v = _into(out, s, v, x.shape[0], n)
    return s, v if return_state else None, cache


def lif_backward(ds, dv_last, cache: LIFCache, cfg: LIFConfig = LIFConfig(), *, backend=FAST, out=None,
                 return_state=True):
    """BPTT backward of ``lif_forward``. Returns (dx (T, ...), dv0 (...)).

    ds must have the forward input's shape, dv_last (or None for zeros) its per-step shape.
    ``out=(dx, dv)``: optional preallocated outputs of shapes (T, N), (N,) (or (0,)), as in ``lif_forward``.
    ``return_state=False``: dv0 is not wanted (None in its place), as in ``lif_forward``.
    """
    if not isinstance(cache, LIFCache):
        raise TypeError(f"lif_backward: cache must be the LIFCache returned by lif_forward, got {type(cache).__name__}")
    if not isinstance(cfg, LIFConfig):
        raise TypeError(f"lif_backward: cfg must be a LIFConfig, got {type(cfg).__name__}")
    x = cache.x
    ds = _check_array(ds, x.shape, "LIF backward", "gradient ds", "the forward input's shape (T, ...)")
    ds = ds.astype(x.dtype, copy=False)                 # computed in the input's dtype, as the forward
    if dv_last is not None:
        dv_last = _check_array(dv_last, x.shape[1:], "LIF backward", "dv_last", "the per-step shape")
    n = math.prod(x.shape[1:])
    _check_out(out, x, n, "lif_backward", "dx", "dv", inputs=(x, ds), state_input=dv_last)
    impl = kernel("lif_backward", backend)
    if impl is not None and cache.spiking and cache.reset_spikes is None and x.dtype in KERNEL_DTYPES:
        return impl(ds, dv_last, cache, cfg, out, return_state)
    dx, dv0 = lif_backward_reference(ds, dv_last, cache, cfg)
    if out is not None:
        dx, dv0 = _into(out, dx, dv0, x.shape[0], n)
    return dx, dv0 if return_state else None


def _into(out, a, b, T, n):
    """Copy the reference's results into the caller's ``out`` buffers; return them in the results' shapes
    (the state None when its buffer is the empty (0,) one: not wanted, as the kernel does)."""
    oa, ob = out
    np.copyto(oa, a.reshape(T, n))
    if ob.size != n:
        return oa.reshape(a.shape), None
    np.copyto(ob, b.reshape(n))
    return oa.reshape(a.shape), ob.reshape(b.shape)


# ---- argument checks: one clear line before anything runs -----------------------------------------
def _real_float(a) -> bool:
    return np.issubdtype(a.dtype, np.floating)


def _check_array(a, shape, where, what, which):
    """a as a real floating array of exactly ``shape``; TypeError / ValueError otherwise."""
    a = np.asarray(a) if not isinstance(a, np.ndarray) else a
    if not _real_float(a):
        raise TypeError(f"{where}: {what} must be a real floating array, got dtype {a.dtype}")
    if a.shape != shape:
        raise ValueError(f"{where}: {what} must have {which} {shape}, got {a.shape}")
    return a


def _check_lif_inputs(x, v0, thr, reset_spikes=None, cfg=None):
    if not isinstance(x, np.ndarray) or x.ndim < 1 or not _real_float(x):
        raise TypeError("LIF: input must be a real floating numpy array of shape (T, ...), time first; got "
                        f"{type(x).__name__} {getattr(x, 'dtype', '')} {getattr(x, 'shape', '')}")
    if cfg is not None and not isinstance(cfg, LIFConfig):
        raise TypeError(f"LIF: cfg must be a LIFConfig, got {type(cfg).__name__}")
    if v0 is not None:
        _check_array(v0, x.shape[1:], "LIF", "v0", "the per-step shape")
    t = np.asarray(thr)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"LIF: threshold must be a real number or array, got dtype {t.dtype}")
    if t.ndim > 1 or (t.ndim == 1 and (x.ndim < 2 or t.shape[0] != x.shape[-1])):
        raise ValueError(f"LIF: threshold must be a scalar or shape (C,) with C = input's last axis "
                         f"({x.shape[-1] if x.ndim > 1 else 'none'}), got shape {t.shape}")
    if np.isnan(t).any():
        raise ValueError("LIF: threshold is NaN; a neuron cannot fire against NaN: give finite thresholds")
    if reset_spikes is not None:
        _check_array(reset_spikes, x.shape, "LIF", "reset_spikes", "the input's shape")


def _check_out(out, x, n, where, name_a, name_b, inputs, state_input):
    """out = (a (T, N), b (N,) or (0,)): C-contiguous, writeable, x's dtype, no memory shared with the
    inputs (b may be the state input itself, updated in place)."""
    if out is None:
        return
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{where}: out must be a pair ({name_a}, {name_b}) of arrays, got {type(out).__name__}")
    for arr, name, shapes in ((out[0], name_a, ((x.shape[0], n),)), (out[1], name_b, ((n,), (0,)))):
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"{where}: out {name} must be a numpy array, got {type(arr).__name__}")
        if arr.dtype != x.dtype:
            raise TypeError(f"{where}: out {name} must have the input's dtype {x.dtype}, got {arr.dtype}")
        if arr.shape not in shapes:
            raise ValueError(f"{where}: out {name} must have shape {' or '.join(map(str, shapes))} "
                             f"(N = {n} neurons per step), got {arr.shape}")
        if not arr.flags.c_contiguous or not arr.flags.writeable:
            raise ValueError(f"{where}: out {name} must be C-contiguous and writeable")
        for inp in inputs:
            if np.may_share_memory(arr, inp) and np.shares_memory(arr, inp):
                raise ValueError(f"{where}: out {name} shares memory with an input; pass a separate buffer")
    if state_input is not None and np.may_share_memory(out[1], state_input) and not _same_memory(out[1], state_input):
        if np.shares_memory(out[1], state_input):
            raise ValueError(f"{where}: out {name_b} overlaps the state input without being it; pass a separate "
                             "buffer or the state array itself")
    if np.may_share_memory(out[0], out[1]) and np.shares_memory(out[0], out[1]):
        raise ValueError(f"{where}: out {name_a} and {name_b} overlap; pass two separate buffers")


def _same_memory(a, b) -> bool:
    """a and b are the same contiguous block of memory (b reshaped is a)."""
    b = np.asarray(b)
    return (b.flags.c_contiguous and a.nbytes == b.nbytes and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


class LIF(SpikingNeuron):
    """LIF layer: ``forward(x (T, ...)) -> spikes``, ``backward(ds) -> dx``. The membrane starts at
    zero on every forward (SmoothSpike resets state per pass); use ``lif_forward`` to carry it.

    For whole-model gradient checks, ``spiking = False`` replaces the step by the surrogate's smooth
    primitive and ``frozen_reset`` (the spikes of a base run, ``last_spikes``) holds the reset fixed,
    as ``detach_reset`` does in the backward (see ``tinyspike.testing.surrogate_mode``).
    """

    def __init__(self, thr=1.0, cfg: LIFConfig | None = None, backend: str = FAST, **cfg_kwargs):
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
