"""Per-k evaluation of trained models and the intervals the claims read, in one place.

Every interval comes from :mod:`chasm_theory.stats` under one rule: values are arranged
(n_seeds, n_units) -- training seeds × test units on the same test set -- and
:func:`chasm_theory.stats.seeds_ci` / :func:`~chasm_theory.stats.seeds_ratio_ci` bootstrap the
units for one seed and seeds-then-units (hierarchical) for several, so the intervals of claims
that compare trained models include the seed-to-seed variation whenever there is one.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch
from torch import nn

from chasm_theory._judgements import beats_baseline
from chasm_theory._record import Outcome, decide_interval
from chasm_theory.stats import bootstrap_ci, paired_ratio_ci, seeds_ci, seeds_ratio_ci
from empirics.engine.training import step_generator
from empirics.tasks.lg import augmented_params, colored_noise_batch, kalman_predictions

__all__ = ["predict", "ci_dict", "colored_test_set", "oracle_sq_errors", "zero_predictor_excess",
           "learned_excess", "colored_eval",
           "per_position_sq_err", "fmt_ci", "ci_words", "n_seeds", "per_seq", "ratio",
           "ratio_parts", "one_thread"]


class one_thread:
    """Run torch on one CPU thread inside the block (small models on a shared machine are
    faster single-threaded); restores the previous setting."""

    def __enter__(self) -> one_thread:
        self.prev = torch.get_num_threads()
        torch.set_num_threads(1)
        return self

    def __exit__(self, *exc: Any) -> None:
        torch.set_num_threads(self.prev)


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray, device: str = "cpu", chunk: int = 100) -> np.ndarray:
    """Model outputs (n, K, d_out) float64 for inputs x (n, K, d_in), in chunks of sequences."""
    model.eval()
    out = []
    for i in range(0, x.shape[0], chunk):
        xb = torch.as_tensor(x[i:i + chunk], dtype=torch.float32, device=device)
        out.append(model(xb).double().cpu().numpy())
    return np.concatenate(out)


def ci_dict(v: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Bootstrap CI of the mean of i.i.d. units v (n,) (one seed)."""
    return bootstrap_ci(np.asarray(v, float), n_boot=1000, rng=seed).as_dict()


def colored_test_set(alpha: float, n: int, K: int, seed: int, a: float = 0.9) -> np.ndarray:
    """x (n, K+1, 1) float64 test sequences (own seed stream, disjoint from training)."""
    g = step_generator(10_000_019 + seed, int(round(alpha * 1e6)))
    x, _ = colored_noise_batch(g, n, K + 1, a=a, alpha=alpha)
    return x.double().numpy()


def oracle_sq_errors(x: np.ndarray, a: float, alpha: float) -> dict[str, np.ndarray]:
    """Squared errors (n, K) of the steady-state (papers') and exact Kalman oracles."""
    A, C, Q, R, P0 = augmented_params(a, alpha)
    inp, tgt = x[:, :-1], x[:, 1:]
    return {"steady": ((kalman_predictions(inp, A, C, Q, R, P0, steady=True) - tgt) ** 2)[..., 0],
            "exact": ((kalman_predictions(inp, A, C, Q, R, P0) - tgt) ** 2)[..., 0]}


@functools.lru_cache(maxsize=256)
def zero_predictor_excess(a: float, alpha: float, k: int) -> float:
    """Exact excess of the zero predictor over the steady-state (papers') Kalman oracle when
    predicting x_{k+1} from k observations of the stationary colored-noise task (000 Thm 2):
    E x_{k+1}² − E(x̂_{k+1} − x_{k+1})². Both from the law: the oracle is linear in the context,
    its weights (k,) are its predictions after unit impulses e_1..e_k, and both risks are
    :func:`chasm_theory.oracles.risks.linear_risk` on the process covariance (k + 1, k + 1)
    (the zero predictor: weights 0). The learned rule's baseline for an excess at k."""
    from chasm_theory.oracles.risks import linear_risk, process_covariance_colored

    w = kalman_predictions(np.eye(k)[:, :, None], *augmented_params(a, alpha),
                           steady=True)[:, k - 1, 0]
    cov = process_covariance_colored(a, alpha, k)
    return linear_risk(cov, np.zeros(k)) - linear_risk(cov, w)


def learned_excess(ci: dict[str, float], a: float, alpha: float, k: int, model: str
                   ) -> Outcome:
    """Has ``model`` learned the colored-noise task? Its excess CI at k (``ci``: est, lo, hi;
    over the steady-state oracle) against the zero predictor's (:func:`zero_predictor_excess`)
    by :data:`~chasm_theory.LEARNED_RULE`."""
    return beats_baseline(ci["lo"], ci["hi"], zero_predictor_excess(a, alpha, k), model=model,
                          metric=f"excess over the steady-state Kalman oracle at k = {k}",
                          higher_is_better=False, kind="real", est=ci["est"])


