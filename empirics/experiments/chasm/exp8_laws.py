"""000 Experiment VIII (Table 4) on the other App C.6 laws (the law sweep).

Exp VIII's six models at the same budget and seeds on the three laws of
:data:`empirics.engine.product.SWEEP_LAWS`; every ``chasm.exp8`` id reads this run beside
``exp8`` and is decided over the four laws. Results: ``{"laws": {law name: Exp VIII results on
that law}, "rule": ...}``.
"""
from __future__ import annotations

from typing import Any

from chasm_theory import experiment
from chasm_theory._experiments import RunEnv
from empirics.engine.evaluate import one_thread
from empirics.engine.product import run_sweep, sweep_config, sweep_training_runs
from empirics.engine.runs import TrainRun
from empirics.experiments.chasm.exp8 import MODELS, exp8_config, with_ratios


def laws_config(profile: str) -> dict[str, Any]:
    """Exp VIII's config at ``profile`` on the swept laws."""
    return sweep_config(exp8_config(profile))


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return sweep_training_runs(cfg, seed, MODELS, "exp8")


@experiment("exp8_laws", title="000 Exp VIII on the other App C.6 laws (law sweep)",
            config=laws_config, version=1, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return run_sweep(cfg, env, MODELS, "exp8", finish=with_ratios)
