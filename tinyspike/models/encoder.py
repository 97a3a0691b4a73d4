"""The spiking encoder: token ids -> hidden states (as in the official SmoothSpike code).

    e = LayerNorm(word + position + type) R1        (the residual stream lives in the R1 basis)
    X = repeat(e, T)                                 (direct encoding, time first: (T, B, S, D))
    X = block_L(... block_1(X))
    h = RMSNorm(mean_T(X) R1^T)

Transforms are objects with ``forward() -> R`` and ``backward(dR)`` (an ``OrthogonalTransform``,
or None when off). R1 is one matrix shared by the embedding, every block and the output; the
gradient of each use is summed and handed to its transform once per backward.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..layers import RMSNorm
from ..layers.base import Layer
from .block import SpikingBlock, _add, _rot, _rot_back
from .embeddings import BertEmbeddings


class SpikingEncoder(Layer):
    def __init__(self, embeddings: BertEmbeddings, blocks: Sequence[SpikingBlock], final_norm: RMSNorm, T: int,
                 t1=None, t2: Sequence | None = None, t3: Sequence | None = None):
        self.embeddings = embeddings
        self.blocks = list(blocks)
        self.final_norm = final_norm
        self.T = T
        self.t1 = t1
        self.t2 = list(t2) if t2 is not None else [None] * len(self.blocks)
        self.t3 = list(t3) if t3 is not None else [None] * len(self.blocks)

    @staticmethod
    def _matrix(t):
        return None if t is None else t.forward()

    def forward(self, ids: np.ndarray, type_ids: np.ndarray | None = None,
                attention_mask: np.ndarray | None = None) -> np.ndarray:
        """ids, type_ids, attention_mask: (B, S) -> hidden states (B, S, D)."""
        if attention_mask is None:
            attention_mask = np.ones_like(ids)
        r1 = self._matrix(self.t1)
        e = self.embeddings.forward(ids, type_ids)
        e1 = _rot(e, r1)
        x = np.repeat(e1[None], self.T, axis=0)                           # (T, B, S, D)
        for block, t2, t3 in zip(self.blocks, self.t2, self.t3):
            x = block.forward(x, attention_mask, r1, self._matrix(t2), self._matrix(t3))
        mean = x.mean(0)                                                  # (B, S, D)
        self._save((e, mean, r1))
        return self.final_norm.forward(_rot(mean, r1, transpose=True))

    def backward(self, dh: np.ndarray) -> None:
        e, mean, r1 = self._pop()
        dmean, dr1 = _rot_back(self.final_norm.backward(dh), mean, r1, transpose=True)
        dx = np.repeat((dmean / self.T)[None], self.T, axis=0)
        for block, t2, t3 in zip(reversed(self.blocks), reversed(self.t2), reversed(self.t3)):
            dx, g1, g2, g3 = block.backward(dx)
            dr1 = _add(dr1, g1)
            if t2 is not None:
                t2.backward(g2)
            if t3 is not None:
                t3.backward(g3)
        de, g = _rot_back(dx.sum(0), e, r1)
        dr1 = _add(dr1, g)
        if self.t1 is not None:
            self.t1.backward(dr1)
        self.embeddings.backward(de)
        return None

