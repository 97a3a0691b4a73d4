"""The model configuration (saved with every checkpoint)."""
from __future__ import annotations

import dataclasses
import math
import os
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
    seed: int = 0                                # weights' initialisation
    # the random signs of the fixed / learnable transforms' randomized Hadamard matrices; None: drawn from
    # ``seed`` (so one seed sets everything). Set it to vary the sign draw with the weights held fixed.
    sign_seed: int | None = None
    # the GLUE head's input: the first token's hidden state ("cls", BERT's) or the mean over real tokens ("mean")
    pooling: str = "cls"

    def __post_init__(self):
        for f in dataclasses.fields(self):                 # types first: a string where an int belongs
            if f.name in OPTIONAL and getattr(self, f.name) is None:
                continue
            _check_type(f.name, getattr(self, f.name), OPTIONAL.get(f.name) or type(f.default))
        for name in ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff", "type_vocab_size", "T", "h3_blocks"):
            _check(self, name, getattr(self, name) >= 1, "a positive integer")
        _check(self, "max_len", self.max_len >= 3, "at least 3 ([CLS], one token, [SEP])")
        _check(self, "pad_id", 0 <= self.pad_id < self.vocab_size, f"an id in [0, vocab_size={self.vocab_size})")
        _check(self, "ns_steps", self.ns_steps >= 0, "an integer >= 0")
        _check(self, "seed", self.seed >= 0, "an integer >= 0")
        _check(self, "sign_seed", self.sign_seed is None or self.sign_seed >= 0, "an integer >= 0 or None")
        for name in ("tau", "surrogate_alpha", "attn_scale", "norm_eps", "layernorm_eps"):
            _check(self, name, math.isfinite(getattr(self, name)) and getattr(self, name) > 0, "a finite number > 0")
        for name in ("v_threshold", "attn_threshold"):      # any finite value (below 0: every neuron fires)
            _check(self, name, math.isfinite(getattr(self, name)), "a finite number")
        if self.d_model % self.n_heads:
            raise ValueError(f"ModelConfig: d_model={self.d_model} is not divisible by n_heads={self.n_heads}")
        if self.h3 != "off" and self.d_ff % self.h3_blocks:
            raise ValueError(f"ModelConfig: d_ff={self.d_ff} is not divisible by h3_blocks={self.h3_blocks}")
        for name in ("h1", "h2", "h3"):
            if getattr(self, name) not in ("off", "fixed", "learnable"):
                raise ValueError(f"ModelConfig: {name} must be 'off', 'fixed' or 'learnable', got "
                                 f"{getattr(self, name)!r}")
        if self.neuron not in NEURONS:
            raise ValueError(f"ModelConfig: neuron must be one of {sorted(NEURONS)}, got {self.neuron!r}")
        self._warn_unread_neuron_fields()
        if self.w1_init_rate is not None and not 0 < self.w1_init_rate <= 1:
            raise ValueError(f"ModelConfig: w1_init_rate must be in (0, 1] or None, got {self.w1_init_rate!r}")
        if self.pooling not in ("cls", "mean"):
            raise ValueError(f"ModelConfig: pooling must be 'cls' or 'mean', got {self.pooling!r}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"ModelConfig: dtype must be 'float32' or 'float64', got {self.dtype!r}")
        if self.ns_scheme not in ("quintic", "cubic", "quintic+cubic"):
            raise ValueError(f"ModelConfig: ns_scheme must be 'quintic', 'cubic' or 'quintic+cubic', got "
                             f"{self.ns_scheme!r}")
        need, have = self.training_bytes(), available_memory()
        if have is not None and need > have:
            raise MemoryError(f"ModelConfig: this model needs about {need / 2**30:.1f} GiB for its weights, "
                              f"gradients and AdamW moments ({self.parameter_count():,} parameters: vocab_size "
                              f"{self.vocab_size}, d_model {self.d_model}, n_layers {self.n_layers}, max_len "
                              f"{self.max_len}), more than the {have / 2**30:.1f} GiB of memory available; choose "
                              "a smaller --d-model, --layers, --max-len or --vocab-size")

    def parameter_count(self) -> int:
        """Parameters of the encoder and a head (an estimate within a few rows: heads differ slightly)."""
        d, f = self.d_model, self.d_ff
        embeddings = (self.vocab_size + self.max_len + self.type_vocab_size + 2) * d
        block = 4 * (d * d + d) + 5 * d + 2 * d * f + f + d
        transforms = (self.h1 != "off") * d * d + self.n_layers * (
            (self.h2 != "off") * d * d + (self.h3 != "off") * f * f // self.h3_blocks)
        head = d * d + 3 * d + self.vocab_size
        return embeddings + self.n_layers * block + transforms + head

    def training_bytes(self) -> int:
        """Bytes of the weights, their gradients and AdamW's two moments (activations not included)."""
        return 4 * self.parameter_count() * (4 if self.dtype == "float32" else 8)

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
        if not isinstance(d, dict):
            raise ValueError(f"ModelConfig: the config must be a JSON object of fields, got {type(d).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"ModelConfig: unknown fields {unknown}")
        return cls(**d)


def _check(cfg: ModelConfig, name: str, ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(f"ModelConfig: {name} must be {what}, got {getattr(cfg, name)!r}")


OPTIONAL = {"w1_init_rate": float, "sign_seed": int}     # fields where None is a meaningful value: their type


def _check_type(name: str, value, kind: type) -> None:
    if kind is float:
        ok, what = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif kind is int:
        ok, what = isinstance(value, int) and not isinstance(value, bool), "an integer"
    else:
        ok, what = isinstance(value, kind), "a string"
    if not ok:
        raise ValueError(f"ModelConfig: {name} must be {what}, got {value!r} ({type(value).__name__})")


def available_memory() -> int | None:
    """Bytes of memory the system can still give (Linux: MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None
