"""Fixed-gain SSM of 000 Thm 3 / App C.2: h_t = (1 − γ) h_{t−1} + γ x_t, h_0 = 0, prediction
y_t = h_t. No parameters, no training. x (batch, time, d) -> (batch, time, d)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from chasm_theory.errors import ValidationError

__all__ = ["FixedGainSSM"]


class FixedGainSSM(nn.Module):
    def __init__(self, gamma: float = 0.1) -> None:
        super().__init__()
        if not 0 < gamma <= 1:
            raise ValidationError("gamma", "must lie in (0, 1]", repr(gamma))
        self.gamma = float(gamma)

    def forward(self, x: Tensor) -> Tensor:
        h = torch.zeros_like(x[:, 0])
        hs = []
        for t in range(x.shape[1]):
            h = (1 - self.gamma) * h + self.gamma * x[:, t]
            hs.append(h)
        return torch.stack(hs, 1)
