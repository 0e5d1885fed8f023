"""Posterior predictive E[x_{k+1} | x_1..x_k] by tempered sequential Monte Carlo.

For each context, particles start from the prior of a latent xi ~ N(0, I_D) and are moved
through the tempered posteriors pi_b(xi) ~ N(xi; 0, I) p(x_1..x_k | xi)^b, b from 0 to 1:

1. next temperature: the largest b' <= 1 with ESS of the incremental weights
   exp((b' - b) log p) equal to ``ess_target`` x n_particles (bisection);
2. systematic resampling to equal weights;
3. ``n_moves`` random-walk Metropolis steps targeting pi_b', with the Gaussian proposal
   scale^2 x (particle covariance after resampling); the scale (start 2.38 / sqrt(D)) is
   multiplied by exp(acceptance - 0.3) after each step, so it settles near 30 % acceptance.

The prediction of each particle is the exact Kalman one-step prediction C A z_{k|k}(theta(xi))
and the posterior predictive mean is their average at b = 1 (after the final moves). The
evidence log p(x_1..x_k) is the product of the mean incremental weights.

``n_runs`` independent runs per context (seeds derived from (seed, run, context index), so a
context's result does not depend on the batch it is in) give the Monte Carlo standard error
of the mean (sd over runs / sqrt(n_runs)) and a Gelman-Rubin R-hat over runs (each run's
particles treated as one chain).

The model is any object with ``dim`` and ``loglik_pred(xi (B, D), x (n, k, m), ctx (B,))
-> (loglik (B,), pred (B, m))`` (see :class:`chasm_theory.oracles.posterior_lgssm.LgssmPrior`).
"""
from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import numpy as np

from chasm_theory.errors import ValidationError

__all__ = ["SMCConfig", "PosteriorPredictive", "posterior_predictive", "smc_run"]


class Model(Protocol):
    dim: int

    def loglik_pred(self, xi: np.ndarray, x: np.ndarray, ctx: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]: ...


class SMCConfig(NamedTuple):
    """Sampler settings (all data: stored with the results)."""

    n_particles: int = 1000
    n_runs: int = 2
    ess_target: float = 0.8
    n_moves: int = 10
    target_accept: float = 0.3
    max_stages: int = 500


class PosteriorPredictive(NamedTuple):
    """mean (n, m): posterior predictive mean, averaged over runs; mcse (n, m): sd over runs /
    sqrt(n_runs); run_means (R, n, m); post_sd (n, m): posterior sd of the per-theta
    prediction (pooled over runs); rhat (n, m): Gelman-Rubin over runs; log_evidence (R, n);
    diagnostics: per-run lists of per-context dicts (temperatures, ESS before each
    resampling, acceptance per stage, number of stages) and their summary."""

    mean: np.ndarray
    mcse: np.ndarray
    run_means: np.ndarray
    post_sd: np.ndarray
    rhat: np.ndarray
    log_evidence: np.ndarray
    diagnostics: dict[str, Any]


def _ess(logw: np.ndarray) -> np.ndarray:
    """ESS (rows) of weights exp(logw): (sum w)^2 / sum w^2."""
    w = np.exp(logw - logw.max(axis=-1, keepdims=True))
    return w.sum(-1) ** 2 / (w * w).sum(-1)


def _next_delta(ll: np.ndarray, room: np.ndarray, target: float) -> np.ndarray:
    """Per row of ll (n, P): the temperature increment in (0, room] whose incremental ESS
    is target (room itself when even that keeps ESS >= target)."""
    llc = ll - ll.max(axis=1, keepdims=True)
    ok = _ess(room[:, None] * llc) >= target
    lo = np.zeros_like(room)
    hi = room.copy()
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        good = _ess(mid[:, None] * llc) >= target
        lo = np.where(good, mid, lo)
        hi = np.where(good, hi, mid)
    return np.where(ok, room, np.maximum(lo, 1e-300))


def _systematic(w: np.ndarray, u: float) -> np.ndarray:
    """Systematic resampling indices (P,) for normalised weights w (P,)."""
    P = w.size
    c = np.cumsum(w)
    c[-1] = 1.0
    return np.searchsorted(c, (u + np.arange(P)) / P)


