"""docs/architecture.md's map names every subpackage of tinyspike, and nothing that is not one."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _subpackages() -> set[str]:
    return {p.parent.name for p in (ROOT / "tinyspike").glob("*/__init__.py")}


def _map_entries() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Where each idea lives", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    return set(re.findall(r"^  (\w+)/ ", block, flags=re.MULTILINE))


def test_every_subpackage_is_in_the_architecture_map():
    missing = _subpackages() - _map_entries()
    assert not missing, f"docs/architecture.md's map lacks {sorted(missing)}: add one line for each"


def test_the_architecture_map_names_only_subpackages():
    extra = _map_entries() - _subpackages()
    assert not extra, f"docs/architecture.md's map names {sorted(extra)}, which are not subpackages of tinyspike"
