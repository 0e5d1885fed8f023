"""Torch-side sampler of the random-HMM character task (000 Exp VI; 001 §5.2).

Every sequence comes from its own freshly drawn HMM (meta-training across tasks). The HMM and
the sequence are drawn with numpy (numba kernels of :mod:`chasm_theory.hmm`) from a seed taken
from the step's ``torch.Generator``, so training batches stay a function of (seed, step).
Inputs are one-hot symbols x (batch, T, V) for positions 1..T, targets the next symbols
y (batch, T) int64 (positions 2..T+1).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from chasm_theory.oracles.hmm import HMMBatch, random_hmms, sample_sequences

__all__ = ["HMMTaskConfig", "hmm_sampler", "one_hot_io"]


class HMMTaskConfig(NamedTuple):
    n_states: int = 20
    n_symbols: int = 50
    alpha_trans: float = 0.1
    alpha_emit: float = 0.1


def one_hot_io(obs: np.ndarray, V: int) -> tuple[Tensor, Tensor]:
    """obs (B, T+1) int -> (x one-hot (B, T, V) float32, y (B, T) int64)."""
    o = torch.from_numpy(np.asarray(obs, dtype=np.int64))
    x = torch.nn.functional.one_hot(o[:, :-1], V).float()
    return x, o[:, 1:].contiguous()


def draw(task: HMMTaskConfig, B: int, T: int, rng: np.random.Generator
         ) -> tuple[HMMBatch, np.ndarray]:
    """B random HMMs and one sequence of T+1 symbols from each: (hmms, obs (B, T+1))."""
    hmm = random_hmms(B, task.n_states, task.n_symbols, task.alpha_trans, task.alpha_emit, rng)
    obs, _ = sample_sequences(hmm, T + 1, rng)
    return hmm, obs


def hmm_sampler(task: HMMTaskConfig, T: int
                ) -> Callable[[torch.Generator, int], tuple[Tensor, Tensor]]:
    """``sample_batch(gen, batch)`` for :func:`empirics.training.train`."""

    def sample(g: torch.Generator, batch: int) -> tuple[Tensor, Tensor]:
        seed = int(torch.randint(0, 2**62, (1,), generator=g, device=g.device).item())
        _, obs = draw(task, batch, T, np.random.default_rng(seed))
        return one_hot_io(obs, task.n_symbols)

    return sample
