"""Selective SSM of 000 App C.7.3 (and 001 §4.2, App B.1).

    s_t = SiLU(U x_t + b)                      (selective projection, width w)
    Ā_t = tanh(W_A s_t + b_A)                  (diagonal, n entries)
    B̄_t = W_B s_t + b_B                        (n × d_in)
    h_t = Ā_t ⊙ h_{t−1} + B̄_t x_t,  h_0 = 0
    y_t = W_o h_t + b_o                        (prediction of x_{t+1})

Shapes: x (batch, time, d_in) -> y (batch, time, d_out). The recurrence is a diagonal linear
scan, cost O(time · n), by :func:`empirics.models.kernels.linear_scan` (on CPU a sequential
scan with a hand-written backward; the plain loop ``linear_scan_ref`` is the test oracle).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from chasm_theory.errors import ValidationError
from empirics.models.kernels import linear_scan, linear_scan_ref, select_impl

__all__ = ["SelectiveSSM", "SelectiveSSMConfig", "selective_ssm_param_count"]


@dataclass
class SelectiveSSMConfig:
    d_in: int = 1
    d_out: int = 1
    n: int = 16
    width: int = 9
    readout_bias: bool = True


def selective_ssm_param_count(cfg: SelectiveSSMConfig) -> int:
    """Closed form: U, b: w(d_in+1); W_A, b_A: n(w+1); W_B, b_B: n d_in (w+1);
    W_o, b_o: d_out n (+ d_out)."""
    w, n = cfg.width, cfg.n
    return (w * (cfg.d_in + 1) + n * (w + 1) + n * cfg.d_in * (w + 1) + cfg.d_out * n
            + (cfg.d_out if cfg.readout_bias else 0))


class SelectiveSSM(nn.Module):
    """``forward(x (batch, time, d_in)) -> (batch, time, d_out)``; causal."""

    def __init__(self, cfg: SelectiveSSMConfig) -> None:
        super().__init__()
        for name in ("d_in", "d_out", "n", "width"):
            v = getattr(cfg, name)
            if not isinstance(v, int) or v < 1:
                raise ValidationError(name, "must be a positive integer", repr(v))
        self.cfg = cfg
        self.U = nn.Linear(cfg.d_in, cfg.width)
        self.WA = nn.Linear(cfg.width, cfg.n)
        self.WB = nn.Linear(cfg.width, cfg.n * cfg.d_in)
        self.out = nn.Linear(cfg.n, cfg.d_out, bias=cfg.readout_bias)
        with torch.no_grad():  # start with slow, stable memory: Ā ≈ tanh(1.5) ≈ 0.9
            self.WA.bias.fill_(1.5)

    def gates(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Ā (batch, time, n) and B̄ (batch, time, n, d_in) for input x (batch, time, d_in)."""
        s = F.silu(self.U(x))
        a = torch.tanh(self.WA(s))
        b = self.WB(s).unflatten(-1, (self.cfg.n, self.cfg.d_in))
        return a, b

    def states(self, x: Tensor) -> Tensor:
        """h (batch, time, n)."""
        a, b = self.gates(x)
        if select_impl("scan", x.device) == "reference":  # the original code, verbatim
            u = (b @ x.unsqueeze(-1)).squeeze(-1)  # (batch, time, n)
            return linear_scan_ref(a, u)
        u = (b * x.unsqueeze(-2)).sum(-1)  # B̄_t x_t (batch, time, n) without tiny matmuls
        return linear_scan(a, u)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[-1] != self.cfg.d_in:
            raise ValidationError("x", f"must have shape (batch, time, {self.cfg.d_in})",
                                  str(tuple(x.shape)))
        return self.out(self.states(x))
