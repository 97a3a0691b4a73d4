"""Per-layer output error of a converted model against its float original, and each site's own error.

For hidden states h (float) and h' (converted) of layer l, over the selected positions:

    max_abs  = max |h' - h|,   rel_l2 = ||h' - h|| / ||h||,   cos = mean over positions of cos(h'_p, h_p)

A model that has ``hidden_states(*inputs)`` (a list: the embeddings' output, then each layer's) is
compared layer by layer; any other model by its ``forward`` output alone. The site errors are
``max |spiking(x) - float(x)|`` of each replaced operator on the input the converted model feeds it,
so they separate an operator's own error from the drift it inherits from the layers below.
"""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class LayerError:
    name: str
    max_abs: float
    rel_l2: float
    cos: float


@dataclasses.dataclass(frozen=True)
class ErrorReport:
    layers: list[LayerError]
    sites: list[tuple[str, str, float]]          # (path, kind, max |spiking - float| on its own input)

    def table(self) -> str:
        """The per-layer table, then the per-site one, as aligned text."""
        lines = [f"{'layer':>12} {'max abs err':>12} {'rel l2 err':>11} {'mean cos':>9}"]
        lines += [f"{e.name:>12} {e.max_abs:12.3e} {e.rel_l2:11.3e} {e.cos:9.6f}" for e in self.layers]
        lines += ["", f"{'site':>40} {'kind':>10} {'own max abs err':>16}"]
        lines += [f"{path:>40} {kind:>10} {err:16.3e}" for path, kind, err in self.sites]
        return "\n".join(lines)


def _states(model, inputs) -> list[np.ndarray]:
    if hasattr(model, "hidden_states"):
        return list(model.hidden_states(*inputs))
    return [model.forward(*inputs)]


def _layer_error(name, h, h_conv, positions) -> LayerError:
    h, h_conv = np.asarray(h, np.float64), np.asarray(h_conv, np.float64)
    if positions is not None:
        h, h_conv = h[positions], h_conv[positions]                        # (P, D)
    diff = h_conv - h
    norms = np.linalg.norm(h, axis=-1) * np.linalg.norm(h_conv, axis=-1)
    cos = (h * h_conv).sum(-1) / np.where(norms > 0, norms, 1.0)
    return LayerError(name, float(np.abs(diff).max()), float(np.linalg.norm(diff) / np.linalg.norm(h)),
                      float(cos.mean()))


def error_report(conversion, *inputs, positions=None) -> ErrorReport:
    """Run the float and the converted model on ``inputs``; compare every hidden state, and probe every site."""
    if positions is not None:
        positions = np.asarray(positions, bool)
    float_states = _states(conversion.float_model, inputs)
    layers = conversion.site_layers()
    for _, site in layers:
        site.probe = []
    try:
        conv_states = _states(conversion.model, inputs)
        site_errors = [(path, kind, max(site.probe) if site.probe else float("nan"))
                       for (path, site), (_, kind) in zip(layers, conversion.sites)]
    finally:
        for _, site in layers:
            site.probe = None
    if len(float_states) != len(conv_states):
        raise RuntimeError("error_report: the float and converted models returned different numbers of states")
    names = ["output"] if len(float_states) == 1 else ["embeddings"] + [f"layer {i}" for i in
                                                                         range(1, len(float_states))]
    return ErrorReport([_layer_error(n, a, b, positions) for n, a, b in zip(names, float_states, conv_states)],
                       site_errors)
