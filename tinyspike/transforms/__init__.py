"""Orthogonal transforms: Hadamard matrices, the FWHT, randomized Hadamard, msign and Newton-Schulz."""
from .fwht import fwht, fwht_numpy
from .hadamard import factor, hadamard_matrix, paley, sylvester
from .msign import msign, orthogonality_error
from .newton_schulz import newton_schulz, newton_schulz_backward
from .orthogonal import OrthogonalTransform
from .randomized import RandomizedHadamard, rademacher, randomized_hadamard

__all__ = ["fwht", "fwht_numpy", "factor", "hadamard_matrix", "paley", "sylvester", "msign",
           "orthogonality_error", "newton_schulz", "newton_schulz_backward", "OrthogonalTransform",
           "RandomizedHadamard", "rademacher", "randomized_hadamard"]
