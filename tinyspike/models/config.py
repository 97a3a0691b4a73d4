"""The model configuration (saved with every checkpoint)."""
from __future__ import annotations

import dataclasses
import warnings
from typing import Literal

from ..neurons.registry import NEURONS

TransformMode = Literal["off", "fixed", "learnable"]
NEURON_FIELDS = ("tau", "v_threshold", "attn_threshold", "surrogate_alpha")   # read by neurons.registry


@dataclasses.dataclass
class ModelConfig:
    vocab_size: int = 8192
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 1024
    max_len: int = 128
    type_vocab_size: int = 2
    pad_id: int = 0
    T: int = 4                                   # time steps
    neuron: str = "lif"                          # a name in neurons.registry.NEURONS: lif, elastic, if, plif
    tau: float = 2.0                             # LIF's time constant; PLIF's initial one
    v_threshold: float = 1.0                     # every thresholded neuron but the attention output's
    attn_threshold: float = 0.5                  # the attention-output neuron (the elastic neuron has none)
    surrogate_alpha: float = 4.0
    attn_scale: float = 0.125
    h1: TransformMode = "off"                    # residual-stream rotation (one global matrix)
    h2: TransformMode = "off"                    # value branch and attention output
    h3: TransformMode = "off"                    # block-diagonal inside the MLP
    h3_blocks: int = 4
    # W1's init (the Linear feeding the MLP hidden neurons, whose input has no norm before it):
    # U(+-sqrt(3 / (rate * d))) gives unit-RMS pre-activations when its spike inputs fire at ``rate``;
    # None: PyTorch's default U(+-1/sqrt(d)) as in the official code (pre-activation RMS ~ sqrt(rate/3),
    # so the hidden neurons stay silent in small, briefly trained models; docs/models.md)
    w1_init_rate: float | None = 0.1
    ns_scheme: str = "quintic"
    ns_steps: int = 5
    norm_eps: float = 1e-6
    layernorm_eps: float = 1e-12
    dtype: str = "float32"
    seed: int = 0

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError(f"ModelConfig: d_model={self.d_model} is not divisible by n_heads={self.n_heads}")
        for name in ("h1", "h2", "h3"):
            if getattr(self, name) not in ("off", "fixed", "learnable"):
                raise ValueError(f"ModelConfig: {name} must be 'off', 'fixed' or 'learnable', got "
                                 f"{getattr(self, name)!r}")
        if self.neuron not in NEURONS:
            raise ValueError(f"ModelConfig: neuron must be one of {sorted(NEURONS)}, got {self.neuron!r}")
        self._warn_unread_neuron_fields()
        if self.w1_init_rate is not None and not 0 < self.w1_init_rate <= 1:
            raise ValueError(f"ModelConfig: w1_init_rate must be in (0, 1] or None, got {self.w1_init_rate!r}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"ModelConfig: dtype must be 'float32' or 'float64', got {self.dtype!r}")

    def _warn_unread_neuron_fields(self) -> None:
        """A neuron field set away from its default that the chosen neuron does not read has no effect."""
        reads = NEURONS[self.neuron].reads
        for f in dataclasses.fields(self):
            if f.name in NEURON_FIELDS and f.name not in reads and getattr(self, f.name) != f.default:
                what = ", ".join(reads) or "none of " + ", ".join(NEURON_FIELDS)
                warnings.warn(f"ModelConfig: {f.name}={getattr(self, f.name)} has no effect with neuron="
                              f"{self.neuron!r}, which reads {what}; leave {f.name} at its default {f.default}",
                              UserWarning, stacklevel=4)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"ModelConfig: unknown fields {unknown}")
        return cls(**d)
