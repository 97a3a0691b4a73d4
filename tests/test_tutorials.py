"""Every tutorial runs, in fast mode, in a subprocess, and its closing asserts hold."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "tutorials").glob("t*.py"))


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.name)
def test_tutorial_runs_in_fast_mode(path, tmp_path):
    env = {**os.environ, "TINYSPIKE_FAST": "1", "TINYSPIKE_OUT": str(tmp_path), "PYTHONPATH": str(ROOT),
           "MPLBACKEND": "Agg"}                  # the harness picks the backend; tutorials never call matplotlib.use
    result = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert list(tmp_path.glob("*.png")), "a tutorial saves its figures as PNG"


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.name)
def test_tutorial_opens_as_notebook(path):
    jupytext = pytest.importorskip("jupytext", reason="needs jupytext (dev extra)")
    nbformat = pytest.importorskip("nbformat", reason="needs nbformat (installed with jupytext)")
    notebook = jupytext.read(path)
    nbformat.validate(notebook)
    kinds = {cell.cell_type for cell in notebook.cells}
    assert kinds == {"markdown", "code"}, f"{path.name}: expected markdown and code cells, got {kinds}"
