"""Group-tracking words (002): tokens are group elements, targets the running products.

x (batch, T) int64 element indices drawn uniformly, y (batch, T) int64 with
y_t = x_1 · x_2 ⋯ x_t under the Cayley table ``mult`` (y_t = mult[y_{t−1}, x_t], y_0 = identity 0).
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["group_sampler"]


def group_sampler(mult: Tensor, T: int) -> Callable[[torch.Generator, int], tuple[Tensor, Tensor]]:
    """``sample_batch(gen, batch)`` of words of length T over the group with Cayley table
    ``mult``."""
    n = mult.shape[0]

    def sample(gen: torch.Generator, batch: int) -> tuple[Tensor, Tensor]:
        x = torch.randint(0, n, (batch, T), generator=gen, device=gen.device)
        y = torch.empty_like(x)
        acc = torch.zeros(batch, dtype=torch.long, device=x.device)
        for t in range(T):
            acc = mult[acc, x[:, t]]
            y[:, t] = acc
        return x, y

    return sample
