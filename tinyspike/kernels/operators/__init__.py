"""Kernels of the spiking operators (``tinyspike/operators``): scalar versions of the integer primitives
(``fixedpoint``, ``pwl``, ``exponential``, ``cordic``, ``boundary``) and the fused operators built from them."""
from . import norms, silu, spiking_gelu, spiking_softmax  # noqa: F401  (each registers itself)
