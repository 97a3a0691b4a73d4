"""The docs hook turns a tutorial into a page: run in fast mode, each cell's output and figures after it."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _hook():
    spec = importlib.util.spec_from_file_location("docs_tutorials_hook", ROOT / "docs" / "hooks" / "tutorials.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_tutorial_gets_a_page():
    hook = _hook()
    assert [p.name for p in hook.tutorial_paths()] == sorted(p.name for p in (ROOT / "tutorials").glob("t*.py"))
    config = hook.on_config({"nav": [{"Home": "index.md"}, {"Tutorials": "tutorials.md"}]})
    pages = config["nav"][1]["Tutorials"]
    assert pages[0] == "tutorials.md" and "tutorials/t00_engine_and_gradcheck.md" in pages
    assert len(pages) == 1 + len(hook.tutorial_paths())


def test_a_run_tutorial_page_shows_its_output_and_figure(tmp_path):
    hook = _hook()
    path = ROOT / "tutorials" / "t00_engine_and_gradcheck.py"
    results = hook.run_tutorial(path, tmp_path)
    page = hook.render(path, results)
    assert "](t00_engine_and_gradcheck/t00_training_loss.png)" in page      # the figure, after its cell
    assert (tmp_path / "t00_training_loss.png").read_bytes()[:4] == b"\x89PNG"
    assert "```text\nworst error / tolerance per tensor" in page            # what the cell printed
    assert page.index("t00_training_loss.png") > page.index("fig.savefig")
    assert "without running" in hook.render(path, None)


def test_a_failing_cell_fails_the_build(tmp_path):
    hook = _hook()
    broken = tmp_path / "t99_broken.py"
    broken.write_text("# %% [markdown]\n# # Broken\n\n# %%\nprint('ok')\n\n# %%\nassert 1 == 2, 'the assert'\n")
    (tmp_path / "out").mkdir()
    try:
        hook.run_tutorial(broken, tmp_path / "out")
        raised = None
    except RuntimeError as err:
        raised = str(err)
    assert raised is not None and "t99_broken.py" in raised and "the assert" in raised
