"""Models: configuration, embeddings, spiking self-attention, heads."""
from .attention import spiking_attention_backward, spiking_attention_forward
from .config import ModelConfig
from .embeddings import BertEmbeddings
from .heads import MLMHead, SequenceClassificationHead

__all__ = ["ModelConfig", "BertEmbeddings", "MLMHead", "SequenceClassificationHead",
           "spiking_attention_forward", "spiking_attention_backward"]
