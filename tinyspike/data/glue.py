"""GLUE tasks from a local directory in the standard GLUE TSV layout, or from the hub when online.

Local layout: ``GLUE_DIR/<Task>/{train,dev}.tsv`` (MNLI: ``dev_matched.tsv``, ``dev_mismatched.tsv``).
The files are split on tabs only: quotes are text, never field delimiters (SST-2 and MRPC contain
unbalanced ``"``). CoLA has no header; MRPC's header starts with a UTF-8 byte-order mark.
A row with too few tab-separated columns (a comma- or space-separated file), bytes that are not
UTF-8, a label outside the task's vocabulary or an STS-B score that is not a finite number in
[0, 5] is refused with ``file:line``. Only the task's own split names are read.
"""
from __future__ import annotations

import dataclasses
import math
import pathlib

import numpy as np

from ..io.files import read_utf8


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    folder: str
    header: bool
    text_a: int            # column of the first sentence
    text_b: int | None     # column of the second sentence (pair tasks)
    label: int             # column of the label (-1: last)
    labels: tuple[str, ...] | None  # label vocabulary; None for regression
    metrics: tuple[str, ...]
    hub_name: str
    dev_files: tuple[str, ...] = ("dev",)

    @property
    def num_labels(self) -> int:
        return 1 if self.labels is None else len(self.labels)

    @property
    def columns(self) -> int:
        """The fewest tab-separated columns a data row must have."""
        return max(self.text_a, self.text_b or 0, self.label) + 1

    @property
    def splits(self) -> tuple[str, ...]:
        return ("train",) + self.dev_files + (("dev",) if "dev" not in self.dev_files else ())


GLUE_TASKS: dict[str, TaskSpec] = {
    "cola": TaskSpec("CoLA", False, 3, None, 1, ("0", "1"), ("mcc",), "cola"),
    "sst2": TaskSpec("SST-2", True, 0, None, 1, ("0", "1"), ("accuracy",), "sst2"),
    "mrpc": TaskSpec("MRPC", True, 3, 4, 0, ("0", "1"), ("f1", "accuracy"), "mrpc"),
    "stsb": TaskSpec("STS-B", True, 7, 8, 9, None, ("pearson", "spearman"), "stsb"),
    "rte": TaskSpec("RTE", True, 1, 2, 3, ("entailment", "not_entailment"), ("accuracy",), "rte"),
    "qnli": TaskSpec("QNLI", True, 1, 2, 3, ("entailment", "not_entailment"), ("accuracy",), "qnli"),
    "qqp": TaskSpec("QQP", True, 3, 4, 5, ("0", "1"), ("f1", "accuracy"), "qqp"),
    "mnli": TaskSpec("MNLI", True, 8, 9, -1, ("entailment", "neutral", "contradiction"), ("accuracy",), "mnli",
                     ("dev_matched", "dev_mismatched")),
}


@dataclasses.dataclass
class GlueSplit:
    """One split: sentences (and second sentences for pair tasks) and labels (int ids, or float scores)."""
    task: str
    text_a: list[str]
    text_b: list[str] | None
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.text_a)


def _normalise_task(task: str) -> str:
    key = task.lower().replace("-", "").replace("_", "")
    if key not in GLUE_TASKS:
        raise ValueError(f"unknown GLUE task '{task}'; known tasks: {', '.join(GLUE_TASKS)}")
    return key


SCORE_RANGE = (0.0, 5.0)       # STS-B's similarity scores


def read_glue_tsv(path: pathlib.Path, task: str) -> GlueSplit:
    """Parse one GLUE TSV file; a malformed row raises an error naming the file and line."""
    key = _normalise_task(task)
    spec = GLUE_TASKS[key]
    lines = read_utf8(path).split("\n")            # drops MRPC's byte-order mark
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or (spec.header and len(lines) == 1):
        raise ValueError(f"{path}: the file has no data rows")
    start = 1 if spec.header else 0
    ncols = max(len(lines[0].rstrip("\r").split("\t")), spec.columns) if spec.header else spec.columns
    a, b, labels = [], [], []
    for lineno, line in enumerate(lines, start=1):
        cols = line.rstrip("\r").split("\t")
        if len(cols) < ncols:
            raise ValueError(f"{path}:{lineno}: expected {ncols} tab-separated columns for {spec.folder}, "
                             f"found {len(cols)} (is the file comma- or space-separated?)")
        if lineno <= start:
            continue
        labels.append(_label(spec, cols[spec.label].strip(), f"{path}:{lineno}"))
        a.append(cols[spec.text_a].strip())
        if spec.text_b is not None:
            b.append(cols[spec.text_b].strip())
    dtype = np.float32 if spec.labels is None else np.int64
    return GlueSplit(key, a, b if spec.text_b is not None else None, np.asarray(labels, dtype))


def _label(spec: TaskSpec, raw: str, where: str):
    if spec.labels is not None:
        if raw not in spec.labels:
            raise ValueError(f"{where}: label '{raw}' is not one of {spec.labels}")
        return spec.labels.index(raw)
    try:
        score = float(raw)
    except ValueError:
        raise ValueError(f"{where}: score '{raw}' is not a number") from None
    low, high = SCORE_RANGE
    if not (math.isfinite(score) and low <= score <= high):
        raise ValueError(f"{where}: score '{raw}' is not a finite number in [{low:g}, {high:g}]")
    return score


def load_glue(task: str, split: str, glue_dir: str | pathlib.Path | None = None) -> GlueSplit:
    """``split`` is 'train', 'dev' (MNLI: 'dev_matched' / 'dev_mismatched').

    With ``glue_dir`` the local TSV file is read; without it the hub's copy is tried through
    ``datasets``; when neither works the error names both ways.
    """
    key = _normalise_task(task)
    spec = GLUE_TASKS[key]
    if split not in spec.splits:
        raise ValueError(f"unknown split {split!r} for GLUE task '{key}': choose one of {', '.join(spec.splits)}")
    if split == "dev" and key == "mnli":
        split = "dev_matched"
    if glue_dir is not None:
        path = pathlib.Path(glue_dir) / spec.folder / f"{split}.tsv"
        if not path.is_file():
            raise FileNotFoundError(f"no GLUE file at {path}: --glue-dir must hold {spec.folder}/{split}.tsv "
                                    "in the standard GLUE layout")
        return read_glue_tsv(path, key)
    return _load_from_hub(key, spec, split)


def _load_from_hub(key: str, spec: TaskSpec, split: str) -> GlueSplit:
    hub_split = {"dev": "validation", "dev_matched": "validation_matched",
                 "dev_mismatched": "validation_mismatched"}.get(split, split)
    try:
        import datasets

        ds = datasets.load_dataset("glue", spec.hub_name, split=hub_split)
    except Exception as err:  # offline, hub unreachable, or no cache
        raise RuntimeError(
            f"could not load GLUE task '{key}' ({split}): no --glue-dir was given and the hub copy could not "
            f"be loaded ({type(err).__name__}: {err}). Either pass --glue-dir DIR holding "
            f"{spec.folder}/{split}.tsv in the GLUE layout, or connect to the network so that "
            "datasets.load_dataset('glue', ...) works.") from None
    cols = [c for c in ds.column_names if c not in ("label", "idx")]
    a = list(ds[cols[0]])
    b = list(ds[cols[1]]) if len(cols) > 1 else None
    labels = np.asarray(ds["label"], np.float32 if spec.labels is None else np.int64)
    return GlueSplit(key, a, b, labels)
