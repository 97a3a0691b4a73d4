"""The project speaks of itself: no file in the package, docs, tutorials or README points outside the repository."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"REFERENCE\.md|\.\./shared|\bshared/(data|bench|papers)|/work/|/tmp/exp|\bthe issue\b|issue's")


def _files():
    for folder in ("tinyspike", "docs", "tutorials", "experiments", "benchmarks"):
        yield from (p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md", ".yml", ".json"))
    yield ROOT / "README.md"


def test_no_file_points_outside_the_repository():
    hits = [f"{p.relative_to(ROOT)}:{i}: {line.strip()[:80]}" for p in _files()
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if OUTSIDE.search(line)]
    assert not hits, "name the official code or take a path argument (--glue-dir PATH) instead:\n" + "\n".join(hits)
