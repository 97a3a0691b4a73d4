"""Which code runs: the reference (plain NumPy, the specification) or a compiled kernel registered for it.

Every function that has a kernel is written first as reference code in its own module (``neurons/lif.py``,
``transforms/fwht.py``, ``layers/rmsnorm.py``, ``operators/*.py``). The kernels live apart, in
``tinyspike.kernels``, one file per reference, and each registers itself here under the name of the
reference it implements (``register``). A reference module asks for its kernel by that name (``kernel``)
and runs its own code when there is none.

A ``backend`` argument takes one of:

- ``"fast"`` (the default everywhere): the registered kernel, unless ``TINYSPIKE_BACKEND=reference`` is set
  in the environment, in which case the reference code runs and the kernel package is never imported;
- ``"reference"`` or ``"numpy"``: the reference code;
- the name a kernel was registered under (see ``tinyspike.kernels``): that kernel.
"""
from __future__ import annotations

import importlib
import os

REFERENCE_NAMES = ("reference", "numpy")
FAST = "fast"
ENV = "TINYSPIKE_BACKEND"
KERNEL_PACKAGE = "tinyspike.kernels"

_registry: dict[str, dict[str, object]] = {}   # reference name -> {backend name: implementation}
_loaded = False


def register(reference: str, backend: str, implementation) -> None:
    """Make ``implementation`` the ``backend`` version of ``reference`` (called by the kernel modules)."""
    _registry.setdefault(reference, {})[backend] = implementation


def default_backend() -> str:
    """``TINYSPIKE_BACKEND`` from the environment: "fast" (default), "reference", or a kernel backend name."""
    return os.environ.get(ENV, FAST) or FAST


def _load_kernels() -> None:
    global _loaded
    if not _loaded:
        importlib.import_module(KERNEL_PACKAGE)       # each kernel module registers itself on import
        _loaded = True


def kernel_names() -> tuple[str, ...]:
    """Every backend name some kernel is registered under (imports the kernel package)."""
    _load_kernels()
    return tuple(sorted({name for impls in _registry.values() for name in impls}))


def check(backend: str, where: str) -> None:
    """Raise a one-line ValueError unless ``backend`` is a known name."""
    if backend in REFERENCE_NAMES or backend == FAST:
        return
    if not isinstance(backend, str) or not backend or backend not in kernel_names():
        raise ValueError(f"{where}: backend must be 'fast' (the compiled kernel), 'reference' (alias 'numpy', "
                         f"the plain NumPy code) or a kernel backend name; got {backend!r}")


def kernel(reference: str, backend: str = FAST):
    """The implementation registered for ``reference`` under ``backend``, or None: run the reference code.

    ``"fast"`` follows ``TINYSPIKE_BACKEND``; when that names the reference, nothing is imported.
    """
    if backend == FAST:
        backend = default_backend()
        if backend == FAST:
            _load_kernels()
            impls = _registry.get(reference)
            return next(iter(impls.values())) if impls else None
        if backend not in REFERENCE_NAMES and backend not in kernel_names():
            raise ValueError(f"{ENV}={backend!r} in the environment: use 'fast' (the compiled kernels), "
                             f"'reference' (plain NumPy, no kernel imported) or one of {list(kernel_names())}")
    if backend in REFERENCE_NAMES:
        return None
    _load_kernels()
    impl = _registry.get(reference, {}).get(backend)
    if impl is None:
        raise ValueError(f"{reference}: no kernel registered under backend {backend!r}; registered: "
                         f"{sorted(_registry.get(reference, {}))} (or use 'reference')")
    return impl
