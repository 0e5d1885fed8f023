"""The SMC posterior-predictive oracle checked against independent oracles (numbers for the
record; the tests in tests/test_posterior.py assert the same facts at a smaller size).

* :func:`check_prior_law` -- the latent map's law of theta against the core's prior sampler
  (:func:`chasm_theory.oracles.tasks.random_lgssm_prior`): two-sample z of 12 functionals.
* :func:`check_colored_grid` -- the colored-noise task with alpha ~ U(0.5, 0.99) unknown: SMC vs
  the Bayes grid oracle (:func:`chasm_theory.oracles.bayes_grid.bayes_grid_predict`).
* :func:`check_slice_grid` -- one coordinate of the d = 4 prior unknown, the rest fixed: SMC vs
  quadrature with the core's Kalman filter.
* :func:`check_importance` -- short contexts from the core's prior sampler, where importance
  sampling from the prior is reliable: SMC vs IS with a very large sample.
* :func:`check_seeds` -- the oracle with two seeds on the same contexts.
* :func:`check_effort` -- the oracle vs itself with more particles and moves (what its default
  settings still miss: the systematic part of its error, which seed-to-seed spread cannot show).

Each returns :func:`agreement` numbers: the RMS difference, the RMS of the combined standard
errors and their ratio ``z_pooled`` (about 1 when the difference is Monte Carlo noise).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from chasm_theory.oracles.bayes_grid import bayes_grid_predict, uniform_grid
from chasm_theory.oracles.lgssm import LGSSMParams
from chasm_theory.oracles.posterior_lgssm import LgssmPrior, theta_from_latent
from chasm_theory.oracles.posterior_reference import (
    ColoredNoiseAlpha,
    LatentSlice,
    importance_sampling_predictive,
    slice_grid_predictive,
)
from chasm_theory.oracles.posterior_smc import Model, SMCConfig, posterior_predictive
from chasm_theory.oracles.tasks import random_lgssm_prior, sample_colored_noise, sample_lgssm

__all__ = ["agreement", "prior_functionals", "check_prior_law", "check_colored_grid",
           "check_slice_grid", "check_importance", "check_seeds", "check_effort"]


def agreement(est: np.ndarray, est_se: np.ndarray, ref: np.ndarray,
              ref_se: np.ndarray | float = 0.0) -> dict[str, float]:
    """Pooled agreement of two estimates (n, m) with standard errors."""
    d = np.asarray(est, float) - np.asarray(ref, float)
    se2 = np.asarray(est_se, float) ** 2 + np.asarray(ref_se, float) ** 2
    rms_d = float(np.sqrt(np.mean(d ** 2)))
    rms_se = float(np.sqrt(np.mean(se2)))
    return {"n": int(d.shape[0]), "rms_diff": rms_d, "max_abs_diff": float(np.abs(d).max()),
            "rms_se": rms_se, "z_pooled": rms_d / max(rms_se, 1e-300),
            "ref_sd": float(np.std(ref)), "mean_sq_diff": float(np.mean((d ** 2).sum(-1)))}


def prior_functionals(A: np.ndarray, C: np.ndarray, Q: np.ndarray, R: np.ndarray
                      ) -> dict[str, np.ndarray]:
    """Functionals (each (n,)) of batched theta whose prior laws the two samplers must share."""
    tr = np.trace(A, axis1=1, axis2=2)
    return {"tr A": tr, "(tr A)^2": tr ** 2, "|A|_F^2": np.einsum("bij,bij->b", A, A),
            "tr A^2": np.trace(A @ A, axis1=1, axis2=2), "det A": np.linalg.det(A),
            "log det Q": np.linalg.slogdet(Q)[1], "tr Q": np.trace(Q, axis1=1, axis2=2),
            "Q_01^2": Q[:, 0, 1] ** 2, "log det R": np.linalg.slogdet(R)[1],
            "R_01^2": R[:, 0, 1] ** 2, "mean C^2": (C ** 2).mean((1, 2)),
            "<A, Q>": np.einsum("bij,bij->b", A, Q)}


def check_prior_law(seed: int, n: int = 2000) -> dict[str, Any]:
    """Two-sample z (difference of means over its standard error) of each functional of theta
    from the latent map (n draws) and from the core's prior sampler (n draws)."""
    rng = np.random.default_rng([seed, 29])
    A, C, Q, R, _, _ = theta_from_latent(rng.standard_normal((n, LgssmPrior(2).dim)))
    core = [random_lgssm_prior(rng) for _ in range(n)]
    f1 = prior_functionals(A, C, Q, R)
    f2 = prior_functionals(*(np.stack([getattr(p, f) for p in core]) for f in "ACQR"))
    z = {k: float((f1[k].mean() - f2[k].mean()) / np.sqrt(f1[k].var() / n + f2[k].var() / n))
         for k in f1}
    return {"n": n, "z": z, "max_abs_z": max(abs(v) for v in z.values())}


