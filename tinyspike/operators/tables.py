"""Error tables of the spiking primitives and operators against float, over their knobs.

    python -m tinyspike.operators.tables [--quick] [--no-time]

Prints one table per primitive / operator (max absolute error, max relative error, the derived bound),
the fitted convergence rates, a timing table (spiking vs float NumPy, same run), then one JSON line.
"Relative" for a composite is max|y_hat - y| / max|y| over the test tensor; for the exponential it is
elementwise max|y_hat / y - 1|.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.special import erf

from ..layers import layernorm_forward, rmsnorm_forward, softmax_forward
from .cordic import cordic_angle_bound, cordic_gain, l2_norm_tree, tree_depth
from .division import divide
from .exponential import eps_exp, eps_exp2, exp2_fixed, exp2_table, exp_pwl, exp_table
from .fixedpoint import SPIKE_INT
from .spiking_gelu import SpikingGELU
from .norms import SpikingLayerNorm, SpikingRMSNorm
from .silu import SpikingSiLU
from .spiking_softmax import SpikingSoftmax


def _print_table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(h)), *(len(_fmt(r[i])) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(_fmt(v).rjust(w) for v, w in zip(r, widths)))


def _fmt(v):
    return f"{v:.3e}" if isinstance(v, float) else str(v)


def _slope(xs, errs):
    return float(np.polyfit(xs, np.log2(errs), 1)[0])


# ---------------------------------------------------------------- primitives
def exp_rows(Ks, L=5.0, in_bits=16, out_bits=32):
    rows = []
    for K in Ks:
        t = exp_table(L, K, in_bits, out_bits)
        x = np.arange(t.lo_q, t.hi_q + 1, max(t.width_q // 64, 1), dtype=SPIKE_INT)
        rel = np.max(np.abs(exp_pwl(x, t) * 2.0 ** -out_bits / np.exp(x * 2.0 ** -in_bits) - 1))
        t2 = exp2_table(K, in_bits, out_bits)
        f = np.arange(0, 1 << in_bits, 7, dtype=SPIKE_INT)
        rel2 = np.max(np.abs(exp2_fixed(f, t2) * 2.0 ** -out_bits / np.exp2(f * 2.0 ** -in_bits) - 1))
        rows.append((K, float(rel), float(eps_exp(L, K)), float(rel2), float(eps_exp2(K))))
    return rows


def division_rows(ns, count=20000):
    rng = np.random.default_rng(0)
    B = rng.integers(2**20, 2**30, size=count, dtype=SPIKE_INT)
    A = rng.integers(0, 2**30, size=count, dtype=SPIKE_INT)
    return [(n, float(np.max(A / B - divide(A, B, n) * 2.0 ** -n)), 2.0 ** -n) for n in ns]


def cordic_rows(ns, d=384, count=2000):
    v = np.random.default_rng(0).integers(-(1 << 30), 1 << 30, size=(count, d), dtype=SPIKE_INT)
    exact = np.linalg.norm(v.astype(float), axis=-1)
    depth = tree_depth(d)
    rows = []
    for n in ns:
        rel = np.max(np.abs(l2_norm_tree(v, n) / (cordic_gain(n) ** depth * exact) - 1))
        rows.append((n, float(rel), float(cordic_angle_bound(n, depth))))
    return rows


# ---------------------------------------------------------------- composites
def _errors(y, ref, bound):
    err = np.abs(np.asarray(y, np.float64) - ref)
    within = "n/a" if not np.all(np.isfinite(bound)) else ("yes" if np.all(err <= bound) else "NO")
    return float(err.max()), float(err.max() / np.abs(ref).max()), float(np.max(bound)), within


def composite_tables(quick):
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((4 if quick else 16, 12, 64, 64)) * 3           # attention-like
    line = np.concatenate([np.linspace(-20, 20, 40001), rng.standard_normal(20000) * 3])
    h = rng.standard_normal((128 if quick else 512, 384)) * 2 + rng.standard_normal((1, 384)) * 0.5
    gam, bet = 1 + 0.3 * rng.standard_normal(384), 0.3 * rng.standard_normal(384)
    gelu_ref = 0.5 * line * (1 + erf(line / np.sqrt(2)))
    silu_ref = line / (1 + np.exp(-line))
    sm_ref = softmax_forward(scores)[0]
    ln_ref = layernorm_forward(h, gam, bet, 1e-12)[0]
    rms_ref = rmsnorm_forward(h, gam, 1e-6)[0]
    sweeps = {
        "SpikingSoftmax": ([dict(), dict(K=4), dict(K=16), dict(levels=2**9), dict(levels=2**13), dict(n=8),
                            dict(n=16), dict(exp="pwl", L=5.0, K=64), dict(exp="pwl", L=5.0, K=256)],
                           lambda kw: (SpikingSoftmax(**kw), scores, sm_ref, ())),
        "SpikingGELU": ([dict(), dict(K=16), dict(K=64), dict(K=64, L=4.0), dict(levels=2**8, K=64),
                         dict(levels=2**12)],
                        lambda kw: (SpikingGELU(**kw), line, gelu_ref, ())),
        "SpikingSiLU": ([dict(), dict(K=8), dict(K=16), dict(levels=2**8), dict(levels=2**12),
                         dict(exp="pwl", L=5.0, K=64), dict(exp="pwl", L=5.0, K=256),
                         dict(exp="pwl", L=5.0, K=64, symmetric=False)],
                        lambda kw: (SpikingSiLU(**kw), line, silu_ref, ())),
        "SpikingLayerNorm": ([dict(), dict(iterations=4), dict(iterations=8), dict(iterations=12), dict(n=12),
                              dict(n=20), dict(levels=2**10), dict(levels=2**14)],
                             lambda kw: (SpikingLayerNorm(**kw), h, ln_ref, (gam, bet, 1e-12))),
        "SpikingRMSNorm": ([dict(), dict(iterations=4), dict(iterations=8), dict(n=12), dict(levels=2**10)],
                           lambda kw: (SpikingRMSNorm(**kw), h, rms_ref, (gam, 1e-6))),
    }
    results = {}
    for name, (knobs, make) in sweeps.items():
        rows = []
        for kw in knobs:
            op, x, ref, args = make(kw)
            y = op(x, *args)
            if name == "SpikingSiLU" and not op.symmetric:
                bound = np.full(x.shape, np.inf)
            elif name in ("SpikingLayerNorm", "SpikingRMSNorm"):
                bound = op.error_bound(x, args[0], args[-1])
            else:
                bound = op.error_bound(x)
            label = ", ".join(f"{k}={v}" for k, v in kw.items()) or "defaults"
            rows.append((label, *_errors(y, ref, bound)))
        results[name] = rows
    return results


def timing_rows(quick):
    rng = np.random.default_rng(1)
    B = 8 if quick else 64
    s = (rng.standard_normal((B, 12, 128, 128)) * 3).astype(np.float32)
    f = rng.standard_normal((B, 128, 1536)).astype(np.float32)
    h = rng.standard_normal((B, 128, 384)).astype(np.float32)
    g, b = np.ones(384, np.float32), np.zeros(384, np.float32)
    from ..layers import gelu_forward, silu_forward
    pairs = [("softmax", s.shape, lambda: SpikingSoftmax()(s), lambda: softmax_forward(s)),
             ("gelu", f.shape, lambda: SpikingGELU()(f), lambda: gelu_forward(f)),
             ("silu", f.shape, lambda: SpikingSiLU()(f), lambda: silu_forward(f)),
             ("layernorm", h.shape, lambda: SpikingLayerNorm()(h, g, b), lambda: layernorm_forward(h, g, b, 1e-12)),
             ("rmsnorm", h.shape, lambda: SpikingRMSNorm()(h, g), lambda: rmsnorm_forward(h, g, 1e-6))]
    rows = []
    for name, shape, spiking, ref in pairs:
        spiking(), ref()                                    # compile / warm up
        ts, tr = [], []
        for _ in range(3):
            t0 = time.perf_counter(); spiking(); ts.append(time.perf_counter() - t0)
            t0 = time.perf_counter(); ref(); tr.append(time.perf_counter() - t0)
        rows.append((name, "x".join(map(str, shape)), float(np.median(ts)), float(np.median(tr)),
                     float(np.median(ts) / np.median(tr))))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller test tensors")
    ap.add_argument("--no-time", action="store_true", help="skip the timing table")
    args = ap.parse_args(argv)

    Ks = [8, 16, 32, 64, 128, 256]
    e = exp_rows(Ks)
    _print_table("Exponential chord tables (L = 5 for e^x on [-L, L]; 2^f on [0, 1))",
                 ["K", "e^x max rel", "eps_exp bound", "2^f max rel", "bound"], e)
    ns = [4, 8, 12, 16, 20, 24]
    dv = division_rows(ns)
    _print_table("Division group floor(A 2^n / B) / 2^n vs A / B", ["n", "max abs err", "bound 2^-n"], dv)
    cn = list(range(2, 17, 2))
    cr = cordic_rows(cn)
    _print_table("CORDIC l2-norm tree, d = 384 (9 levels), entries ~2^30",
                 ["iterations", "max rel err", "angle bound"], cr)
    rates = {"exp_rel_vs_log2K": _slope(np.log2(Ks), [r[1] for r in e]),
             "exp2_rel_vs_log2K": _slope(np.log2(Ks), [r[3] for r in e]),
             "division_vs_n": _slope(ns, [r[1] for r in dv]),
             "cordic_vs_n": _slope(cn[:6], [r[1] for r in cr[:6]])}
    print("\nFitted slopes of log2(error): exp vs log2 K {exp_rel_vs_log2K:.3f} (predicted -2), base-2 "
          "{exp2_rel_vs_log2K:.3f} (-2), division vs n {division_vs_n:.3f} (-1), CORDIC vs n (n <= 12) "
          "{cordic_vs_n:.3f} (-2)".format(**rates))

    comp = composite_tables(args.quick)
    for name, rows in comp.items():
        _print_table(f"{name} vs float (one knob changed from the defaults)",
                     ["knobs", "max abs err", "max rel err", "bound (max)", "within"], rows)
    timing = [] if args.no_time else timing_rows(args.quick)
    if timing:
        _print_table("Time (median of 3, s): spiking (compiled kernels) vs float NumPy, same run",
                     ["operator", "shape", "spiking s", "float s", "ratio"], timing)
    summary = {"rates": rates,
               "defaults": {name: {"max_abs": rows[0][1], "max_rel": rows[0][2]} for name, rows in comp.items()},
               "exp_L5_K64_rel": e[Ks.index(64)][1],
               "time_ratio": {r[0]: r[4] for r in timing}}
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
