"""A tinyspike model as a ``torch.nn.Module``, built from its ``ModelConfig`` (``tinyspike.models``).

The same equations, module names and parameter names as ``tinyspike.models.block`` / ``encoder`` /
``spiking_lm``; every gradient comes from autograd (the spike functions' surrogates excepted), so
comparing the two models' gradients checks tinyspike's hand-written backward.

    e = LayerNorm(word + position + type) R1;   X = repeat(e, T)                  # (T, B, S, D)
    block:  u = LIF(RMSNorm(X)) R1^T
            Q, K = LIF(RMSNorm(u W^T));  V = LIF(RMSNorm((u Wv^T) R2));  ctx = (Q K^T * m) V * scale
            X <- X + ((LIF_0.5(ctx) R2^T) Wo^T) R1
            X <- X + ((LIF(((LIF(RMSNorm(X)) R1^T) W1^T) R3) R3^T) W2^T) R1
    h = RMSNorm(mean_T(X) R1^T);  MLM: logits = LayerNorm(GELU(Dense(h))) E^T + b;  GLUE: pooler + linear
Weights (and the fixed Hadamard matrices, the neurons' thresholds and alphas) are filled by ``to_torch``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..models.config import ModelConfig
from ..models.sites import NEURON_SITES
from .layers import Embedding, LayerNorm, Linear, RMSNorm
from .neurons import LIF, ElasticBiSpike
from .transforms import OrthogonalTransform, rotate

NEURONS = tuple(site.neuron for site in NEURON_SITES)        # the block's neuron attributes, in forward order


def torch_dtype(cfg: ModelConfig) -> torch.dtype:
    return {"float32": torch.float32, "float64": torch.float64}[cfg.dtype]


def make_neuron(cfg: ModelConfig, thr: float) -> nn.Module:
    """The neuron the config names (as ``tinyspike.models.spiking_lm.neuron_factory``)."""
    if cfg.neuron == "lif":
        return LIF(thr, tau=cfg.tau, surrogate_alpha=cfg.surrogate_alpha, detach_reset=True)
    if cfg.neuron == "elastic":
        return ElasticBiSpike(cfg.T)
    raise ValueError(f"to_torch: neuron={cfg.neuron!r} has no PyTorch copy (tinyspike.export has 'lif' and 'elastic')")


def spiking_attention(q, k, v, key_mask, n_heads: int, scale: float):
    """Per head A = (Q K^T * m) * scale (no softmax), ctx = A V; q, k, v (T, B, S, D), key_mask (B, S)."""
    def split(x):                                                        # (T, B, H, S, Dh)
        return x.unflatten(-1, (n_heads, x.shape[-1] // n_heads)).transpose(-2, -3)
    qh, kh, vh = split(q), split(k), split(v)
    m = key_mask.to(qh.dtype)[:, None, None, :]                         # (B, 1, 1, S): key columns
    a = (qh @ kh.mT) * m * scale                                        # (T, B, H, S, S)
    return (a @ vh).transpose(-2, -3).flatten(-2)                       # (T, B, S, D)


class SpikingBlock(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        d, dt = cfg.d_model, torch_dtype(cfg)
        self.n_heads, self.attn_scale = cfg.n_heads, cfg.attn_scale
        self.norm_attn = RMSNorm(d, cfg.norm_eps, dt)
        self.wq, self.wk, self.wv, self.wo = (Linear(d, d, dt) for _ in range(4))
        self.norm_q, self.norm_k, self.norm_v = (RMSNorm(d, cfg.norm_eps, dt) for _ in range(3))
        self.norm_mlp = RMSNorm(d, cfg.norm_eps, dt)
        self.w1 = Linear(d, cfg.d_ff, dt)
        self.w2 = Linear(cfg.d_ff, d, dt)
        for site in NEURON_SITES:                                       # names and thresholds: models/sites.py
            setattr(self, site.neuron, make_neuron(cfg, getattr(cfg, site.threshold)))

    def forward(self, x, key_mask, r1=None, r2=None, r3=None):
        """x: (T, B, S, D) in the R1-rotated basis; key_mask: (B, S) of 0/1."""
        u = rotate(self.spike_attn_in(self.norm_attn(x)), r1, transpose=True)
        q = self.spike_q(self.norm_q(self.wq(u)))
        k = self.spike_k(self.norm_k(self.wk(u)))
        v = self.spike_v(self.norm_v(rotate(self.wv(u), r2)))
        o = self.spike_attn_out(spiking_attention(q, k, v, key_mask, self.n_heads, self.attn_scale))
        x = x + rotate(self.wo(rotate(o, r2, transpose=True)), r1)
        u2 = rotate(self.spike_mlp_in(self.norm_mlp(x)), r1, transpose=True)
        h = self.spike_mlp_hidden(rotate(self.w1(u2), r3))               # (T, B, S, d_ff)
        return x + rotate(self.w2(rotate(h, r3, transpose=True)), r1)


class BertEmbeddings(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        dt = torch_dtype(cfg)
        self.word = Embedding(cfg.vocab_size, cfg.d_model, dt, padding_idx=cfg.pad_id)
        self.position = Embedding(cfg.max_len, cfg.d_model, dt)
        self.token_type = Embedding(cfg.type_vocab_size, cfg.d_model, dt)
        self.norm = LayerNorm(cfg.d_model, cfg.layernorm_eps, dt)

    def forward(self, ids, type_ids):
        """ids, type_ids: (B, S) -> (B, S, D)."""
        pos = torch.arange(ids.shape[1], device=ids.device)
        return self.norm(self.word(ids) + self.position(pos) + self.token_type(type_ids))


def _transforms(mode: str, count: int, shape: tuple[int, ...], cfg: ModelConfig):
    if mode == "off":
        return None
    return nn.ModuleList(OrthogonalTransform(shape, mode, cfg.ns_scheme, cfg.ns_steps, torch_dtype(cfg))
                         for _ in range(count))


class SpikingEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        d, dff, g = cfg.d_model, cfg.d_ff, cfg.h3_blocks
        self.T, self.max_len = cfg.T, cfg.max_len
        self.embeddings = BertEmbeddings(cfg)
        self.blocks = nn.ModuleList(SpikingBlock(cfg) for _ in range(cfg.n_layers))
        self.final_norm = RMSNorm(d, cfg.norm_eps, torch_dtype(cfg))
        t1 = _transforms(cfg.h1, 1, (d, d), cfg)
        self.t1 = None if t1 is None else t1[0]
        self.t2 = _transforms(cfg.h2, cfg.n_layers, (d, d), cfg)
        self.t3 = _transforms(cfg.h3, cfg.n_layers, (g, dff // g, dff // g), cfg)

    def forward(self, ids, type_ids=None, attention_mask=None):
        """ids, type_ids, attention_mask: (B, S) -> hidden states (B, S, D)."""
        if ids.shape[1] > self.max_len:
            raise ValueError(f"SpikingEncoder: sequence length {ids.shape[1]} exceeds max_len {self.max_len}")
        type_ids = torch.zeros_like(ids) if type_ids is None else type_ids
        attention_mask = torch.ones_like(ids) if attention_mask is None else attention_mask
        r1 = None if self.t1 is None else self.t1()
        x = rotate(self.embeddings(ids, type_ids), r1).expand(self.T, *ids.shape, -1)   # (T, B, S, D)
        for i, block in enumerate(self.blocks):
            r2 = None if self.t2 is None else self.t2[i]()
            r3 = None if self.t3 is None else self.t3[i]()
            x = block(x, attention_mask, r1, r2, r3)
        return self.final_norm(rotate(x.mean(0), r1, transpose=True))


class MLMHead(nn.Module):
    """logits = LayerNorm(GELU(Dense(h))) E^T + bias, E the (tied) word embeddings, passed in."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        dt = torch_dtype(cfg)
        self.dense = Linear(cfg.d_model, cfg.d_model, dt)
        self.norm = LayerNorm(cfg.d_model, cfg.layernorm_eps, dt)
        self.bias = nn.Parameter(torch.zeros(cfg.vocab_size, dtype=dt))

    def forward(self, h, E):
        return F.linear(self.norm(F.gelu(self.dense(h))), E, self.bias)


