"""STS-B without training: Spearman correlation of the cosine similarity of sentence embeddings with the gold score."""
from __future__ import annotations

import pathlib

from ..data.glue import GlueSplit, read_glue_tsv
from ..data.metrics import spearman


def read_sts(path: str | pathlib.Path, pairs: int | None = None) -> GlueSplit:
    """The first ``pairs`` rows (all when None) of an STS-B TSV file such as ``glue/STS-B/dev.tsv``."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no STS-B file at {path}; pass the path of GLUE's STS-B/dev.tsv")
    split = read_glue_tsv(path, "stsb")
    if pairs is not None:
        if pairs < 2:
            raise ValueError(f"read_sts: pairs must be >= 2 for a rank correlation, got {pairs}")
        split = GlueSplit(split.task, split.text_a[:pairs], split.text_b[:pairs], split.labels[:pairs])
    return split


def sts_spearman(encoder, split: GlueSplit, batch_size: int = 64) -> float:
    """100 x Spearman(cosine(embed(a), embed(b)), gold score): the number STS-B papers report."""
    return 100.0 * spearman(encoder.similarity(split.text_a, split.text_b, batch_size), split.labels)
