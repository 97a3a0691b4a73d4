"""The named model variants: each one the ``ModelConfig`` fields it sets on top of a model size.

The transforms are SmoothSpike's H1 (the residual stream), H2 (the value branch and attention
output) and H3 (block-diagonal, inside the MLP), each "off", "fixed" (a randomized Hadamard matrix)
or "learnable" (Newton-Schulz of a learned matrix); the neuron is Spikingformer's LIF or SpikeLM's
elastic bi-spiking neuron. The command line, the PyTorch export and the experiments all read this
table; each offers the part of it that fits its flags (``CLI``, ``EXPORT``).
"""
from __future__ import annotations

LEARNABLE_H123 = {"h1": "learnable", "h2": "learnable", "h3": "learnable"}
FIXED_H123 = {"h1": "fixed", "h2": "fixed", "h3": "fixed"}

VARIANTS: dict[str, dict] = {
    # SmoothSpike's Table 2, from the Spikingformer baseline to learnable H1 + H2 + H3
    "spikingformer": {},
    "fixed-h1": {"h1": "fixed"},
    "learnable-h1": {"h1": "learnable"},
    "learnable-h12": {"h1": "learnable", "h2": "learnable"},
    "smoothspike": dict(LEARNABLE_H123),
    # SpikeLM's neuron, alone and with the transforms
    "spikelm": {"neuron": "elastic"},
    "spikelm-smoothspike": {"neuron": "elastic", **LEARNABLE_H123},
    "spikelm-smoothspike-fixed": {"neuron": "elastic", **FIXED_H123},
    # the Newton-Schulz schedule
    "smoothspike-ns-quintic+cubic": {**LEARNABLE_H123, "ns_scheme": "quintic+cubic"},
    # fewer time steps
    "spikingformer-T1": {"T": 1},
    "spikingformer-T2": {"T": 2},
    "fixed-h1-T1": {"h1": "fixed", "T": 1},
    "fixed-h1-T2": {"h1": "fixed", "T": 2},
    "smoothspike-T1": {**LEARNABLE_H123, "T": 1},
    "smoothspike-T2": {**LEARNABLE_H123, "T": 2},
}

# ``tinyspike pretrain/finetune --variant``: the two models the project compares (the neuron and T are flags)
CLI = ("spikingformer", "smoothspike")
# the PyTorch export's ``--variant`` (T is a flag)
EXPORT = ("spikingformer", "smoothspike", "spikelm-smoothspike-fixed")


def variant(name: str) -> dict:
    """A copy of the ``ModelConfig`` fields variant ``name`` sets; an unknown name is an error."""
    if name not in VARIANTS:
        raise ValueError(f"unknown model variant {name!r}; known: {', '.join(VARIANTS)}")
    return dict(VARIANTS[name])


def select(names) -> dict:
    """{name: fields} for the given variant names, in that order."""
    return {name: variant(name) for name in names}
