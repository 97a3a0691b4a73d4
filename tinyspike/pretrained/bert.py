"""A float BERT encoder (post-LayerNorm, softmax attention, exact-erf GELU) built from the engine's layers.

    e   = LayerNorm(word + position + token type)
    a   = softmax(Q K^T / sqrt(d_h) + m) V W_o + b_o     per head; m = 0 on real keys, -inf on padding
    x'  = LayerNorm(x + a)
    h   = LayerNorm(x' + GELU(x' W_1 + b_1) W_2 + b_2)

Inference only: the spiking operators that ``tinyspike.conversion`` drops in are forward functions,
and conversion never fine-tunes. Every nonlinearity is a layer object (``Softmax``, ``GELU``,
``LayerNorm``) so that conversion can find and replace it.
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from ..layers import GELU, LayerNorm, Linear, Softmax
from ..layers.base import Layer
from ..models.attention import _merge_heads, _split_heads
from ..models.embeddings import BertEmbeddings


@dataclasses.dataclass(frozen=True)
class BertConfig:
    """The fields of a Hugging Face BERT ``config.json`` that the forward pass needs."""
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    pad_token_id: int = 0
    layer_norm_eps: float = 1e-12

    def __post_init__(self):
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"BertConfig: hidden_size={self.hidden_size} is not divisible by "
                             f"num_attention_heads={self.num_attention_heads}")

    @classmethod
    def from_hf_dict(cls, d: dict) -> "BertConfig":
        """Read a Hugging Face ``config.json``; only BERT with absolute positions and exact GELU is supported."""
        if d.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"BertConfig: hidden_act {d['hidden_act']!r} is not supported (only 'gelu', the erf form)")
        if d.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("BertConfig: only position_embedding_type 'absolute' is supported, got "
                             f"{d['position_embedding_type']!r}")
        names = {f.name for f in dataclasses.fields(cls)}
        missing = sorted(names - set(d))
        if missing:
            raise ValueError(f"BertConfig: config.json lacks {missing}")
        return cls(**{k: d[k] for k in names})


class BertSelfAttention(Layer):
    """a = softmax(Q K^T / sqrt(d_h) + m) V, heads merged, then the output projection."""

    def __init__(self, d: int, n_heads: int, *, rng, dtype=np.float32):
        self.query = Linear(d, d, rng=rng, dtype=dtype)
        self.key = Linear(d, d, rng=rng, dtype=dtype)
        self.value = Linear(d, d, rng=rng, dtype=dtype)
        self.output = Linear(d, d, rng=rng, dtype=dtype)
        self.softmax = Softmax()
        self.n_heads = n_heads
        self.scale = 1.0 / np.sqrt(d // n_heads)

    def forward(self, x: np.ndarray, key_bias: np.ndarray) -> np.ndarray:
        """x: (B, S, D); key_bias: (B, 1, 1, S), 0 on real keys and -inf on padding."""
        q, k, v = (_split_heads(lin.forward(x), self.n_heads) for lin in (self.query, self.key, self.value))
        scores = (q @ k.swapaxes(-1, -2)) * x.dtype.type(self.scale) + key_bias   # (B, H, S, S)
        p = self.softmax.forward(scores)
        return self.output.forward(_merge_heads(p @ v))                            # (B, S, D)

    def backward(self, dy):
        raise NotImplementedError(f"{self._label()}: the pretrained BERT is inference-only (no backward)")


class LayerIntermediates(NamedTuple):
    """What one BERT layer computes on the way: the activations a spiking neuron would see."""
    residual: np.ndarray           # (B, S, D)    x + attention(x), the residual sum before LayerNorm
    ffn_input: np.ndarray          # (B, S, D)    x' = LayerNorm(x + attention(x))
    ffn_preactivation: np.ndarray  # (B, S, D_ff) x' W_1 + b_1, before GELU
    output: np.ndarray             # (B, S, D)    the layer's output


class BertLayer(Layer):
    """x' = LayerNorm(x + attention(x)); y = LayerNorm(x' + W_2 GELU(W_1 x'))   (post-LN, as BERT)."""

    def __init__(self, d: int, n_heads: int, d_ff: int, eps: float, *, rng, dtype=np.float32):
        self.attention = BertSelfAttention(d, n_heads, rng=rng, dtype=dtype)
        self.attention_norm = LayerNorm(d, eps, dtype=dtype)
        self.ffn_in = Linear(d, d_ff, rng=rng, dtype=dtype)
        self.activation = GELU()
        self.ffn_out = Linear(d_ff, d, rng=rng, dtype=dtype)
        self.output_norm = LayerNorm(d, eps, dtype=dtype)

    def intermediates(self, x: np.ndarray, key_bias: np.ndarray) -> "LayerIntermediates":
        """The forward pass, keeping the residual sum, the FFN input and the FFN pre-activation."""
        residual = x + self.attention.forward(x, key_bias)                            # (B, S, D)
        x = self.attention_norm.forward(residual)
        pre = self.ffn_in.forward(x)                                                  # (B, S, D_ff)
        h = self.ffn_out.forward(self.activation.forward(pre))                        # (B, S, D)
        return LayerIntermediates(residual, x, pre, self.output_norm.forward(x + h))

    def forward(self, x: np.ndarray, key_bias: np.ndarray) -> np.ndarray:
        return self.intermediates(x, key_bias).output

    def backward(self, dy):
        raise NotImplementedError(f"{self._label()}: the pretrained BERT is inference-only (no backward)")


class BertEncoder(Layer):
    """Token ids (B, S) -> hidden states (B, S, D) of a float BERT encoder (no pooler)."""

    def __init__(self, config: BertConfig, *, rng: np.random.Generator | None = None, dtype=np.float32):
        rng = np.random.default_rng(0) if rng is None else rng
        c = config
        self.config = c
        self.embeddings = BertEmbeddings(c.vocab_size, c.hidden_size, c.max_position_embeddings, c.type_vocab_size,
                                         c.pad_token_id, rng=rng, dtype=dtype, eps=c.layer_norm_eps)
        self.layers = [BertLayer(c.hidden_size, c.num_attention_heads, c.intermediate_size, c.layer_norm_eps,
                                 rng=rng, dtype=dtype) for _ in range(c.num_hidden_layers)]
        self.dtype = np.dtype(dtype)

    def _key_bias(self, ids: np.ndarray, attention_mask: np.ndarray | None) -> np.ndarray:
        if not isinstance(ids, np.ndarray) or ids.ndim != 2:
            raise ValueError(f"BertEncoder: ids must be a (batch, seq) integer array, got "
                             f"{getattr(ids, 'shape', type(ids).__name__)}")
        if attention_mask is None:
            attention_mask = np.ones_like(ids)
        if attention_mask.shape != ids.shape:
            raise ValueError(f"BertEncoder: attention_mask shape {attention_mask.shape} must equal ids shape "
                             f"{ids.shape}")
        if not np.all(attention_mask.any(-1)):
            raise ValueError("BertEncoder: every row of attention_mask needs at least one real token (a 1)")
        bias = np.where(attention_mask != 0, 0.0, -np.inf).astype(self.dtype)
        return bias[:, None, None, :]                                                # (B, 1, 1, S)

    def hidden_states(self, ids: np.ndarray, type_ids: np.ndarray | None = None,
                      attention_mask: np.ndarray | None = None) -> list[np.ndarray]:
        """The embeddings' output, then each layer's output: ``num_hidden_layers + 1`` arrays (B, S, D)."""
        bias = self._key_bias(ids, attention_mask)
        states = [self.embeddings.forward(ids, type_ids)]
        for layer in self.layers:
            states.append(layer.forward(states[-1], bias))
        return states

    def intermediates(self, ids: np.ndarray, type_ids: np.ndarray | None = None,
                      attention_mask: np.ndarray | None = None) -> list[LayerIntermediates]:
        """One ``LayerIntermediates`` per layer, in order (the same pass as ``forward``)."""
        bias = self._key_bias(ids, attention_mask)
        x, out = self.embeddings.forward(ids, type_ids), []
        for layer in self.layers:
            out.append(layer.intermediates(x, bias))
            x = out[-1].output
        return out

    def forward(self, ids: np.ndarray, type_ids: np.ndarray | None = None,
                attention_mask: np.ndarray | None = None) -> np.ndarray:
        """The last layer's hidden states (B, S, D)."""
        return self.hidden_states(ids, type_ids, attention_mask)[-1]

    def backward(self, dy):
        raise NotImplementedError(f"{self._label()}: the pretrained BERT is inference-only (no backward)")


def hf_parameter_map(model: BertEncoder) -> dict:
    """Hugging Face BERT tensor name -> this model's ``Parameter`` (Linear weights are (out, in) in both)."""
    e = model.embeddings
    names = {"embeddings.word_embeddings.weight": e.word.E, "embeddings.position_embeddings.weight": e.position.E,
             "embeddings.token_type_embeddings.weight": e.token_type.E,
             "embeddings.LayerNorm.weight": e.norm.gamma, "embeddings.LayerNorm.bias": e.norm.beta}
    for i, layer in enumerate(model.layers):
        p = f"encoder.layer.{i}."
        a = layer.attention
        pairs = {"attention.self.query": a.query, "attention.self.key": a.key, "attention.self.value": a.value,
                 "attention.output.dense": a.output, "intermediate.dense": layer.ffn_in, "output.dense": layer.ffn_out}
        for hf, lin in pairs.items():
            names[p + hf + ".weight"], names[p + hf + ".bias"] = lin.W, lin.b
        for hf, norm in {"attention.output.LayerNorm": layer.attention_norm, "output.LayerNorm": layer.output_norm}.items():
            names[p + hf + ".weight"], names[p + hf + ".bias"] = norm.gamma, norm.beta
    return names


def load_hf_state(model: BertEncoder, tensors: dict, ignore_prefixes=("pooler.", "embeddings.position_ids")) -> None:
    """Copy Hugging Face BERT tensors into the model in place; any missing, extra or misshapen tensor is an error."""
    target = hf_parameter_map(model)
    given = {k: v for k, v in tensors.items() if not k.startswith(ignore_prefixes)}
    given = {k[len("bert."):] if k.startswith("bert.") else k: v for k, v in given.items()}
    missing, unexpected = sorted(set(target) - set(given)), sorted(set(given) - set(target))
    if missing or unexpected:
        raise ValueError(f"load_hf_state: the checkpoint does not match BertEncoder({model.config}); "
                         f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                         f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}")
    for name, param in target.items():
        value = np.asarray(given[name])
        if value.shape != param.value.shape:
            raise ValueError(f"load_hf_state: {name} has shape {value.shape}, the model expects {param.value.shape}")
        param.value[...] = value.astype(param.value.dtype)
