"""Energy estimate from measured firing rates (45 nm, Horowitz 2014; the convention of the paper's Table 1).

Every product of ``ops.operations`` costs, per unit of work (a token-step, a token or a sequence):

    spike-driven input (an accumulate per spike):  E = macs * firing_rate(driving site) * 0.9 pJ
    real-valued input (a multiply-accumulate):      E = macs * 4.6 pJ

with the firing rate measured on the given inputs over every (step, token, channel) the product
reads, padding included (the product runs on it too). Summed over units (T * B * S token-steps,
B * S tokens, B sequences) and divided by B: millijoules per sequence.

Which model is priced: by default the *deployed* one, i.e. the model after inference fusion
(``models/fusion.py``, SmoothSpike Algorithm 1), as the paper's Table 1 does. Unfused, a SmoothSpike
block multiplies real-valued activations by R1, R2, R3 (``u Wv^T`` times R2, the MLP's ``z`` times R3,
...) and every such product is a multiply-accumulate at 4.6 pJ; fused, those rotations live in the
weights and every product inside a block is driven by spikes again, so the block costs what the
Spikingformer block costs at the same firing rates. ``fused=False`` prices the model as trained
(docs/analysis.md compares the two); reports say which one they priced.
"""
from __future__ import annotations

import dataclasses

from ..models.fusion import FusedEncoder, fuse
from ..neurons.stats import firing_rate
from .ops import operations
from .recording import record_sites

E_AC_PJ = 0.9
E_MAC_PJ = 4.6


@dataclasses.dataclass
class LayerEnergy:
    layer: str
    ac_ops: float        # accumulates per sequence
    mac_ops: float       # multiply-accumulates per sequence
    ac_mj: float
    mac_mj: float
    total_mj: float


@dataclasses.dataclass
class EnergyReport:
    total_mj: float                       # per sequence
    layers: list                          # LayerEnergy rows
    fused: bool = True                    # priced the deployed (fused) model; False: the model as trained
    operations: list = dataclasses.field(default_factory=list, repr=False)  # (Operation, rate, mJ) rows
    firing_rates: dict = dataclasses.field(default_factory=dict)             # "block i/site" -> rate

    def to_dict(self) -> dict:
        return {"total_mj": self.total_mj, "fused": self.fused, "layers": [dataclasses.asdict(r) for r in self.layers],
                "firing_rates": dict(self.firing_rates), "e_ac_pj": E_AC_PJ, "e_mac_pj": E_MAC_PJ}

    def table(self) -> str:
        lines = [f"{'layer':>10} {'AC ops':>12} {'MAC ops':>12} {'AC mJ':>10} {'MAC mJ':>10} {'total mJ':>10}"]
        for r in self.layers:
            lines.append(f"{r.layer:>10} {r.ac_ops:>12.4g} {r.mac_ops:>12.4g} {r.ac_mj:>10.4g} {r.mac_mj:>10.4g} "
                         f"{r.total_mj:>10.4g}")
        which = "deployed (fused) model" if self.fused else "model as trained (unfused)"
        lines.append(f"total per sequence: {self.total_mj:.6g} mJ ({which})")
        return "\n".join(lines)


def energy_report(model, inputs, fused: bool = True) -> EnergyReport:
    """Energy per sequence and per layer of ``model`` on inputs = (ids, type_ids, attention_mask).

    ``fused=True`` (the paper's convention) prices ``fuse(model)``, the deployed model, unless ``model``
    is already fused; ``fused=False`` prices ``model`` as it is (an unfused SmoothSpike model then pays
    multiply-accumulates for its rotations)."""
    if not isinstance(model.encoder, FusedEncoder):
        if fused:
            model = fuse(model)
    else:
        fused = True
    records = record_sites(model, inputs)
    b, s = inputs[0].shape
    t = model.encoder.T
    rates = {f"block {r.layer}/{r.site}": firing_rate(r.spikes) for r in records}
    units = {"step": t * b * s, "token": b * s, "sequence": b}
    rows, per_layer = [], {}
    for op in operations(model, s):
        n = op.macs * units[op.per] / b                                  # per sequence
        if op.driven_by is None:
            ac, mac, rate = 0.0, n, None
        else:
            rate = rates[f"{op.layer}/{op.driven_by}"]
            ac, mac = n * rate, 0.0
        e_ac, e_mac = ac * E_AC_PJ * 1e-9, mac * E_MAC_PJ * 1e-9        # pJ -> mJ
        rows.append((op, rate, e_ac + e_mac))
        acc = per_layer.setdefault(op.layer, [0.0, 0.0, 0.0, 0.0])
        acc[0] += ac
        acc[1] += mac
        acc[2] += e_ac
        acc[3] += e_mac
    layers = [LayerEnergy(name, a, m, ea, em, ea + em) for name, (a, m, ea, em) in per_layer.items()]
    return EnergyReport(sum(r.total_mj for r in layers), layers, fused, rows, rates)


def ann_equivalent_mj(model, seq_len: int) -> float:
    """Energy of the real-valued transformer of the same shapes, per sequence: every product a MAC at
    4.6 pJ, once per token (no T). BERT-base shapes give the paper's Table 1 figure (51.41 mJ)."""
    per_sequence = {"step": seq_len, "token": seq_len, "sequence": 1}
    return sum(op.macs * per_sequence[op.per] for op in operations(model, seq_len)) * E_MAC_PJ * 1e-9
