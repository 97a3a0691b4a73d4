"""tinyspike: spiking transformers for language, in NumPy, with every backward written by hand.

The package reads like the papers' table of contents:

- ``tinyspike.layers``     the engine: layers with an explicit forward and a hand-written backward
- ``tinyspike.training``   AdamW, learning-rate schedule, gradient clipping
- ``tinyspike.testing``    the gradient checker and Hypothesis strategies used by every test
"""

import os as _os

# The compiled kernels' OpenMP workers spin after each parallel kernel and starve the BLAS threads that
# run the next matrix product (``tinyspike/kernels/__init__.py``). Set here too, before anything loads an
# OpenMP runtime, unless the user chose.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
