"""The LIF kernels (reference: ``tinyspike/neurons/lif.py``): the same charge -> fire -> reset loop and
its BPTT backward, compiled by numba, parallel over neurons, spiking mode only.

They call the reference's own ``charge``, ``reset`` and ``reset_grad`` (compiled here) and the kernel
surrogate derivatives (``kernels/surrogate.py``), in the same order and dtype, so forward and backward
agree bit for bit with the reference loop run with ``KernelSurrogate`` (``tests/kernels/test_lif.py``,
also with ``NUMBA_DISABLE_JIT=1``). ``lif_forward`` / ``lif_backward`` below are registered as the "numba"
backend of the reference's functions of the same names, which check every argument before calling them.

numba's on-disk cache keys on this file only: after editing ``charge``/``reset``/``reset_grad`` in the
reference (or ``surrogate.py``, ``exp_neg.py``), touch this file or delete its ``__pycache__`` entries.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from ..backends import register
from ..neurons import lif as reference
from ..neurons.lif import LIFCache, LIFConfig
from .surrogate import ARCTAN, RECTANGULAR, SIGMOID, arctan_grad, check_kind, rectangular_grad, sigmoid_grad

CHUNK = 65536  # neurons per parallel work item of the kernels (rounded up to whole channel rows)

charge = register_jitable(reference.charge)
reset = register_jitable(reference.reset)
reset_grad = register_jitable(reference.reset_grad)


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
    """s = Heaviside(h - thr), branch-free (spikes are unpredictable, the choice is a select); NaN stays NaN
    (the reference's ``Surrogate.spike``)."""
    d = h - th
    return dt(d >= 0) if d == d else d


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
    elif kind == RECTANGULAR:                          # the callers refuse any other kind (check_kind)
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


def _flat(a, dtype, n):
    """a as a flat C-contiguous (n,) array of ``dtype``, or the empty (0,) array for None (not given)."""
    return np.empty(0, dtype) if a is None else np.ascontiguousarray(a, dtype=dtype).reshape(n)


def lif_forward(x, v0, thr, cfg: LIFConfig, out, return_state):
    """``neurons.lif.lif_forward`` by the kernel (arguments already checked there): (s, v_T or None, cache)."""
    check_kind(cfg.surrogate, "lif_forward")
    T, shape = x.shape[0], x.shape[1:]
    n = math.prod(shape)
    x2 = np.ascontiguousarray(x).reshape(T, n)                    # (T, N)
    s, v = (np.empty_like(x2), np.empty(n if return_state else 0, x.dtype)) if out is None else out
    dt = x.dtype.type
    _lif_forward_kernel(x2, _flat(v0, x.dtype, n), *_threshold_row(thr, x.dtype), cfg.charge == "decay_input",
                        dt(cfg.tau), dt(cfg.leak), dt(cfg.v_reset), cfg.reset == "hard", s, v)
    return s.reshape(x.shape), v.reshape(shape) if v.size == n and (n or return_state) else None, \
        reference.make_cache(x, v0, thr, None, True)


def lif_backward(ds, dv_last, cache: LIFCache, cfg: LIFConfig, out, return_state):
    """``neurons.lif.lif_backward`` by the kernel (arguments already checked there): (dx, dv0 or None)."""
    check_kind(cfg.surrogate, "lif_backward")
    x = cache.x
    T, shape = x.shape[0], x.shape[1:]
    n = math.prod(shape)
    x2 = np.ascontiguousarray(x).reshape(T, n)
    ds2 = np.ascontiguousarray(ds, dtype=x.dtype).reshape(T, n)
    dx, dv = (np.empty_like(x2), np.empty(n if return_state else 0, x.dtype)) if out is None else out
    dt = x.dtype.type
    dhdx, dhdv = cfg.charge_grads()
    _lif_backward_kernel(cfg.surrogate.kind, ds2, _flat(dv_last, x.dtype, n), x2, _flat(cache.v0, x.dtype, n),
                         *_threshold_row(cache.thr, x.dtype, tiled=True), cfg.charge == "decay_input", dt(cfg.tau),
                         dt(cfg.leak), dt(cfg.surrogate.alpha), dt(dhdx), dt(dhdv), dt(cfg.v_reset),
                         cfg.reset == "hard", cfg.detach_reset, dx, dv)
    return dx.reshape(x.shape), dv.reshape(shape) if dv.size == n and (n or return_state) else None


register("lif_forward", "numba", lif_forward)
register("lif_backward", "numba", lif_backward)
