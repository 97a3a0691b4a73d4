"""The backend switch: the reference code is free of kernels, and TINYSPIKE_BACKEND=reference trains a
SmoothSpike model without ever importing numba, to the same losses as the compiled kernels."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinyspike import backends

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tinyspike"

# A tiny SmoothSpike model (H1, H2, H3 learnable), float64, a few AdamW steps on fixed masked batches.
TRAIN = r"""
import json, sys
import numpy as np
from tinyspike.models.config import ModelConfig
from tinyspike.models.spiking_lm import MaskedLM
from tinyspike.training import AdamW
from tinyspike.training.pretrain import mlm_step
from tinyspike.training.step import train_step

cfg = ModelConfig(vocab_size=40, d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=12, T=2, h1="learnable",
                  h2="learnable", h3="learnable", dtype="float64")
model = MaskedLM(cfg)
opt = AdamW(model.parameters(), lr=3e-3)
rng = np.random.default_rng(0)
ids = np.tile(np.arange(5, 17), (6, 1))
step = mlm_step(model, (ids, np.zeros_like(ids), np.ones_like(ids)), 4, 40, (0, 1, 2, 3, 4))
losses = [train_step(step, np.arange(6), rng, opt, 3e-3, clip=1.0).loss for _ in range(4)]
print(json.dumps({"losses": losses, "numba": "numba" in sys.modules, "llvmlite": "llvmlite" in sys.modules}))
"""
LOSS_RTOL = 1e-12  # float64: the backends differ by a few ulp per operation (sigmoid derivative, RMSNorm sums)


def _train(backend: str) -> dict:
    env = dict(os.environ, TINYSPIKE_BACKEND=backend, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", TRAIN], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_reference_backend_trains_smoothspike_without_numba_and_matches_the_kernels():
    ref, fast = _train("reference"), _train("fast")
    assert not ref["numba"] and not ref["llvmlite"]
    assert fast["numba"]                                           # the fast run did use the kernels
    assert all(np.isfinite(ref["losses"]))
    np.testing.assert_allclose(ref["losses"], fast["losses"], rtol=LOSS_RTOL)


IMPORT_ALL = r"""
import importlib, json, pathlib, sys
names = []
for p in sorted(pathlib.Path("tinyspike").rglob("*.py")):
    parts = p.with_suffix("").parts
    if parts[1] in ("kernels", "export") or parts[-1] == "__main__":     # export: the optional torch extra
        continue
    names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": len(names), "numba": "numba" in sys.modules}))
"""


def test_importing_every_reference_module_with_the_reference_backend_imports_no_numba():
    env = dict(os.environ, TINYSPIKE_BACKEND="reference", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["modules"] > 50 and not report["numba"]


def test_reference_modules_mention_neither_numba_nor_llvmlite():
    """Everything under tinyspike/ except tinyspike/kernels/ is reference code."""
    hits = []
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.is_relative_to(PACKAGE / "kernels"):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if re.search(r"numba|llvmlite", line, re.IGNORECASE):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_every_kernel_is_registered_under_the_reference_it_implements():
    backends.kernel_names()                                       # imports tinyspike.kernels
    registered = {name for name, impls in backends._registry.items() if "numba" in impls}
    assert registered >= {"lif_forward", "lif_backward", "fwht", "rmsnorm_forward", "rmsnorm_backward",
                          "SpikingSoftmax", "SpikingSiLU", "SpikingGELU", "SpikingNorm"}
    assert backends.kernel("fwht", "reference") is None and backends.kernel("fwht", "numpy") is None


@pytest.mark.parametrize("bad", ["torch", "", None, 3])
def test_an_unknown_backend_name_is_one_clear_error(bad):
    with pytest.raises(ValueError, match="backend must be 'fast'"):
        backends.check(bad, "RMSNorm")


def test_an_unknown_backend_in_the_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv("TINYSPIKE_BACKEND", "cuda")
    with pytest.raises(ValueError, match="TINYSPIKE_BACKEND"):
        backends.kernel("fwht")