class MaskedLM(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.config = cfg
        self.encoder = SpikingEncoder(cfg)
        self.head = MLMHead(cfg)

    def forward(self, ids, type_ids, attention_mask, positions):
        """positions: boolean (B, S), the masked positions -> logits (N, V) there."""
        h = self.encoder(ids, type_ids, attention_mask)
        return self.head(h[positions], self.encoder.embeddings.word.E)


class SequenceClassificationHead(nn.Module):
    def __init__(self, cfg: ModelConfig, num_labels: int):
        super().__init__()
        self.pool = Linear(cfg.d_model, cfg.d_model, torch_dtype(cfg))
        self.out = Linear(cfg.d_model, num_labels, torch_dtype(cfg))
        self.pooling = cfg.pooling

    def forward(self, h, attention_mask):
        """h: (B, S, D) -> (B, num_labels), from the first token's state or the mean over the real tokens."""
        if self.pooling == "cls":
            pooled = h[:, 0]
        else:
            m = attention_mask.to(h.dtype)
            pooled = (m[..., None] * h).sum(1) / m.sum(1, keepdim=True).clamp(min=1)
        return self.out(torch.tanh(self.pool(pooled)))


class SequenceClassifier(nn.Module):
    def __init__(self, cfg: ModelConfig, num_labels: int):
        super().__init__()
        self.config = cfg
        self.encoder = SpikingEncoder(cfg)
        self.head = SequenceClassificationHead(cfg, num_labels)

    def forward(self, ids, type_ids, attention_mask):
        return self.head(self.encoder(ids, type_ids, attention_mask), attention_mask)
