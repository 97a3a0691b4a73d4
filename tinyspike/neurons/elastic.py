"""SpikeLM elastic bi-spiking neuron: ternary spikes {-alpha, 0, +alpha} with a straight-through backward.

    fire:  s_t = alpha_t clip(round(u_t / alpha_t), -1, 1)        (threshold alpha_t / 2)
    STE:   ds_t/du_t = 1[|u_t / alpha_t| <= 1]
           ds_t/dalpha_t = round-as-identity inside, i.e. q - u/alpha where |u/alpha| <= 1, else q
           (q = clip(round(u/alpha), -1, 1); the LSQ rule, used when alpha is learnable)

alpha_t (one per time step) is set on the first forward to k mean|u_t| (k = 2 in SpikeLM, so the
threshold alpha/2 equals mean|u|); a larger k lowers the firing rate (measure it with
``stats.firing_rate``). Two membrane updates, with s_{t-1} and alpha_{t-1} always treated as constants
in backward:

    membrane="spikelm" (released code):  u_t = u_{t-1} * 0.25 (alpha_{t-1} - s_{t-1}) + x_t
        an *asymmetric* leak: a +alpha spike zeroes the membrane, no spike keeps 0.25 alpha u,
        a -alpha spike keeps 0.5 alpha u (the factor also scales with alpha, not only with time).
    membrane="lif" (clean ternary LIF):  u_t = lam (u_{t-1} - s_{t-1}) + x_t   (soft reset by s)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..layers.base import Parameter
from .base import SpikingNeuron


@dataclass(frozen=True)
class ElasticConfig:
    membrane: str = "spikelm"     # "spikelm" (released code) or "lif"
    lam: float = 0.5              # leak of membrane="lif"
    k: float = 2.0                # alpha_t = k mean|u_t| at initialisation (firing-rate knob)

    def __post_init__(self):
        if self.membrane not in ("spikelm", "lif"):
            raise ValueError(f"ElasticConfig: membrane must be 'spikelm' or 'lif', got {self.membrane!r}")
        if self.k <= 0:
            raise ValueError(f"ElasticConfig: k must be positive, got {self.k}")


class ElasticCache(NamedTuple):
    u: np.ndarray          # (T, ...) membrane before firing
    alpha: np.ndarray      # (T,)
    s_rec: np.ndarray      # (T, ...) spikes as used by the recurrence (constants in backward)


def elastic_spike(u, alpha):
    """s = alpha clip(round(u / alpha), -1, 1)."""
    return alpha * np.clip(np.round(u / alpha), -1, 1)


def elastic_spike_backward(ds, u, alpha):
    """Straight-through: du = ds 1[|u/alpha| <= 1];  dalpha = sum ds (q - u/alpha inside, q outside)."""
    r = u / alpha
    inside = np.abs(r) <= 1
    q = np.clip(np.round(r), -1, 1)
    return ds * inside, float(np.sum(ds * np.where(inside, q - r, q)))


def elastic_forward(x, alpha, cfg: ElasticConfig = ElasticConfig(), *, spiking=True, reset_spikes=None):
    """Multi-step forward over x (T, ...). alpha: (T,) or None (initialise from k mean|u_t|).

    spiking=False replaces round by the identity, s = alpha clip(u/alpha, -1, 1), whose derivative is
    the STE; with ``reset_spikes`` (frozen s used by the recurrence) finite differences of it check
    the backward. Returns (s (T, ...), alpha (T,), cache).
    """
    T = x.shape[0]
    init = alpha is None
    alpha = np.empty(T) if init else np.asarray(alpha, dtype=np.float64).copy()
    if alpha.shape != (T,):
        raise ValueError(f"elastic_forward: alpha must have shape (T,) = ({T},), got {alpha.shape}")
    u, s = np.empty_like(x), np.empty_like(x)
    s_rec = np.empty_like(x)
    for t in range(T):
        if t == 0:
            u[0] = x[0]
        elif cfg.membrane == "spikelm":
            u[t] = u[t - 1] * (0.25 * (alpha[t - 1] - s_rec[t - 1])) + x[t]
        else:
            u[t] = cfg.lam * (u[t - 1] - s_rec[t - 1]) + x[t]
        if init:  # alpha > 0 even for an all-zero input
            alpha[t] = max(cfg.k * float(np.mean(np.abs(u[t]))), np.finfo(np.float64).tiny)
        a = x.dtype.type(alpha[t])
        s[t] = elastic_spike(u[t], a) if spiking else a * np.clip(u[t] / a, -1, 1)
        s_rec[t] = s[t] if reset_spikes is None else reset_spikes[t]
    return s, alpha, ElasticCache(u, alpha, s_rec)


def elastic_backward(ds, cache: ElasticCache, cfg: ElasticConfig = ElasticConfig()):
    """Returns (dx (T, ...), dalpha (T,)). du_t = STE(ds_t) + du_{t+1} * du_{t+1}/du_t, where the
    recurrence factor is 0.25 (alpha_t - s_t) (spikelm) or lam (lif); dx_t = du_t."""
    u, alpha, s_rec = cache
    dx = np.empty_like(u)
    dalpha = np.zeros_like(alpha)
    du_next = np.zeros(u.shape[1:], u.dtype)
    for t in range(u.shape[0] - 1, -1, -1):
        a = u.dtype.type(alpha[t])
        du_fire, dalpha[t] = elastic_spike_backward(ds[t], u[t], a)
        dx[t] = du_fire + du_next
        if t > 0:
            if cfg.membrane == "spikelm":
                du_next = dx[t] * (0.25 * (u.dtype.type(alpha[t - 1]) - s_rec[t - 1]))
            else:
                du_next = dx[t] * cfg.lam
    return dx, dalpha


class ElasticBiSpike(SpikingNeuron):
    """Layer form: alpha (T,) set on the first forward, then frozen (SpikeLM); ``learnable=True`` makes
    it a Parameter that receives the STE gradient.

    As charge -> fire -> reset (``SpikingNeuron``): h_t = v_{t-1} + x_t;  s_t = alpha_t clip(round(h_t /
    alpha_t), -1, 1);  v_t = 0.25 (alpha_t - s_t) h_t (spikelm) or lam (h_t - s_t) (lif). It has no
    threshold of its own: it fires where |h_t| >= alpha_t / 2, and alpha_t = k mean|u_t| is set from the
    data, so the firing level follows the input's scale (``firing_threshold`` returns alpha / 2).
    In surrogate mode (``spiking = False``) fire is alpha clip(u/alpha, -1, 1), the STE's primitive.
    """

    FROZEN_STATE = ("alpha",)

    def __init__(self, cfg: ElasticConfig | None = None, learnable: bool = False, **cfg_kwargs):
        super().__init__()
        self.cfg = cfg if cfg is not None else ElasticConfig(**cfg_kwargs)
        self.learnable = learnable
        self.alpha: Parameter | np.ndarray | None = None

    def alpha_value(self) -> np.ndarray | None:
        return self.alpha.value if isinstance(self.alpha, Parameter) else self.alpha

    def forward(self, x: np.ndarray) -> np.ndarray:
        alpha = self.alpha_value()
        if alpha is not None and alpha.shape != (x.shape[0],):
            raise ValueError(f"ElasticBiSpike: alpha was initialised for T={alpha.shape[0]} steps, "
                             f"input has T={x.shape[0]}")
        s, alpha, cache = elastic_forward(x, alpha, self.cfg, spiking=self.spiking, reset_spikes=self.frozen_reset)
        self.last_spikes = s
        if self.alpha is None:
            self.alpha = Parameter(alpha, decay=False) if self.learnable else alpha
        self._save(cache)
        return s

    def backward(self, ds: np.ndarray) -> np.ndarray:
        dx, dalpha = elastic_backward(ds, self._pop(), self.cfg)
        if self.learnable:
            self.alpha.grad += dalpha
        return dx

    def _alpha_set(self) -> np.ndarray:
        alpha = self.alpha_value()
        if alpha is None:
            raise RuntimeError("ElasticBiSpike: alpha is set by the first forward; run forward once first")
        return alpha

    def charge(self, v, x):
        return (v + x).astype(x.dtype, copy=False)

    def fire(self, h, t):
        a = h.dtype.type(self._alpha_set()[t])
        return elastic_spike(h, a) if self.spiking else a * np.clip(h / a, -1, 1)

    def reset(self, h, s, t):
        if self.cfg.membrane == "spikelm":
            return h * (0.25 * (self._alpha_set()[t] - s))
        return self.cfg.lam * (h - s)

    def firing_threshold(self):
        """alpha_t / 2, (T,): round(u / alpha) leaves 0 where |u| >= alpha / 2."""
        return self._alpha_set() / 2

    def frozen_state(self) -> dict[str, np.ndarray]:
        """{"alpha": (T,)} once the first forward has set a frozen alpha; a learnable one is a Parameter."""
        return {} if self.alpha is None or self.learnable else {"alpha": self.alpha}

    def load_frozen_state(self, state: dict[str, np.ndarray]) -> None:
        if self.learnable:
            raise ValueError("ElasticBiSpike: a learnable alpha is a Parameter; it is loaded with the weights")
        super().load_frozen_state(state)
