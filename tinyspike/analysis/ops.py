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


@dataclasses.dataclass(frozen=True)
class Operation:
    layer: str                 # "embedding", "block 0", ..., "output", "head"
    name: str                  # "wq", "rot_r1_in", "attn_qk", ...
    macs: int                  # multiply-accumulates per unit
    per: str                   # "step", "token" or "sequence"
    driven_by: str | None      # neuron site whose spikes are the input (accumulates), None: real input (MACs)


def count_parameters(layer: Layer) -> int:
    """Number of trainable scalars (each shared parameter once)."""
    return sum(p.value.size for p in layer.parameters())


def _transform_sizes(encoder, i: int):
    """(r1, r2, r3) inside block i: None, or (n, blocks) of the transform the block multiplies by."""
    if isinstance(encoder, FusedEncoder):
        return None, None, None
    size = (lambda t: None if t is None else (t.n, t.blocks))
    return size(encoder.t1), size(encoder.t2[i]), size(encoder.t3[i])


def _rot_macs(size) -> int:
    n, blocks = size
    return n * n // blocks


def block_operations(encoder, i: int, seq_len: int) -> list[Operation]:
    """The products of block i per token per time step, in forward order (models/block.py)."""
    block = encoder.blocks[i]
    d, d_ff = block.wq.d_in, block.w1.d_out
    r1, r2, r3 = _transform_sizes(encoder, i)
    layer = f"block {i}"
    ops = []

    def add(name, macs, driven_by, present=True):
        if present:
            ops.append(Operation(layer, name, macs, "step", driven_by))

    add("rot_r1_in", d * d, "attn_in", r1 is not None)                     # s R1^T
    for name in ("wq", "wk", "wv"):
        add(name, d * d, None if r1 else "attn_in")
    add("rot_r2_v", d * d, None, r2 is not None)                            # (u Wv^T) R2
    add("attn_qk", seq_len * d, "q")                                        # Q K^T, every head
    add("attn_av", seq_len * d, "v")                                        # A V
    add("rot_r2_out", d * d, "attn_out", r2 is not None)                    # o R2^T
    add("wo", d * d, None if r2 else "attn_out")
    add("rot_r1_attn", d * d, None, r1 is not None)                         # a R1
    add("rot_r1_mlp_in", d * d, "mlp_in", r1 is not None)
    add("w1", d * d_ff, None if r1 else "mlp_in")
    add("rot_r3_in", _rot_macs(r3) if r3 else 0, None, r3 is not None)      # z R3
    add("rot_r3_out", _rot_macs(r3) if r3 else 0, "mlp_hidden", r3 is not None)
    add("w2", d_ff * d, None if r3 else "mlp_hidden")
    add("rot_r1_mlp", d * d, None, r1 is not None)                          # m R1
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
