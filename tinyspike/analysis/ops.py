"""What a model computes per token: its matrix products, their sizes, and what drives each one.

Every product is listed with its multiply-accumulates (MACs) per unit of work and the neuron site
whose spikes are its input (``driven_by``), or None when its input is real-valued. The units are a
token at one time step (``per="step"``: inside the blocks, run T times), a token (``per="token"``: the
embedding-side and final rotations, run once after/before the mean over T), or a sequence
(``per="sequence"``: the classification head reads one token). Norms, the LIF updates and the
element-wise work are not counted (the convention of the paper's Table 1, which counts synaptic
operations only).
"""
from __future__ import annotations

import dataclasses

from ..layers.base import Layer
from ..models.fusion import FusedEncoder
from ..models.heads import MLMHead, SequenceClassificationHead
from ..models.sites import ATTENTION_PRODUCTS, LINEARS, SITE_NAMES, transforms


@dataclasses.dataclass(frozen=True)
class Operation:
    layer: str                 # "embedding", "block 0", ..., "output", "head"
    name: str                  # "wq", "rot_r1_attn_in", "attn_qk", ...
    macs: int                  # multiply-accumulates per unit
    per: str                   # "step", "token" or "sequence"
    driven_by: str | None      # neuron site whose spikes are the input (accumulates), None: real input (MACs)


def count_parameters(layer: Layer) -> int:
    """Number of trainable scalars (each shared parameter once)."""
    return sum(p.value.size for p in layer.parameters())


def _transform_sizes(encoder, i: int) -> dict:
    """{"R1": size, "R2": size, "R3": size, None: None} inside block i; a size is (n, blocks) of the
    transform the block multiplies by, None when it is off (always, in a fused encoder)."""
    if isinstance(encoder, FusedEncoder):
        return transforms()
    size = (lambda t: None if t is None else (t.n, t.blocks))
    return transforms(size(encoder.t1), size(encoder.t2[i]), size(encoder.t3[i]))


def _rot_macs(size) -> int:
    n, blocks = size
    return n * n // blocks


def block_operations(encoder, i: int, seq_len: int) -> list[Operation]:
    """The products of block i per token per time step, in forward order, read off the site table
    (models/sites.py): for each neuron site, the products its spikes drive. A Linear whose input is
    in a transform's basis first takes the spikes out of it (``rot_R_site``: spike-driven, once per
    site) and then reads real values; a Linear with an R_out is followed by that product
    (``rot_R_linear``, real input). Without transforms every Linear is driven by its site."""
    block = encoder.blocks[i]
    d = block.wq.d_in
    sizes = _transform_sizes(encoder, i)
    layer = f"block {i}"
    ops = []

    def add(name, macs, driven_by):
        ops.append(Operation(layer, name, macs, "step", driven_by))

    for site in SITE_NAMES:
        for name, driver in ATTENTION_PRODUCTS:
            if driver == site:
                add(name, seq_len * d, site)                                # Q K^T, A V: every head
        rotated = False
        for lin in (lin for lin in LINEARS if lin.driven_by == site):
            r_in, r_out = sizes[lin.r_in], sizes[lin.r_out]
            if r_in is not None and not rotated:
                add(f"rot_{lin.r_in.lower()}_{site}", _rot_macs(r_in), site)   # s R_in^T, shared by its Linears
                rotated = True
            linear = getattr(block, lin.name)
            add(lin.name, linear.d_in * linear.d_out, None if r_in else site)
            if r_out is not None:
                add(f"rot_{lin.r_out.lower()}_{lin.name}", _rot_macs(r_out), None)   # y R_out
    return ops


def _outer_rotations(encoder) -> tuple[bool, bool]:
    if isinstance(encoder, FusedEncoder):
        return encoder.r_embed is not None, encoder.r_final is not None
    return encoder.t1 is not None, encoder.t1 is not None


def head_operations(head: Layer) -> list[Operation]:
    if isinstance(head, MLMHead):
        d, vocab = head.dense.d_in, head.tied.num
        return [Operation("head", "dense", d * d, "token", None),
                Operation("head", "decoder", d * vocab, "token", None)]
    if isinstance(head, SequenceClassificationHead):
        return [Operation("head", "pool", head.pool.d_in * head.pool.d_out, "sequence", None),
                Operation("head", "out", head.out.d_in * head.out.d_out, "sequence", None)]
    raise TypeError(f"operations: unknown head type {type(head).__name__}")


def operations(model, seq_len: int) -> list[Operation]:
    """Every counted product of a MaskedLM / SequenceClassifier (fused or not) for sequences of length seq_len."""
    encoder = model.encoder
    d = encoder.final_norm.dim
    embed_rot, final_rot = _outer_rotations(encoder)
    ops = [Operation("embedding", "rot_r1_embed", d * d, "token", None)] if embed_rot else []
    for i in range(len(encoder.blocks)):
        ops += block_operations(encoder, i, seq_len)
    if final_rot:
        ops.append(Operation("output", "rot_r1_final", d * d, "token", None))
    return ops + head_operations(model.head)


def operations_per_token(model, seq_len: int) -> int:
    """MACs per token per time step inside the blocks (transform products included)."""
    return sum(op.macs for op in operations(model, seq_len) if op.per == "step")


def block_parameters(model) -> int:
    """Parameters inside the blocks, counting the transforms they multiply by (H1's H_tilde included)."""
    encoder = model.encoder
    n = sum(count_parameters(b) for b in encoder.blocks)
    if not isinstance(encoder, FusedEncoder):
        n += sum(count_parameters(t) for t in [encoder.t1, *encoder.t2, *encoder.t3] if t is not None)
    return n
