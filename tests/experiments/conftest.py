"""A tiny folder in the standard GLUE layout (five tasks, a few dozen generated rows each)."""
import numpy as np
import pytest

WORDS = "the a film movie plot actor good bad dull fine great poor story scene cat dog sat ran on mat".split()


def _sentence(rng) -> str:
    return " ".join(rng.choice(WORDS, rng.integers(3, 9)))


def write_tiny_glue(root, rows: int = 40, seed: int = 0):
    """CoLA (no header), SST-2, MRPC, STS-B, RTE: train.tsv and dev.tsv with ``rows`` rows each."""
    rng = np.random.default_rng(seed)
    layouts = {
        "CoLA": (None, lambda: f"src\t{rng.integers(2)}\t*\t{_sentence(rng)}"),
        "SST-2": ("sentence\tlabel", lambda: f"{_sentence(rng)}\t{rng.integers(2)}"),
        "MRPC": ("Quality\t#1 ID\t#2 ID\t#1 String\t#2 String",
                 lambda: f"{rng.integers(2)}\t1\t2\t{_sentence(rng)}\t{_sentence(rng)}"),
        "STS-B": ("index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore",
                  lambda: f"0\tg\tf\ty\t0\ts\ts\t{_sentence(rng)}\t{_sentence(rng)}\t{rng.uniform(0, 5):.2f}"),
        "RTE": ("index\tsentence1\tsentence2\tlabel",
                lambda: f"0\t{_sentence(rng)}\t{_sentence(rng)}\t{rng.choice(['entailment', 'not_entailment'])}"),
    }
    for folder, (header, row) in layouts.items():
        (root / folder).mkdir(parents=True)
        for split in ("train", "dev"):
            lines = ([header] if header else []) + [row() for _ in range(rows)]
            (root / folder / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def tiny_glue(tmp_path):
    return write_tiny_glue(tmp_path / "glue")