def check_colored_grid(seed: int, cfg: SMCConfig, n: int = 8, k: int = 64,
                       G: int = 2000) -> dict[str, Any]:
    """SMC vs the Bayes grid on n colored-noise contexts of length k (a = 0.9)."""
    rng = np.random.default_rng([seed, 31])
    x = np.concatenate([sample_colored_noise(0.9, a, 1, k, rng).x
                        for a in rng.uniform(0.5, 0.99, n)])
    al, lp = uniform_grid(0.5, 0.99, G)
    grid = bayes_grid_predict(x, 0.9, al, lp).pred[:, -1:]
    res = posterior_predictive(x[:, :, None], ColoredNoiseAlpha(), cfg, seed=seed)
    return {**agreement(res.mean, res.mcse, grid), "k": k, "G": G,
            "n_stages_median": res.diagnostics["summary"]["n_stages_median"]}


def check_slice_grid(seed: int, cfg: SMCConfig, n: int = 4, k: int = 32,
                     indices: tuple[int, ...] = (16, 19), G: int = 4001) -> dict[str, Any]:
    """SMC vs quadrature when one latent coordinate of the d = 4 prior is unknown (index 16: an
    eigenvalue modulus of A; 19: an entry of C), contexts from the fixed parameters."""
    rng = np.random.default_rng([seed, 37])
    model = LgssmPrior(2)
    out: dict[str, Any] = {"k": k, "G": G}
    for idx in indices:
        xi0 = rng.standard_normal(model.dim)
        prm = LGSSMParams(*(a[0] for a in theta_from_latent(xi0[None])))
        x = sample_lgssm(prm, n, k, rng).x
        grid = slice_grid_predictive(x, xi0, idx, G=G)
        res = posterior_predictive(x, LatentSlice(model, xi0, [idx]), cfg, seed=seed)
        out[f"latent_{idx}"] = agreement(res.mean, res.mcse, grid)
    return out


def check_importance(seed: int, cfg: SMCConfig, ks: tuple[int, ...] = (4, 8), n: int = 8,
                     M: int = 400_000, min_ess: float = 1000.0) -> dict[str, Any]:
    """SMC vs importance sampling (M prior draws) on contexts of lengths ks drawn with the core's
    prior sampler; only contexts where IS has ESS >= min_ess are compared."""
    rng = np.random.default_rng([seed, 41])
    out: dict[str, Any] = {"M": M, "min_ess": min_ess}
    for k in ks:
        x = np.concatenate([sample_lgssm(random_lgssm_prior(rng), 1, k, rng).x
                            for _ in range(n)])
        mean, se, ess = importance_sampling_predictive(x, M, seed=seed + k)
        keep = ess >= min_ess
        row: dict[str, Any] = {"n_contexts": n, "n_reliable": int(keep.sum()),
                               "is_ess_median": float(np.median(ess))}
        if keep.any():
            res = posterior_predictive(x[keep], LgssmPrior(2), cfg, seed=seed)
            row.update(agreement(res.mean, res.mcse, mean[keep], se[keep]))
        out[f"k{k}"] = row
    return out


def check_seeds(x: np.ndarray, model: Model, cfg: SMCConfig, seeds: tuple[int, int] = (0, 1)
                ) -> dict[str, Any]:
    """The oracle run twice with independent seeds on the same contexts (n, k, m)."""
    a = posterior_predictive(x, model, cfg, seed=seeds[0])
    b = posterior_predictive(x, model, cfg, seed=seeds[1])
    return {**agreement(a.mean, a.mcse, b.mean, b.mcse), "seeds": list(seeds),
            "log_evidence_diff_mean": float(np.mean(a.log_evidence.mean(0)
                                                    - b.log_evidence.mean(0)))}


def check_effort(x: np.ndarray, model: Model, cfg: SMCConfig, seed: int = 0,
                 particles_factor: int = 2, moves_factor: int = 4) -> dict[str, Any]:
    """The oracle at cfg vs at particles_factor x particles and moves_factor x moves per stage
    (seed + 1000): its systematic error shows as a z_pooled well above 1 and as a lower
    log evidence (an under-explored posterior) at cfg."""
    hi_cfg = cfg._replace(n_particles=cfg.n_particles * particles_factor,
                          n_moves=cfg.n_moves * moves_factor)
    a = posterior_predictive(x, model, cfg, seed=seed)
    b = posterior_predictive(x, model, hi_cfg, seed=seed + 1000)
    return {**agreement(a.mean, a.mcse, b.mean, b.mcse), "high_effort": hi_cfg._asdict(),
            "log_evidence_shortfall_mean": float(np.mean(b.log_evidence.mean(0)
                                                         - a.log_evidence.mean(0)))}
