"""000 Experiment VII (Table 3, Fig 6) on the other App C.6 laws (the law sweep).

Exp VII's seven models at the same budget and seeds on the three laws of
:data:`empirics.engine.product.SWEEP_LAWS` (the Kronecker SSM and TF-2L + RoPE are the same runs
as Exp VIII's sweep); every ``chasm.exp7`` id reads this run beside ``exp7`` and is decided over
the four laws. Results: ``{"laws": {law name: Exp VII results on that law}, "rule": ...}``.
"""
from __future__ import annotations

from typing import Any

from chasm_theory import experiment
from chasm_theory._experiments import RunEnv
from empirics.engine.evaluate import one_thread
from empirics.engine.product import run_sweep, sweep_config, sweep_training_runs
from empirics.engine.runs import TrainRun
from empirics.experiments.chasm.exp7 import MODELS, exp7_config


def laws_config(profile: str) -> dict[str, Any]:
    """Exp VII's config at ``profile`` on the swept laws."""
    return sweep_config(exp7_config(profile))


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return sweep_training_runs(cfg, seed, MODELS, "exp7")


@experiment("exp7_laws", title="000 Exp VII on the other App C.6 laws (law sweep)",
            config=laws_config, version=1, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return run_sweep(cfg, env, MODELS, "exp7")
