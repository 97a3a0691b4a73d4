"""Compiled kernels, apart from the reference code they implement (one file per reference, same name).

    kernels/lif.py             neurons/lif.py          LIF forward / BPTT backward, parallel over neurons
    kernels/surrogate.py       neurons/surrogate.py    the surrogate derivatives the LIF kernels inline
    kernels/exp_neg.py         (np.exp)                the sigmoid derivative's exponential, vectorisable
    kernels/fwht.py            transforms/fwht.py      the FWHT, row by row in SIMD
    kernels/simd_butterfly.py  (fwht_numpy's stages)   LLVM vector butterflies for kernels/fwht.py
    kernels/rmsnorm.py         layers/rmsnorm.py       one fused pass per row
    kernels/operators/         operators/*.py          the spiking operators' integer steps, fused

Importing this package registers each kernel as the "numba" backend of its reference
(``tinyspike.backends``); the reference modules import it on first use unless
``TINYSPIKE_BACKEND=reference``. Every kernel is tested against its reference in ``tests/kernels``, bit for
bit (also with ``NUMBA_DISABLE_JIT=1``) or within the ulp bound its file states.
"""
import os as _os

# numba's OpenMP workers spin after each parallel kernel and starve the BLAS threads that run the
# next matrix product (measured: a small model's training step went from 0.9 s to 0.034 s on 2
# cores). Passive waiting fixes that; set before numba loads its threading layer, unless the user chose.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from . import exp_neg, surrogate, lif, fwht, rmsnorm, operators  # noqa: E402,F401  (each registers itself)
