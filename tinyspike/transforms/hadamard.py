"""Dense orthonormal Hadamard matrices of order n = m * 2^k, m in {1, 12, 20, 28, 44} (the specification).

Bases: Sylvester (order 2^k, symmetric); Paley construction I (order q + 1 for a prime q = 3 mod 4:
12 = 11 + 1, 20 = 19 + 1, 44 = 43 + 1; not symmetric); Paley construction II (order 2(q + 1) for a prime
q = 1 mod 4: 28 = 2 (13 + 1); symmetric). Orders 40, 80, 24, 48, 56, ... are covered because m * 2^k
absorbs the doubling (40 = 20 * 2, 56 = 28 * 2, 88 = 44 * 2); 36, 52, 60, ... are not built.
``hadamard_matrix(n) = kron(H_m, H_{2^k}) / sqrt(n)``; ``fwht`` uses the same kron order.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

PALEY_BASES = (12, 20, 44)   # Paley I: q + 1 for q = 11, 19, 43 (primes = 3 mod 4)
PALEY_II_BASES = (28,)       # Paley II: 2 (q + 1) for q = 13 (prime = 1 mod 4)
BASES = (1, 12, 20, 28, 44)


def sylvester(p: int) -> np.ndarray:
    """Unnormalised Sylvester matrix of order p = 2^k: H_{2p} = [[H, H], [H, -H]] (entries +-1)."""
    if p < 1 or p & (p - 1):
        raise ValueError(f"sylvester: order must be a power of two, got {p}")
    h = np.ones((1, 1))
    while h.shape[0] < p:
        h = np.block([[h, h], [h, -h]])
    return h


def _is_prime(q: int) -> bool:
    return q >= 2 and all(q % d for d in range(2, int(q ** 0.5) + 1))


def jacobsthal(q: int) -> np.ndarray:
    """Q[i, j] = chi(j - i) with chi the quadratic character of GF(q), q prime: chi(0) = 0, chi(x) = 1 if
    x is a nonzero square mod q, else -1. Q is antisymmetric for q = 3 mod 4, symmetric for q = 1 mod 4."""
    chi = -np.ones(q)
    chi[0] = 0
    chi[[(x * x) % q for x in range(1, q)]] = 1
    idx = np.arange(q)
    return chi[(idx[None, :] - idx[:, None]) % q]          # (q, q)


def paley(order: int) -> np.ndarray:
    """Unnormalised Paley-I Hadamard matrix of order q + 1 (q prime, q = 3 mod 4): I + [[0, 1^T], [-1, Q]].

    Q[i, j] = chi(j - i) is the Jacobsthal matrix of the quadratic character chi of GF(q); it is
    antisymmetric because chi(-1) = -1 when q = 3 mod 4.
    """
    q = order - 1
    if q < 3 or q % 4 != 3 or not _is_prime(q):
        raise ValueError(f"paley: order - 1 = {q} must be a prime = 3 (mod 4)")
    s = np.zeros((order, order))
    s[0, 1:] = 1
    s[1:, 0] = -1
    s[1:, 1:] = jacobsthal(q)
    return np.eye(order) + s


def paley2(order: int) -> np.ndarray:
    """Unnormalised Paley-II Hadamard matrix of order 2(q + 1) (q prime, q = 1 mod 4), symmetric.

    C = [[0, 1^T], [1, Q]] is a symmetric conference matrix (C C^T = q I, zero diagonal; Q the symmetric
    Jacobsthal matrix). Each entry of C becomes a 2x2 block: 0 -> [[1, -1], [-1, -1]], +-1 -> +-[[1, 1],
    [1, -1]], i.e.  H = kron(C, [[1, 1], [1, -1]]) + kron(I, [[1, -1], [-1, -1]]).
    """
    q = order // 2 - 1
    if order % 2 or q < 5 or q % 4 != 1 or not _is_prime(q):
        raise ValueError(f"paley2: order / 2 - 1 = {order / 2 - 1:g} must be a prime = 1 (mod 4)")
    c = np.zeros((q + 1, q + 1))
    c[0, 1:] = 1
    c[1:, 0] = 1
    c[1:, 1:] = jacobsthal(q)
    return np.kron(c, [[1.0, 1.0], [1.0, -1.0]]) + np.kron(np.eye(q + 1), [[1.0, -1.0], [-1.0, -1.0]])


@lru_cache(maxsize=None)
def _base(m: int) -> np.ndarray:
    if m == 1:
        return np.ones((1, 1))
    return paley2(m) if m in PALEY_II_BASES else paley(m)


def factor(n: int) -> tuple[int, int]:
    """Split n = m * p with m in BASES and p = 2^k; the error names the supported forms."""
    for m in BASES:
        p = n // m if n >= 1 and n % m == 0 else 0
        if p >= 1 and p & (p - 1) == 0:
            return m, p
    raise ValueError(f"no Hadamard matrix of order {n} here: supported orders are m * 2^k with "
                     f"m in {BASES} (e.g. 64, 768 = 12 * 64, 1280 = 20 * 64, 1792 = 28 * 64)")


def base_matrix(m: int) -> np.ndarray:
    """Unnormalised base Hadamard matrix H_m (m in BASES), float64, read-only copy."""
    if m not in BASES:
        raise ValueError(f"base order {m} not supported; bases are {BASES}")
    return _base(m).copy()


def hadamard_matrix(n: int, dtype=np.float64) -> np.ndarray:
    """Orthonormal H_bar = kron(H_m, H_{2^k}) / sqrt(n), so H_bar H_bar^T = I."""
    m, p = factor(n)
    return (np.kron(_base(m), sylvester(p)) / np.sqrt(n)).astype(dtype)
