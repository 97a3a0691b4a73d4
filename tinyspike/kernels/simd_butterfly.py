"""Butterflies (u, v) -> (u + v, u - v) on whole SIMD vectors: the building blocks of the numba FWHT.

A vector here is L = 64 bytes / itemsize consecutive values (16 float32 or 8 float64: one AVX-512
register). Each function is written twice: plain NumPy (the specification, and what runs under
``NUMBA_DISABLE_JIT=1``) and, inside numba kernels, an ``overload`` that emits the LLVM code directly
(an ``intrinsic``), because numba's loops cannot express these operations in SIMD:

* ``vector_butterflies``: the stages h = 1, 2, ..., L/2, whose two sides lie in the same vector.
  Numba has no shuffles, so its loops cannot do them in SIMD at all. In LLVM each stage is one shuffle
  b = v[i xor h] (a lane permutation) and one fused multiply-add  out = v * sign_h + b,  sign_h[i] = +1
  where bit h of i is clear (lower lane: v = lo, b = hi, out = lo + hi) and -1 where it is set (upper
  lane: v = hi, b = lo, out = lo - hi). Multiplying by +-1 is exact, so the FMA rounds once, exactly
  like lo + hi and lo - hi: the result equals the NumPy butterflies bit for bit.
* ``butterfly_pass``: s consecutive stages h, 2h, ..., 2^(s-1) h (h a multiple of L) on the 2^s vectors
  at offsets i + t h, t < 2^s, kept in registers: one load and one store per vector for s stages (radix
  2^s), optionally times ``scale`` on the way out. As numba loops over j, the vectoriser would need to
  prove that the stores to y[j] do not alias the loads of y[j + h] for a run-time h; it does not.
* ``vector_combination``: a weighted sum of vectors one segment apart (the base stage H_m of n = m 2^k).
* ``prefetch``: a hint to start loading a cache line (numba has no way to emit one).

The LLVM code reads and writes through the arrays' data pointers without bounds checks: callers keep
every vector inside the array (the NumPy versions, given the same offsets, read the same elements).
Numba's on-disk cache of the kernels in fwht.py does not notice edits to this file: after changing it,
touch fwht.py (or delete its __pycache__ entries).
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

VECTOR_BYTES = 64   # one AVX-512 register; on narrower machines LLVM splits each vector op in two


def lanes(dtype) -> int:
    """Values per vector: 16 for float32, 8 for float64."""
    return VECTOR_BYTES // np.dtype(dtype).itemsize


def vector_butterflies(src, i, dst, k):
    """dst[k : k + L] = the stages h = 1, 2, ..., L/2 of the Walsh-Hadamard butterfly on src[i : i + L]."""
    n_lanes = lanes(src.dtype)
    v = src[i:i + n_lanes].copy()
    h = 1
    while h < n_lanes:
        v = v.reshape(-1, 2, h)                              # (L / 2h, 2, h): lo = v[:, 0], hi = v[:, 1]
        lo, hi = v[:, 0].copy(), v[:, 1].copy()
        v[:, 0], v[:, 1] = lo + hi, lo - hi
        h *= 2
    dst[k:k + n_lanes] = v.reshape(-1)


def butterfly_pass(src, i, dst, k, h, s, scale):
    """Stages h, 2h, ..., 2^(s-1) h on the vectors src[i + t h : i + t h + L], t < 2^s, stored at k + t h.

    ``scale``: None, or a factor of src's dtype applied to the outputs (the FWHT's 1/sqrt(n) in its last pass).
    """
    n_lanes = lanes(src.dtype)
    v = [src[i + t * h:i + t * h + n_lanes].copy() for t in range(2 ** s)]
    for q in range(s):                                       # stage 2^q h pairs vectors t and t + 2^q
        for t in range(2 ** s):
            if not t & (1 << q):
                v[t], v[t + (1 << q)] = v[t] + v[t + (1 << q)], v[t] - v[t + (1 << q)]
    for t in range(2 ** s):
        dst[k + t * h:k + t * h + n_lanes] = v[t] if scale is None else v[t] * scale


def vector_combination(src, i, stride, w, dst, k, scale, width):
    """dst[k : k + W] = scale * sum_c w[c] src[i + c stride : i + c stride + W], W = width L values, summed in
    the order c = 0, 1, ... (each product rounded, then added).

    The base stage H_m across the m segments of a row (w = one row of H_m, stride = the segment length).
    ``width`` vectors at once because each sum is a chain of dependent additions: with 2 or 4 independent
    chains the processor overlaps their latencies.
    """
    size = width * lanes(src.dtype)
    acc = w[0] * src[i:i + size]
    for c in range(1, len(w)):
        acc = acc + w[c] * src[i + c * stride:i + c * stride + size]
    dst[k:k + size] = acc * scale


def prefetch(src, i):
    """Hint: start loading the cache line that holds src[i] into the caches. Changes no value (the NumPy
    version does nothing); inside numba kernels one prefetch instruction (it never faults)."""
    return None


# ---- LLVM versions (used inside numba kernels) ----

def _is_vector_array(a):
    return isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C" and a.dtype in (types.float32,
                                                                                           types.float64)


def _vector_pointer(context, builder, array_type, array, index, vector_type):
    """Pointer to the vector that starts at element ``index`` of a 1-D contiguous array."""
    data = context.make_array(array_type)(context, builder, array).data
    return builder.bitcast(builder.gep(data, [index]), vector_type.as_pointer())


def _as_int64(builder, value):
    return builder.sext(value, ir.IntType(64)) if value.type.width < 64 else value


@intrinsic
def _vector_butterflies_llvm(typingctx, src, i, dst, k):
    if not (_is_vector_array(src) and src == dst and isinstance(i, types.Integer)
            and isinstance(k, types.Integer)):
        return None
    n_lanes, itemsize = lanes(str(src.dtype)), src.dtype.bitwidth // 8

    def codegen(context, builder, signature, args):
        vector_type = ir.VectorType(context.get_value_type(src.dtype), n_lanes)
        fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vector_type, [vector_type] * 3),
                                             f"llvm.fma.v{n_lanes}f{8 * itemsize}")
        # align=itemsize: the rows of a NumPy array need not start on a 64-byte boundary
        v = builder.load(_vector_pointer(context, builder, src, args[0], args[1], vector_type), align=itemsize)
        h = 1
        while h < n_lanes:
            partner = ir.Constant(ir.VectorType(ir.IntType(32), n_lanes), [j ^ h for j in range(n_lanes)])
            sign = ir.Constant(vector_type, [-1.0 if j & h else 1.0 for j in range(n_lanes)])
            b = builder.shuffle_vector(v, v, partner)        # b[j] = v[j xor h]
            v = builder.call(fma, [v, sign, b])              # lower lane: lo + hi; upper lane: lo - hi
            h *= 2
        builder.store(v, _vector_pointer(context, builder, dst, args[2], args[3], vector_type), align=itemsize)
        return context.get_dummy_value()
    return types.void(src, i, dst, k), codegen


@intrinsic
def _butterfly_pass_llvm(typingctx, src, i, dst, k, h, s, scale):
    if not (_is_vector_array(src) and src == dst and isinstance(s, types.IntegerLiteral)
            and all(isinstance(a, types.Integer) for a in (i, k, h))
            and (scale == types.none or scale == src.dtype)):
        return None
    n_lanes, itemsize, radix = lanes(str(src.dtype)), src.dtype.bitwidth // 8, 2 ** s.literal_value

    def codegen(context, builder, signature, args):
        a_src, a_dst = args[0], args[2]
        a_i, a_k, a_h = (_as_int64(builder, a) for a in (args[1], args[3], args[4]))
        vector_type = ir.VectorType(context.get_value_type(src.dtype), n_lanes)
        offsets = [builder.mul(a_h, ir.Constant(ir.IntType(64), t)) for t in range(radix)]
        v = [builder.load(_vector_pointer(context, builder, src, a_src, builder.add(a_i, o), vector_type),
                          align=itemsize) for o in offsets]
        for q in range(s.literal_value):
            for t in range(radix):
                if not t & (1 << q):
                    u, w = v[t], v[t + (1 << q)]
                    v[t], v[t + (1 << q)] = builder.fadd(u, w), builder.fsub(u, w)
        if scale != types.none:
            factor = builder.insert_element(ir.Constant(vector_type, ir.Undefined), args[6],
                                            ir.Constant(ir.IntType(32), 0))
            factor = builder.shuffle_vector(factor, factor, ir.Constant(ir.VectorType(ir.IntType(32), n_lanes),
                                                                        [0] * n_lanes))   # splat
            v = [builder.fmul(x, factor) for x in v]
        for x, o in zip(v, offsets):
            builder.store(x, _vector_pointer(context, builder, dst, a_dst, builder.add(a_k, o), vector_type),
                          align=itemsize)
        return context.get_dummy_value()
    return types.void(src, i, dst, k, h, s, scale), codegen


@intrinsic
def _vector_combination_llvm(typingctx, src, i, stride, w, dst, k, scale, width):
    if not (_is_vector_array(src) and src == dst and _is_vector_array(w) and w.dtype == src.dtype
            and all(isinstance(a, types.Integer) for a in (i, stride, k)) and scale == src.dtype
            and isinstance(width, types.IntegerLiteral)):
        return None
    n_lanes, itemsize, n_vec = lanes(str(src.dtype)), src.dtype.bitwidth // 8, width.literal_value

    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        a_i, a_stride, a_k = (_as_int64(builder, args[j]) for j in (1, 2, 5))
        vector_type = ir.VectorType(context.get_value_type(src.dtype), n_lanes)
        weights = context.make_array(w)(context, builder, args[3])
        count = _as_int64(builder, builder.extract_value(weights.shape, 0))

        def splat(x):
            v = builder.insert_element(ir.Constant(vector_type, ir.Undefined), x, ir.Constant(ir.IntType(32), 0))
            return builder.shuffle_vector(v, v, ir.Constant(ir.VectorType(ir.IntType(32), n_lanes), [0] * n_lanes))

        def terms(c):                                            # w[c] * the n_vec vectors of segment c
            wc = splat(builder.load(builder.gep(weights.data, [c])))
            base = builder.add(a_i, builder.mul(c, a_stride))
            return [builder.fmul(wc, builder.load(_vector_pointer(
                context, builder, src, args[0], builder.add(base, ir.Constant(i64, u * n_lanes)), vector_type),
                align=itemsize)) for u in range(n_vec)]
        acc = [cgutils.alloca_once_value(builder, t) for t in terms(ir.Constant(i64, 0))]   # registers after SROA
        with cgutils.for_range_slice(builder, ir.Constant(i64, 1), count, ir.Constant(i64, 1)) as (c, _):
            for a, t in zip(acc, terms(c)):
                builder.store(builder.fadd(builder.load(a), t), a)
        factor = splat(args[6])
        for u, a in enumerate(acc):
            builder.store(builder.fmul(builder.load(a), factor), _vector_pointer(
                context, builder, dst, args[4], builder.add(a_k, ir.Constant(i64, u * n_lanes)), vector_type),
                align=itemsize)
        return context.get_dummy_value()
    return types.void(src, i, stride, w, dst, k, scale, width), codegen


@intrinsic
def _prefetch_llvm(typingctx, src, i):
    if not (_is_vector_array(src) and isinstance(i, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(src)(context, builder, args[0]).data
        address = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(8).as_pointer())
        hint = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [address.type] + [ir.IntType(32)] * 3), "llvm.prefetch.p0")
        # read (0), locality 2 = into L2 (prefetcht1: a long row does not fit L1 next to the current one), data (1)
        builder.call(hint, [address] + [ir.Constant(ir.IntType(32), c) for c in (0, 2, 1)])
        return context.get_dummy_value()
    return types.void(src, i), codegen


@overload(vector_combination, inline="always", prefer_literal=True)
def _vector_combination_numba(src, i, stride, w, dst, k, scale, width):
    if _is_vector_array(src) and isinstance(width, types.IntegerLiteral):
        return lambda src, i, stride, w, dst, k, scale, width: _vector_combination_llvm(src, i, stride, w, dst, k,
                                                                                         scale, width)
    return None


@overload(vector_butterflies, inline="always")
def _vector_butterflies_numba(src, i, dst, k):
    if _is_vector_array(src):
        return lambda src, i, dst, k: _vector_butterflies_llvm(src, i, dst, k)
    return None


@overload(butterfly_pass, inline="always", prefer_literal=True)
def _butterfly_pass_numba(src, i, dst, k, h, s, scale):
    if _is_vector_array(src) and isinstance(s, types.IntegerLiteral):
        return lambda src, i, dst, k, h, s, scale: _butterfly_pass_llvm(src, i, dst, k, h, s, scale)
    return None


@overload(prefetch, inline="always")
def _prefetch_numba(src, i):
    if _is_vector_array(src):
        return lambda src, i: _prefetch_llvm(src, i)
    return None


@njit(inline="always")
def butterfly_pass_radix(src, i, dst, k, h, s, scale):
    """``butterfly_pass`` for a run-time s in 1..4, turned into the compile-time constant the LLVM code needs."""
    if s == 1:
        butterfly_pass(src, i, dst, k, h, 1, scale)
    elif s == 2:
        butterfly_pass(src, i, dst, k, h, 2, scale)
    elif s == 3:
        butterfly_pass(src, i, dst, k, h, 3, scale)
    else:
        butterfly_pass(src, i, dst, k, h, 4, scale)

