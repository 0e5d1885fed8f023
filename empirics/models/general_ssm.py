"""General (unstructured) input-dependent SSM for product tracking (000 App C.6, "6,104"):
h_t = A(x_t) h_{t−1}, A(x) ∈ R^{4×4} from an MLP 4 → 64 → 64 → 16, h_0 = vec(I₂) fixed,
y_t = C h_t + c. No Kronecker constraint, so it must *learn* the block structure.
Our count: 320 + 4,160 + 1,040 + 20 = 5,540 (the paper's 6,104 is not reproduced; see
``chasm.params.general-ssm``).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from chasm_theory.errors import ValidationError
from empirics.models.kronecker_ssm import (
    identity_bias_init_,
    matrix_prefix_products,
    matrix_prefix_products_ref,
)

__all__ = ["GeneralSSM"]


class GeneralSSM(nn.Module):
    """``forward(x (batch, time, d_in)) -> (batch, time, d_out)``."""

    def __init__(self, d_in: int = 4, d_out: int = 4, hidden: int = 64, state: int = 4,
                 scan: str = "log", init: str = "identity") -> None:
        super().__init__()
        if scan not in ("log", "loop"):
            raise ValidationError("scan", "must be 'log' or 'loop'", repr(scan))
        self.scan, self.n = scan, state
        self.f = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                               nn.ReLU(), nn.Linear(hidden, state * state))
        if init not in ("identity", "default"):
            raise ValidationError("init", "must be 'identity' or 'default'", repr(init))
        if init == "identity":  # A(x) = I + small at init (as for the Kronecker SSM)
            identity_bias_init_(self.f[4], state)
        self.readout = nn.Linear(state, d_out)
        h0 = torch.zeros(state)
        h0[0] = 1.0
        if state == 4:
            h0[3] = 1.0
        self.register_buffer("h0", h0, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3:
            raise ValidationError("x", "must have shape (batch, time, d_in)", str(tuple(x.shape)))
        A = self.f(x).view(*x.shape[:2], self.n, self.n)
        S = matrix_prefix_products(A) if self.scan == "log" else matrix_prefix_products_ref(A)
        h = S @ self.h0.to(S.dtype)
        return self.readout(h)
