"""Kronecker-structured selective SSM for product tracking (000 Lemma 1, App C.6, "4,760 params").

State h_t = vec(S_t) ∈ R⁴ (column stacking), transition A_t = I₂ ⊗ F(x_t) with F an MLP
4 → 64 → 64 → 4 reshaped (row-major) to 2×2, h_0 = vec(I₂) fixed, no input term B_t;
y_t = C h_t + c. Since (I ⊗ F) vec(S) = vec(F S), h_t = vec(F(x_t) ⋯ F(x_1)); the model computes
the 2×2 prefix products directly, sequentially (reference) or by a log-depth scan.
Count: (4·64+64) + (64·64+64) + (64·4+4) + (4·4+4) = 4,760. Initialisation: see
:func:`identity_bias_init_` (``init="default"`` keeps PyTorch's).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from chasm_theory.errors import ValidationError

__all__ = [
    "KroneckerSSM",
    "handset_",
    "identity_bias_init_",
    "matrix_prefix_products",
    "matrix_prefix_products_ref",
]


def identity_bias_init_(layer: nn.Linear, n: int, scale: float = 0.1) -> None:
    """Last layer of a transition MLP: weights × ``scale``, bias = vec(I_n), so the initial
    transitions are I + O(scale) (with PyTorch's default init the 2×2 transitions have entries
    ~0.1 and the running product underflows within ~10 steps, which stalls training).
    Our choice; the paper does not state its initialisation."""
    with torch.no_grad():
        layer.weight.mul_(scale)
        layer.bias.copy_(torch.eye(n).reshape(-1))


def matrix_prefix_products_ref(F_: Tensor) -> Tensor:
    """S_t = F_t ⋯ F_1, sequentially; (batch, T, n, n) -> (batch, T, n, n)."""
    cur = torch.eye(F_.shape[-1], dtype=F_.dtype, device=F_.device).expand(F_.shape[0], -1, -1)
    out = []
    for t in range(F_.shape[1]):
        cur = F_[:, t] @ cur
        out.append(cur)
    return torch.stack(out, dim=1)


def matrix_prefix_products(F_: Tensor) -> Tensor:
    """Same as :func:`matrix_prefix_products_ref` by a log-depth (Hillis–Steele) scan:
    at offset s, S_t ← S_t · S_{t−s} (the later factor stays on the left)."""
    T, n = F_.shape[1], F_.shape[-1]
    S = F_
    s = 1
    while s < T:
        eye = torch.eye(n, dtype=F_.dtype, device=F_.device).expand(F_.shape[0], s, n, n)
        prev = torch.cat([eye, S[:, :-s]], dim=1)
        S = S @ prev
        s *= 2
    return S


class KroneckerSSM(nn.Module):
    """``forward(x (batch, time, 4)) -> (batch, time, d_out)``; ``hidden`` MLP width."""

    def __init__(self, d_in: int = 4, d_out: int = 4, hidden: int = 64, scan: str = "log",
                 init: str = "identity") -> None:
        super().__init__()
        if scan not in ("log", "loop"):
            raise ValidationError("scan", "must be 'log' or 'loop'", repr(scan))
        if init not in ("identity", "default"):
            raise ValidationError("init", "must be 'identity' or 'default'", repr(init))
        self.scan = scan
        self.f = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                               nn.ReLU(), nn.Linear(hidden, 4))
        if init == "identity":  # F(x) = I + small at init, so products neither vanish nor explode
            identity_bias_init_(self.f[4], 2)
        self.readout = nn.Linear(4, d_out)
        self.register_buffer("h0", torch.tensor([1.0, 0.0, 0.0, 1.0]), persistent=False)

    def transitions(self, x: Tensor) -> Tensor:
        """F(x_t), (batch, T, 2, 2)."""
        return self.f(x).view(*x.shape[:2], 2, 2)

    def states(self, x: Tensor) -> Tensor:
        """h_t = vec_col(F_t ⋯ F_1 · S_0) with S_0 = unvec(h0); (batch, T, 4)."""
        F_ = self.transitions(x)
        S = matrix_prefix_products(F_) if self.scan == "log" else matrix_prefix_products_ref(F_)
        S0 = self.h0.to(S.dtype).view(2, 2).T  # unvec of column stacking
        S = S @ S0
        return S.transpose(-1, -2).reshape(*S.shape[:2], 4)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3:
            raise ValidationError("x", "must have shape (batch, time, d_in)", str(tuple(x.shape)))
        return self.readout(self.states(x))


def handset_(model: KroneckerSSM) -> KroneckerSSM:
    """Set the weights of Lemma 1 exactly (in place): F(x) = unvec_row(x) through the ReLU MLP
    as x = relu(x) − relu(−x) (exact in floating point), read-out C mapping vec_col(P) to the
    row-major target [P11, P12, P21, P22]. Needs hidden ≥ 8 and d_in = 4."""
    l1, l2, l3 = model.f[0], model.f[2], model.f[4]
    if l1.in_features != 4 or l1.out_features < 8:
        raise ValidationError("model", "hand-setting needs d_in = 4 and hidden >= 8",
                              f"{l1.in_features}, {l1.out_features}")
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        eye4 = torch.eye(4)
        l1.weight[:4] = eye4
        l1.weight[4:8] = -eye4
        l2.weight[:8, :8] = torch.eye(8)
        l3.weight[:, :4] = eye4
        l3.weight[:, 4:8] = -eye4
        perm = torch.tensor([0, 2, 1, 3])  # row-major target index -> column-stacked state index
        model.readout.weight[torch.arange(4), perm] = 1.0
    return model
