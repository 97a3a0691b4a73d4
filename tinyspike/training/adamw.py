"""AdamW (Loshchilov & Hutter 2019): Adam with weight decay decoupled from the gradient."""
from __future__ import annotations

import numpy as np

from ..layers.base import Parameter


class AdamW:
    """For each parameter, at step t (from 1):

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
        p <- p - lr * wd * p                  (decoupled decay; skipped for no-decay parameters)
        p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    Parameters with ``decay=False`` (biases, norm weights, embeddings by default) form the
    no-decay group. Updates are in place, so views of ``p.value`` stay valid.
    """

    def __init__(self, params: list[Parameter], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01):
        if lr < 0 or not 0 <= betas[0] < 1 or not 0 <= betas[1] < 1 or eps <= 0 or weight_decay < 0:
            raise ValueError(f"AdamW: invalid hyper-parameters lr={lr}, betas={betas}, eps={eps}, "
                             f"weight_decay={weight_decay}")
        self.params = list(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.m = [np.zeros_like(p.value) for p in self.params]
        self.v = [np.zeros_like(p.value) for p in self.params]
        self.t = 0

    def step(self, lr: float | None = None) -> None:
        lr = self.lr if lr is None else lr
        b1, b2 = self.betas
        self.t += 1
        c1 = 1.0 - b1 ** self.t
        c2 = 1.0 - b2 ** self.t
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            if p.decay and self.weight_decay:
                p.value *= 1.0 - lr * self.weight_decay
            p.value -= (lr / c1) * m / (np.sqrt(v / c2) + self.eps)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad[...] = 0

    def state_dict(self) -> dict[str, np.ndarray]:
        state = {"t": np.array(self.t)}
        for i, (m, v) in enumerate(zip(self.m, self.v)):
            state[f"m.{i}"] = m
            state[f"v.{i}"] = v
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        if len([k for k in state if k.startswith("m.")]) != len(self.params):
            raise ValueError("AdamW.load_state_dict: the state holds moments for a different number of "
                             f"parameters than this optimizer's {len(self.params)}")
        self.t = int(np.asarray(state["t"]).item())
        for i in range(len(self.params)):
            np.copyto(self.m[i], state[f"m.{i}"])
            np.copyto(self.v[i], state[f"v.{i}"])
