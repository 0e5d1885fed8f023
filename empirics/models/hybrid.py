"""Hybrid models: an SSM block followed by an attention block.

* :class:`KronHybrid` (000 Exp VII, "20,472"): Kronecker SSM s_t (4) then a 1-layer causal
  Transformer with RoPE on [x_t, s_t] (8 inputs, d_model 32, 4 heads, MLP 128) -> (4).
* :class:`MambaAttnHybrid` (000 App D, "~19K"): a Mamba block (residual, pre-LN) then a
  1-layer causal Transformer (4 heads, d 32, FFN 64, learned PE) on its features.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from empirics.models.kronecker_ssm import KroneckerSSM
from empirics.models.mamba import MambaConfig, MambaModel
from empirics.models.transformer import Transformer, TransformerConfig

__all__ = ["KronHybrid", "MambaAttnHybrid"]


class KronHybrid(nn.Module):
    def __init__(self, d_in: int = 4, d_out: int = 4, hidden: int = 64, d_model: int = 32,
                 n_heads: int = 4, mlp_hidden: int = 128, max_len: int = 512) -> None:
        super().__init__()
        self.ssm = KroneckerSSM(d_in, 4, hidden)
        self.attn = Transformer(TransformerConfig(
            d_in=d_in + 4, d_out=d_out, d_model=d_model, n_layers=1, n_heads=n_heads,
            attention="softmax", pe="rope", max_len=max_len, mlp_hidden=mlp_hidden))

    def forward(self, x: Tensor) -> Tensor:
        return self.attn(torch.cat([x, self.ssm(x)], dim=-1))


class MambaAttnHybrid(nn.Module):
    def __init__(self, d_in: int, d_out: int, d_model: int = 32, d_state: int = 16,
                 n_heads: int = 4, ffn: int = 64, max_len: int = 512, expand: int = 1) -> None:
        super().__init__()
        self.ssm = MambaModel(MambaConfig(d_model=d_model, d_state=d_state, expand=expand),
                              d_in, d_model, n_layers=1)
        self.attn = Transformer(TransformerConfig(
            d_in=d_model, d_out=d_out, d_model=d_model, n_layers=1, n_heads=n_heads,
            attention="softmax", pe="learned", max_len=max_len, mlp_hidden=ffn, layernorm=True))

    def forward(self, x: Tensor) -> Tensor:
        return self.attn(self.ssm(x))
