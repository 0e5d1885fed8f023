"""Non-selective SSM ablation (001 App B.2): the selective SSM with Ā and B̄ replaced by
input-independent learned parameters, Ā = tanh(a) (diagonal, n), B̄ (n × d_in); same hidden
size and read-out. x (batch, time, d_in) -> (batch, time, d_out)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from empirics.models.kernels import linear_scan
from empirics.models.selective_ssm import SelectiveSSMConfig

__all__ = ["NonSelectiveSSM"]


class NonSelectiveSSM(nn.Module):
    def __init__(self, cfg: SelectiveSSMConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.a = nn.Parameter(torch.full((cfg.n,), 1.5) + 0.5 * torch.randn(cfg.n))
        self.B = nn.Parameter(torch.randn(cfg.n, cfg.d_in) / cfg.d_in ** 0.5)
        self.out = nn.Linear(cfg.n, cfg.d_out, bias=cfg.readout_bias)

    def forward(self, x: Tensor) -> Tensor:
        a = torch.tanh(self.a)
        u = x @ self.B.T  # (batch, time, n)
        return self.out(linear_scan(a, u))  # h_t = a ⊙ h_{t−1} + u_t, h_0 = 0
