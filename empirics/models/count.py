"""Parameter counting."""
from __future__ import annotations

from torch import nn

__all__ = ["count_params", "param_table"]


def count_params(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) scalar parameters; buffers (e.g. a fixed sinusoidal table) excluded."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only))


def param_table(model: nn.Module) -> dict[str, int]:
    """``{parameter name: numel}``, for recording which tensors make up a count."""
    return {n: int(p.numel()) for n, p in model.named_parameters() if p.requires_grad}
