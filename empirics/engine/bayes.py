"""The 001 LG-SSM-prior experiments' evaluation (§5.1, Thm 1): held-out tasks, known-θ Kalman
risk (the core's per-sequence filter), an importance-sampling Bayes oracle, and the models'
risks at the last context position, with intervals over seeds and test tasks; the zero
predictor's exact risk on the same held-out tasks (the learned rule's baseline).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from torch import nn

from chasm_theory._experiments import RunEnv
from chasm_theory._judgements import beats_baseline
from chasm_theory._record import Outcome
from chasm_theory.oracles.kalman import kalman_filter_per_sequence
from chasm_theory.oracles.lgssm import LGSSMParams, zero_predictor_risk
from chasm_theory.stats import seeds_ci
from empirics.engine.evaluate import predict
from empirics.engine.specs import BAYES_CONTEXT
from empirics.engine.training import step_generator
from empirics.tasks.lg import SSParams, kalman_predictions, lgssm_batch, sample_prior

__all__ = ["known_theta_predictions", "importance_sampling_oracle", "test_tasks", "test_set",
           "zero_predictor_risks", "learned_at_k", "evaluate_models"]


def known_theta_predictions(x: np.ndarray, tasks: SSParams) -> np.ndarray:
    """Exact Kalman predictions (n, k, m) with each sequence's own parameters."""
    n, d = x.shape[0], tasks.A.shape[1]
    params = LGSSMParams(tasks.A, tasks.C, tasks.Q, tasks.R, np.zeros((n, d)), tasks.P0)
    return kalman_filter_per_sequence(params, x).one_step


def importance_sampling_oracle(x: np.ndarray, draws: list[tuple[np.ndarray, ...]]
                               ) -> tuple[np.ndarray, np.ndarray]:
    """Posterior predictive mean of x_{k+1} after the whole context of x (n, k, m) and the ESS
    per sequence, from prior draws (A, C, Q, R, P0)."""
    preds, lls = [], []
    for th in draws:
        p, ll = kalman_predictions(x, *th, return_loglik=True)
        preds.append(p[:, -1])
        lls.append(ll[:, -1])
    P, L = np.stack(preds), np.stack(lls)  # (M, n, m), (M, n)
    w = np.exp(L - L.max(0, keepdims=True))
    w /= w.sum(0, keepdims=True)
    return np.einsum("jn,jnm->nm", w, P), 1.0 / (w ** 2).sum(0)


def test_tasks(n_test: int, seed: int) -> SSParams:
    """The held-out tasks (n_test of them, each field with a leading (n_test,) axis) of the
    evaluation with base seed ``seed``."""
    return sample_prior(np.random.default_rng([seed, 99]), n_test)


def test_set(cfg: dict[str, Any], seed: int) -> tuple[np.ndarray, SSParams]:
    """The held-out sequences x (n_test, k + 1, m), k = BAYES_CONTEXT, and their tasks."""
    tasks = test_tasks(cfg["n_test"], seed)
    x = lgssm_batch(step_generator(40_000_003 + seed, 0), tasks, T=BAYES_CONTEXT + 1)
    x = x.double().numpy()
    return x, tasks


def zero_predictor_risks(n_test: int, seed: int) -> np.ndarray:
    """Exact risk (n_test,) of predicting the target x_{k+1} (k = BAYES_CONTEXT) by 0 on each
    held-out task: E‖x_{k+1}‖² under that task's law (the core's
    :func:`~chasm_theory.oracles.lgssm.zero_predictor_risk`), the LEARNED_RULE baseline of a
    real-valued target."""
    t = test_tasks(n_test, seed)
    params = LGSSMParams(t.A, t.C, t.Q, t.R, np.zeros(t.A.shape[:2]), t.P0)
    return zero_predictor_risk(params, BAYES_CONTEXT + 1)


def learned_at_k(risk: dict[str, float], zero_risk: float, model: str) -> Outcome:
    """Has ``model`` learned the task? Its risk CI at k = BAYES_CONTEXT (``risk``: est, lo, hi)
    against the zero predictor's risk on the same held-out tasks (:data:`LEARNED_RULE`)."""
    return beats_baseline(risk["lo"], risk["hi"], zero_risk, model=model,
                          metric=f"risk at k = {BAYES_CONTEXT}", higher_is_better=False,
                          kind="real", est=risk["est"])


def evaluate_models(models: dict[str, list[nn.Module]], cfg: dict[str, Any], env: RunEnv,
                    M: int = 0) -> dict[str, Any]:
    """Risks at k = 32 on held-out tasks; excess vs known-θ Kalman (and vs IS Bayes if M > 0).
    ``models``: name -> one trained model per seed; intervals over seeds and test tasks."""
    x, tasks = test_set(cfg, env.seed)
    inp, tgt = x[:, :BAYES_CONTEXT], x[:, BAYES_CONTEXT]
    kal = ((known_theta_predictions(inp, tasks)[:, -1] - tgt) ** 2).sum(-1)  # (n,)
    se = {n: np.stack([((predict(m, inp, env.device)[:, -1] - tgt) ** 2).sum(-1) for m in ms])
          for n, ms in models.items()}  # (n_seeds, n)
    out: dict[str, Any] = {"n_test": int(x.shape[0]),
                           "n_seeds": len(next(iter(models.values()))) if models else 0}
    risk = {"kalman": seeds_ci(kal[None])}
    if M:
        rng = np.random.default_rng([env.seed, 5])
        draws = [tuple(p[0] for p in sample_prior(rng, 1)) for _ in range(M)]
        bp, ess = importance_sampling_oracle(inp, draws)
        bayes = ((bp - tgt) ** 2).sum(-1)
        risk["bayes_is"] = seeds_ci(bayes[None])
        out.update(M=M, ess_median=float(np.median(ess)), ess_min=float(ess.min()))
        out["excess_vs_bayes"] = {n: seeds_ci(se[n] - bayes[None]) for n in models}
        if "ssm" in models and "lintf" in models:
            out["diff_lintf_minus_ssm"] = seeds_ci(se["lintf"] - se["ssm"])
    risk.update({n: seeds_ci(v) for n, v in se.items()})
    out["risk"] = {k: risk[k] for k in ["kalman", *se, *(["bayes_is"] if M else [])]}
    out["excess_vs_kalman"] = {n: seeds_ci(se[n] - kal[None]) for n in models}
    # per test task, averaged over the seeds (the seed variation is in the intervals above)
    out["units_excess_vs_kalman"] = {n: (se[n] - kal[None]).mean(0).tolist() for n in models}
    # per seed and test task (n_seeds, n): for intervals built by the checks (seeds_ci and
    # friends resample seeds, then tasks)
    out["units_excess_vs_kalman_per_seed"] = {n: np.round(se[n] - kal[None], 7).tolist()
                                              for n in models}
    return out
