"""Newton-Schulz approximations of msign with hand-written backward, batched over leading axes.

Forward (official SmoothSpike / Muon): X_0 = G / (||G||_F + 1e-7), then per step, with A = X X^T,
    X <- a X + b A X + c A^2 X.
Quintic: (a, b, c) = (3.4445, -4.7750, 2.0315) (fast but does NOT converge to orthogonal: it lands
at a scale that depends on n). Cubic (Eq. 41): (1.5, -0.5, 0), converges for 0 < sigma < sqrt(3).
Schemes: 'quintic' (steps quintic), 'cubic' (steps cubic), 'quintic+cubic' (steps quintic, then
``polish`` cubic steps that pull the singular values to 1).

Backward of one step (derived in docs/transforms.md; A is symmetric and depends on X):
    G_A = b G' X^T + c (G' X^T A + A G' X^T)
    dX  = a G' + b A G' + c A^2 G' + (G_A + G_A^T) X
and since A is symmetric, with S = G' X^T + X G'^T (symmetric):
    G_A + G_A^T = b S + c (S A + A S) = b S + c (S A + (S A)^T)
which needs one product S A instead of two. A = X X^T is kept from the forward.
Backward of the normalisation X_0 = G / (f + eps), f = ||G||_F:
    dG  = dX_0 / (f + eps) - <dX_0, G> G / (f (f + eps)^2)
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

QUINTIC = (3.4445, -4.7750, 2.0315)
CUBIC = (1.5, -0.5, 0.0)
SCHEMES = ("quintic", "cubic", "quintic+cubic")
NORM_EPS = 1e-7


def _t(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def schedule(scheme: str, steps: int = 5, polish: int = 4) -> list[tuple[float, float, float]]:
    """The list of (a, b, c) coefficients applied in order."""
    if scheme == "quintic":
        return [QUINTIC] * steps
    if scheme == "cubic":
        return [CUBIC] * steps
    if scheme == "quintic+cubic":
        return [QUINTIC] * steps + [CUBIC] * polish
    raise ValueError(f"unknown Newton-Schulz scheme {scheme!r}; choose one of {SCHEMES}")


class NSCache(NamedTuple):
    g: np.ndarray              # (..., r, c) the input
    fro: np.ndarray            # (..., 1, 1) ||G||_F
    xs: list                   # X_0 .. X_{K-1}, the input of every step
    As: list                   # A_k = X_k X_k^T of every step
    coeffs: list               # (a, b, c) per step


def ns_step(x: np.ndarray, a: float, b: float, c: float, A: np.ndarray | None = None) -> np.ndarray:
    """X <- a X + b A X + c A^2 X with A = X X^T (pass A if it is already computed)."""
    if A is None:
        A = x @ _t(x)                                       # (..., r, r)
    bx = b * x + c * (A @ x) if c else b * x
    return a * x + A @ bx


def ns_step_backward(gy: np.ndarray, x: np.ndarray, a: float, b: float, c: float,
                     A: np.ndarray | None = None) -> np.ndarray:
    """VJP of ns_step w.r.t. x, including A's dependence on x (A = X X^T, recomputed if not given)."""
    if A is None:
        A = x @ _t(x)
    gxt = gy @ _t(x)                                        # G' X^T   (..., r, r)
    sym = gxt + _t(gxt)                                     # S = G' X^T + X G'^T
    ag = A @ gy
    dx = a * gy + b * ag
    ga_sym = b * sym                                        # G_A + G_A^T
    if c:
        dx = dx + c * (A @ ag)
        sa = sym @ A
        ga_sym = ga_sym + c * (sa + _t(sa))
    return dx + ga_sym @ x


def newton_schulz(g: np.ndarray, scheme: str = "quintic", steps: int = 5,
                  polish: int = 4) -> tuple[np.ndarray, NSCache]:
    """R ~ msign(G) by Frobenius normalisation then the scheme's Newton-Schulz steps."""
    fro = np.linalg.norm(g, axis=(-2, -1), keepdims=True)  # (..., 1, 1)
    x = g / (fro + g.dtype.type(NORM_EPS))
    coeffs = schedule(scheme, steps, polish)
    xs, As = [], []
    for a, b, c in coeffs:
        A = x @ _t(x)
        xs.append(x)
        As.append(A)
        x = ns_step(x, a, b, c, A)
    return x, NSCache(g, fro, xs, As, coeffs)


def newton_schulz_backward(dr: np.ndarray, cache: NSCache) -> np.ndarray:
    """dL/dG from dL/dR, through every step and the Frobenius normalisation."""
    g, fro, xs, As, coeffs = cache
    gx = dr
    for x, A, (a, b, c) in zip(reversed(xs), reversed(As), reversed(coeffs)):
        gx = ns_step_backward(gx, x, a, b, c, A)
    d = fro + g.dtype.type(NORM_EPS)
    inner = np.sum(gx * g, axis=(-2, -1), keepdims=True)
    safe = np.where(fro > 0, fro, 1)
    return gx / d - inner * g / (safe * d * d)
