"""The documentation site builds with `mkdocs build --strict` (broken links, missing pages and
docstring-rendering warnings all fail), including the API reference generated from docstrings.

The tutorials' pages are converted without running them here (TINYSPIKE_DOCS_EXECUTE=0): running all of
them takes minutes, and tests/test_tutorials.py runs them anyway; tests/test_docs_tutorials.py checks
that an executed page carries its output and figures."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_docs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs build needs the dev extra: pip install -e '.[dev]'")
    pytest.importorskip("mkdocstrings_handlers.python", reason="needs mkdocstrings-python (dev extra)")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "TINYSPIKE_DOCS_EXECUTE": "0"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "lif_forward" in api and "newton_schulz_backward" in api      # docstrings made it in
    page = (tmp_path / "site" / "tutorials" / "t06a_one_block_by_hand" / "index.html").read_text()
    assert "SmoothSpikeBlock" in page                                     # the tutorials are pages of the site
