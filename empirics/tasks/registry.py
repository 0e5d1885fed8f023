"""The one task registry: a task spec (a JSON-able dict with a ``name``) and a training length
give the training sampler ``sample_batch(gen, batch) -> (x, y)``.

============  ==============================================================  =====================
name          spec fields                                                     pairs
============  ==============================================================  =====================
colored       a, alpha (float or [lo, hi])                                    x_{1..T} → x_{2..T+1}
static        —                                                               x_{1..T} → x_{2..T+1}
lgssm-prior   d, m, n_tasks, task_seed (list of ints: numpy seed of the set)  x_{1..T} → x_{2..T+1}
hmm           n_states, n_symbols, alpha_trans, alpha_emit                    one-hot → next symbol
product       law (MatrixLaw fields)                                          M_t → P_t
hybrid        a, alpha, block, n_blocks                                       App D blocks
group         group (a name of chasm_theory.oracles.groups)                   tokens → products
majority      —  (T = the maximal training length)                            ±1 → sign of sum
============  ==============================================================  =====================
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from chasm_theory.errors import ValidationError

__all__ = ["make_sampler", "TASKS"]

SampleFn = Callable[[torch.Generator, int], "tuple[Tensor, Tensor]"]


def _colored(task: dict[str, Any], T: int, device: str) -> SampleFn:
    from empirics.tasks.lg import as_training_pair, colored_noise_batch

    alpha = task["alpha"]
    al = tuple(alpha) if isinstance(alpha, (list, tuple)) else alpha

    def sample(gen: torch.Generator, batch: int) -> tuple[Tensor, Tensor]:
        x, _ = colored_noise_batch(gen, batch, T + 1, a=task["a"], alpha=al, device=device)
        return as_training_pair(x)

    return sample


def _static(task: dict[str, Any], T: int, device: str) -> SampleFn:
    from empirics.tasks.lg import as_training_pair, static_batch

    def sample(gen: torch.Generator, batch: int) -> tuple[Tensor, Tensor]:
        x, _ = static_batch(gen, batch, T + 1, device=device)
        return as_training_pair(x)

    return sample


def _lgssm_prior(task: dict[str, Any], T: int, device: str) -> SampleFn:
    import numpy as np

    from empirics.tasks.lg import prior_task_sampler, sample_prior

    tasks = sample_prior(np.random.default_rng(list(task["task_seed"])), int(task["n_tasks"]),
                         int(task.get("d", 4)), int(task.get("m", 2)))
    return prior_task_sampler(tasks, T, device)


def _hmm(task: dict[str, Any], T: int, device: str) -> SampleFn:
    from empirics.tasks.hmm import HMMTaskConfig, hmm_sampler

    fields = {k: v for k, v in task.items() if k != "name"}
    return hmm_sampler(HMMTaskConfig(**fields), T)


def _product(task: dict[str, Any], T: int, device: str) -> SampleFn:
    from chasm_theory.oracles.product_tracking import MatrixLaw
    from empirics.tasks.product import product_sampler

    return product_sampler(T, MatrixLaw(**task["law"]))


def _hybrid(task: dict[str, Any], T: int, device: str) -> SampleFn:
    from empirics.tasks.hybrid import sample_hybrid_batch

    kw = {k: task[k] for k in ("a", "alpha", "block", "n_blocks", "q", "r", "start") if k in task}
    if kw.get("block", 32) * kw.get("n_blocks", 4) != T:
        raise ValidationError("length", "must equal block × n_blocks for the hybrid task", str(T))
    return lambda g, batch: sample_hybrid_batch(g, batch, **kw)


def _group(task: dict[str, Any], T: int, device: str) -> SampleFn:
    from chasm_theory.oracles.groups import get_group
    from empirics.tasks.groups import group_sampler

    return group_sampler(torch.as_tensor(get_group(task["group"]).mult, dtype=torch.long), T)


def _majority(task: dict[str, Any], T: int, device: str) -> SampleFn:
    from empirics.tasks.majority import majority_sampler

    return majority_sampler(T)


TASKS: dict[str, Callable[[dict[str, Any], int, str], SampleFn]] = {
    "colored": _colored, "static": _static, "lgssm-prior": _lgssm_prior, "hmm": _hmm,
    "product": _product, "hybrid": _hybrid, "group": _group, "majority": _majority,
}


def make_sampler(task: dict[str, Any], length: int, device: str = "cpu") -> SampleFn:
    """The training sampler of task spec ``task`` at training length ``length``."""
    name = task.get("name")
    if name not in TASKS:
        raise ValidationError("task.name", f"must be one of {', '.join(TASKS)}", repr(name))
    return TASKS[name](task, int(length), device)