def smc_run(model: Model, x: np.ndarray, cfg: SMCConfig, seeds: list[Any]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """One tempered SMC run per context. x: (n, k, m); seeds: n seeds (one per context).

    Returns the particle mean prediction (n, m), its posterior variance (n, m), log evidence
    (n,), and per-context diagnostics."""
    n = x.shape[0]
    P, D = cfg.n_particles, model.dim
    rngs = [np.random.default_rng(s) for s in seeds]
    xi = np.stack([r.standard_normal((P, D)) for r in rngs])          # (n, P, D)
    ctx_all = np.repeat(np.arange(n), P)
    ll, pred = model.loglik_pred(xi.reshape(n * P, D), x, ctx_all)
    ll, pred = ll.reshape(n, P), pred.reshape(n, P, -1)
    ll = np.where(np.isfinite(ll), ll, -np.inf)
    beta = np.zeros(n)
    logz = np.zeros(n)
    scale = np.full(n, 2.38 / np.sqrt(D))
    diag = [{"beta": [], "ess": [], "accept": []} for _ in range(n)]
    active = np.arange(n)
    for _stage in range(cfg.max_stages):
        if active.size == 0:
            break
        la = ll[active]
        delta = _next_delta(la, 1.0 - beta[active], cfg.ess_target * P)
        lw = delta[:, None] * (la - la.max(axis=1, keepdims=True))
        ess = _ess(lw)
        w = np.exp(lw)
        logz[active] += np.log(w.mean(axis=1)) + delta * la.max(axis=1)
        beta[active] = np.where(delta >= 1.0 - beta[active], 1.0, beta[active] + delta)
        for j, i in enumerate(active):
            idx = _systematic(w[j] / w[j].sum(), rngs[i].random())
            xi[i], ll[i], pred[i] = xi[i][idx], ll[i][idx], pred[i][idx]
            diag[i]["beta"].append(float(beta[i]))
            diag[i]["ess"].append(float(ess[j]))
        # proposal covariance per context, from the resampled particles
        xa = xi[active]
        mu = xa.mean(1, keepdims=True)
        chol = np.linalg.cholesky(np.einsum("npi,npj->nij", xa - mu, xa - mu) / P
                                  + 1e-10 * np.eye(D))
        acc_stage = np.zeros(active.size)
        ctx_a = np.repeat(np.arange(active.size), P)
        for _m in range(cfg.n_moves):
            eps = np.stack([rngs[i].standard_normal((P, D)) for i in active])
            logu = np.log(np.stack([rngs[i].random(P) for i in active]))
            cur = xi[active]
            prop = cur + scale[active, None, None] * np.einsum("nij,npj->npi", chol, eps)
            llp, pp = model.loglik_pred(prop.reshape(-1, D), x[active], ctx_a)
            llp = np.where(np.isfinite(llp), llp, -np.inf).reshape(active.size, P)
            pp = pp.reshape(active.size, P, -1)
            loga = (-0.5 * ((prop * prop).sum(-1) - (cur * cur).sum(-1))
                    + beta[active, None] * (llp - ll[active]))
            acc = logu < loga
            xi[active] = np.where(acc[..., None], prop, cur)
            ll[active] = np.where(acc, llp, ll[active])
            pred[active] = np.where(acc[..., None], pp, pred[active])
            rate = acc.mean(axis=1)
            acc_stage += rate / cfg.n_moves
            scale[active] *= np.exp(rate - cfg.target_accept)
        for j, i in enumerate(active):
            diag[i]["accept"].append(float(acc_stage[j]))
        active = active[beta[active] < 1.0]
    if active.size:
        raise ValidationError("max_stages", "must let every context reach temperature 1",
                              f"{active.size} contexts still below 1 after {cfg.max_stages}")
    for dg in diag:
        dg["n_stages"] = len(dg["beta"])
    return pred.mean(axis=1), pred.var(axis=1), logz, diag


def _check_contexts(x: object) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 3 or min(a.shape) < 1:
        raise ValidationError("contexts", "must have shape (n, k, m) with n, k, m >= 1",
                              f"got {np.shape(x)}")
    if not np.all(np.isfinite(a)):
        raise ValidationError("contexts", "must be finite", "contains NaN or inf")
    return np.ascontiguousarray(a)


def _check_cfg(cfg: SMCConfig) -> None:
    for name in ("n_particles", "n_runs", "n_moves", "max_stages"):
        v = getattr(cfg, name)
        if isinstance(v, bool) or int(v) != v or v < (2 if name in ("n_particles", "n_runs")
                                                      else 1):
            raise ValidationError(name, "must be an integer >= "
                                  + ("2" if name in ("n_particles", "n_runs") else "1"),
                                  f"got {v!r}")
    if not 0.0 < cfg.ess_target < 1.0:
        raise ValidationError("ess_target", "must lie in (0, 1)", f"got {cfg.ess_target!r}")


def posterior_predictive(contexts: object, model: Model, cfg: SMCConfig | None = None,
                         seed: int = 0, context_ids: object = None) -> PosteriorPredictive:
    """Posterior predictive mean E[x_{k+1} | x_1..x_k] for each context (n, k, m) under the
    model's prior, with Monte Carlo error and sampler diagnostics.

    context_ids (n,) ints (default 0..n-1) enter the per-context seeds (seed, run, id), so a
    context gets the same answer in any batch or chunk that gives it the same id."""
    x = _check_contexts(contexts)
    cfg = cfg or SMCConfig()
    _check_cfg(cfg)
    n = x.shape[0]
    ids = np.arange(n) if context_ids is None else np.asarray(context_ids, dtype=np.int64)
    if ids.shape != (n,):
        raise ValidationError("context_ids", f"must have shape ({n},)", f"got {ids.shape}")
    R = cfg.n_runs
    means, variances, logz, runs = [], [], [], []
    for r in range(R):
        mu, var, lz, dg = smc_run(model, x, cfg, [[int(seed), r, int(i)] for i in ids])
        means.append(mu)
        variances.append(var)
        logz.append(lz)
        runs.append(dg)
    M, V = np.stack(means), np.stack(variances)                       # (R, n, m)
    P = cfg.n_particles
    W = V.mean(0) * P / (P - 1)
    Bn = M.var(0, ddof=1)                                             # B / P in Gelman-Rubin
    rhat = np.sqrt(((P - 1) / P * W + Bn) / np.maximum(W, 1e-300))
    stages = np.array([[dg["n_stages"] for dg in run] for run in runs])
    acc = np.array([[np.mean(dg["accept"]) for dg in run] for run in runs])
    min_acc = np.array([[np.min(dg["accept"]) for dg in run] for run in runs])
    summary = {"n_stages_median": float(np.median(stages)), "n_stages_max": int(stages.max()),
               "accept_mean": float(acc.mean()), "accept_min": float(min_acc.min()),
               "rhat_max": float(rhat.max()), "rhat_median": float(np.median(rhat)),
               "mcse_median": float(np.median(np.sqrt((np.std(M, 0, ddof=1) ** 2).sum(-1)
                                                       / R))),
               "config": cfg._asdict()}
    return PosteriorPredictive(M.mean(0), M.std(0, ddof=1) / np.sqrt(R), M,
                               np.sqrt(V.mean(0)), rhat, np.stack(logz),
                               {"summary": summary, "runs": runs})
