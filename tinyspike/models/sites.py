"""The SmoothSpike encoder block in one table: its neuron sites and its Linears, in forward order.

A neuron site is a spiking neuron of the block: the attribute that holds it, the ``ModelConfig``
field that sets its threshold, and the transform in whose basis its input lives (the paper's R1,
R2, R3, or None). A Linear is driven by the spikes of one site, so its input lives in that site's
basis (R_in), and its output is taken to the basis R_out (y = ((x R_in^T) W^T + b) R_out, the
product ``folding.py`` folds into W' = R_out^T W R_in):

    site        neuron             threshold        input basis     Linear  driven by    R_in  R_out
    attn_in     spike_attn_in      v_threshold      R1              wq      attn_in      R1    -
    q           spike_q            v_threshold      -               wk      attn_in      R1    -
    k           spike_k            v_threshold      -               wv      attn_in      R1    R2
    v           spike_v            v_threshold      R2              wo      attn_out     R2    R1
    attn_out    spike_attn_out     attn_threshold   R2              w1      mlp_in       R1    R3
    mlp_in      spike_mlp_in       v_threshold      R1              w2      mlp_hidden   R3    R1
    mlp_hidden  spike_mlp_hidden   v_threshold      R3

Spiking attention's two products read spikes too: Q K^T is driven by q and A V by v.
The forward order is written as code in ``models/block.py``; everything else that walks the block
(its folds, ``fusion.py``, ``analysis/recording.py``, ``analysis/ops.py``, ``export/model.py``)
reads this table.
"""
from __future__ import annotations

import dataclasses

TRANSFORMS = ("R1", "R2", "R3")


@dataclasses.dataclass(frozen=True)
class NeuronSite:
    name: str                  # "attn_in", ...
    neuron: str                # the block's attribute holding the neuron
    threshold: str             # the ModelConfig field that sets its threshold
    basis: str | None          # the transform in whose basis the neuron's input lives


@dataclasses.dataclass(frozen=True)
class LinearSite:
    name: str                  # the block's attribute holding the Linear
    driven_by: str             # the neuron site whose spikes are its input
    r_in: str | None           # its input's basis (that site's basis)
    r_out: str | None          # the basis its output is taken to


NEURON_SITES = (
    NeuronSite("attn_in", "spike_attn_in", "v_threshold", "R1"),
    NeuronSite("q", "spike_q", "v_threshold", None),
    NeuronSite("k", "spike_k", "v_threshold", None),
    NeuronSite("v", "spike_v", "v_threshold", "R2"),
    NeuronSite("attn_out", "spike_attn_out", "attn_threshold", "R2"),
    NeuronSite("mlp_in", "spike_mlp_in", "v_threshold", "R1"),
    NeuronSite("mlp_hidden", "spike_mlp_hidden", "v_threshold", "R3"),
)

LINEARS = (
    LinearSite("wq", "attn_in", "R1", None),
    LinearSite("wk", "attn_in", "R1", None),
    LinearSite("wv", "attn_in", "R1", "R2"),
    LinearSite("wo", "attn_out", "R2", "R1"),
    LinearSite("w1", "mlp_in", "R1", "R3"),
    LinearSite("w2", "mlp_hidden", "R3", "R1"),
)

# the spike-driven products of spiking attention (models/attention.py): (name, driving site)
ATTENTION_PRODUCTS = (("attn_qk", "q"), ("attn_av", "v"))

SITE_NAMES = tuple(site.name for site in NEURON_SITES)


def neuron_site(name: str) -> NeuronSite:
    """The row of site ``name``."""
    for site in NEURON_SITES:
        if site.name == name:
            return site
    raise KeyError(f"no neuron site {name!r}; the block's sites are {', '.join(SITE_NAMES)}")


def transforms(r1=None, r2=None, r3=None) -> dict:
    """{"R1": r1, "R2": r2, "R3": r3, None: None}: a table entry's basis -> the matrix (None: off)."""
    return {"R1": r1, "R2": r2, "R3": r3, None: None}
