"""The majority task of 003: ±1 tokens, target the sign of their sum (odd lengths: no ties)."""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["majority_sampler"]


def majority_sampler(max_len: int) -> Callable[[torch.Generator, int], tuple[Tensor, Tensor]]:
    """``sample_batch(gen, batch)``: one odd length T ≤ max_len per batch; x (batch, T, 1) in
    {−1, +1}, y (batch, 1) = 1{sum > 0}."""
    def sample(gen: torch.Generator, batch: int) -> tuple[Tensor, Tensor]:
        T = 2 * int(torch.randint(0, (max_len + 1) // 2, (1,), generator=gen)) + 1  # odd, no ties
        x = torch.randint(0, 2, (batch, T, 1), generator=gen).float() * 2 - 1
        y = (x.sum(1) > 0).float()
        return x, y

    return sample