def colored_eval(models: dict[str, tuple[list[nn.Module], int]], alphas: list[float],
                 ks: list[int], k_are: int, n_test: int, seed: int, device: str,
                 a: float = 0.9, ssm_name: str = "ssm") -> dict[str, Any]:
    """Per-α, per-k risks and excess risks (vs the steady-state oracle) with CIs, and the ARE at
    ``k_are`` (ratio of mean excesses, paired over seeds and test sequences) of each model
    relative to ``ssm_name``. ``models``: name -> (one trained model per seed, largest k the
    model may be evaluated at)."""
    K = max(ks)
    res: dict[str, Any] = {}
    for alpha in alphas:
        x = colored_test_set(alpha, n_test, K, seed, a)
        orc = oracle_sq_errors(x, a, alpha)
        cell: dict[str, Any] = {
            "oracle_risk": {k: ci_dict(orc["steady"][:, k - 1]) for k in ks},
            "exact_oracle_risk": {k: ci_dict(orc["exact"][:, k - 1]) for k in ks},
            "models": {}}
        ex_at: dict[str, np.ndarray] = {}
        for name, (seeds, kmax) in models.items():
            kk = [k for k in ks if k <= kmax]
            km = max(kk)
            sq = np.stack([(predict(m, x[:, :km], device)[..., 0] - x[:, 1:km + 1, 0]) ** 2
                           for m in seeds])  # (n_seeds, n, km)
            ex = sq - orc["steady"][None, :, :km]
            cell["models"][name] = {
                "ks": kk, "n_seeds": len(seeds),
                "risk": [seeds_ci(sq[:, :, k - 1]) for k in kk],
                "excess": [seeds_ci(ex[:, :, k - 1]) for k in kk],
                # (n_seeds, n) per test sequence at the ARE's k and the largest k, for
                # intervals that pool cells (hierarchical over seeds and sequences)
                "per_seq_excess": {str(k): np.round(ex[:, :, k - 1], 6).tolist()
                                   for k in sorted({k_are, km}) if k <= km},
            }
            if k_are <= kmax:
                ex_at[name] = ex[:, :, k_are - 1]
        are = {}
        for name, ex in ex_at.items():
            if name != ssm_name and ssm_name in ex_at:
                are[name] = seeds_ratio_ci(ex, ex_at[ssm_name], seed=seed)
        cell["are"] = are
        res[str(alpha)] = cell
    return res


@torch.no_grad()
def per_position_sq_err(model: nn.Module, X: torch.Tensor, Y: torch.Tensor,
                        batch: int = 64) -> np.ndarray:
    """Mean over the output entries of (ŷ − y)², (n, T) float64; non-finite predictions stay inf."""
    out = []
    model.eval()
    for i in range(0, X.shape[0], batch):
        yh = model(X[i:i + batch]).double()
        e = (yh - Y[i:i + batch].double()).pow(2).mean(-1)
        out.append(torch.nan_to_num(e, nan=float("inf")).numpy())
    return np.concatenate(out)


def fmt_ci(c: dict[str, float]) -> str:
    return f"{c['est']:.3g} [{c['lo']:.3g}, {c['hi']:.3g}]"


def n_seeds(res: dict[str, Any]) -> int:
    """The number of training seeds an experiment's results pooled (1 when not stated)."""
    return int(res.get("n_seeds", 1))


def ci_words(n: int) -> str:
    """How a record names the interval :func:`chasm_theory.stats.seeds_ci` gives over ``n``
    training seeds and the test sequences."""
    if n == 1:
        return "95% bootstrap CI over the test sequences (one training seed)"
    return f"95% hierarchical-bootstrap CI over the {n} training seeds, then the test sequences"


def per_seq(res: dict[str, Any], name: str, k: int) -> np.ndarray:
    """Stored per-(seed, test sequence) values (n_seeds, n) of model ``name`` at k."""
    return np.asarray(res["models"][name]["per_seq"][str(k)], dtype=float)


def ratio(res: dict[str, Any], num: str, den: str, k: int) -> dict[str, float]:
    """Paired hierarchical ratio CI of the mean per-sequence values of two models at k."""
    return paired_ratio_ci(per_seq(res, num, k), per_seq(res, den, k))


def ratio_growth(res: dict[str, Any], num: str, den: str, k0: int, k1: int) -> dict[str, float]:
    """How the paired ratio num/den changes from k0 to k1: ratio(k1) / ratio(k0) with a 95 %
    CI; the four (seed, sequence) tables are paired and resampled together (seeds, then test
    sequences: :func:`chasm_theory.stats.seeds_boot_means`)."""
    from chasm_theory.stats import seeds_boot_means

    b = seeds_boot_means(np.stack([per_seq(res, num, k1), per_seq(res, den, k1),
                                   per_seq(res, num, k0), per_seq(res, den, k0)], axis=-1))
    lo, hi = np.quantile((b[:, 0] / b[:, 1]) / (b[:, 2] / b[:, 3]), [0.025, 0.975])
    est = ratio(res, num, den, k1)["est"] / ratio(res, num, den, k0)["est"]
    return {"est": float(est), "lo": float(lo), "hi": float(hi)}


def ratio_parts(res: dict[str, Any], pairs: list[tuple[str, str, int]], lo: float = 1.0,
                hi: float = float("inf")) -> dict[str, Outcome]:
    """One outcome per (num, den, k): the paired ratio's CI against [lo, hi]."""
    parts = {}
    for num, den, k in pairs:
        c = ratio(res, num, den, k)
        parts[f"{num}/{den}@{k}"] = decide_interval(
            c["lo"], c["hi"], target_lo=lo, target_hi=hi,
            predicted=f"> {lo}" if hi == float("inf") else f"< {hi}",
            measured=fmt_ci(c), evidence=f"MSE ratio {num}/{den} at k={k}: {fmt_ci(c)}")
    return parts
