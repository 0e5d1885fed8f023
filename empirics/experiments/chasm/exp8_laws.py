"""000 Experiment VIII (Table 4) over the product law App C.6 leaves unstated.

App C.6 fixes θ ~ U(±0.5), s_i ~ U(0.8, 1.2) and "bounded Frobenius norm (1.5)" but neither the
shear J's scale nor whether M is normalised, and those decide whether the running products
shrink, stay O(1) or grow (``chasm.thm1.chasm.raw-risk``). Exp VIII's trained runs use one law
(:data:`~chasm_theory.oracles.product_tracking.TRAINED_LAW`); this experiment trains the same six
models, at the same budget and seeds, on the other corners of the candidate range, so every
Exp VIII claim can say on which laws its verdict holds (``chasm.exp8.*`` read both runs).

Results: ``{"laws": {law name: Exp VIII results on that law (as :func:`exp8.run` returns)}}``.
"""
from __future__ import annotations

from typing import Any

from chasm_theory import experiment
from chasm_theory._experiments import RunEnv
from chasm_theory.oracles.product_tracking import TRAINED_LAW, MatrixLaw
from empirics.engine.evaluate import one_thread
from empirics.engine.product import product_runs, run_product
from empirics.engine.runs import TrainRun
from empirics.experiments.chasm.exp8 import MODELS, exp8_config, with_ratios

__all__ = ["SWEEP_LAWS", "SWEEP_RULE", "sweep_config"]

#: the corners of the trained-law rule's candidate range other than the trained law itself
SWEEP_LAWS: tuple[MatrixLaw, ...] = (
    MatrixLaw(shear=0.5),
    MatrixLaw(normalize="none"),
    MatrixLaw(normalize="none", shear=0.5),
)
SWEEP_RULE = (
    "laws fixed before any sweep run was read: the two unstated parts of App C.6 that set the "
    "task's scale, each at the ends of the trained-law rule's candidate range — M as App C.6 "
    "writes it or det-normalised, × shear scale 0.1 or 0.5 — with the trained law's rescale cap; "
    f"the trained law ({TRAINED_LAW.name}) is one corner, the other three are trained here at "
    "the same budget and seeds")


def sweep_config(profile: str) -> dict[str, Any]:
    """Exp VIII's config with ``law`` replaced by the list ``laws`` of :data:`SWEEP_LAWS`."""
    cfg = exp8_config(profile)
    del cfg["law"]
    cfg["laws"] = [law.as_dict() for law in SWEEP_LAWS]
    return cfg


def _on_law(cfg: dict[str, Any], law: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Exp VIII's config on ``law`` and the run-label prefix of its models."""
    c = {**{k: v for k, v in cfg.items() if k != "laws"}, "law": law}
    return c, f"exp8@{MatrixLaw(**law).name}"


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    runs: list[TrainRun] = []
    for law in cfg["laws"]:
        c, exp = _on_law(cfg, law)
        runs += [r for rs in product_runs(c, seed, MODELS, exp).values() for r in rs]
    return runs


@experiment("exp8_laws", title="000 Exp VIII on the other App C.6 laws (law sweep)",
            config=sweep_config, version=1, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    out: dict[str, Any] = {"laws": {}, "rule": SWEEP_RULE}
    with one_thread():
        for law in cfg["laws"]:
            c, exp = _on_law(cfg, law)
            out["laws"][MatrixLaw(**law).name] = with_ratios(run_product(c, env, MODELS, exp))
    return out
