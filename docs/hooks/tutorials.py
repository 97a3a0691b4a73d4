"""mkdocs hook: every ``tutorials/t*.py`` becomes a page of the site, run in fast mode, with its figures.

At build time each tutorial (jupytext percent format) is executed cell by cell in a fresh Python process
(``TINYSPIKE_FAST=1``, ``MPLBACKEND=Agg``, figures written to a temporary ``TINYSPIKE_OUT``); the page
shows each markdown cell, each code cell, what the cell printed, and the PNGs the cell saved, right
after it. The pages and images are generated in memory (nothing is written into ``docs/``) and listed
under "Tutorials" in the navigation.

``TINYSPIKE_DOCS_EXECUTE=0`` converts without running (no outputs, no figures): the docs build test
uses it, because running every tutorial takes minutes; ``tests/test_docs_tutorials.py`` runs one.
Run one by hand: ``python docs/hooks/tutorials.py tutorials/t00_engine_and_gradcheck.py OUT_DIR``.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import traceback

ROOT = pathlib.Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "tutorials"
PAGE_DIR = "tutorials"          # pages are served as tutorials/<name>.md


def tutorial_paths() -> list[pathlib.Path]:
    return sorted(TUTORIALS.glob("t*.py"))


def _cells(path: pathlib.Path):
    import jupytext

    return [(c.cell_type, c.source) for c in jupytext.read(path).cells]


def execute(path: pathlib.Path, out_dir: pathlib.Path) -> list[dict]:
    """Run the tutorial's code cells in one namespace; per cell: {"stdout", "images", "error"}. In-process:
    call it through ``run_tutorial``, which gives it a fresh interpreter."""
    os.environ.update({"TINYSPIKE_FAST": "1", "TINYSPIKE_OUT": str(out_dir), "MPLBACKEND": "Agg"})
    namespace = {"__name__": "__main__", "__file__": str(path)}
    results = []
    for kind, source in _cells(path):
        if kind != "code":
            continue
        before = set(out_dir.glob("*.png"))
        buf, error = io.StringIO(), None
        with contextlib.redirect_stdout(buf):
            try:
                exec(compile(source, f"{path.name} (cell {len(results)})", "exec"), namespace)
            except BaseException:                                # a failing cell fails the build
                error = traceback.format_exc()
        new = sorted(p.name for p in set(out_dir.glob("*.png")) - before)
        results.append({"stdout": buf.getvalue(), "images": new, "error": error})
        if error:
            break
    return results


def run_tutorial(path: pathlib.Path, out_dir: pathlib.Path) -> list[dict]:
    """``execute`` in a fresh interpreter with the repository on the path; raises naming the failing cell."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, __file__, str(path), str(out_dir)], cwd=out_dir, env=env,
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"docs: running {path.name} failed: {proc.stderr[-2000:]}")
    results = json.loads((out_dir / "outputs.json").read_text())
    failed = [r["error"] for r in results if r["error"]]
    if failed:
        raise RuntimeError(f"docs: tutorial {path.name} raised in fast mode:\n{failed[0]}")
    return results


def render(path: pathlib.Path, results: list[dict] | None) -> str:
    """The markdown page of one tutorial; ``results`` from ``run_tutorial`` (None: not run, no outputs)."""
    lines = [f"<!-- generated from tutorials/{path.name} by docs/hooks/tutorials.py -->", ""]
    if results is None:
        lines += [f"*This page shows the source of `tutorials/{path.name}` without running it, so without "
                  "its figures (the site was built with `TINYSPIKE_DOCS_EXECUTE=0`).*", ""]
    else:
        lines += [f"*`tutorials/{path.name}`, run in fast mode (`TINYSPIKE_FAST=1`) when this site was built: "
                  "the output and figures below are that run's.*", ""]
    code_index = 0
    for kind, source in _cells(path):
        if kind == "markdown":
            lines += [source, ""]
            continue
        lines += ["```python", source.rstrip("\n"), "```", ""]
        if results is not None and code_index < len(results):
            r = results[code_index]
            if r["stdout"].strip():
                lines += ["```text", r["stdout"].rstrip("\n"), "```", ""]
            lines += [f"![{name}]({path.stem}/{name})" for name in r["images"]] + [""]
        code_index += 1
    return "\n".join(lines)


# ---- the mkdocs events ---------------------------------------------------------------------------
def on_config(config):
    """List the tutorial pages under the "Tutorials" entry of the navigation."""
    pages = [f"{PAGE_DIR}/{p.stem}.md" for p in tutorial_paths()]
    for i, item in enumerate(config["nav"] or []):
        if isinstance(item, dict) and "Tutorials" in item and isinstance(item["Tutorials"], str):
            config["nav"][i] = {"Tutorials": [item["Tutorials"], *pages]}
    return config


def on_files(files, config):
    from mkdocs.structure.files import File

    run = os.environ.get("TINYSPIKE_DOCS_EXECUTE", "1") != "0"
    with tempfile.TemporaryDirectory() as tmp:
        for path in tutorial_paths():
            results = None
            if run:
                out = pathlib.Path(tmp) / path.stem
                out.mkdir()
                results = run_tutorial(path, out)
                for r in results:
                    for name in r["images"]:
                        files.append(File.generated(config, f"{PAGE_DIR}/{path.stem}/{name}",
                                                    content=(out / name).read_bytes()))
            files.append(File.generated(config, f"{PAGE_DIR}/{path.stem}.md", content=render(path, results)))
    return files


if __name__ == "__main__":                                        # run_tutorial's worker
    target, out_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "outputs.json").write_text(json.dumps(execute(target, out_dir)))
