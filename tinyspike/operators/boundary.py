"""The operator boundary: a float tensor enters as signed IF spike counts, a result leaves as floats.

`IFBoundary(T, levels, x_range)` is a signed integrate-and-fire encoder of T steps and `levels` ordered
thresholds per polarity covering [-x_range, x_range]: T * levels counts span x_range, so the count is a
fixed-point number with frac_bits = log2(T * levels / x_range) fractional bits (one level is
2^-frac_bits). Inputs beyond +-x_range saturate at +-T*levels (+-inf too; NaN is refused).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import backends
from .signed_if_encoding import if_encode
from .fixedpoint import from_fixed, to_fixed

ADC_GUARD_BITS = 8     # the input current is sampled 8 bits finer than one spike-count level


@dataclass(frozen=True)
class IFBoundary:
    T: int
    levels: int
    x_range: float

    def __post_init__(self):
        if self.T < 1 or self.levels < 1 or not self.x_range > 0:
            raise ValueError(f"IFBoundary: need T >= 1, levels >= 1, x_range > 0; got T={self.T}, "
                             f"levels={self.levels}, x_range={self.x_range}")
        ratio = self.T * self.levels / self.x_range
        f = int(round(np.log2(ratio)))
        if f < 0 or 2.0 ** f != ratio:
            raise ValueError(f"IFBoundary: T * levels / x_range = {ratio} must be a power of two >= 1 so a "
                             f"spike count is a fixed-point number (T={self.T}, levels={self.levels}, "
                             f"x_range={self.x_range}); e.g. choose powers of two for all three")

    @property
    def frac_bits(self) -> int:
        return int(round(np.log2(self.T * self.levels / self.x_range)))

    def encode(self, x) -> np.ndarray:
        """x (float) -> signed spike counts n ~ x 2^frac_bits (int64), by the IF encoder's closed form."""
        current = to_fixed(x, self.frac_bits + ADC_GUARD_BITS, bound=self.x_range)
        return if_encode(current, theta=self.T << ADC_GUARD_BITS, T=self.T, levels=self.levels)

    def kernel_params(self) -> np.ndarray:
        """(scale, lim, theta, T, cap) for the kernels' copy of `encode` (``tinyspike/kernels/operators``)."""
        g = self.frac_bits + ADC_GUARD_BITS
        return np.array([2.0 ** g, self.x_range * 2.0 ** g, self.T << ADC_GUARD_BITS, self.T,
                         self.T * self.levels], dtype=np.float64)

    def decode(self, q) -> np.ndarray:
        return from_fixed(q, self.frac_bits)


def check_backend(backend: str, where: str) -> None:
    """'fast' (the fused kernel, the default), 'reference' (alias 'numpy': the specification) or a kernel name."""
    backends.check(backend, where)


def check_finite_or_inf(x, where: str) -> None:
    """Refuse what is not a real number (TypeError) and NaN (ValueError); +-inf saturate."""
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{where}: input must be real numbers (bool, int or float), got dtype {x.dtype}")
    if np.isnan(x).any():
        raise ValueError(f"{where}: input holds {int(np.isnan(x).sum())} NaN value(s); the spiking operators "
                         "need finite inputs (+-inf saturate at +-x_range)")


def table_params(table) -> np.ndarray:
    """(lo, w, K, in_bits) of a PWLTable for the kernels."""
    return np.array([table.lo_q, table.width_q, table.K, table.in_bits], dtype=np.int64)


def out_dtype(like: np.ndarray):
    """The caller's float dtype (float64 for integer inputs)."""
    return like.dtype if np.issubdtype(like.dtype, np.floating) else np.dtype(np.float64)


def float_out(y: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Return in the caller's float dtype (float64 for integer inputs)."""
    return y.astype(out_dtype(like), copy=False)
